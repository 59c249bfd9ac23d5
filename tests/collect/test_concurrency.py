"""Twenty simultaneous submissions with one invitation code store exactly one.

Threads each use their own test client (their own request, session and database connection);
on PostgreSQL the same is also shown across two gunicorn worker processes.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.collect.factory import body, counts
from tests.conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]
N = 20


def test_twenty_threads_one_code_store_exactly_one(app, db, city):
    app.config["SUBMIT_RATE_LIMIT"] = "1000 per minute"
    code = city.codes["invite"][0]
    url = f"/api/v1/waves/{city.waves['invite']}/submissions"
    barrier = threading.Barrier(N)

    def one(_i: int) -> int:
        client = app.test_client()
        payload = body(code)
        barrier.wait()
        return client.post(url, json=payload).status_code

    with ThreadPoolExecutor(N) as pool:
        statuses = sorted(pool.map(one, range(N)))
    assert statuses == [201] + [409] * (N - 1)
    assert counts(db) == (1, 10, 1)


def test_twenty_threads_same_id_store_one_and_replay(app, db, city):
    app.config["SUBMIT_RATE_LIMIT"] = "1000 per minute"
    payload = body(city.codes["invite"][1])
    url = f"/api/v1/waves/{city.waves['invite']}/submissions"
    barrier = threading.Barrier(N)

    def one(_i: int) -> tuple[int, int]:
        client = app.test_client()
        barrier.wait()
        response = client.post(url, json=payload)
        return response.status_code, response.get_json().get("submission_id")

    with ThreadPoolExecutor(N) as pool:
        results = list(pool.map(one, range(N)))
    assert sorted(s for s, _ in results) == [200] * (N - 1) + [201]
    assert len({i for _, i in results}) == 1
    assert counts(db) == (1, 10, 1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(not (os.environ.get("MINYI_TEST_DATABASE_URL") or "").startswith("postgresql"),
                    reason="gunicorn multi-process test runs in the PostgreSQL pass only")
def test_two_gunicorn_workers_one_code_store_exactly_one(database_url, db, city):
    port = _free_port()
    env = dict(os.environ, MINYI_ENV="testing", MINYI_DATABASE_URL=database_url,
               MINYI_SECRET_KEY=TEST_SECRET, MINYI_SUBMIT_RATE_LIMIT="1000 per minute")
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    server = subprocess.Popen(
        [gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", "2", "app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/privacy", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        code = city.codes["invite"][2]
        url = f"{base}/api/v1/waves/{city.waves['invite']}/submissions"

        def one(_i: int) -> int:
            data = json.dumps(body(code)).encode()
            request = urllib.request.Request(url, data=data,
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=20) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        with ThreadPoolExecutor(N) as pool:
            statuses = sorted(pool.map(one, range(N)))
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert statuses == [201] + [409] * (N - 1)
    assert counts(db) == (1, 10, 1)
