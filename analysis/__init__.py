"""Minyi analysis: pure statistics and charts for the social evaluation (DESIGN §7).

numpy (and, lazily, matplotlib) only: arrays in, typed results out. Never imports flask,
sqlalchemy, survey or app. Importing this package does no work and loads neither scipy nor
matplotlib.

The contract survey/ calls
--------------------------
``evaluate_wave(inp: WaveInput, config: ScoringConfig | None = None) -> WaveResult``

:class:`WaveInput` — one wave as plain arrays (S submissions in submission order, R ratings,
J scored items, U units)::

    design_weight      (S,) float > 0            rating_submission (R,) int index into S
    linkage            (S,) int, -1 = no key      rating_unit       (R,) int index into U
    channel            (S,) int codes             answers           (R, J) int option index, -1 = none
    duration           (S,) float s, NaN unknown  rating_flags      {flag: (R,) bool}, e.g. STAFF_OF_UNIT
    source             (S,) int source-hash code, -1 unknown  } for BURST (recomputed)
    submitted_at       (S,) float seconds                     }
    submission_flags   {flag: (S,) bool}, e.g. HONEYPOT (or BURST set at submission)
    strata             {variable: Stratum(codes (S,) int -1 = unknown, categories)}
    items              [ItemSpec(name, weight, points (NaN = 说不清/不了解/拒答), overall, top2, labels)]
    unit_codes, unit_names, peer_groups  (U,) str
    margins            [Margin(variable or "a*b", {category: share|count}, kind, district)]
    quotas             [QuotaTarget({variable: category}, target, unit index or -1)]
    components         ComponentScores(base, diff, bonus, base_max, diff_max, bonus_cap,
                       deduction, veto) or None

:class:`ScoringConfig` — a frozen dataclass of every §7 parameter with its default;
``to_dict()`` / ``from_dict()`` (unknown key → ValueError naming it) / ``config_hash()``
(sha256 of canonical JSON) / ``ScoringConfig.for_period("annual" | "quarterly")``.

:class:`WaveResult` — ``rows`` (one :class:`UnitRow` per unit with every DESIGN §8 export field
analysis knows; ``UnitRow.export_dict()`` gives them in export order), ``sensitivity`` (points
and ranks per unit under M1–M4, total ranks when components were given), ``weighting``
(:class:`WeightingDiagnostics`: n_eff, deff, weight min/max/ratio/quantiles, share trimmed,
margin errors, iterations, collapsed cells, small cells, quotas), ``submission_weights`` (S,),
``submission_flags`` / ``rating_flags`` (flag → bool array), ``rating_scores``,
``rating_counted``, ``overall_distribution`` (U × options of the overall item),
``config_hash`` and ``method_version`` (:data:`METHOD_VERSION`, also on every row).

``evaluate_year(quarters: Sequence[WaveResult], config=None, components=None,
expected_quarters=4) -> YearResult`` — the annual rows from the quarterly results (SI = mean of
the quarterly SIs, SE = sqrt(Σ SE²)/Q over the Q quarters present), placed like a wave with the annual thresholds.

Also public: ``with_components`` (add totals to an evaluated wave or year), ``comprehensive_scores``,
``annual_index``, ``consec_bottom``, the building blocks (``rake``, ``rake_labels``,
``poststratify``, ``unit_index``, ``fay_herriot``, ``social_points``, ``group_ranks``,
``tier_for``, ``rank_intervals``, the flag functions) and, in :mod:`analysis.charts`,
``ranked_si_chart``, ``funnel_chart``, ``trend_chart``, ``distribution_chart`` and
``figure_png`` (matplotlib ``Figure``, never pyplot; CJK font Noto Sans CJK from Debian's
fonts-noto-cjk, else fonts-wqy-microhei / fonts-wqy-zenhei; a missing font raises
:class:`analysis.charts.MissingCJKFontError`).

Tiers are 优秀, 良好, 一般, 较差; a 优秀 or 较差 placement that the evidence does not support (or
of a unit below n_min) reads 优秀(待复核) / 较差(待复核), with ``social_tier_status`` /
``total_tier_status`` "provisional" (see :mod:`analysis.placement`). ``rank_sets`` gives the
confidence sets for ranks of Mogstad, Romano, Shaikh and Wilhelm (csranks).

Examples
--------
>>> import numpy as np
>>> from analysis import ItemSpec, ScoringConfig, WaveInput, evaluate_wave
>>> pts = (100, 80, 60, 40, 0, float("nan"))
>>> inp = WaveInput(design_weight=np.ones(3), rating_submission=np.arange(3),
...                 rating_unit=np.array([0, 0, 1]), answers=np.array([[0], [1], [2]]),
...                 items=[ItemSpec("q1", 1.0, pts, overall=True)], unit_codes=["A", "B"],
...                 unit_names=["甲", "乙"], peer_groups=["g", "g"])
>>> evaluate_wave(inp, ScoringConfig(n_min=1)).row("A").si
90.0
"""

from analysis.annual import PARTIAL_YEAR, YearResult, evaluate_year
from analysis.comprehensive import (
    ComprehensiveResult,
    ConsecBottom,
    annual_index,
    comprehensive_scores,
    consec_bottom,
)
from analysis.config import EXCLUDING_DEFAULT, METHOD_VERSION, SCALE_PRESETS, ScoringConfig
from analysis.fabrication import padding_tests, topbox_funnel
from analysis.flags import duplicate_flags, speeding_flags, straightline_flags
from analysis.inputs import ComponentScores, ItemSpec, Margin, QuotaTarget, Stratum, WaveInput
from analysis.points import social_points
from analysis.raking import (
    RakingError,
    RakingResult,
    codes_from_labels,
    poststratify,
    rake,
    rake_cells,
    rake_labels,
)
from analysis.rank_sets import RankSets, group_rank_sets, rank_sets
from analysis.ranking import POOR_REVIEW, TIERS, group_ranks, rank_intervals, tier_for
from analysis.results import EXPORT_FIELDS, Sensitivity, UnitRow, WaveResult, WeightingDiagnostics
from analysis.scoring import item_table, respondent_scores
from analysis.shrinkage import fay_herriot
from analysis.unit_index import unit_index
from analysis.wave import evaluate_wave, with_components

__all__ = [
    "PARTIAL_YEAR", "YearResult", "evaluate_year",
    "EXCLUDING_DEFAULT", "EXPORT_FIELDS", "METHOD_VERSION", "POOR_REVIEW", "SCALE_PRESETS", "TIERS",
    "ComponentScores", "ComprehensiveResult", "ConsecBottom", "ItemSpec", "Margin", "QuotaTarget",
    "RankSets", "group_rank_sets", "rank_sets",
    "RakingError", "RakingResult", "ScoringConfig", "Sensitivity", "Stratum", "UnitRow", "WaveInput",
    "WaveResult", "WeightingDiagnostics", "annual_index", "codes_from_labels", "comprehensive_scores",
    "consec_bottom", "duplicate_flags", "evaluate_wave", "fay_herriot", "group_ranks", "item_table",
    "poststratify", "rake", "rake_cells", "rake_labels", "rank_intervals", "respondent_scores",
    "social_points", "speeding_flags", "straightline_flags", "tier_for", "topbox_funnel", "padding_tests", "unit_index",
    "with_components",
]
