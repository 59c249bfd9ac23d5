"""The stored configuration of a run: the analysis ScoringConfig plus the survey-side choices."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from analysis import ScoringConfig
from survey.errors import ValidationFailed
from survey.hashing import canonical_json, sha256_hex
from survey.i18n import _


@dataclass(frozen=True)
class RunSettings:
    """What a run was computed with: ``scoring`` (DESIGN §7 parameters) and item weights.

    ``item_weights`` overrides the questionnaire's weights of scored items (None: use them).
    """

    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    item_weights: Mapping[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "scoring": self.scoring.to_dict(),
            "item_weights": None if self.item_weights is None else dict(sorted(self.item_weights.items())),
        }

    @classmethod
    def for_period(cls, kind: str) -> RunSettings:
        """Defaults of a kind of period: ``quarterly`` (and monthly) or ``annual`` thresholds."""
        return cls(scoring=ScoringConfig.for_period(kind))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], kind: str | None = None) -> RunSettings:
        """Parse a stored or uploaded config; ``ValidationFailed`` names every bad key.

        Keys missing from ``scoring`` take the defaults of ``kind`` (annual / quarterly) when
        given, else the plain ScoringConfig defaults (a stored config always has every key).
        """
        if not isinstance(data, Mapping):
            raise ValidationFailed([("config", _("The configuration must be a JSON object."))])
        unknown = sorted(set(data) - {"scoring", "item_weights"})
        errors = [(key, _("Unknown configuration key.")) for key in unknown]
        scoring = ScoringConfig()
        try:
            values = dict(data.get("scoring") or {})
            if kind is not None:
                values = {**ScoringConfig.for_period(kind).to_dict(), **values}
            scoring = ScoringConfig.from_dict(values)
        except (TypeError, ValueError) as error:
            errors.append(("scoring", str(error)))
        weights = data.get("item_weights")
        if weights is not None and (not isinstance(weights, Mapping) or not all(
                isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in weights.values())):
            errors.append(("item_weights", _("Item weights must be numbers of at least 0.")))
            weights = None
        if errors:
            raise ValidationFailed(errors)
        return cls(scoring=scoring, item_weights=None if weights is None else
                   {str(k): float(v) for k, v in weights.items()})

    def sha256(self) -> str:
        return sha256_hex(canonical_json(self.to_dict()))
