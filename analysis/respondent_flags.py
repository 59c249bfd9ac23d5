"""Respondent flags of one wave, recomputed at every evaluation (DESIGN §7 (g), (j)).

DUPLICATE, SPEEDING, STRAIGHTLINE (identical answers given fast), INSUFFICIENT_ITEMS, and the
padding tests of :mod:`analysis.fabrication`: PADDING_SUSPECT on the ratings that show the
pattern for which their interviewer (or web source) differs significantly from the unit's other
groups, and BURST on the submissions of a source that is both flagged by those tests and more
than ``burst_max_count`` times in ``burst_window_s`` — a shared address alone is never evidence.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from analysis import flags as F
from analysis.config import ScoringConfig
from analysis.fabrication import PaddingReport, padding_tests
from analysis.inputs import WaveInput
from analysis.scoring import ItemTable, RespondentScores


class RespondentFlags(NamedTuple):
    submission: dict[str, np.ndarray]  #: flag -> (S,) bool
    rating: dict[str, np.ndarray]  #: flag -> (R,) bool
    padding: PaddingReport
    group: np.ndarray  #: (S,) group code tested: interviewer, else source offset past them, else -1


def any_flag(flags: dict[str, np.ndarray], names: set[str], size: int) -> np.ndarray:
    out = np.zeros(size, dtype=bool)
    for name in names & set(flags):
        out |= flags[name]
    return out


def test_groups(inp: WaveInput) -> np.ndarray:
    """Interviewer code where there is one, else the source code shifted past the interviewers."""
    s = inp.n_submissions
    who = np.full(s, -1, dtype=np.int64) if inp.interviewer is None else np.asarray(inp.interviewer, dtype=np.int64)
    src = np.full(s, -1, dtype=np.int64) if inp.source is None else np.asarray(inp.source, dtype=np.int64)
    shift = int(who.max()) + 1 if who.size and who.max() >= 0 else 0
    return np.where(who >= 0, who, np.where(src >= 0, src + shift, -1))


def respondent_flags(inp: WaveInput, answers: np.ndarray, scores: RespondentScores, table: ItemTable,
                     config: ScoringConfig) -> RespondentFlags:
    """Every respondent flag; the padding tests run on the ratings the other flags leave counted."""
    s, r = inp.n_submissions, inp.n_ratings
    rs = np.asarray(inp.rating_submission, dtype=np.int64)
    ru = np.asarray(inp.rating_unit, dtype=np.int64)
    sub = {k: np.asarray(v, dtype=bool) for k, v in inp.submission_flags.items()}
    sub.pop(F.BURST, None)  # a count from one address is no evidence: judged below on patterns
    linkage = np.full(s, -1) if inp.linkage is None else np.asarray(inp.linkage)
    sub[F.DUPLICATE] = F.duplicate_flags(linkage) | sub.get(F.DUPLICATE, np.zeros(s, bool))
    fast = None
    if inp.duration is not None:
        channel = np.zeros(s, dtype=np.int64) if inp.channel is None else np.asarray(inp.channel)
        sub[F.SPEEDING] = F.speeding_flags(inp.duration, channel, config.speeding_fraction)
        fast = F.speeding_flags(inp.duration, channel, config.straightline_speed_fraction)[rs]
    rat = {k: np.asarray(v, dtype=bool) for k, v in inp.rating_flags.items()}
    rat[F.INSUFFICIENT_ITEMS] = ~scores.sufficient
    rat[F.STRAIGHTLINE] = F.straightline_flags(answers, scores.missing, config.straightline_min_items, fast)

    pattern_flags = {F.BURST, F.PADDING_SUSPECT}
    excluding = set(config.excluding_flags) - pattern_flags
    base = ~(any_flag(sub, excluding, s)[rs] | any_flag(rat, excluding, r))
    group = test_groups(inp)
    best = np.nanargmax(np.where(np.isnan(table.points), -np.inf, table.points), axis=1)
    report = padding_tests(group, rs, ru, base, answers, scores.missing, best,
                           duration=inp.duration, submitted_at=inp.submitted_at,
                           alpha=config.padding_alpha, min_group=config.padding_min_group)
    rat[F.PADDING_SUSPECT] = report.suspect
    sub[F.BURST] = np.zeros(s, dtype=bool)
    if inp.source is not None and inp.submitted_at is not None:
        dense = F.burst_flags(inp.source, inp.submitted_at, config.burst_max_count, config.burst_window_s)
        web = inp.interviewer is None or (np.asarray(inp.interviewer) < 0)
        sub[F.BURST] = dense & report.group_flagged & web
    return RespondentFlags(sub, rat, report, group)
