"""Benchmark of the raw responses export (issue 17): 1,000,000 rows as CSV and XLSX.

The data: the demo city (``seed_demo``: 42 units, the demo questionnaire, Chinese comments) with
2,000 responses, whose submissions are then copied with bulk Core inserts (``insert(Submission)``
with a list of parameter sets, 10,000 at a time) until the closed wave's export has
``EXPORT_BENCH_ROWS`` rows (default 1,000,000: one row per response and rated unit, about 4 per
response). Only ``submission`` is filled: the export reads the answers stored on the submission,
never the ``rating`` table.

Timed: ``survey.responses_export.write_export`` to a file (the CLI's ``export-responses`` and the
web download run the same code), in a fresh subprocess per format, so that neither the data
generation nor the other format pollutes its peak memory. Reported per database and format:
seconds (wall clock, and the process's CPU seconds), rows, bytes, the process's peak RSS (``resource.getrusage``, which includes the Python
interpreter and the imported libraries) and the RSS before the export began. The targets
(issue 17): CSV ≤ 20 s, XLSX ≤ 120 s, both ≤ 300 MB peak RSS. The CSV is read back and its rows
counted. Repeated on PostgreSQL when a server answers on ``MINYI_TEST_PG_ADMIN_URL`` (a
throw-away database); ``EXPORT_BENCH_ONLY=sqlite`` (or ``pg``) runs one database only.

Run: ``.venv/bin/python bench/export_bench.py``. The last line is a summary for scripts.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_ROWS = int(os.environ.get("EXPORT_BENCH_ROWS", "1000000"))
ONLY = os.environ.get("EXPORT_BENCH_ONLY", "")
SEED_RESPONSES = 2_000
BATCH = 10_000
TARGETS = {"csv": (20.0, 300.0), "xlsx": (120.0, 300.0)}  # seconds, MB of peak RSS


def _rows_of(answers: dict, units: set[str]) -> int:
    """Export rows of one stored submission: one per rated known unit, at least one."""
    return max(1, sum(1 for code in answers.get("ratings", {}) if code in units))


def prepare(url: str) -> tuple[int, int]:
    """Migrate ``url``, seed the demo city, copy the closed wave's responses until its export has
    at least :data:`TARGET_ROWS` rows; returns (wave id, export rows)."""
    from sqlalchemy import insert, select

    from survey.db import make_engine, make_session_factory
    from survey.demo import seed_demo
    from survey.models import Submission, Unit
    from tests.dbsupport import migrate_to_head

    migrate_to_head(url)
    engine = make_engine(url)
    session = make_session_factory(engine)()
    wave_id = seed_demo(session, n_responses=SEED_RESPONSES).wave_id
    session.commit()
    units = set(session.scalars(select(Unit.code)))
    columns = [c for c in Submission.__table__.columns if c.name != "id"]
    seed = [dict(row._mapping) for row in session.execute(
        select(*columns).where(Submission.wave_id == wave_id).order_by(Submission.id))]
    rows = sum(_rows_of(s["answers"], units) for s in seed)
    copy = 0
    while rows < TARGET_ROWS:
        copy += 1
        batch: list[dict] = []
        for i, original in enumerate(seed):
            if rows >= TARGET_ROWS:
                break
            batch.append({**original, "client_submission_id": f"bench-{copy}-{i}"})
            rows += _rows_of(original["answers"], units)
            if len(batch) == BATCH:
                session.execute(insert(Submission), batch)
                batch = []
        if batch:
            session.execute(insert(Submission), batch)
        session.commit()
    session.close()
    engine.dispose()
    return wave_id, rows


def child(url: str, wave_id: int, fmt: str, out: str) -> None:
    """In a fresh process: export, then print the figures as JSON."""
    from survey.db import make_engine, make_session_factory
    from survey.responses_export import write_export

    engine = make_engine(url)
    session = make_session_factory(engine)()
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start, cpu = time.perf_counter(), time.process_time()
    with open(out, "wb") as file:
        rows = write_export(session, wave_id, fmt, file)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    session.close()
    engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu_s": cpu, "rows": rows, "bytes": os.path.getsize(out),
                      "before_mb": before_mb, "peak_mb": peak_mb}))


def export_in_subprocess(url: str, wave_id: int, fmt: str, out: Path) -> dict:
    result = subprocess.run([sys.executable, __file__, "--child", url, str(wave_id), fmt, str(out)],
                            capture_output=True, text=True, check=False, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"export {fmt} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def csv_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return sum(1 for _row in csv.reader(file)) - 1


def bench(name: str, url: str, folder: Path) -> dict[str, dict]:
    start = time.perf_counter()
    wave_id, rows = prepare(url)
    print(f"{name}: {rows:,} export rows generated in {time.perf_counter() - start:.0f} s", flush=True)
    figures = {}
    for fmt in ("csv", "xlsx"):
        out = folder / f"{name}-responses.{fmt}"
        figure = export_in_subprocess(url, wave_id, fmt, out)
        if figure["rows"] != rows:
            raise SystemExit(f"{name} {fmt}: {figure['rows']} rows exported, {rows} expected")
        if fmt == "csv" and csv_rows(out) != rows:
            raise SystemExit(f"{name} csv: the file does not read back as {rows} rows")
        seconds_max, mb_max = TARGETS[fmt]
        verdict = "ok" if figure["seconds"] <= seconds_max and figure["peak_mb"] <= mb_max else "OVER TARGET"
        print(f"{name:>10} {fmt:>5}: {figure['rows']:>9,} rows  {figure['seconds']:7.1f} s "
              f"({figure['cpu_s']:.1f} s CPU)  "
              f"{figure['bytes'] / 1e6:7.1f} MB file  peak RSS {figure['peak_mb']:6.0f} MB "
              f"(before the export {figure['before_mb']:.0f} MB)  target ≤ {seconds_max:.0f} s, "
              f"≤ {mb_max:.0f} MB: {verdict}", flush=True)
        figures[fmt] = figure
        out.unlink()
    return figures


def main() -> None:
    from tests.dbsupport import create_pg_database, drop_pg_database, pg_available

    results: dict[str, dict[str, dict]] = {}
    with tempfile.TemporaryDirectory(prefix="export-bench-") as tmp:
        folder = Path(tmp)
        if ONLY in ("", "sqlite"):
            results["sqlite"] = bench("sqlite", f"sqlite:///{folder / 'bench.db'}", folder)
        if ONLY in ("", "pg"):
            if pg_available():
                url = create_pg_database("minyi_export_bench")
                try:
                    results["pg"] = bench("pg", url, folder)
                finally:
                    drop_pg_database(url)
            else:
                print("PostgreSQL is not reachable: skipped")
    summary = " ".join(f"{db}_{fmt}_s={f['seconds']:.1f} {db}_{fmt}_peak_mb={f['peak_mb']:.0f}"
                       for db, formats in results.items() for fmt, f in formats.items())
    print(f"export_bench: rows={TARGET_ROWS} {summary}")


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        main()
