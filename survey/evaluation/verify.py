"""``verify-run``: re-read a run's data through the same SQL, recompute, compare per field.

The office's recorded decisions on provisional placements are replayed onto the recomputed rows
(they are part of the run, not of the statistics), so a decided run verifies as identical.

Floats compare equal within 1e-9 relative (summation order may differ between databases);
everything else must be equal. The input hash and the settings hash are compared too.

:func:`cause` says why a run differs when that can be told: the responses changed (the input
hash differs), or only the component scores imported since the run changed (every difference is
in a ``total*`` column, the flags the totals set or the office's decision on the total tier, while
every social column matches).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from survey.errors import NotFound, ValidationFailed
from survey.evaluation.decisions import replay_decisions
from survey.evaluation.exports import COLUMNS
from survey.evaluation.inputs import load_wave
from survey.evaluation.runs import compute_wave, get_run
from survey.evaluation.settings import RunSettings
from survey.evaluation.storage import result_rows
from survey.i18n import _

REL_TOL = 1e-9
#: Result columns recomputed and compared (the per-run ones are compared once); the office's
#: decisions are compared as the stored ``decisions`` attribute, not as their export text.
#: Export columns derived from other fields (decisions, extra) are compared through those fields.
DERIVED = ("period", "run_id", "input_sha256", "office_decisions", "consec_bottom_evidence")
COMPARED = tuple(c for c in COLUMNS if c not in DERIVED) + ("decisions",)
#: Unit flags that follow from the component scores (analysis.comprehensive, annual runs).
COMPONENT_FLAGS = frozenset({"BONUS_CAPPED", "RANK_UNSTABLE", "VETO", "CONSEC_BOTTOM"})


@dataclass
class Difference:
    unit_code: str  #: "" for a run-level field
    field: str
    stored: Any
    recomputed: Any

    def __str__(self) -> str:
        where = f"{self.unit_code}." if self.unit_code else ""
        return f"{where}{self.field}: stored {self.stored!r}, recomputed {self.recomputed!r}"


@dataclass
class VerifyReport:
    run_id: int
    differences: list[Difference] = field(default_factory=list)
    fields_compared: int = 0

    @property
    def identical(self) -> bool:
        return not self.differences

    @property
    def components_changed(self) -> bool:
        """Only the totals differ: the social evaluation recomputes identically."""
        return not self.identical and all(d.unit_code and _totals_only(d) for d in self.differences)


def _totals_only(difference: Difference) -> bool:
    """Whether a unit's difference is one the component scores alone can make."""
    if difference.field.startswith("total"):
        return True
    if difference.field == "flags":
        return _flag_set(difference.stored) ^ _flag_set(difference.recomputed) <= COMPONENT_FLAGS
    if difference.field == "decisions":
        return _social_decision(difference.stored) == _social_decision(difference.recomputed)
    return False


def _flag_set(flags: str | None) -> set[str]:
    return {f for f in (flags or "").split(";") if f}


def _social_decision(decisions: dict[str, Any] | None) -> Any:
    return (decisions or {}).get("social")


def cause(report: VerifyReport) -> str | None:
    """Why the run differs, when that can be told; None when identical or unexplained."""
    stored = next((d for d in report.differences if d.field == "input_sha256"), None)
    if stored is not None:
        return _("the responses changed since the run (input hash %(stored)s → %(now)s)",
                 stored=str(stored.stored)[:12], now=str(stored.recomputed)[:12])
    if report.components_changed:
        return _("the component scores changed since the run; the social evaluation is identical")
    return None


def same(a: Any, b: Any) -> bool:
    """Equality with floats within 1e-9 relative; None equals None (NaN is stored as None)."""
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is None and b is None
        return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=1e-12)
    return a == b


def verify_run(session: Session, run_id: int) -> VerifyReport:
    """Recompute ``run_id`` with its stored settings and report every field that differs.

    A wave's run is recomputed from the responses (through the same SQL as an evaluation); an
    annual run from the quarterly runs it was made of.
    """
    run = get_run(session, run_id)
    if run.wave_id is None and run.kind != "year":
        raise ValidationFailed([("run", _("Only runs of a wave can be verified by recomputation."))])
    settings = RunSettings.from_dict(run.config)
    report = VerifyReport(run.id)
    report.fields_compared += 2
    if settings.sha256() != run.config_sha256:
        report.differences.append(Difference("", "config_sha256", run.config_sha256, settings.sha256()))
    if run.kind == "year":
        from survey.evaluation.periods import _quarters_hash, compute_year

        quarters = [get_run(session, int(q["run"])) for q in (run.summary or {}).get("quarters", [])]
        digest = _quarters_hash(quarters)
        fresh_rows = compute_year(session, int(run.year or run.period), quarters, settings)[2]
    else:
        if run.wave_id is None:  # what load_wave says of a wave that does not exist
            raise NotFound(_("Wave %(id)s does not exist.", id=run.wave_id))
        data = load_wave(session, run.wave_id, item_weights=dict(settings.item_weights or {}) or None,
                         district_variable=settings.scoring.district_variable)
        digest = data.input_sha256
        fresh_rows = result_rows(compute_wave(data, settings), data.unit_ids)
    replay_decisions(fresh_rows, list(run.results))
    if run.kind == "year":
        from survey.evaluation.periods import _mark_consec_bottom, _previous_year

        _mark_consec_bottom(fresh_rows, _previous_year(session, int(run.period)), run.id, run.period)
    if digest != run.input_sha256:
        report.differences.append(Difference("", "input_sha256", run.input_sha256, digest))
    stored = {r.unit_code: r for r in run.results}
    fresh = {r.unit_code: r for r in fresh_rows}
    for code in sorted(set(stored) | set(fresh)):
        if code not in stored or code not in fresh:
            report.differences.append(Difference(code, "unit", code in stored, code in fresh))
            continue
        for column in COMPARED:
            a, b = getattr(stored[code], column), getattr(fresh[code], column)
            report.fields_compared += 1
            if not same(a, b):
                report.differences.append(Difference(code, column, a, b))
    return report
