"""Turning an analysis WaveResult into stored result rows and a JSON-safe run summary."""

from __future__ import annotations

import dataclasses
import functools
import math
import subprocess
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from analysis import EXPORT_FIELDS, METHOD_VERSION, UnitRow, WaveResult, YearResult
from survey.db import PROJECT_ROOT
from survey.models import EvaluationResult, EvaluationRun

#: Result fields stored in EvaluationResult columns (everything else goes to ``extra``).
ROW_FIELDS = tuple(f for f in EXPORT_FIELDS if f != "flags") + ("points_se",)
#: Per-unit extras kept beside the DESIGN §8 columns.
EXTRA_FIELDS = ("topbox_rate",)


def plain(value: Any) -> Any:
    """JSON-safe copy: NaN/inf → None, numpy scalars/arrays → Python, tuples → lists."""
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    return value


@functools.cache
def code_version() -> str:
    """``git describe`` of the running code, else the method version (cached per process)."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--tags", "--dirty"], cwd=PROJECT_ROOT,
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        out = ""
    return (f"git:{out}" if out else f"minyi ({METHOD_VERSION})")[:64]


def result_rows(result: WaveResult | YearResult, unit_ids: Sequence[int], extra_by_unit: Mapping[str, dict] | None = None
                ) -> list[EvaluationResult]:
    """One EvaluationResult per unit row (NaN stored as NULL), with sensitivity in ``extra``."""
    sens = result.sensitivity
    rows = []
    for i, row in enumerate(result.rows):
        values = {f: plain(getattr(row, f)) for f in ROW_FIELDS}
        values["social_method"] = values["social_method"] or ""
        extra: dict[str, Any] = {f: plain(getattr(row, f)) for f in EXTRA_FIELDS}
        extra["points_by_method"] = {m: plain(p[i]) for m, p in sens.points.items()}
        extra["ranks_by_method"] = {m: plain(r[i]) for m, r in sens.ranks.items()}
        extra["total_ranks_by_method"] = {m: plain(r[i]) for m, r in sens.total_ranks.items()}
        distribution = getattr(result, "overall_distribution", None)
        if distribution is not None and distribution.size:
            extra["overall_distribution"] = plain(distribution[i])
        if extra_by_unit and row.unit_code in extra_by_unit:
            extra.update(extra_by_unit[row.unit_code])
        rows.append(EvaluationResult(unit_id=int(unit_ids[i]), flags=";".join(row.flags),
                                     extra=extra, **values))
    return rows


def summary(result: WaveResult, **more: Any) -> dict[str, Any]:
    """Run-level outputs: weighting diagnostics, sensitivity table, respondent flag counts."""
    counted = np.asarray(result.rating_counted, dtype=bool)
    out: dict[str, Any] = {
        "weighting": plain(result.weighting),
        "sensitivity": {
            "units": [r.unit_code for r in result.rows],
            "points": plain(result.sensitivity.points),
            "ranks": plain(result.sensitivity.ranks),
            "total_ranks": plain(result.sensitivity.total_ranks),
        },
        "submission_flag_counts": {k: int(np.count_nonzero(v)) for k, v in sorted(result.submission_flags.items())},
        "rating_flag_counts": {k: int(np.count_nonzero(v)) for k, v in sorted(result.rating_flags.items())},
        "ratings_counted": int(np.count_nonzero(counted)),
        "ratings_total": int(counted.size),
        "method_version": result.method_version,
    }
    out.update(plain(more))
    return out


def _f(value: Any) -> float:
    return math.nan if value is None else float(value)


def stored_unit_row(row: EvaluationResult) -> UnitRow:
    """A stored result row as an analysis UnitRow (NULL → NaN), for charts and annual runs."""
    extra = row.extra or {}
    return UnitRow(
        unit_code=row.unit_code, unit_name=row.unit_name, peer_group=row.peer_group,
        n_valid=row.n_valid, n_eff=_f(row.n_eff), sum_w=_f(row.sum_w if row.sum_w is not None else extra.get("sum_w")),
        deff=_f(row.deff if row.deff is not None else extra.get("deff")), si=_f(row.si), si_se=_f(row.si_se), si_ci_low=_f(row.si_ci_low),
        si_ci_high=_f(row.si_ci_high), sat_rate_top2=_f(row.sat_rate_top2),
        topbox_rate=_f(extra.get("topbox_rate")), dk_rate=_f(row.dk_rate),
        social_method=row.social_method or None, social_max=row.social_max,
        social_points=_f(row.social_points), social_points_linear=_f(row.social_points_linear),
        social_rank=row.social_rank, social_rank_low=row.social_rank_low,
        social_rank_high=row.social_rank_high, social_tier=row.social_tier,
        si_shrunk=_f(row.si_shrunk), si_shrunk_ci_low=_f(row.si_shrunk_ci_low),
        si_shrunk_ci_high=_f(row.si_shrunk_ci_high), total=_f(row.total), total_rank=row.total_rank,
        total_tier=row.total_tier, flags=tuple(f for f in (row.flags or "").split(";") if f),
        method_version=row.method_version, points_se=_f(row.points_se),
        social_rankset_low=row.social_rankset_low, social_rankset_high=row.social_rankset_high,
        social_tier_status=row.social_tier_status, total_rankset_low=row.total_rankset_low,
        total_rankset_high=row.total_rankset_high, total_tier_status=row.total_tier_status,
        n_needed=row.n_needed,
    )


def stored_unit_rows(run: EvaluationRun) -> list[UnitRow]:
    return [stored_unit_row(r) for r in sorted(run.results, key=lambda r: (r.peer_group, r.unit_code))]
