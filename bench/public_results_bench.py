"""Benchmark of the public results (公示): the demo city's published quarter as a citizen loads it.

The demo city (``seed_demo``, 42 units in 2 peer groups) in a temporary SQLite file, evaluated
with the quarterly defaults, its provisional placements confirmed and published. Then, through
the test client, the time of: ``/results`` built (first and again), answered 304 on its ETag,
its JSON, a unit page, and each peer group's ranking and trend charts drawn (first) and served
from the worker's chart cache (again). Run: ``.venv/bin/python bench/public_results_bench.py``
(``--responses N`` to change the size). The last line is a summary for scripts.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MINYI_ENV", "testing")


def timed(client, path: str, repeat: int = 1, **headers: str) -> tuple[float, int]:
    """Median milliseconds of ``repeat`` GETs of ``path`` and the status of the last one."""
    times, status = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    return statistics.median(times), status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=20000)
    args = parser.parse_args()

    from app import create_app
    from survey.demo import seed_demo
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings
    from tests.conftest import TEST_SECRET
    from tests.dbsupport import migrate_to_head
    from tests.office.fixtures import publish_decided

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate_to_head(url)
        app = create_app({"ENVIRON": {"MINYI_ENV": "testing", "MINYI_DATABASE_URL": url,
                                      "MINYI_SECRET_KEY": TEST_SECRET}})
        session = app.extensions["minyi_sessions"]()
        report = seed_demo(session, n_responses=args.responses)
        session.commit()
        run = evaluate_wave_run(session, report.wave_id, RunSettings.for_period("quarterly"), "bench")
        session.commit()
        publish_decided(session, run.id, "bench")
        session.commit()
        period, groups = run.period, sorted({r.peer_group for r in run.results})
        unit = sorted(r.unit_code for r in run.results)[0]
        session.close()
        client = app.test_client()
        figures: dict[str, float] = {}
        figures["page first"], _ = timed(client, "/results")
        figures["page again"], _ = timed(client, "/results", repeat=20)
        etag = client.get("/results").headers["ETag"]
        figures["304"], status = timed(client, "/results", repeat=50, **{"If-None-Match": etag})
        assert status == 304
        figures["json"], _ = timed(client, f"/results/{period}.json", repeat=10)
        figures["unit page"], _ = timed(client, f"/results/unit/{unit}", repeat=10)
        for group in groups:
            for chart in ("ranking", "trend"):
                path = f"/results/{period}/{group}/{chart}.png"
                figures[f"{group} {chart} drawn"], status = timed(client, path)
                figures[f"{group} {chart} cached"], _ = timed(client, path, repeat=10)
                assert status == 200, path
        app.extensions["minyi_engine"].dispose()
    print(f"demo city: {args.responses} responses, {len(groups)} peer groups, period {period}")
    for name, ms in figures.items():
        print(f"  {name:<32} {ms:8.1f} ms")
    print("summary " + " ".join(f"{k.replace(' ', '_')}={v:.1f}ms" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
