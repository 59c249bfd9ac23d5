"""The stored configuration of a run: the analysis ScoringConfig plus the survey-side choices."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from analysis import ScoringConfig
from analysis.config import CI_METHODS, POINTS_BASES, TIER_EVIDENCE, ConfigError
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
        given = data.get("scoring")
        if given is None:
            given = {}
        if not isinstance(given, Mapping):
            errors.append(("scoring", _("The configuration must be a JSON object.")))
        else:
            values = {str(k): v for k, v in given.items()}
            if kind is not None:  # the period's defaults fill in; problems keep the file's order
                defaults = ScoringConfig.for_period(kind).to_dict()
                values.update((k, v) for k, v in defaults.items() if k not in values)
            try:
                scoring = ScoringConfig.from_dict(values)
            except ConfigError as error:
                errors.extend(scoring_errors(error))
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


def scoring_errors(error: ConfigError) -> list[tuple[str, str]]:
    """Every problem of a scoring config as its own ``("scoring.<key>", message)`` entry."""
    return [(f"scoring.{key}", message) for key, message in error.errors]


#: Respondent flags the office may choose to exclude (DESIGN §7g).
EXCLUDABLE_FLAGS = ("DUPLICATE", "HONEYPOT", "INSUFFICIENT_ITEMS", "STAFF_OF_UNIT", "SPEEDING",
                    "STRAIGHTLINE", "BURST")
#: Numeric fields of the run form: (name, type).
FORM_NUMBERS = (("trim_low", float), ("trim_high", float), ("social_max", float), ("band_low", float),
                ("band_high", float), ("n_min", int), ("wide_ci_half_width", float),
                ("min_answered_weight", float), ("seed", int))
#: Choice fields of the run form: (name, allowed values).
FORM_SELECTS = (("scale", ("item", "5level", "5level_30", "3level_55", "3level_30")),
                ("method", ("M1", "M2", "M3", "M4", "M5")), ("raking_scope", ("city", "district")),
                ("points_basis", POINTS_BASES), ("ci_method", CI_METHODS), ("tier_evidence", TIER_EVIDENCE))


def settings_from_form(form: Mapping[str, Any], item_names: list[str], kind: str) -> RunSettings:
    """Run settings from the office's config form; ``ValidationFailed`` lists every bad field.

    ``form`` maps names to strings, except ``excluding_flags`` (a list of checked flags).
    """
    defaults = ScoringConfig.for_period(kind).to_dict()
    values: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for name, kind_of in FORM_NUMBERS:
        text = str(form.get(name, "")).strip()
        if text == "":
            continue
        try:
            values[name] = kind_of(text)
        except ValueError:
            errors.append((name, _("Enter a number.")))
            continue
        # NaN, infinity and integers beyond 32 bits would fail inside the run, not here
        if not math.isfinite(values[name]) or abs(values[name]) >= 2**31:
            del values[name]
            errors.append((name, _("Enter a finite number of reasonable size.")))
    values["raking"] = form.get("raking") in ("1", "on", "true", True)
    for name, allowed in FORM_SELECTS:
        text = str(form.get(name) or defaults[name])
        if text in allowed:
            values[name] = text
        else:
            errors.append((name, _("Choose one of the listed values.")))
    flags = form.get("excluding_flags") or []
    values["excluding_flags"] = tuple(f for f in EXCLUDABLE_FLAGS if f in flags)
    weights: dict[str, float] = {}
    for item in item_names:
        text = str(form.get(f"weight_{item}", "")).strip()
        if text == "":
            continue
        try:
            weights[item] = float(text)
            if not 0 <= weights[item] < math.inf:  # NaN fails the comparison too
                raise ValueError
        except ValueError:
            errors.append((f"weight_{item}", _("An item weight is a number of at least 0.")))
    # the values that parsed are checked too, so every problem is reported at once; each one is
    # named like its form field (the fields are named like the config keys)
    scoring = None
    try:
        scoring = ScoringConfig.from_dict({**defaults, **values})
    except ConfigError as error:
        named = {name for name, _message in errors}
        errors += [(key, message) for key, message in error.errors if key not in named]
    if errors or scoring is None:
        raise ValidationFailed(errors)
    return RunSettings(scoring=scoring, item_weights=weights or None)
