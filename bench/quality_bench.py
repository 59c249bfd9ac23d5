"""Hard to stuff (issue 13, DESIGN §7 (j)): padding detection, false flags and interviewer effects,
through ``evaluate_wave`` on seeded simulated waves.

Phone waves (CATI): 20 units of 40…600 interviews (geometric), each unit's interviews made by
3–6 interviewers of its own, who differ honestly in speed (±15%) and work in shifts (gaps between
interviews exponential, mean 4 minutes). Respondents answer five scored items (weights 0.4, 0.15
×4, points 100/80/60/40/0, 5% 说不清) from an ordinal model with unit, person and item terms;
unit means differ honestly (SD about 4 points). 3% of respondents are speeders (a fifth of the
median duration); 2% are satisficers who give one answer to every item in half the time.

- ``honest``: nothing else. ``padded``: one unit in every wave gets 10–20% more interviews, all
  typed by one of its interviewers: every item 非常满意, in bursts of 5–25 within 10 minutes,
  2–4 minutes each. Recall is the share of padded interviews flagged PADDING_SUSPECT; false flags
  are counted over the honest interviews of both kinds of wave.
- ``shared``: an open-link web wave where 500 honest citizens answer within one hour from 5
  shared carrier addresses (source codes), rating the 20 units; false flags are BURST or
  PADDING_SUSPECT on any of them.
- ``clustered``: large units (300–800), 3 interviewers each, an interviewer effect with
  intra-interviewer correlation about 0.01 on the score; 95% coverage of the unit index with
  ``interviewer_clustering`` on and off.

Run: ``.venv/bin/python bench/quality_bench.py`` (``QUALITY_REPS=…`` waves per scenario, default
150). The last line is the summary the issue asks for.
"""

from __future__ import annotations

import os
import pathlib
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis import ItemSpec, ScoringConfig, WaveInput, evaluate_wave  # noqa: E402

REPS = int(os.environ.get("QUALITY_REPS", "150"))
SEED = 20261213
U = 20
POINTS = (100.0, 80.0, 60.0, 40.0, 0.0, float("nan"))
WEIGHTS = (0.4, 0.15, 0.15, 0.15, 0.15)
ITEMS = [ItemSpec(f"q{j + 1}", w, POINTS, overall=j == 0) for j, w in enumerate(WEIGHTS)]
CUTS = np.array([-1.6, -0.9, -0.1, 0.8])
MEDIAN_S = 600.0
CONFIG = ScoringConfig(raking=False)


def answers_for(rng: np.random.Generator, latent: np.ndarray) -> np.ndarray:
    eta = latent[:, None] + rng.normal(0.0, 0.6, (latent.size, len(WEIGHTS)))
    opt = 4 - np.searchsorted(CUTS, eta)
    opt[rng.random(opt.shape) < 0.05] = 5
    return opt


def scores_of(opt: np.ndarray) -> np.ndarray:
    pts = np.array(POINTS)[opt]
    ok = ~np.isnan(pts)
    w = np.array(WEIGHTS)
    wsum = (ok * w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(ok, pts, 0.0) @ w / wsum
    return np.where(wsum >= 0.5, y, np.nan)


def phone_wave(rng: np.random.Generator, padded: bool) -> tuple[WaveInput, dict[str, np.ndarray]]:
    """Interviews with interviewer ids, durations and times; which ones are padded / speeders."""
    n_unit = np.geomspace(40, 600, U).round().astype(int)
    unit_mu = rng.normal(0.5, 0.25, U)
    units, who, dur, start, pad, speeder, liner = [], [], [], [], [], [], []
    latent_parts = []
    next_id = 0
    pad_unit = int(rng.integers(U)) if padded else -1
    for u in range(U):
        k = int(rng.integers(3, 7))
        ids = next_id + np.arange(k)
        next_id += k
        speed = np.exp(rng.normal(0.0, 0.15, k))
        take = rng.integers(0, k, n_unit[u])
        d = MEDIAN_S * speed[take] * np.exp(rng.normal(0.0, 0.35, n_unit[u]))
        sp = rng.random(n_unit[u]) < 0.03
        sl = ~sp & (rng.random(n_unit[u]) < 0.02)
        d = np.where(sp, MEDIAN_S * 0.2, np.where(sl, d * 0.5, d))
        t = np.empty(n_unit[u])
        for j in range(k):  # each interviewer works through their interviews in one sequence
            mine = np.flatnonzero(take == j)
            gaps = rng.exponential(240.0, mine.size)
            t[mine] = 8 * 3600 * (j + 1) + np.cumsum(d[mine] + gaps)
        units.append(np.full(n_unit[u], u))
        who.append(ids[take])
        dur.append(d)
        start.append(t)
        pad.append(np.zeros(n_unit[u], bool))
        speeder.append(sp)
        liner.append(sl)
        latent_parts.append(unit_mu[u] + rng.normal(0.0, 0.8, n_unit[u]))
        if u == pad_unit:
            m = int(round(n_unit[u] * rng.uniform(0.10, 0.20)))
            bursts, t0, times = [], 20 * 3600.0, []
            while sum(bursts) < m:
                size = min(int(rng.integers(5, 26)), m - sum(bursts))
                times.append(t0 + np.sort(rng.uniform(0, 600, size)))
                bursts.append(size)
                t0 += rng.uniform(3600, 4 * 3600)
            units.append(np.full(m, u))
            who.append(np.full(m, ids[int(rng.integers(k))]))
            dur.append(rng.uniform(120, 240, m))
            start.append(np.concatenate(times))
            pad.append(np.ones(m, bool))
            speeder.append(np.zeros(m, bool))
            liner.append(np.zeros(m, bool))
            latent_parts.append(np.full(m, np.nan))
    unit = np.concatenate(units)
    latent = np.concatenate(latent_parts)
    pad_all = np.concatenate(pad)
    liner_all = np.concatenate(liner)
    opt = answers_for(rng, np.nan_to_num(latent))
    opt[pad_all] = 0
    if liner_all.any():
        opt[liner_all] = opt[liner_all, :1]
    s = unit.size
    inp = WaveInput(
        design_weight=np.ones(s), rating_submission=np.arange(s), rating_unit=unit, answers=opt,
        items=ITEMS, unit_codes=[f"U{i:02d}" for i in range(U)], unit_names=[f"单位{i}" for i in range(U)],
        peer_groups=["g"] * U, duration=np.concatenate(dur), submitted_at=np.concatenate(start),
        interviewer=np.concatenate(who), channel=np.ones(s, dtype=np.int64),
    )
    return inp, {"padded": pad_all, "speeder": np.concatenate(speeder), "liner": liner_all,
                 "small_unit": n_unit < 75}


def shared_wave(rng: np.random.Generator) -> WaveInput:
    s = 500
    unit = rng.integers(0, U, s)
    latent = rng.normal(0.5, 0.25, U)[unit] + rng.normal(0.0, 0.8, s)
    return WaveInput(
        design_weight=np.ones(s), rating_submission=np.arange(s), rating_unit=unit,
        answers=answers_for(rng, latent), items=ITEMS, unit_codes=[f"U{i:02d}" for i in range(U)],
        unit_names=[f"单位{i}" for i in range(U)], peer_groups=["g"] * U,
        source=rng.integers(0, 5, s), submitted_at=np.sort(rng.uniform(0, 3600, s)),
        duration=MEDIAN_S * np.exp(rng.normal(0.0, 0.35, s)), channel=np.zeros(s, dtype=np.int64),
    )


def clustered_coverage(rng: np.random.Generator, reps: int) -> tuple[float, float, float]:
    """(coverage with the option, without it, realised ICC of the score) for units of 300–800."""
    n_unit = np.linspace(300, 800, U).round().astype(int)
    mu = rng.normal(0.5, 0.25, U)
    sigma_int = 0.085  # latent interviewer SD: ICC of the respondent score about 0.01
    big = rng.normal(0, 0.8, 400_000)
    truth = np.array([np.nanmean(scores_of(answers_for(rng, m + big + rng.normal(0, sigma_int, big.size))))
                      for m in mu])
    hit_on = hit_off = total = 0
    icc = []
    for _ in range(reps):
        unit = np.repeat(np.arange(U), n_unit)
        who = unit * 3 + rng.integers(0, 3, unit.size)
        effect = rng.normal(0, sigma_int, U * 3)
        latent = mu[unit] + effect[who] + rng.normal(0, 0.8, unit.size)
        opt = answers_for(rng, latent)
        inp = WaveInput(design_weight=np.ones(unit.size), rating_submission=np.arange(unit.size),
                        rating_unit=unit, answers=opt, items=ITEMS,
                        unit_codes=[f"U{i:02d}" for i in range(U)], unit_names=[str(i) for i in range(U)],
                        peer_groups=["g"] * U, interviewer=who)
        for flag, cfg in ((True, ScoringConfig(raking=False, interviewer_clustering=True)), (False, CONFIG)):
            res = evaluate_wave(inp, cfg)
            lo = np.array([r.si_ci_low for r in res.rows])
            hi = np.array([r.si_ci_high for r in res.rows])
            covered = int(((lo <= truth) & (truth <= hi)).sum())
            if flag:
                hit_on += covered
                icc.append(res.interviewer_rho)
            else:
                hit_off += covered
        total += U
    return hit_on / total, hit_off / total, float(np.mean(icc))


def run() -> dict[str, float]:
    rng = np.random.default_rng(SEED)
    started = time.perf_counter()
    pad_hit = pad_total = honest_flag = honest_total = 0
    small_flag = small_total = unit_flag = unit_total = 0
    sl_flag = sl_total = speed_hit = speed_total = 0
    for rep in range(2 * REPS):
        padded = rep % 2 == 1
        inp, truth = phone_wave(rng, padded)
        res = evaluate_wave(inp, CONFIG)
        suspect = res.rating_flags["PADDING_SUSPECT"]
        pad = truth["padded"]
        pad_hit += int(suspect[pad].sum())
        pad_total += int(pad.sum())
        honest_flag += int(suspect[~pad].sum())
        honest_total += int((~pad).sum())
        pad_units = set(np.asarray(inp.rating_unit)[pad].tolist())
        for i, row in enumerate(res.rows):
            if i in pad_units:
                continue
            hit = "TOPBOX_ANOMALY" in row.flags
            unit_flag += hit
            unit_total += 1
            if truth["small_unit"][i]:
                small_flag += hit
                small_total += 1
        honest_resp = ~pad & ~truth["speeder"] & ~truth["liner"]
        sl_flag += int(res.rating_flags["STRAIGHTLINE"][honest_resp].sum())
        sl_total += int(honest_resp.sum())
        speed_hit += int(res.submission_flags["SPEEDING"][truth["speeder"]].sum())
        speed_total += int(truth["speeder"].sum())
    phone_s = time.perf_counter() - started
    started = time.perf_counter()
    shared_flag = shared_total = 0
    for _ in range(REPS):
        res = evaluate_wave(shared_wave(rng), CONFIG)
        flagged = res.submission_flags["BURST"] | res.rating_flags["PADDING_SUSPECT"]
        shared_flag += int(flagged.sum())
        shared_total += flagged.size
    shared_s = time.perf_counter() - started
    started = time.perf_counter()
    cov_on, cov_off, icc = clustered_coverage(rng, max(REPS // 3, 20))
    cluster_s = time.perf_counter() - started
    out = {
        "pad_recall": pad_hit / pad_total, "honest_interview_false": honest_flag / honest_total,
        "honest_unit_false_small": small_flag / max(small_total, 1),
        "straightline_false": sl_flag / sl_total, "speeding_recall": speed_hit / speed_total,
        "shared_address_false": shared_flag / shared_total, "cluster_cov_large": cov_on,
    }
    print(f"quality_bench: {REPS} honest + {REPS} padded phone waves, {REPS} shared-address web waves, "
          f"seed {SEED}; {phone_s:.0f} s + {shared_s:.0f} s + {cluster_s:.0f} s")
    print(f"  padded interviews flagged PADDING_SUSPECT: {out['pad_recall']:.3f} of {pad_total}   (target >= 0.90)")
    print(f"  honest interviews flagged PADDING_SUSPECT: {out['honest_interview_false']:.4f} of {honest_total}   (target <= 0.05)")
    print(f"  honest units flagged TOPBOX_ANOMALY: {unit_flag / unit_total:.3f} of {unit_total}; "
          f"n < 75: {out['honest_unit_false_small']:.3f} of {small_total}   (target <= 0.05)")
    print(f"  honest respondents flagged STRAIGHTLINE: {out['straightline_false']:.4f}   (target <= 0.05)")
    print(f"  speeders flagged SPEEDING: {out['speeding_recall']:.3f}")
    print(f"  shared-address citizens flagged BURST or PADDING_SUSPECT: {out['shared_address_false']:.4f}   (target <= 0.05)")
    print(f"  interviewer clustering (realised ICC {icc:.4f}, 3 interviewers per unit, n 300-800): "
          f"95% CI coverage {cov_on:.3f} with the option, {cov_off:.3f} without   (target >= 0.93)")
    keys = ("pad_recall", "honest_interview_false", "honest_unit_false_small", "straightline_false",
            "speeding_recall", "shared_address_false", "cluster_cov_large")
    print("quality_bench: " + " ".join(f"{k}={out[k]:.3f}" for k in keys))
    return out


if __name__ == "__main__":
    run()
