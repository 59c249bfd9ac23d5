"""Benchmark of the office's evaluation run (issue 6): the demo city and 1,000,000 responses.

1. The demo city (``seed_demo``, 20,000 responses) in a throw-away PostgreSQL database (and in a
   temporary SQLite file): time of ``evaluate_wave_run`` — SQL aggregation, analysis (raking,
   index, placement, 1,000 rank-interval draws) and storing the result rows.
2. 1,000,000 responses on PostgreSQL: the demo city's units, questionnaire and closed wave, then
   999,000 more submissions and their ~11 M rating rows generated inside PostgreSQL
   (``INSERT … SELECT`` over ``generate_series`` with a fixed ``setseed``; rating indexes built
   after the load, foreign-key triggers off during it). Time of the same full run, and of
   ``verify-run``'s recomputation.

Both throw-away databases are created on ``MINYI_TEST_PG_ADMIN_URL`` (default postgres on
127.0.0.1:5432) and dropped at the end. Run: ``.venv/bin/python bench/office_bench.py``
(``--responses N`` to change the large size). The last line is a summary for scripts.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from survey.db import make_engine, make_session_factory  # noqa: E402
from survey.demo_city import (  # noqa: E402
    AGE_BANDS,
    AGE_SAMPLE,
    DEPARTMENTS,
    DISTRICT_SAMPLE_TILT,
    DISTRICTS,
    SEX_SAMPLE,
)
from tests.dbsupport import create_pg_database, drop_pg_database, migrate_to_head  # noqa: E402

#: The default run settings (DESIGN §7 defaults, raking with trimming bounds [0.3, 3]).
SETTINGS: dict = {"scoring": {}}


def _timed_run(url: str, wave_id: int) -> tuple[float, int, int]:
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings

    engine = make_engine(url)
    session = make_session_factory(engine)()
    started = time.perf_counter()
    run = evaluate_wave_run(session, wave_id, RunSettings.from_dict(SETTINGS), "bench")
    session.commit()
    elapsed = time.perf_counter() - started
    counted = run.summary["ratings_counted"]
    run_id = run.id
    session.close()
    engine.dispose()
    return elapsed, counted, run_id


def _timed_verify(url: str, run_id: int) -> tuple[float, bool]:
    from survey.evaluation.verify import verify_run

    engine = make_engine(url)
    session = make_session_factory(engine)()
    started = time.perf_counter()
    report = verify_run(session, run_id)
    elapsed = time.perf_counter() - started
    session.close()
    engine.dispose()
    return elapsed, report.identical


def _seed(url: str, responses: int) -> int:
    from survey.demo import seed_demo

    engine = make_engine(url)
    session = make_session_factory(engine)()
    report = seed_demo(session, n_responses=responses)
    session.commit()
    session.close()
    engine.dispose()
    return int(report.wave_id)


def demo_city(url: str, label: str) -> float:
    migrate_to_head(url)
    started = time.perf_counter()
    wave_id = _seed(url, 20_000)
    print(f"[{label}] demo city seeded (20,000 responses) in {time.perf_counter() - started:.1f} s")
    best = None
    for attempt in range(3):
        elapsed, counted, _run = _timed_run(url, wave_id)
        print(f"[{label}] demo run {attempt + 1}: {elapsed:.2f} s ({counted} ratings counted)")
        best = elapsed if best is None else min(best, elapsed)
    return float(best)


def _district_cuts() -> list[float]:
    """Cumulative sample shares of the districts (the demo seed's tilted sample), minus the last."""
    tilt = [d[3] * t for d, t in zip(DISTRICTS, DISTRICT_SAMPLE_TILT, strict=True)]
    total = sum(tilt)
    return [sum(tilt[: i + 1]) / total for i in range(len(tilt) - 1)]


GENERATE_SQL = """
SELECT setseed(0.2026);
CREATE TEMP TABLE bench_person AS
SELECT g AS n,
       (SELECT max(id) FROM submission) + g AS sub_id,
       width_bucket(random(), ARRAY[{district_cuts}]::float8[]) AS d,
       width_bucket(random(), ARRAY[{age_cuts}]::float8[]) AS a,
       (random() < {female_share})::int AS s,
       (random() + random() + random() - 1.5) * 0.8 AS effect,
       exp(ln(260) + (random() + random() + random() - 1.5) * 0.7) AS duration
FROM generate_series(1, {n}) AS g;

INSERT INTO submission (id, wave_id, client_submission_id, body_sha256, answers,
                        questionnaire_version_id, channel, design_weight, strata, submitted_at,
                        duration_s, status, flags)
SELECT p.sub_id, {wave}, 'bench-' || p.n, md5(p.n::text) || md5((p.n + 1)::text),
       json_build_object('answers', json_build_object('district', dc.code, 'age_band', ab.band,
                         'sex', CASE p.s WHEN 1 THEN 'f' ELSE 'm' END, 'gov_staff', 'no'),
                         'ratings', json_build_object()),
       {version}, 'web', 1.0,
       'age_band=' || ab.band || ';district=' || dc.code || ';sex=' || CASE p.s WHEN 1 THEN 'f' ELSE 'm' END,
       timestamptz '2026-07-02 00:00+08' + (p.n * interval '7 seconds'), round(p.duration),
       'accepted', '[]'
FROM bench_person p
JOIN (SELECT row_number() OVER (ORDER BY code) - 1 AS i, code FROM unit WHERE kind = 'district') dc
  ON dc.i = p.d
JOIN (SELECT ordinality - 1 AS i, band FROM unnest(ARRAY[{bands}]) WITH ORDINALITY AS t(band)) ab
  ON ab.i = p.a;

CREATE TEMP TABLE bench_rated AS
SELECT p.sub_id, u.id AS unit_id, 0.9 + u.effect + p.effect AS latent
FROM bench_person p
JOIN (SELECT row_number() OVER (ORDER BY code) - 1 AS i, id, 0.0 AS effect FROM unit WHERE kind = 'district') u
  ON u.i = p.d
UNION ALL
SELECT p.sub_id, d.id, 0.9 + d.effect + p.effect
FROM bench_person p
CROSS JOIN (SELECT u.id, e.freq, e.effect FROM unit u
            JOIN (VALUES {dept_values}) AS e(code, freq, effect) ON e.code = u.code) d
-- "+ 0 * p.n" keeps the draw per (person, department): a filter on random() alone would be
-- pushed down to the departments and drawn once per department
WHERE random() + 0 * p.n < d.freq / 18.0;

ALTER TABLE rating DROP CONSTRAINT IF EXISTS uq_rating_submission_id_unit_id_item;
DROP INDEX IF EXISTS ix_rating_wave_unit;
SET session_replication_role = replica;
INSERT INTO rating (wave_id, submission_id, unit_id, item, choice, choice_index)
SELECT {wave}, r.sub_id, r.unit_id, it.item, (ARRAY['5','4','3','2','1','9'])[c.idx + 1], c.idx
FROM bench_rated r
CROSS JOIN (VALUES ('sat_overall'), ('sat_attitude'), ('sat_efficiency'), ('sat_integrity'),
                   ('sat_openness')) AS it(item)
CROSS JOIN LATERAL (
  SELECT CASE WHEN random() < 0.05 THEN 5 ELSE
    (r.latent + (random() + random() + random() - 1.5) * 1.1 < 1.6)::int
    + (r.latent + (random() + random() + random() - 1.5) * 1.1 < 0.5)::int
    + (r.latent + (random() + random() + random() - 1.5) * 1.1 < -0.5)::int
    + (r.latent + (random() + random() + random() - 1.5) * 1.1 < -1.4)::int END AS idx
) c;
SET session_replication_role = DEFAULT;
ALTER TABLE rating ADD CONSTRAINT uq_rating_submission_id_unit_id_item UNIQUE (submission_id, unit_id, item);
CREATE INDEX ix_rating_wave_unit ON rating (wave_id, unit_id);
SELECT setval(pg_get_serial_sequence('submission', 'id'), (SELECT max(id) FROM submission));
"""


def million(url: str, n_total: int) -> tuple[float, float, float, float, int]:
    migrate_to_head(url)
    wave_id = _seed(url, 1000)
    engine = make_engine(url)
    with engine.connect() as conn:
        version = conn.execute(text("SELECT questionnaire_version_id FROM wave WHERE id = :w"),
                               {"w": wave_id}).scalar()
    dept_values = ", ".join(f"('{c}', {f}, {e})" for c, _n, _en, _g, f, e in DEPARTMENTS)
    sql = GENERATE_SQL.format(n=n_total - 1000, n_d=len(DISTRICTS), wave=wave_id, version=version,
                              bands=", ".join(f"'{b}'" for b in AGE_BANDS), dept_values=dept_values,
                              age_cuts=", ".join(f"{sum(AGE_SAMPLE[:i + 1]):.4f}" for i in range(5)),
                              district_cuts=", ".join(f"{c:.4f}" for c in _district_cuts()),
                              female_share=SEX_SAMPLE[1])
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur:
            cur.execute(sql)
        raw.commit()
    finally:
        raw.close()
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        subs = conn.execute(text("SELECT count(*) FROM submission WHERE wave_id = :w"), {"w": wave_id}).scalar()
        ratings = conn.execute(text("SELECT count(*) FROM rating WHERE wave_id = :w"), {"w": wave_id}).scalar()
    engine.dispose()
    generated = time.perf_counter() - started
    print(f"[1M] generated {subs:,} submissions and {ratings:,} rating rows in {generated:.1f} s")
    elapsed, counted, run_id = _timed_run(url, wave_id)
    print(f"[1M] full run: {elapsed:.2f} s ({counted:,} ratings counted)")
    again, _c, _r = _timed_run(url, wave_id)
    print(f"[1M] second run (warm cache): {again:.2f} s")
    verify_s, identical = _timed_verify(url, run_id)
    print(f"[1M] verify-run: {verify_s:.2f} s, identical={identical}")
    return elapsed, again, verify_s, generated, int(subs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--skip-demo", action="store_true", help="only the large run")
    args = parser.parse_args()
    demo_sqlite = demo_pg = float("nan")
    if not args.skip_demo:
        with tempfile.TemporaryDirectory() as tmp:
            demo_sqlite = demo_city(f"sqlite:///{tmp}/bench.db", "SQLite")
        url = create_pg_database("minyi_bench")
        try:
            demo_pg = demo_city(url, "PostgreSQL")
        finally:
            drop_pg_database(url)
    url = create_pg_database("minyi_bench")
    try:
        run_1m, run_1m_again, verify_1m, generate_1m, n = million(url, args.responses)
    finally:
        drop_pg_database(url)
    target = "met" if max(run_1m, run_1m_again) <= 15.0 else "MISSED"
    print(f"office_bench: demo_run_s={demo_pg:.2f} demo_run_sqlite_s={demo_sqlite:.2f} "
          f"run_1m_pg_s={run_1m:.2f} run_1m_pg_again_s={run_1m_again:.2f} verify_1m_pg_s={verify_1m:.2f} "
          f"generate_1m_s={generate_1m:.1f} "
          f"responses={n} target_15s={target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
