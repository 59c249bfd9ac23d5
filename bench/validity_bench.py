"""Validity of the verdicts (issue 11, DESIGN §7 h): seeded simulated waves through ``evaluate_wave``.

Every wave has one peer group of 20 units. Respondents are drawn with a selection bias on sex
and age (women 1.3×, the oldest band 2× as likely as the youngest, relative to the population)
and raked back to the known one-way population margins. Each respondent answers three scored
items (weights 0.5 / 0.25 / 0.25, points 100/80/60/40/0, 5% 说不清 per item) from an ordinal
model whose latent mean depends on the unit, the cell (age and sex effects) and the person.
A unit's truth is the population mean of the respondent score over the population's cells
(computed once by Monte Carlo with 400,000 respondents per unit and cell, error < 0.03 points).

Scenarios (each ``REPS`` waves, seeded):

- ``null``: all 20 true means equal; n = 30…800 (geometric). Measures a final 较差 (social or
  total) for any unit, the SD of the social points of the n = 30 and the n = 800 unit, and
  interval coverage.
- ``spread``: true means evenly spread over 12 points, assigned to sizes at random; n = 30…800.
  Interval coverage (direct and shrunk) and simultaneous rank-set coverage.
- ``power``: n = 300…800 (evenly spaced, assigned to units at random in each wave); one unit 8
  points below the group median, the others evenly spread over ±3 points. The share of waves
  where that unit gets a final 较差 (social), also shown for the waves where its own n < 350.

Components (base, differential, bonus) are equal for every unit, so a total verdict can only come
from the social part. The last line is the summary the issue asks for.

Run: ``.venv/bin/python bench/validity_bench.py`` (``VALIDITY_REPS=…`` to change the 400 waves
per scenario).
"""

from __future__ import annotations

import json
import os
import pathlib
import sys
import time
from dataclasses import dataclass

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis import (  # noqa: E402
    ComponentScores,
    ItemSpec,
    Margin,
    ScoringConfig,
    Stratum,
    WaveInput,
    evaluate_wave,
)

REPS = int(os.environ.get("VALIDITY_REPS", "400"))
SEED = 20261204
U = 20
SEXES = ("m", "f")
AGES = ("18-39", "40-59", "60+")
POP = np.outer([0.5, 0.5], [0.35, 0.40, 0.25])  #: population share of each (sex, age) cell
BIAS = np.outer([1.0, 1.3], [1.0, 1.5, 2.0])  #: relative chance of being sampled
SAMPLE = POP * BIAS / (POP * BIAS).sum()
CELL_EFFECT = np.array([[0.0, 0.15, 0.35], [0.1, 0.25, 0.45]])  #: latent shift by (sex, age)
CUTS = np.array([-1.6, -0.9, -0.1, 0.8])  #: latent thresholds between 很不满意 … 非常满意
POINTS = (100.0, 80.0, 60.0, 40.0, 0.0, float("nan"))
ITEM_WEIGHTS = (0.5, 0.25, 0.25)
P_MISSING = 0.05
ITEMS = [ItemSpec(f"q{j + 1}", w, POINTS, overall=j == 0) for j, w in enumerate(ITEM_WEIGHTS)]


def answers_for(rng: np.random.Generator, latent: np.ndarray) -> np.ndarray:
    """(n, 3) option indexes (0 = 非常满意 … 4 = 很不满意, 5 = 说不清) for person latents."""
    n = latent.size
    eta = latent[:, None] + rng.normal(0.0, 0.6, (n, 3))
    level = np.searchsorted(CUTS, eta)  # 0 = worst … 4 = best
    opt = 4 - level
    opt[rng.random((n, 3)) < P_MISSING] = 5
    return opt


def scores_of(opt: np.ndarray) -> np.ndarray:
    """Respondent score of each row (NaN when less than half the item weight is answered)."""
    pts = np.array(POINTS)[opt]
    w = np.array(ITEM_WEIGHTS)
    ok = ~np.isnan(pts)
    wsum = (ok * w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(ok, pts, 0.0) @ w / wsum
    return np.where(wsum >= 0.5, y, np.nan)


def truth_of(mu: float, rng: np.random.Generator, per_cell: int = 400_000) -> float:
    """Population mean score of a unit with latent mean ``mu`` (Monte Carlo)."""
    total = 0.0
    for (s, a), share in np.ndenumerate(POP):
        latent = mu + CELL_EFFECT[s, a] + rng.normal(0.0, 0.8, per_cell)
        y = scores_of(answers_for(rng, latent))
        total += share * float(np.nanmean(y))
    return total


class Calibration:
    """Latent mean ↔ true SI, by interpolation on a grid (true SI is increasing in mu)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.mu = np.linspace(-0.6, 1.4, 21)
        self.si = np.array([truth_of(m, rng, 60_000) for m in self.mu])

    def mu_for(self, si: float) -> float:
        return float(np.interp(si, self.si, self.mu))


@dataclass
class Wave:
    inp: WaveInput
    truth: np.ndarray  #: true SI per unit
    n: np.ndarray


def make_wave(rng: np.random.Generator, mus: np.ndarray, truths: np.ndarray, n: np.ndarray) -> Wave:
    cells = rng.choice(SAMPLE.size, size=int(n.sum()), p=SAMPLE.ravel())
    sex, age = np.unravel_index(cells, SAMPLE.shape)
    unit = np.repeat(np.arange(U), n)
    latent = mus[unit] + CELL_EFFECT[sex, age] + rng.normal(0.0, 0.8, unit.size)
    opt = answers_for(rng, latent)
    s = unit.size
    comps = ComponentScores(base=np.full(U, 25.0), diff=np.full(U, 40.0), bonus=np.zeros(U))
    inp = WaveInput(
        design_weight=np.ones(s), rating_submission=np.arange(s), rating_unit=unit, answers=opt,
        items=ITEMS, unit_codes=[f"U{i:02d}" for i in range(U)], unit_names=[f"单位{i}" for i in range(U)],
        peer_groups=["g"] * U,
        strata={"sex": Stratum(sex.astype(np.int64), SEXES), "age": Stratum(age.astype(np.int64), AGES)},
        margins=[Margin("sex", dict(zip(SEXES, POP.sum(axis=1), strict=True))),
                 Margin("age", dict(zip(AGES, POP.sum(axis=0), strict=True)))],
        components=comps,
    )
    return Wave(inp, truths, n)


def true_ranks(truth: np.ndarray) -> np.ndarray:
    """Rank 1 = best; tied truths share the smallest rank (the convention of the rank sets)."""
    return 1 + (truth[None, :] > truth[:, None] + 1e-9).sum(axis=1)


def band_of(n: np.ndarray) -> np.ndarray:
    return np.where(n < 75, 0, np.where(n < 300, 1, 2))


@dataclass
class Tally:
    hit: np.ndarray
    tot: np.ndarray

    @classmethod
    def new(cls) -> Tally:
        return cls(np.zeros(3), np.zeros(3))

    def add(self, band: np.ndarray, covered: np.ndarray) -> None:
        np.add.at(self.hit, band, covered)
        np.add.at(self.tot, band, 1)

    def rate(self) -> np.ndarray:
        return self.hit / np.maximum(self.tot, 1)


def is_final_poor(tier: str | None, status: str | None) -> bool:
    return tier == "较差" and status == "final"


def run() -> dict[str, float]:
    rng = np.random.default_rng(SEED)
    cal = Calibration(rng)
    config = ScoringConfig.from_dict(json.loads(os.environ.get("VALIDITY_CONFIG", "{}")))
    n_wide = np.geomspace(30, 800, U).round().astype(int)
    n_large = np.linspace(300, 800, U).round().astype(int)
    base_si = 75.0
    cov, cov_shrunk = Tally.new(), Tally.new()
    rank_hits = rank_total = 0
    false_final = 0
    points_small, points_large = [], []
    power_hits = 0
    scen_time: dict[str, float] = {}

    def truths_for(target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mus = np.array([cal.mu_for(t) for t in target])
        uniq = {round(m, 12): truth_of(m, rng) for m in np.unique(mus)}
        return mus, np.array([uniq[round(m, 12)] for m in mus])

    def record_cover(res, w: Wave) -> None:
        si_lo = np.array([r.si_ci_low for r in res.rows])
        si_hi = np.array([r.si_ci_high for r in res.rows])
        sh_lo = np.array([r.si_shrunk_ci_low for r in res.rows])
        sh_hi = np.array([r.si_shrunk_ci_high for r in res.rows])
        band = band_of(w.n)
        cov.add(band, (si_lo <= w.truth) & (w.truth <= si_hi))
        cov_shrunk.add(band, (sh_lo <= w.truth) & (w.truth <= sh_hi))

    # null: equal truths
    started = time.perf_counter()
    mus, truths = truths_for(np.full(U, base_si))
    small, large = int(np.argmin(n_wide)), int(np.argmax(n_wide))
    for _ in range(REPS):
        w = make_wave(rng, mus, truths, n_wide)
        res = evaluate_wave(w.inp, config)
        record_cover(res, w)
        false_final += any(is_final_poor(r.social_tier, getattr(r, "social_tier_status", "final"))
                           or is_final_poor(r.total_tier, getattr(r, "total_tier_status", "final"))
                           for r in res.rows)
        points_small.append(res.rows[small].social_points)
        points_large.append(res.rows[large].social_points)
    scen_time["null"] = time.perf_counter() - started

    # spread: truths evenly over 12 points, sizes assigned at random once
    started = time.perf_counter()
    target = base_si + np.linspace(-6.0, 6.0, U)
    mus, truths = truths_for(target)
    for _ in range(REPS):
        perm = rng.permutation(U)  # which size gets which truth, new in every wave
        ranks = true_ranks(truths[perm])
        w = make_wave(rng, mus[perm], truths[perm], n_wide)
        res = evaluate_wave(w.inp, config)
        record_cover(res, w)
        lo = np.array([getattr(r, "social_rankset_low", r.social_rank_low) or 0 for r in res.rows])
        hi = np.array([getattr(r, "social_rankset_high", r.social_rank_high) or U + 1 for r in res.rows])
        rank_hits += bool(((lo <= ranks) & (ranks <= hi)).all())
        rank_total += 1
    scen_time["spread"] = time.perf_counter() - started

    # power: one unit 8 points below the median of the others, n >= 300
    started = time.perf_counter()
    others = base_si + np.linspace(-3.0, 3.0, U - 1)
    target = np.r_[np.median(others) - 8.0, others]
    mus, truths = truths_for(target)
    power_at_300 = power_at_300_n = 0
    for _ in range(REPS):
        sizes = rng.permutation(n_large)  # which unit gets which n, new in every wave
        w = make_wave(rng, mus, truths, sizes)
        res = evaluate_wave(w.inp, config)
        r0 = res.rows[0]
        hit = is_final_poor(r0.social_tier, getattr(r0, "social_tier_status", "final"))
        power_hits += hit
        if sizes[0] < 350:
            power_at_300 += hit
            power_at_300_n += 1
    scen_time["power"] = time.perf_counter() - started

    c, cs = cov.rate(), cov_shrunk.rate()
    out = {
        "cov_small": c[0], "cov_mid": c[1], "cov_large": c[2],
        "cov_shrunk_small": cs[0], "cov_shrunk_mid": cs[1], "cov_shrunk_large": cs[2],
        "rankset_cov": rank_hits / max(rank_total, 1),
        "false_final_bottom": false_final / REPS,
        "bottom_power": power_hits / REPS,
        "points_sd_ratio": float(np.std(points_small) / max(np.std(points_large), 1e-12)),
    }
    print(f"validity_bench: {REPS} waves per scenario, {U} units, seed {SEED}")
    print("  time per scenario (s): " + ", ".join(f"{k} {v:.1f}" for k, v in scen_time.items()))
    print(f"  95% CI coverage, direct: n<75 {c[0]:.3f}  75-299 {c[1]:.3f}  >=300 {c[2]:.3f}   (target >= 0.94)")
    print(f"  95% CI coverage, shrunk: n<75 {cs[0]:.3f}  75-299 {cs[1]:.3f}  >=300 {cs[2]:.3f}   (target >= 0.94)")
    print(f"  simultaneous rank-set coverage: {out['rankset_cov']:.3f}   (target >= 0.95)")
    print(f"  equal truths, any unit final 较差: {out['false_final_bottom']:.3f}   (target <= 0.05)")
    print(f"  8 points below median, n >= 300, final 较差: {out['bottom_power']:.3f}   (target >= 0.80); "
          f"when its own n < 350: {power_at_300 / max(power_at_300_n, 1):.3f} of {power_at_300_n} waves")
    print(f"  social points SD n=30 / n=800: {np.std(points_small):.3f} / {np.std(points_large):.3f} "
          f"= {out['points_sd_ratio']:.2f}   (target <= 1.5)")
    keys = ("cov_small", "cov_mid", "cov_large", "cov_shrunk_small", "rankset_cov", "false_final_bottom",
            "bottom_power", "points_sd_ratio")
    print("validity_bench: " + " ".join(f"{k}={out[k]:.3f}" for k in keys))
    return out


if __name__ == "__main__":
    run()
