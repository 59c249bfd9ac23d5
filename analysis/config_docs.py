"""What every :class:`~analysis.config.ScoringConfig` field means, as one Markdown table.

``docs/methodology.md`` carries the table between ``<!-- config-table:start -->`` and
``<!-- config-table:end -->``; ``scripts/config_table.py`` rewrites it from
:func:`config_table_markdown`, and a test fails when the two differ, so the documented
defaults cannot drift from the code. Importing this module loads neither scipy nor matplotlib.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from analysis.config import PERIOD_DEFAULTS, ScoringConfig

#: One or two sentences per ScoringConfig field: what it does, its unit and allowed values.
FIELD_DOCS: dict[str, str] = {
    # (a) item -> respondent score
    "scale": (
        'Option points of every scored item: "item" uses the points the questionnaire gives each '
        'option; a preset ("5level" 100/80/60/40/0, "5level_30" 100/80/60/30/0, "3level_55" '
        '100/75/55, "3level_30" 100/70/30) re-scores the substantive options of every item, best '
        "first (an item with a different number of substantive options is an error)."
    ),
    "option_points": (
        "Explicit points (0–100, best first) for the substantive options of every item; when "
        "given it overrides `scale`; null uses `scale`. Every point must be a finite number."
    ),
    "min_answered_weight": (
        "A rating is valid only when its items answered with a scored (non-missing) option carry "
        "at least this share of the total item weight; otherwise it gets INSUFFICIENT_ITEMS. "
        "Share in (0, 1]."
    ),
    # (b) weights
    "raking": (
        "true: rake the design weights of the persons with a counted rating to the wave's "
        "population margins (when the wave has margins); false: only scale the design weights "
        "so that Σw = n."
    ),
    "raking_scope": (
        '"city": one raking of all persons to the city-wide margins; "district": every '
        "district raked to its own margins (its local margin, else the city-wide one), with "
        "district totals from the city district margin, else the district's weighted persons."
    ),
    "district_variable": (
        'Name (text) of the stratum variable that identifies the district, used by '
        'raking_scope "district".'
    ),
    "raking_tol": (
        "Raking stops when every margin category is within this relative distance of its target "
        "and trimming moved no factor by more than this (relative); positive number."
    ),
    "raking_max_iter": (
        "Most raking iterations (one iteration: every margin once, in order, then trimming); "
        "beyond it, or when the error stalls, the run fails naming the worst margin. Whole "
        "number ≥ 1."
    ),
    "trim_low": (
        "Lower bound of a cell's adjustment factor (final weight / design weight) as a multiple "
        "of the mean factor over respondents; need 0 < trim_low ≤ 1 ≤ trim_high."
    ),
    "trim_high": (
        "Upper bound of the adjustment factor as a multiple of the mean factor (≥ 1). Both "
        "bounds apply only when raking."
    ),
    "empty_cell_policy": (
        'A margin category with a positive target and no respondent: "error" refuses the run, '
        '"collapse" moves its target to a neighbouring category, "drop" spreads it over the '
        "occupied categories in proportion to their targets; both flag CELL_COLLAPSED."
    ),
    "collapse_neighbours": (
        'List of [variable, category, neighbour] triples naming where an empty category\'s '
        'target goes under "collapse"; by default the next occupied category in order (the '
        "previous one for the last)."
    ),
    "small_cell_k": (
        "Joint weighting cells holding 1 to k − 1 weighted persons are listed in the weighting "
        "diagnostics (small_cells); whole number, reporting only."
    ),
    "normalise_margins": (
        "false: margins that do not add up (shares not summing to 1 within 1e-6, count margins "
        "of one scope with different totals) are refused; true: each is divided by its own total "
        "and the run is flagged MARGINS_NORMALISED."
    ),
    # (d) points
    "method": (
        'Social-points method within each peer group: "M1" linear, "M2" centred min–max '
        '(功效系数), "M3" z-score, "M4" Borda on the rank, "M5" tier points.'
    ),
    "social_max": (
        "P, the most social points: M1 gives P·v/100, and base_max + diff_max + social_max "
        "must be 100 in the comprehensive total; points."
    ),
    "band_low": (
        "L, the lowest points of M2–M5 (M2 and M4 reach it, M3 is clipped to it); need "
        "0 ≤ band_low < band_high ≤ social_max."
    ),
    "band_high": "U, the highest points of M2–M5; points.",
    "m5_points": (
        "M5 points of the tiers 优秀, 良好, 一般, 较差, in that order (four numbers); with "
        "expected ranks they are interpolated linearly between whole ranks."
    ),
    "points_basis": (
        'What the points are computed from: "shrunk" the Fay–Herriot estimate (its SE √MSE), '
        '"direct" the unit index SI (its SE).'
    ),
    "m2_min_range": (
        "M2 divides by max(max − min, m2_min_range), so a peer group whose values span less "
        "than this is not stretched over the whole band; points of the 0–100 scale, ≥ 0."
    ),
    "m3_min_sd": (
        "M3 divides by max(population SD of the group's values, m3_min_sd); points of the "
        "0–100 scale, ≥ 0."
    ),
    "rank_points": (
        'Rank used by M4 and M5: "expected" the expected rank 1 + Σ_k Φ((v_k − v_u)/√(se_u² + '
        'se_k²)) within the peer group; "plain" the ordinary rank (M4 ties averaged, M5 ties '
        "ordered by SI)."
    ),
    # (c), (e), (g) flags and uncertainty
    "confidence_level": (
        "Level of the SI and shrunk intervals, the zone tests, the rank confidence sets, "
        "ADJ_NOT_SIG and needed n (z = Φ⁻¹(½ + level/2)); in [0.5, 1). The percentile rank "
        "intervals stay at 2.5–97.5%."
    ),
    "ci_method": (
        'Published SI interval: "logit_t" a t interval on the logit of SI/100, "t" SI ± t·SE, '
        'both with df = n_eff − 1 (at least 1), "wald" SI ± z·SE; "t" and "wald" are clipped '
        "to [0, 100]."
    ),
    "se_floor_fraction": (
        "A unit's per-respondent variance SE²·n_eff may not fall below this fraction of the "
        "wave's pooled within-unit variance; in [0, 1] (a unit with one rating always gets the "
        "whole pooled variance)."
    ),
    "tier_evidence": (
        'What makes a 优秀 / 较差 placement final: "zone" one-sided tests at level α/k against '
        'the zone, "simultaneous" or "marginal" rank confidence sets (csranks).'
    ),
    "n_min": (
        "Units with fewer valid ratings are LOW_N (never a final placement) and need at least "
        "this n; whole number ≥ 0 (75 per quarter; 300 with the annual defaults)."
    ),
    "wide_ci_half_width": (
        "WIDE_CI when half the width of the published SI interval exceeds this; also the "
        "half-width needed n aims at; points of the 0–100 scale (6 per quarter, 3 annual)."
    ),
    "low_neff_ratio": "LOW_NEFF when a unit's n_eff / n_valid is below this ratio.",
    "high_dk_rate": (
        "HIGH_DK when a unit's dk_rate (share of its given answers that are missing codes) "
        "exceeds this share."
    ),
    "quota_shortfall_ratio": (
        "A quota cell is short when its achieved count is below this ratio × its target "
        "(QUOTA_SHORTFALL on the quota's unit)."
    ),
    "rank_unstable_places": (
        "RANK_UNSTABLE when a unit's total rank, recomputed with the social points of M1, M2, "
        "M3 and M4, spans at least this many places (max − min); whole number."
    ),
    "excluding_flags": (
        "Respondent flags that remove a submission (a rating flag: that rating) from the index; "
        "any of DUPLICATE, INSUFFICIENT_ITEMS, SPEEDING, STRAIGHTLINE, BURST, HONEYPOT, "
        "STAFF_OF_UNIT, stored sorted. Flags not listed are only reported."
    ),
    "speeding_fraction": (
        "SPEEDING when a submission took less than this fraction of the median duration of its "
        "channel; in (0, 1)."
    ),
    "straightline_min_items": (
        "STRAIGHTLINE needs at least this many scored (non-missing) answers, all the same option "
        "(and a fast submission, see straightline_speed_fraction); whole number ≥ 2."
    ),
    "straightline_speed_fraction": (
        "STRAIGHTLINE only when the submission took under this fraction of its channel's median "
        "duration; identical answers given at a normal pace are what satisfied citizens give, and "
        "without known durations nothing is flagged. In (0, 1]."
    ),
    "padding_alpha": (
        "False-discovery rate (Benjamini–Hochberg, over every test of the wave) of the padding "
        "tests of each interviewer or web source against the unit's other groups; in (0, 1)."
    ),
    "padding_min_group": (
        "A group (interviewer or source) is tested for a unit only with at least this many counted "
        "ratings of the unit, and as many from the other groups; whole number ≥ 2."
    ),
    "interviewer_clustering": (
        "Inflate each unit's SE by Kish's interviewer design effect 1 + (m̄ − 1)·ρ̂ (ρ̂ pooled over "
        "the wave's interviewers); only where interviews carry an interviewer id."
    ),
    "burst_max_count": (
        "BURST when more than this many submissions come from one source within "
        "burst_window_s; whole number."
    ),
    "burst_window_s": "Length of the BURST window, in seconds.",
    "seed": (
        "Seed of numpy.random.default_rng for the rank-set bootstrap and the percentile rank "
        "intervals; whole number."
    ),
    "n_draws": (
        "Normal draws of the rank-set bootstrap and of the percentile rank intervals; whole "
        "number ≥ 1."
    ),
    # (f) comprehensive score
    "base_max": "Maximum of the imported base score (基础分) where the import gives none; points.",
    "diff_max": (
        "Maximum of the imported differential score (差异化分) where the import gives none; points."
    ),
    "bonus_cap": (
        "Cap of the bonus (加分) in the total, min(bonus, cap), where the import gives none; a "
        "bonus above it sets BONUS_CAPPED; points."
    ),
}


def json_value(value: Any) -> str:
    """A default as JSON: true/false, null, numbers, quoted strings and lists.

    Examples
    --------
    >>> json_value(True), json_value(None), json_value("M2"), json_value((20.0, 18.0))
    ('true', 'null', '"M2"', '[20.0, 18.0]')
    """
    return json.dumps(value, ensure_ascii=False)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def config_table_markdown() -> str:
    """The Markdown table ``| key | default | meaning |`` of every field, in field order.

    Defaults are those of ``ScoringConfig()`` (the quarterly ones); a note after the table says
    what ``ScoringConfig.for_period("annual")`` changes.

    Examples
    --------
    >>> table = config_table_markdown().splitlines()
    >>> table[0], table[1]
    ('| key | default | meaning |', '|---|---|---|')
    >>> table[2].startswith('| `scale` | `"item"` |')
    True
    """
    defaults = ScoringConfig().to_dict()
    lines = ["| key | default | meaning |", "|---|---|---|"]
    for f in dataclasses.fields(ScoringConfig):
        lines.append(f"| `{f.name}` | `{_cell(json_value(defaults[f.name]))}` | {_cell(FIELD_DOCS[f.name])} |")
    annual = PERIOD_DEFAULTS["annual"]
    changes = " and ".join(f"`{key}` to {json_value(value)}" for key, value in sorted(annual.items()))
    lines += [
        "",
        f'`ScoringConfig.for_period("annual")` changes {changes}; `"quarterly"` and `"monthly"` '
        "keep the defaults above. Every other key keeps its default unless the run's settings "
        "name it.",
    ]
    return "\n".join(lines) + "\n"
