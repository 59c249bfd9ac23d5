"""Padding findings in words: which interviewer (or web source), which unit, what evidence.

The tests themselves are :func:`analysis.fabrication.padding_tests` (run inside every
evaluation); this module names the groups and says the evidence in the reader's language, for
the run summary, the monitoring page and the command line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from analysis import WaveResult
from survey.i18n import N_, _

TEST_WORDS = {
    "topbox": N_("%(share)s of the %(n)s interviews about %(unit)s by %(group)s answered 非常满意 to "
                 "every item, against %(rest)s of the unit's other %(n_rest)s"),
    "straightline": N_("%(share)s of the %(n)s interviews about %(unit)s by %(group)s gave one answer to "
                       "every item, against %(rest)s of the unit's other %(n_rest)s"),
    "duplicates": N_("%(share)s of the %(n)s interviews about %(unit)s by %(group)s repeat another of "
                     "their answer sheets exactly, against %(rest)s among the unit's other groups"),
    "duration": N_("The interviews about %(unit)s by %(group)s took %(value)s s (median), against "
                   "%(value_rest)s s for the unit's other interviews"),
    "gaps": N_("%(group)s's interviews about %(unit)s followed each other after %(value)s s (median), "
               "against %(value_rest)s s for the unit's other interviews"),
}


@dataclass(frozen=True)
class PaddingFinding:
    """One test of one interviewer (or source) for one unit, ready to show."""

    group: str  #: the interviewer id, or "web source N"
    unit_code: str
    unit_name: str
    test: str
    n_group: int
    n_rest: int
    value_group: float
    value_rest: float
    p_value: float
    adjusted_p: float
    significant: bool

    @property
    def interviewer(self) -> str:
        return self.group

    @property
    def evidence_text(self) -> str:
        """The evidence in words, in the current language (the p-values are shown beside it)."""
        share = self.test in ("topbox", "straightline", "duplicates")
        words = _(TEST_WORDS[self.test], share=f"{self.value_group:.0%}" if share else "",
                  rest=f"{self.value_rest:.0%}" if share else "", n=self.n_group, n_rest=self.n_rest,
                  unit=self.unit_name, group=self.group, value=f"{self.value_group:.0f}",
                  value_rest=f"{self.value_rest:.0f}")
        return words


def group_labels(result: WaveResult, interviewer_ids: Sequence[str]) -> dict[int, str]:
    """Label of each group code the padding tests used: interviewer ids, then web sources."""
    codes: Iterable[Any] = (np.unique(result.test_groups[result.test_groups >= 0])
                            if result.test_groups is not None else [])
    k = len(interviewer_ids)
    return {int(c): interviewer_ids[int(c)] if c < k else _("web source %(n)s", n=int(c) - k + 1)
            for c in codes}


def findings(result: WaveResult, unit_codes: Sequence[str], unit_names: Sequence[str],
             interviewer_ids: Sequence[str], significant_only: bool = True) -> list[PaddingFinding]:
    """The wave's padding tests as findings (significant ones by default), most significant first."""
    if result.padding is None:
        return []
    labels = group_labels(result, interviewer_ids)
    out = [PaddingFinding(labels.get(f.group, str(f.group)), unit_codes[f.unit], unit_names[f.unit], f.test,
                          f.n_group, f.n_rest, f.value_group, f.value_rest, f.p_value, f.adjusted_p,
                          f.significant)
           for f in result.padding.findings if f.significant or not significant_only]
    return sorted(out, key=lambda f: (f.adjusted_p, f.p_value, f.unit_code, f.group))


def summary_findings(result: WaveResult, unit_codes: Sequence[str], unit_names: Sequence[str],
                     interviewer_ids: Sequence[str]) -> dict[str, Any]:
    """What a run stores: the significant findings and how many tests were made."""
    found = findings(result, unit_codes, unit_names, interviewer_ids)
    return {"tests": len(result.padding.findings) if result.padding is not None else 0,
            "findings": [asdict(f) for f in found]}


def excluded_by_flag(result: WaveResult, excluding: Sequence[str]) -> dict[str, int]:
    """Ratings each excluding flag kept out of the index (a rating may carry several flags)."""
    rs = result.rating_submission
    out: dict[str, int] = {}
    for flag in excluding:
        out[flag] = 0
        if flag in result.rating_flags:
            out[flag] = int(np.count_nonzero(result.rating_flags[flag]))
        elif flag in result.submission_flags and rs is not None:
            out[flag] = int(np.count_nonzero(result.submission_flags[flag][rs]))
    return out


def latest_run_findings(session: Session, wave_id: int) -> tuple[int | None, list[PaddingFinding]]:
    """The findings the wave's latest evaluation run recorded (its id, or None without a run)."""
    from sqlalchemy import select

    from survey.models import EvaluationRun

    run = session.scalars(select(EvaluationRun).where(EvaluationRun.wave_id == wave_id)
                          .order_by(EvaluationRun.id.desc()).limit(1)).first()
    if run is None:
        return None, []
    stored = ((run.summary or {}).get("padding") or {}).get("findings", [])
    return run.id, [PaddingFinding(**f) for f in stored]


def wave_findings(session: Session, wave_id: int) -> list[PaddingFinding]:
    """Padding findings of a wave's data as it stands (default quarterly settings), for monitoring."""
    from survey.errors import ValidationFailed
    from survey.evaluation.inputs import load_wave
    from survey.evaluation.runs import compute_wave
    from survey.evaluation.settings import RunSettings

    settings = RunSettings.for_period("quarterly")
    try:
        data = load_wave(session, wave_id)
        result = compute_wave(data, settings)
    except ValidationFailed:
        return []
    return findings(result, data.inp.unit_codes, data.inp.unit_names, data.interviewer_ids)
