"""Two app servers behind nginx, on one PostgreSQL database and one Redis (DESIGN §10, issue 17).

Debian's nginx runs as an unprivileged process with a generated config (round robin over two
gunicorn servers on loopback ports, ``X-Forwarded-For`` appended, ``MINYI_TRUSTED_PROXIES=1``);
each response names the server that answered (``X-Upstream``), so the tests see both take turns.
Clients connect from distinct loopback addresses (127.0.0.2, 127.0.0.3 …): behind the proxy the
app must see those, not nginx's. Shown:

- a login on one server continues on the other, and the same cookie works on each server's own
  port; a logout on one ends the session on the other;
- an evaluation run started on one server shows its progress on the other (the run is held at
  "saving" by a table lock the test takes, so the progress is seen, not guessed) and then its result;
- the login rate limit is counted in Redis across both servers: the (N+1)-th attempt is refused
  whichever server it lands on, while another client is not affected.

PostgreSQL pass only. Without nginx or Redis the tests skip, or fail when ``CI=true``.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie

import pytest
from sqlalchemy import select, text

from survey.db import make_engine, make_session_factory
from tests import dbsupport
from tests.conftest import TEST_SECRET, csrf_from
from tests.servers import NGINX, Gunicorn, Nginx, RedisDatabase, redis_available, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.db]

LOGIN_LIMIT = 5
PASSWORD = "correct horse battery"
WAIT_S = 60.0


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing and CI=true")
    pytest.skip(f"{what} is missing")


@dataclass
class Stack:
    url: str
    a: Gunicorn
    b: Gunicorn
    nginx: Nginx
    redis: RedisDatabase

    def upstream(self, server: Gunicorn) -> str:
        return f"127.0.0.1:{server.port}"


@pytest.fixture(scope="module")
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    if not (dbsupport.test_database_url() or "").startswith("postgresql"):
        pytest.skip("two app servers share one PostgreSQL database: PostgreSQL pass only")
    if NGINX is None:
        _missing("nginx (apt-get install nginx)")
    if not redis_available():
        _missing("Redis on 127.0.0.1:6379")
    url: str = request.getfixturevalue("_schema")
    redis = RedisDatabase()
    env = {"MINYI_ENV": "production", "MINYI_DATABASE_URL": url, "MINYI_SECRET_KEY": TEST_SECRET,
           "MINYI_REDIS_URL": redis.url, "MINYI_TRUSTED_PROXIES": "1",
           "MINYI_LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute"}
    servers: list[Gunicorn] = []
    nginx: Nginx | None = None
    try:
        servers = [Gunicorn(env).start() for _ in range(2)]
        nginx = Nginx([s.port for s in servers]).start()
        yield Stack(url, servers[0], servers[1], nginx, redis)
    finally:
        if nginx is not None:
            nginx.stop()
        for server in servers:
            server.stop()
        redis.release()
        dbsupport.truncate_all(url)


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def upstream(self) -> str | None:
        return self.headers.get("X-Upstream")


class Browser:
    """A client at its own loopback address with a cookie jar, following no redirect."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.cookies: dict[str, str] = {}

    def request(self, base: str, method: str, path: str, form: dict[str, str] | None = None) -> Reply:
        host, port = urllib.parse.urlsplit(base).netloc.split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=WAIT_S,
                                                source_address=(self.address, 0))
        headers = {"User-Agent": "minyi-two-servers-test", "Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            reply = Reply(response.status, response.headers, response.read().decode("utf-8", "replace"))
        finally:
            connection.close()
        for header in reply.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return reply

    def get(self, base: str, path: str) -> Reply:
        return self.request(base, "GET", path)

    def post(self, base: str, path: str, form: dict[str, str]) -> Reply:
        return self.request(base, "POST", path, form)


def _create_user(url: str, username: str, role: str = "office") -> None:
    from survey.accounts import create_user

    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        create_user(session, username, role, PASSWORD, actor="test")
        session.commit()
    engine.dispose()


def _login(browser: Browser, base: str, username: str) -> tuple[Reply, Reply]:
    page = browser.get(base, "/login")
    assert page.status == 200, page.text[:300]
    answer = browser.post(base, "/login", {"username": username, "password": PASSWORD,
                                           "csrf_token": csrf_from(page.text)})
    return page, answer


def test_a_login_on_one_server_continues_on_the_other(stack: Stack) -> None:
    _create_user(stack.url, "office1")
    browser = Browser("127.0.0.2")
    page, answer = _login(browser, stack.nginx.base, "office1")
    assert answer.status == 303, answer.text[:300]
    # the form came from one server, the login (its CSRF token checked) was done by the other
    assert {page.upstream, answer.upstream} == {stack.upstream(stack.a), stack.upstream(stack.b)}
    seen = set()
    for _turn in range(4):
        reply = browser.get(stack.nginx.base, "/office/")
        assert reply.status == 200, (reply.upstream, reply.status, reply.text[:300])
        seen.add(reply.upstream)
    assert seen == {stack.upstream(stack.a), stack.upstream(stack.b)}
    for server in (stack.a, stack.b):  # the same cookie on each server's own port
        assert browser.get(server.base, "/office/").status == 200
        assert Browser("127.0.0.2").get(server.base, "/office/").status == 302  # no cookie: to login
    # a logout on one server ends the session on the other
    token = csrf_from(browser.get(stack.a.base, "/office/").text)
    assert browser.post(stack.a.base, "/logout", {"csrf_token": token}).status == 303
    again = browser.get(stack.b.base, "/office/")
    assert again.status == 302 and "/login" in again.headers["Location"]


def _status(browser: Browser, server: Gunicorn, job_path: str) -> dict[str, object]:
    reply = browser.get(server.base, f"{job_path}/status")
    assert reply.status == 200, reply.text[:300]
    return json.loads(reply.text)


def test_a_run_started_on_one_server_shows_its_progress_on_the_other(stack: Stack) -> None:
    from survey.models import EvaluationRun, Job, JobStatus
    from tests.office.fixtures import golden_wave
    from tests.office.test_web import _golden_form

    engine = make_engine(stack.url)
    with make_session_factory(engine)() as session:
        wave_id = golden_wave(session).id
    _create_user(stack.url, "runner1")
    browser = Browser("127.0.0.5")
    assert _login(browser, stack.nginx.base, "runner1")[1].status == 303
    form = _golden_form(browser.get(stack.a.base, f"/office/runs/new?wave={wave_id}").text)

    # the test holds a lock that keeps the run from being written: it stops at "saving"
    with engine.connect() as lock:
        lock.execute(text("LOCK TABLE evaluation_run IN SHARE ROW EXCLUSIVE MODE"))
        started = browser.post(stack.a.base, f"/office/runs/new?wave={wave_id}", form)
        assert started.status == 303, started.text[:500]
        job_path = urllib.parse.urlsplit(started.headers["Location"]).path
        wait_for(lambda: _status(browser, stack.b, job_path)["percent"] == 80, WAIT_S,
                 "the other server to show the run at 80%")
        state = _status(browser, stack.b, job_path)
        assert state["status"] == "running" and state["next"] is None
        page = browser.get(stack.b.base, job_path)
        assert page.status == 200 and '<progress class="progress" max="1" value="0.80"' in page.text
        lock.rollback()

    wait_for(lambda: _status(browser, stack.b, job_path)["status"] == "done", WAIT_S,
             "the run to finish")
    done = browser.get(stack.b.base, job_path)
    assert done.status == 303
    run_path = urllib.parse.urlsplit(done.headers["Location"]).path
    assert re.fullmatch(r"/office/runs/\d+", run_path)
    assert browser.get(stack.b.base, run_path).status == 200
    with make_session_factory(engine)() as session:
        job = session.get(Job, job_path.rsplit("/", 1)[1])
        run = session.get(EvaluationRun, int(run_path.rsplit("/", 1)[1]))
        assert job.status == JobStatus.DONE and job.run_id == run.id and run.wave_id == wave_id
        assert session.scalars(select(EvaluationRun.id)).all() == [run.id]
    engine.dispose()


def test_the_login_rate_limit_is_shared_by_both_servers(stack: Stack) -> None:
    _create_user(stack.url, "office3")
    attacker = Browser("127.0.0.3")
    token = csrf_from(attacker.get(stack.nginx.base, "/login").text)
    wrong = {"username": "office3", "password": "not the password", "csrf_token": token}
    replies = [attacker.post(stack.nginx.base, "/login", wrong) for _ in range(LOGIN_LIMIT)]
    assert [r.status for r in replies] == [401] * LOGIN_LIMIT
    assert {r.upstream for r in replies} == {stack.upstream(stack.a), stack.upstream(stack.b)}
    # the next attempt is refused on whichever server it lands, through nginx or directly
    refused = [attacker.post(stack.nginx.base, "/login", wrong) for _ in range(2)]
    assert [r.status for r in refused] == [429, 429]
    assert {r.upstream for r in refused} == {stack.upstream(stack.a), stack.upstream(stack.b)}
    assert attacker.post(stack.a.base, "/login", wrong).status == 429
    assert attacker.post(stack.b.base, "/login", wrong).status == 429
    assert stack.redis.limit_keys(), "the limiter wrote nothing to Redis"
    # the limit is the attacker's (its address, read behind nginx), not every citizen's
    other = Browser("127.0.0.4")
    page, answer = _login(other, stack.nginx.base, "office3")
    assert answer.status == 303
