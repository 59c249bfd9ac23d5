"""Benchmark of citizen collection (issue 5): questionnaire page and JSON submissions.

Minyi runs under gunicorn (2 sync workers) on 127.0.0.1 with every security control on: CSRF on
the form, the rate limiter running (limit raised), invitation codes consumed atomically, quality
flags computed, SQLite in WAL mode with ``synchronous=FULL``. Loads come from a separate process,
``wrk`` (Debian's package) with 2 connections in a closed loop, bounded to 20 s each:

(a) GET of a questionnaire page (a survey session cookie, as a citizen has),
(b) valid JSON API submissions, each with its own invitation code and client_submission_id.

In the same run the same loads hit a minimal Flask + SQLAlchemy app (the baseline): a 6 KB form
page and a one-row insert endpoint, on the same database settings. Both servers run side by side
and each Minyi load is followed at once by the baseline's, so both meet the machine in the same
state. Reported: throughput, p50/p99
latency and worker CPU ms per request (psutil on the gunicorn workers). Repeated on PostgreSQL
(a throw-away database on 127.0.0.1:5432). Between runs TIME_WAIT sockets
are left to drain. Run: ``.venv/bin/python bench/submit_bench.py``; the last line is a summary.
``SUBMIT_BENCH_ONLY=sqlite`` (or ``pg``) runs one database only, ``SUBMIT_BENCH_SECONDS`` shortens the loads,
``SUBMIT_BENCH_ROUNDS=n`` repeats every load n times and reports the medians.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

SECRET = "bench-secret-0123456789abcdef0123"
DURATION_S = int(os.environ.get("SUBMIT_BENCH_SECONDS", "20"))  # 20 s; override for a smoke run
CONNECTIONS = 2
ROUNDS = int(os.environ.get("SUBMIT_BENCH_ROUNDS", "1"))  # each round: every load once
CODES_PER_ROUND = 40_000
DRAIN_S = int(os.environ.get("SUBMIT_BENCH_DRAIN", "8"))
VENV_BIN = Path(sys.executable).parent

# -------------------------------------------------------------------------------------------
# The baseline: a minimal Flask + SQLAlchemy app (gunicorn "bench.submit_bench:baseline_app()")

FORM_6KB = "<!doctype html><html><head><meta charset='utf-8'><title>form</title></head><body><form method='post'>" + "".join(
    f"<fieldset><legend>Question {i}</legend><label><input type='radio' name='q{i}' value='1'> one</label>"
    f"<label><input type='radio' name='q{i}' value='2'> two</label></fieldset>" for i in range(36)
) + "<button>Send</button></form></body></html>"


def _baseline_table():
    from sqlalchemy import JSON, Column, Integer, MetaData, String, Table

    return Table("baseline_row", MetaData(), Column("id", Integer, primary_key=True),
                 Column("key", String(64)), Column("body", JSON))


def baseline_schema(url: str) -> None:
    from survey.db import make_engine

    engine = make_engine(url)
    _baseline_table().metadata.create_all(engine)
    engine.dispose()


def baseline_app():  # pragma: no cover - run by gunicorn
    from flask import Flask, jsonify, request
    from sqlalchemy import insert

    from survey.db import make_engine

    Row = _baseline_table()
    engine = make_engine(os.environ["BASELINE_DATABASE_URL"])
    app = Flask("baseline")

    @app.get("/form")
    def form() -> str:
        return FORM_6KB

    @app.post("/insert")
    def insert_row():
        data = request.get_json(force=True, silent=True) or {}
        with engine.begin() as conn:
            new_id = conn.execute(insert(Row).values(key=str(data.get("client_submission_id", "")),
                                                     body=data).returning(Row.c.id)).scalar_one()
        return jsonify(id=new_id), 201

    return app


# -------------------------------------------------------------------------------------------
# Fixtures: a migrated database with the demo city, an invitation wave and its codes


def prepare_database(url: str, rounds: int = 1) -> tuple[int, int, list[Path]]:
    """Seed the demo city plus an invitation wave; returns (open wave, invitation wave, one
    file of unused codes per round)."""
    from sqlalchemy import insert

    from survey.db import make_engine, make_session_factory
    from survey.demo import seed_demo
    from survey.models import AccessMode, Invitation, Wave, WaveState
    from survey.submissions import invitation_code_hash
    from tests.dbsupport import migrate_to_head

    migrate_to_head(url)
    engine = make_engine(url)
    session = make_session_factory(engine)()
    report = seed_demo(session, n_responses=2000)
    open_wave = session.get(Wave, report.open_wave_id)
    now = datetime.now(UTC)
    wave = Wave(name="bench invitation wave", period=open_wave.period,
                questionnaire_version_id=open_wave.questionnaire_version_id,
                opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=30),
                access=AccessMode.INVITATION, anonymized=True, state=WaveState.OPEN,
                settings={"min_duration_s": 60}, created_by="bench", units=list(open_wave.units))
    session.add(wave)
    session.flush()
    codes = [f"BENCH{i:07d}" for i in range(CODES_PER_ROUND * rounds)]
    session.execute(insert(Invitation), [
        {"wave_id": wave.id, "code_hash": invitation_code_hash(SECRET, c), "issued_at": now}
        for c in codes])
    session.commit()
    ids = (open_wave.id, wave.id)
    session.close()
    engine.dispose()
    paths = []
    for r in range(rounds):
        path = Path(tempfile.mkstemp(prefix="codes-", suffix=".txt")[1])
        path.write_text("\n".join(codes[r * CODES_PER_ROUND:(r + 1) * CODES_PER_ROUND]) + "\n")
        paths.append(path)
    return ids[0], ids[1], paths


# -------------------------------------------------------------------------------------------
# Servers and loads


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with 2 sync workers on a free 127.0.0.1 port."""

    def __init__(self, app_spec: str, env: dict[str, str]) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
             "--log-level", "warning", app_spec],
            cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"{app_spec} did not start") from None
                time.sleep(0.2)

    def workers(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children()

    def rss_mb(self) -> list[float]:
        """Each worker's resident memory, in MB."""
        return [p.memory_info().rss / 2**20 for p in self.workers()]

    def cpu_s(self) -> float:
        return sum(sum(p.cpu_times()[:2]) for p in self.workers())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@dataclass
class Load:
    label: str
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float


WRK_LUA = r"""
-- tid is a global: setup() sets it in each thread's own Lua state
local counter, codes, nthreads = 0, {}, 1
tid = 0
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads - 1)
end
function init(args)
  nthreads = tonumber(args[2]) or 1
  local i = 0
  if args[1] and args[1] ~= "" then
    for line in io.lines(args[1]) do
      if i % nthreads == tid then table.insert(codes, line) end
      i = i + 1
    end
  end
end
function request()
  counter = counter + 1
  if wrk.method == "GET" then return wrk.format(nil) end
  local code = codes[counter]
  if #codes == 0 then code = "NOCODE" .. counter
  elseif code == nil then return wrk.format("GET", "/__codes_exhausted__") end
  local body = string.format(wrk.body, tid, counter, code)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
function done(summary, latency, requests)
  io.write(string.format("WRKJSON {\"requests\": %d, \"duration_us\": %d, \"status_errors\": %d, " ..
    "\"socket_errors\": %d, \"p50_us\": %d, \"p99_us\": %d}\n", summary.requests, summary.duration,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


def submission_template(wave_id: int, tag: str = "") -> str:
    """The body (a %-format with thread, counter and code) of a valid demo-questionnaire answer;
    ``tag`` keeps the submission ids of one round apart from another's."""
    started = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    rating = {"sat_overall": "4", "sat_attitude": "5", "sat_efficiency": "3", "sat_integrity": "4",
              "sat_openness": "9", "comment": "办事效率还可以"}
    body = {"client_submission_id": "bench-TID-N", "invitation_code": "CODE", "started_at": started,
            "answers": {"district": "D01", "age_band": "40-49", "sex": "f", "gov_staff": "no",
                        "departments": ["E01"]},
            "ratings": {"D01": rating, "E01": dict(rating, sat_overall="3")}}
    text = json.dumps(body, ensure_ascii=False).replace("%", "%%")
    return text.replace("bench-TID-N", f"bench{tag}-%d-%d").replace('"CODE"', '"%s"')


def run_wrk(label: str, server: Server, path: str, *, body: str | None = None,
            codes: Path | None = None, headers: list[str] | None = None) -> Load:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(WRK_LUA)
    args = ["wrk", "-t", str(CONNECTIONS), "-c", str(CONNECTIONS), "-d", f"{DURATION_S}s",
            "--timeout", "10s", "-s", str(script)]
    for header in headers or []:
        args += ["-H", header]
    if body is not None:
        args += ["-H", "Content-Type: application/json"]
        script.write_text(WRK_LUA.replace("wrk.method == \"GET\"", "false")
                          + f"\nwrk.method = \"POST\"\nwrk.body = [==[{body}]==]\n")
    args += [server.base + path, "--", str(codes or ""), str(CONNECTIONS)]
    cpu_before = server.cpu_s()
    run = subprocess.run(args, capture_output=True, text=True, timeout=DURATION_S + 60)
    output = run.stdout + run.stderr
    cpu_after = server.cpu_s()
    script.unlink()
    match = re.search(r"WRKJSON (\{.*\})", output)
    if not match:
        raise RuntimeError(f"wrk gave no summary for {label}:\n{output}")
    data = json.loads(match.group(1))
    ok = max(data["requests"] - data["status_errors"], 1)
    return Load(label, data["requests"], data["status_errors"] + data["socket_errors"],
                data["requests"] / (data["duration_us"] / 1e6), data["p50_us"] / 1000,
                data["p99_us"] / 1000, 1000 * (cpu_after - cpu_before) / ok)


def page_cookie(base: str, wave_id: int) -> str:
    """A citizen's survey session (landing page, CSRF-protected start) as a Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{base}/s/{wave_id}").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"csrf_token": token}).encode()
    opener.open(f"{base}/s/{wave_id}/begin", data=data).read()
    return "Cookie: " + "; ".join(f"{c.name}={c.value}" for c in jar)


def drain() -> None:
    time.sleep(DRAIN_S)


def count_rows(url: str, table: str, where: str = "") -> int:
    from sqlalchemy import text

    from survey.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text(f"SELECT count(*) FROM {table} {where}")).scalar_one()
    engine.dispose()
    return int(n)


#: Each server's workers' resident memory after the loads, by "<database> <server>".
MEMORY: dict[str, list[float]] = {}


def bench_backend(name: str, url: str, baseline_url: str, *, pages: bool) -> list[Load]:
    """Minyi and the baseline run side by side; each Minyi load is followed at once by the same
    load on the baseline, so that both meet the machine in the same state (a shared machine's
    speed drifts by more than ten per cent within minutes)."""
    open_wave, invite_wave, code_files = prepare_database(url, ROUNDS)
    baseline_schema(baseline_url)
    env = {"MINYI_ENV": "production", "MINYI_SECRET_KEY": SECRET, "MINYI_DATABASE_URL": url,
           "MINYI_SUBMIT_RATE_LIMIT": "1000000 per minute"}
    loads: list[Load] = []
    minyi = Server("app:create_app()", env)
    baseline = Server("bench.submit_bench:baseline_app()", {"BASELINE_DATABASE_URL": baseline_url})
    try:
        cookie = page_cookie(minyi.base, open_wave) if pages else ""
        for round_no, codes in enumerate(code_files):
            if pages:
                loads.append(run_wrk(f"{name} minyi page", minyi, f"/s/{open_wave}/p/0", headers=[cookie]))
                drain()
                loads.append(run_wrk(f"{name} baseline page", baseline, "/form"))
                drain()
            before = count_rows(url, "submission")
            load = run_wrk(f"{name} minyi submit", minyi, f"/api/v1/waves/{invite_wave}/submissions",
                           body=submission_template(invite_wave, f"r{round_no}"), codes=codes)
            stored = count_rows(url, "submission") - before
            acknowledged = load.requests - load.errors
            if stored < acknowledged:
                print(f"ERROR: {acknowledged} submissions acknowledged but only {stored} stored")
            elif stored > acknowledged:
                print(f"note: {stored} stored, {acknowledged} acknowledged "
                      f"({stored - acknowledged} in flight when the load stopped)")
            loads.append(load)
            drain()
            loads.append(run_wrk(f"{name} baseline insert", baseline, "/insert",
                                 body=submission_template(invite_wave, f"r{round_no}"), codes=None))
            drain()
        for label, server in (("minyi", minyi), ("baseline", baseline)):
            MEMORY[f"{name} {label}"] = server.rss_mb()
    finally:
        minyi.stop()
        baseline.stop()
        for codes in code_files:
            codes.unlink()
    return loads


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)")
        return 1
    from tests.dbsupport import create_pg_database, drop_pg_database, pg_available

    only = os.environ.get("SUBMIT_BENCH_ONLY")
    workdir = Path(tempfile.mkdtemp(prefix="submit-bench-"))
    loads: list[Load] = []
    if only == "pg":
        print("SUBMIT_BENCH_ONLY=pg: the SQLite runs were skipped")
    else:
        loads = bench_backend("sqlite", f"sqlite:///{workdir / 'minyi.db'}",
                              f"sqlite:///{workdir / 'baseline.db'}", pages=True)
    pg_loads: list[Load] = []
    if only == "sqlite":
        print("SUBMIT_BENCH_ONLY=sqlite: the PostgreSQL runs were skipped")
    elif pg_available():
        url, baseline_url = create_pg_database("minyi_bench"), create_pg_database("minyi_bench_base")
        try:
            pg_loads = bench_backend("pg", url, baseline_url, pages=True)
        finally:
            drop_pg_database(url)
            drop_pg_database(baseline_url)
    else:
        print("WARNING: PostgreSQL unreachable: the PostgreSQL runs were skipped")
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{'load':28} {'requests':>9} {'errors':>7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/req':>11}")
    for r in loads + pg_loads:
        print(f"{r.label:28} {r.requests:9d} {r.errors:7d} {r.rps:9.1f} {r.p50_ms:8.2f} {r.p99_ms:8.2f} {r.cpu_ms:11.2f}")
    by: dict[str, list[Load]] = {}
    for r in loads + pg_loads:
        by.setdefault(r.label, []).append(r)

    def get(label: str, attr: str) -> float:
        """The median over the rounds (one round: that run)."""
        return statistics.median(getattr(r, attr) for r in by[label]) if label in by else float("nan")

    s_rps, s_base = get("sqlite minyi submit", "rps"), get("sqlite baseline insert", "rps")
    p_rps, p_base = get("sqlite minyi page", "rps"), get("sqlite baseline page", "rps")
    g_rps, g_base = get("pg minyi submit", "rps"), get("pg baseline insert", "rps")
    print(f"\n{ROUNDS} round(s){'; figures below are medians over the rounds' if ROUNDS > 1 else ''}")
    for label, sizes in MEMORY.items():
        print(f"{label} workers' RSS: {', '.join(f'{mb:.0f} MB' for mb in sizes)}")
    print("targets: submissions >= 35% of baseline insert with p99 <= 50 ms; page >= 30% of baseline page")
    if loads:
        print(f"sqlite: submissions {100 * s_rps / s_base:.0f}% of baseline, p99 {get('sqlite minyi submit', 'p99_ms'):.1f} ms; "
              f"page {100 * p_rps / p_base:.0f}% of baseline")
    if pg_loads:
        print(f"pg: submissions {100 * g_rps / g_base:.0f}% of baseline, p99 {get('pg minyi submit', 'p99_ms'):.1f} ms; "
              f"page {100 * get('pg minyi page', 'rps') / get('pg baseline page', 'rps'):.0f}% of baseline")
    print(f"submit_bench: sqlite_rps={s_rps:.1f} sqlite_baseline_rps={s_base:.1f} "
          f"sqlite_p99_ms={get('sqlite minyi submit', 'p99_ms'):.1f} sqlite_page_rps={p_rps:.1f} "
          f"sqlite_page_baseline_rps={p_base:.1f} pg_rps={g_rps:.1f} pg_baseline_rps={g_base:.1f} "
          f"pg_p99_ms={get('pg minyi submit', 'p99_ms'):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
