"""Benchmark of large imports (issue 17): 100,000 interview rows through the import service, and
uploads under gunicorn that never meet its worker timeout.

The interview file: the demo city's closed wave (``seed_demo``: 2,000 responses, about 2.4
rated units each) exported in the interview layout, its interviews copied with new ids
(``CATI<copy>-…``, channel ``phone``, 50 interviewers) until the file has exactly
``IMPORT_BENCH_ROWS`` rows (default 100,000, the documented maximum), imported into the demo's
open wave. In these 18 columns 100,000 rows make about 9 MB of CSV and 8 MB of .xlsx (openpyxl
writes every text inline), over the 5 MB an uploaded table may have: such a file is refused at
once, with that message, by the upload page and the CLI alike. So:

1. **service**: the job's own steps on the full 100,000 rows, each timed, in a fresh subprocess
   (peak RSS by ``os.wait4``): ``read_table`` of the CSV and of the .xlsx with the 5 MB cap
   lifted (reading is the only step the cap guards), then
   :func:`survey.import_jobs.run_import` with the read table (checking, saving) and the commit;
2. **web**: gunicorn as ``make run`` starts it (2 sync workers, gunicorn's default 30 s
   ``--timeout``), uploads of (a) the largest interview CSV under the 5 MB cap and (b) a
   100,000-row units CSV (the documented maximum; the issue's 100k-row units file killed a
   worker): the POST's answer time, then the job page polled once a second (stage and progress
   bar) until done; the workers' peak RSS (psutil, sampled), whether a worker was killed
   (``WORKER TIMEOUT`` in the log, a worker pid that changed) and the rows stored.

Repeated on PostgreSQL when a server answers on ``MINYI_TEST_PG_ADMIN_URL``;
``IMPORT_BENCH_ONLY=sqlite`` (or ``pg``) runs one database only. Run:
``.venv/bin/python bench/import_bench.py``. The last line is a summary for scripts.
"""

from __future__ import annotations

import csv
import http.cookiejar
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


ROWS = int(os.environ.get("IMPORT_BENCH_ROWS", "100000"))
ONLY = os.environ.get("IMPORT_BENCH_ONLY", "")
SECRET = "bench-secret-0123456789abcdef0123"
ADMIN, PASSWORD = "benchadmin", "correct horse battery staple"
WORKER_TIMEOUT_S = 30  # gunicorn's default --timeout, which the bench's servers keep
UPLOAD_CAP = 5 * 1024 * 1024  # survey.upload_files.MAX_TABLE_BYTES
EXPORT_ONLY = ("submission_id", "questionnaire_version", "status", "flags", "submitted_at",
               "final_weight")


def prepare(url: str) -> int:
    """Migrate ``url``, seed the demo city and an administrator; returns the open wave's id."""
    from survey.accounts import create_user
    from survey.db import make_engine, make_session_factory
    from survey.demo import seed_demo
    from tests.dbsupport import migrate_to_head

    migrate_to_head(url)
    engine = make_engine(url)
    session = make_session_factory(engine)()
    report = seed_demo(session, n_responses=2_000)
    create_user(session, ADMIN, "admin", PASSWORD, actor="bench")
    session.commit()
    session.close()
    engine.dispose()
    return int(report.open_wave_id)


def interview_rows(url: str, limit: int) -> tuple[list[str], list[list[str]], int]:
    """Header, ``limit`` rows of copied interviews (whole interviews; the last ones rate their
    district only, to end on exactly ``limit``) and the number of interviews."""
    from sqlalchemy import select

    from survey.db import make_engine, make_session_factory
    from survey.models import Wave, WaveState
    from survey.responses_export import export_responses

    engine = make_engine(url)
    session = make_session_factory(engine)()
    closed = session.scalar(select(Wave.id).where(Wave.state == WaveState.CLOSED))
    exported = list(csv.DictReader(io.StringIO(export_responses(session, closed, "csv").decode("utf-8-sig"))))
    session.close()
    engine.dispose()
    header = [c for c in exported[0] if c not in EXPORT_ONLY]
    interviews: dict[str, list[dict[str, str]]] = {}
    for row in exported:
        interviews.setdefault(row["interview_id"], []).append(row)
    rows: list[list[str]] = []
    count = copy = 0
    while len(rows) < limit:
        copy += 1
        for key, group in interviews.items():
            if len(rows) >= limit:
                break
            if len(rows) + len(group) > limit:
                group = [{**group[0], "unit_code": group[0]["district"], "departments": ""}]
            count += 1
            rows += [[{"interview_id": f"CATI{copy:02d}-{key}", "channel": "phone",
                       "interviewer_id": f"I{count % 50:03d}"}.get(c, row[c]) for c in header]
                     for row in group]
    return header, rows, count


def csv_file(header: list[str], rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([header, *rows])
    return text.getvalue().encode("utf-8")


def xlsx_file(header: list[str], rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("interviews")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def largest_under_cap(header: list[str], rows: list[list[str]]) -> tuple[bytes, int, int]:
    """The longest prefix of whole interviews whose CSV stays under the upload cap: (file, rows,
    interviews)."""
    sizes = [len(",".join(row).encode("utf-8")) + 1 for row in rows]
    total, end, interviews = len(",".join(header)) + 1, 0, 0
    for i, size in enumerate(sizes):
        if total + size > UPLOAD_CAP - 64 * 1024:  # room for quoting
            break
        total += size
        if i + 1 == len(rows) or rows[i + 1][0] != rows[i][0]:
            end, interviews = i + 1, interviews + 1
    data = csv_file(header, rows[:end])
    assert len(data) <= UPLOAD_CAP, len(data)
    return data, end, interviews


def unit_file(count: int) -> bytes:
    """``count`` service stations in a new peer group (named on the first row): about 3 MB."""
    lines = ["code,name,kind,peer_group,peer_group_name"]
    lines += [f"B{i:05d},站{i},department,ST,{'基层服务站' if i == 0 else ''}" for i in range(count)]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    assert len(data) <= UPLOAD_CAP, len(data)
    return data


def stored(url: str, wave_id: int) -> tuple[int, int]:
    """(submissions, rating rows) of the wave."""
    from sqlalchemy import func, select

    from survey.db import make_engine
    from survey.models import Rating, Submission

    engine = make_engine(url)
    with engine.connect() as conn:
        subs = conn.execute(select(func.count()).where(Submission.wave_id == wave_id)).scalar_one()
        ratings = conn.execute(select(func.count()).where(Rating.wave_id == wave_id)).scalar_one()
    engine.dispose()
    return int(subs), int(ratings)


def units_stored(url: str) -> int:
    from sqlalchemy import func, select

    from survey.db import make_engine
    from survey.models import Unit

    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(Unit)).scalar_one()
    engine.dispose()
    return int(n)


def _wait(process: subprocess.Popen[str]) -> tuple[int, float]:
    """Wait for a child: its exit status and peak RSS in MB."""
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss / 1024


def service_child(url: str, wave_id: int, csv_path: str, xlsx_path: str) -> None:
    """In a fresh process: read both files (cap lifted), then the job's run_import on the CSV's
    table and the commit, each step timed."""
    from survey.db import make_engine, make_session_factory
    from survey.import_jobs import ImportFile, run_import
    from survey.upload_files import read_table

    times: dict[str, float] = {}
    start = time.perf_counter()
    xlsx_rows = len(read_table("cati.xlsx", Path(xlsx_path).read_bytes(), max_bytes=2**26).rows)
    times["read_xlsx"] = time.perf_counter() - start
    start = time.perf_counter()
    data = Path(csv_path).read_bytes()
    table = read_table("cati.csv", data, max_bytes=2**26)
    times["read_csv"] = time.perf_counter() - start
    assert len(table.rows) == xlsx_rows == ROWS, (len(table.rows), xlsx_rows)
    engine = make_engine(url)
    session = make_session_factory(engine)()
    start = time.perf_counter()
    marks: dict[str, float] = {}

    def progress(stage: str, _fraction: float) -> None:
        marks.setdefault(stage, time.perf_counter() - start)

    result = run_import(session, ImportFile("interviews", "cati.csv", data, wave_id), table,
                        actor="bench", secret=SECRET, progress=progress)
    saved = time.perf_counter() - start
    session.commit()
    done = time.perf_counter() - start
    times.update(checking=marks["saving"] - marks["checking"], saving=saved - marks["saving"],
                 commit=done - saved, import_total=done)
    session.close()
    engine.dispose()
    print(json.dumps({"times": times, "result": result}))


def service_import(url: str, wave_id: int, csv_path: Path, xlsx_path: Path) -> dict:
    process = subprocess.Popen([sys.executable, __file__, "--service", url, str(wave_id),
                                str(csv_path), str(xlsx_path)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    code, peak = _wait(process)
    out, err = process.stdout.read(), process.stderr.read()
    if code != 0:
        raise SystemExit(f"service import failed ({code}):\n{err[-3000:]}")
    figures = json.loads(out.strip().splitlines()[-1])
    figures["peak_mb"] = peak
    return figures


def _multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


class Browser:
    """An administrator's session on a server: cookies kept, redirects not followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect)

    def open(self, path: str, body: bytes | None = None, content_type: str = "") -> tuple[int, str, str]:
        """(status, Location, body)"""
        request = urllib.request.Request(self.base + path, data=body,
                                         headers={"Content-Type": content_type} if body else {})
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as answer:  # a redirect (not followed) or an error
            return answer.status, answer.headers.get("Location", ""), answer.read().decode()

    def login(self) -> None:
        self.open("/lang/en?next=/login")
        form = urllib.parse.urlencode({"username": ADMIN, "password": PASSWORD,
                                       "csrf_token": _token(self.open("/login")[2])}).encode()
        status, _location, _body = self.open("/login", form, "application/x-www-form-urlencoded")
        assert status == 303, status

    def upload(self, form: str, name: str, data: bytes) -> tuple[float, str]:
        """POST the file; (seconds to the answer, the job page's path)."""
        body, content_type = _multipart({"csrf_token": _token(self.open(form)[2])}, name, data)
        start = time.perf_counter()
        status, location, text = self.open(form, body, content_type)
        seconds = time.perf_counter() - start
        if status != 303 or "/admin/imports/" not in location:
            raise SystemExit(f"the upload answered {status} {location}:\n{text[:2000]}")
        return seconds, urllib.parse.urlsplit(location).path


def follow(browser: Browser, server, job_path: str, start: float) -> dict:  # noqa: ANN001
    """Poll the job page once a second until it stops refreshing itself."""
    seen: list[tuple[float, str, float]] = []
    peak_mb = 0.0
    while True:
        html = browser.open(job_path)[2]
        peak_mb = max([peak_mb] + [p.memory_info().rss / 2**20 for p in server.workers()])
        bar = re.search(r'<progress class="progress" max="1" value="([\d.]+)"', html)
        stage = re.search(r'<p role="status" id="job-stage">([^<]*)</p>', html)
        elapsed = time.perf_counter() - start
        if bar is None:
            break
        seen.append((elapsed, stage.group(1) if stage else "", float(bar.group(1))))
        if elapsed > 900:
            raise SystemExit("the import job did not finish within 15 minutes")
        time.sleep(1.0)
    outcome = re.search(r'<p class="notice" role="status">([^<]*)</p>', html)
    return {"total_s": time.perf_counter() - start, "peak_worker_mb": peak_mb, "progress": seen,
            "said": outcome.group(1) if outcome else html[-1500:]}


def web_imports(url: str, wave_id: int, interviews_csv: bytes) -> dict[str, dict]:
    """Both uploads, one after the other, to gunicorn with 2 workers and a 30 s timeout."""
    from tests.servers import Gunicorn

    env = {"MINYI_ENV": "production", "MINYI_SECRET_KEY": SECRET, "MINYI_DATABASE_URL": url,
           "MINYI_REDIS_URL": "memory://"}
    server = Gunicorn(env).start()
    figures: dict[str, dict] = {}
    try:
        workers_before = {p.pid for p in server.workers()}
        browser = Browser(server.base)
        browser.login()
        for label, form, name, data in (
                ("interviews", f"/admin/waves/{wave_id}/interviews/import", "cati.csv", interviews_csv),
                ("units", "/admin/units/import", "units.csv", unit_file(ROWS))):
            start = time.perf_counter()
            post_s, job_path = browser.upload(form, name, data)
            figure = follow(browser, server, job_path, start)
            figure.update(post_s=post_s, file_mb=len(data) / 1e6)
            figures[label] = figure
        timeouts = sum("WORKER TIMEOUT" in line for line in server.log)
        restarted = workers_before != {p.pid for p in server.workers()}
        for figure in figures.values():
            figure.update(worker_timeouts=timeouts, workers_restarted=restarted)
    finally:
        server.stop()
    return figures


def bench(name: str, make_url) -> dict:  # noqa: ANN001 - (folder, label) -> (url, cleanup)
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        folder = Path(tmp)
        url, cleanup = make_url(folder, "service")
        try:
            wave_id = prepare(url)
            header, rows, interviews = interview_rows(url, ROWS)
            csv_path, xlsx_path = folder / "cati.csv", folder / "cati.xlsx"
            csv_path.write_bytes(csv_file(header, rows))
            xlsx_path.write_bytes(xlsx_file(header, rows))
            print(f"{name}: {ROWS:,} rows = {interviews:,} interviews; "
                  f"{csv_path.stat().st_size / 1e6:.1f} MB as CSV, {xlsx_path.stat().st_size / 1e6:.1f} MB "
                  "as .xlsx", flush=True)
            service = service_import(url, wave_id, csv_path, xlsx_path)
            t = service["times"]
            print(f"{name:>7} service, {ROWS:,} rows: read_table {t['read_csv']:.1f} s (CSV) / "
                  f"{t['read_xlsx']:.1f} s (.xlsx); run_import checking {t['checking']:.1f} s, saving "
                  f"{t['saving']:.1f} s, commit {t['commit']:.1f} s (import {t['import_total']:.1f} s); "
                  f"peak RSS {service['peak_mb']:.0f} MB", flush=True)
            assert stored(url, wave_id)[0] == interviews
            figures["service"] = service
        finally:
            cleanup()
        url, cleanup = make_url(folder, "web")
        try:
            wave_id = prepare(url)
            units_before = units_stored(url)
            data, web_rows, web_interviews = largest_under_cap(header, rows)
            web = web_imports(url, wave_id, data)
            subs, ratings = stored(url, wave_id)
            assert subs == web_interviews, (subs, web_interviews)
            assert units_stored(url) == units_before + ROWS
            for label, figure in web.items():
                what = (f"{web_rows:,} interview rows ({web_interviews:,} interviews)" if label == "interviews"
                        else f"{ROWS:,} units")
                steps = ", ".join(f"{t:.0f}s {stage} {100 * f:.0f}%" for t, stage, f in figure["progress"][::3])
                print(f"{name:>7} web, {what}, {figure['file_mb']:.1f} MB CSV: upload answered in "
                      f"{figure['post_s']:.2f} s, job done after {figure['total_s']:.1f} s; worker peak RSS "
                      f"{figure['peak_worker_mb']:.0f} MB; worker timeouts {figure['worker_timeouts']}, "
                      f"workers restarted: {figure['workers_restarted']} — {figure['said']}", flush=True)
                print(f"{name:>7}   job page as polled: {steps}", flush=True)
            web["interviews"]["rows"] = web_rows
            figures["web"] = web
        finally:
            cleanup()
    return figures


def sqlite_url(folder: Path, label: str):  # noqa: ANN201
    return f"sqlite:///{folder / f'{label}.db'}", lambda: None


def pg_url(_folder: Path, _label: str):  # noqa: ANN201
    from tests.dbsupport import create_pg_database, drop_pg_database

    url = create_pg_database("minyi_import_bench")
    return url, lambda: drop_pg_database(url)


def main() -> None:
    from tests.dbsupport import pg_available

    results: dict[str, dict] = {}
    if ONLY in ("", "sqlite"):
        results["sqlite"] = bench("sqlite", sqlite_url)
    if ONLY in ("", "pg"):
        if pg_available():
            results["pg"] = bench("pg", pg_url)
        else:
            print("PostgreSQL is not reachable: skipped")
    parts = []
    for db, f in results.items():
        t, web = f["service"]["times"], f["web"]
        parts.append(f"{db}_read_csv_s={t['read_csv']:.1f} {db}_read_xlsx_s={t['read_xlsx']:.1f} "
                     f"{db}_import_s={t['import_total']:.1f} {db}_service_peak_mb={f['service']['peak_mb']:.0f} "
                     f"{db}_web_interview_rows={web['interviews']['rows']} "
                     f"{db}_web_interviews_post_s={web['interviews']['post_s']:.2f} "
                     f"{db}_web_interviews_job_s={web['interviews']['total_s']:.1f} "
                     f"{db}_web_units_post_s={web['units']['post_s']:.2f} "
                     f"{db}_web_units_job_s={web['units']['total_s']:.1f} "
                     f"{db}_worker_peak_mb={max(w['peak_worker_mb'] for w in web.values()):.0f} "
                     f"{db}_worker_timeouts={web['units']['worker_timeouts']}")
    print(f"import_bench: rows={ROWS} " + " ".join(parts))


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--service":
        service_child(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        main()
