"""Benchmark of the analysis engine (issue 3): raking and whole-wave evaluation at 100k and 1M.

Synthetic wave: respondents with age (6) × sex (2) × district (12) strata drawn with a bias
against the population margins, 60 units (12 districts rated by their residents, 48
departments rated by half of the respondents), 6 scored items. Every timing is the median of
5 repetitions after a warm-up. The reference is a minimal numpy IPF that rakes respondent
weights directly (one bincount and one gather per margin per iteration).

Run: ``.venv/bin/python bench/analysis_bench.py``. The last line is a summary for scripts.
"""

from __future__ import annotations

import gc
import os
import pathlib
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis import (  # noqa: E402
    ItemSpec,
    Margin,
    ScoringConfig,
    Stratum,
    WaveInput,
    evaluate_wave,
    rake,
    rake_labels,
)

AGES = ("18-29", "30-39", "40-49", "50-59", "60-69", "70+")
SEXES = ("m", "f")
DISTRICTS = tuple(f"D{i:02d}" for i in range(12))
POP_AGE = np.array([0.18, 0.19, 0.18, 0.17, 0.15, 0.13])
POP_SEX = np.array([0.505, 0.495])
POP_DISTRICT = np.linspace(1.0, 2.0, 12) / np.linspace(1.0, 2.0, 12).sum()
SAMPLE_AGE = np.array([0.10, 0.15, 0.20, 0.22, 0.19, 0.14])  # young people under-represented
SAMPLE_SEX = np.array([0.42, 0.58])
SAMPLE_DISTRICT = np.ones(12) / 12
MARGINS = [
    Margin("age", dict(zip(AGES, POP_AGE.tolist(), strict=True))),
    Margin("sex", dict(zip(SEXES, POP_SEX.tolist(), strict=True))),
    Margin("district", dict(zip(DISTRICTS, POP_DISTRICT.tolist(), strict=True))),
]
CATS = {"age": AGES, "sex": SEXES, "district": DISTRICTS}
REPEATS = 5


def synthetic_wave(n: int, seed: int = 0) -> WaveInput:
    """n respondents; each rates its district, half also rate one of 48 departments."""
    rng = np.random.default_rng(seed)
    district = rng.choice(12, n, p=SAMPLE_DISTRICT)
    # age depends on district (older outer districts) so the margins interact and IPF must iterate
    tilt = np.linspace(-0.4, 0.4, 12)[:, None] * np.linspace(-1.0, 1.0, 6)[None, :]
    p_age = SAMPLE_AGE * (1 + tilt)
    p_age /= p_age.sum(axis=1, keepdims=True)
    age = (rng.random(n)[:, None] > np.cumsum(p_age, axis=1)[district]).sum(axis=1)
    sex = np.where(age >= 4, rng.choice(2, n, p=[0.35, 0.65]), rng.choice(2, n, p=SAMPLE_SEX))
    design = np.where(rng.random(n) < 0.2, rng.uniform(0.8, 1.6, n), 1.0)  # phone/paper interviews
    rates_dept = np.flatnonzero(rng.random(n) < 0.5)
    sub = np.concatenate([np.arange(n), rates_dept])
    unit = np.concatenate([district, 12 + rng.integers(0, 48, rates_dept.size)])
    r = sub.size
    quality = np.linspace(1.2, 2.4, 60)[unit] + 0.15 * (age[sub] - 2.5) / 2.5
    answers = np.clip(np.rint(rng.normal(quality[:, None], 0.9, (r, 6))), 0, 4).astype(np.int8)
    answers[rng.random((r, 6)) < 0.04] = 5  # 不了解
    linkage = rng.integers(0, 50 * n, n)  # a few accidental repeats -> DUPLICATE
    pts = (100.0, 80.0, 60.0, 40.0, 0.0, float("nan"))
    items = [ItemSpec("q1", 0.4, pts, overall=True)] + [ItemSpec(f"q{j}", 0.12, pts) for j in range(2, 7)]
    return WaveInput(
        design_weight=design, rating_submission=sub, rating_unit=unit, answers=answers, items=items,
        unit_codes=[f"U{i:02d}" for i in range(60)], unit_names=[f"单位{i}" for i in range(60)],
        peer_groups=["县区"] * 12 + ["市级部门"] * 48, linkage=linkage,
        channel=(design != 1.0).astype(np.int64), duration=rng.gamma(9.0, 40.0, n),
        strata={"age": Stratum(age, AGES), "sex": Stratum(sex, SEXES), "district": Stratum(district, DISTRICTS)},
        margins=MARGINS,
    )


def reference_ipf(codes: list[np.ndarray], targets: list[np.ndarray], d: np.ndarray, tol: float = 1e-8,
                  max_iter: int = 1000) -> np.ndarray:
    """Minimal numpy IPF on respondent weights: bincount per margin, gather the ratio back."""
    w = d * (d.size / d.sum())
    n = d.size
    for _ in range(max_iter):
        for c, t in zip(codes, targets, strict=True):
            tot = np.bincount(c, weights=w, minlength=t.size)
            w *= (t * n / tot)[c]
        err = max(float(np.max(np.abs(np.bincount(c, weights=w, minlength=t.size) / (t * n) - 1)))
                  for c, t in zip(codes, targets, strict=True))
        if err <= tol:
            return w
    raise RuntimeError("reference IPF did not converge")


def timed(fn: Callable[[], object]) -> float:
    fn()  # warm-up
    times = []
    for _ in range(REPEATS):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def import_time() -> float:
    code = "import time; t = time.perf_counter(); import analysis; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                                 check=True).stdout) for _ in range(REPEATS)]
    return statistics.median(runs)


def peak_extra_mb(fn: Callable[[], object]) -> float:
    """Peak memory allocated during ``fn`` beyond what was allocated before (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - base) / 2**20


def main() -> None:
    cfg = ScoringConfig()
    results: dict[str, float] = {}
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start "
          "(other processes slow the timings)")
    for n in (100_000, 1_000_000):
        tag = "1m" if n == 1_000_000 else "100k"
        inp = synthetic_wave(n)
        codes = {v: np.asarray(inp.strata[v].codes) for v in ("age", "sex", "district")}
        labels = {v: np.asarray(CATS[v])[codes[v]] for v in codes}
        d = np.asarray(inp.design_weight)
        # like for like with the reference: same margins and tolerance, no trimming
        check = rake(codes, CATS, d, MARGINS, trim=None)
        trimmed = rake(codes, CATS, d, MARGINS)
        ref_w = reference_ipf([codes[v] for v in codes], [POP_AGE, POP_SEX, POP_DISTRICT], d)
        agree = float(np.max(np.abs(check.weights - ref_w) / ref_w))
        t_codes = timed(lambda c=codes, w=d: rake(c, CATS, w, MARGINS, trim=None))
        t_trim = timed(lambda c=codes, w=d: rake(c, CATS, w, MARGINS))
        t_labels = timed(lambda lab=labels, w=d: rake_labels(lab, w, MARGINS, trim=None))
        t_ref = timed(lambda c=codes, w=d: reference_ipf([c[v] for v in c], [POP_AGE, POP_SEX, POP_DISTRICT], w))
        res = evaluate_wave(inp, cfg)
        t_eval = timed(lambda i=inp: evaluate_wave(i, cfg))
        w = res.weighting
        print(f"n={n:,} respondents, {inp.n_ratings:,} ratings, 60 units, 6 items")
        print(f"  raking from codes     {t_codes * 1e3:8.1f} ms   ({check.iterations} iterations, "
              f"max rel. margin error {check.max_rel_error:.1e}; no trimming)")
        print(f"  raking from labels    {t_labels * 1e3:8.1f} ms   (string labels -> codes included)")
        print(f"  raking, default trim  {t_trim * 1e3:8.1f} ms   ({trimmed.iterations} iterations, "
              f"{trimmed.share_trimmed:.1%} of respondents at a bound of [0.3, 3])")
        print(f"  reference numpy IPF   {t_ref * 1e3:8.1f} ms   (ours / reference = {t_codes / t_ref:.2f}; "
              f"weights agree within {agree:.1e} relative)")
        print(f"  whole wave evaluation {t_eval * 1e3:8.1f} ms   (n_eff {w.n_eff:,.0f}, deff {w.deff:.3f}, "
              f"weights {w.weight_min:.3f}..{w.weight_max:.3f})")
        results[f"rake_{tag}_codes_s"] = t_codes
        results[f"rake_{tag}_ref_s"] = t_ref
        results[f"rake_{tag}_labels_s"] = t_labels
        results[f"eval_{tag}_s"] = t_eval
        if n == 1_000_000:
            results["peak_mb"] = peak_extra_mb(lambda i=inp: evaluate_wave(i, cfg))
            print(f"  peak extra memory of one evaluation: {results['peak_mb']:.0f} MB (tracemalloc)")
        del inp, labels, res
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    results["import_s"] = import_time()
    print(f"import analysis: {results['import_s'] * 1e3:.0f} ms (median of {REPEATS} fresh interpreters)")
    targets = [
        ("raking 1M from codes <= 1.5x reference", results["rake_1m_codes_s"] <= 1.5 * results["rake_1m_ref_s"]),
        ("whole evaluation of 1M <= 1 s", results["eval_1m_s"] <= 1.0),
        ("peak extra memory <= 500 MB", results["peak_mb"] <= 500),
        ("import analysis <= 1.5 s", results["import_s"] <= 1.5),
    ]
    for name, ok in targets:
        print(f"  target {name}: {'met' if ok else 'NOT MET'}")
    keys = ("rake_1m_codes_s", "rake_1m_ref_s", "rake_1m_labels_s", "eval_1m_s", "peak_mb", "import_s")
    print("analysis_bench: " + " ".join(
        f"{k}={results[k]:.1f}" if k == "peak_mb" else f"{k}={results[k]:.4f}" for k in keys))


if __name__ == "__main__":
    main()
