"""The app as it is deployed: gunicorn with two workers over a migrated, seeded SQLite file.

:func:`start` builds the database in a temporary directory (Alembic migrations, the demo city of
``make run`` through :func:`survey.demo.seed_demo`, one known login per role), then starts
``gunicorn --workers 2 'app:create_app()'`` on a socket it has bound itself to a free port (passed
as ``fd://``, so no other process can take the port in between), and returns once both workers
have answered a request. Evaluation jobs run in background threads as in production
(``MINYI_ENV=production`` with a known secret; testing mode would run them inline).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SECRET = "e2e-secret-key-0123456789abcdef0123456789"
PASSWORD = "e2e correct horse battery"
#: role → (username, role of ``create_user``, its unit: a viewer's one unit or a liaison's units)
USERS: dict[str, tuple[str, str, str | None]] = {
    "admin": ("e2e-admin", "admin", None),
    "office": ("e2e-office", "office", None),
    "viewer": ("e2e-viewer", "viewer", None),
    "unit_viewer": ("e2e-unit-viewer", "viewer", "D01"),
    "unit": ("e2e-unit", "unit", "D01"),
}
#: Synthetic responses of the demo city (``make run`` seeds 20,000).
RESPONSES = int(os.environ.get("MINYI_E2E_RESPONSES", "20000"))
BOOT_TIMEOUT_S = 90.0
ACCESS_FORMAT = "%(p)s %(s)s %(m)s %(U)s"


@dataclass
class Served:
    """A running server and what the tests need to know about its data."""

    base_url: str
    database_url: str
    env: dict[str, str]
    directory: Path
    log_path: Path
    access_path: Path
    closed_wave_id: int
    open_wave_id: int
    has_favicon: bool = True
    process: subprocess.Popen[bytes] | None = None
    _cli_app: Any = field(default=None, repr=False)

    def url(self, path: str) -> str:
        return self.base_url + path

    def username(self, role: str) -> str:
        return USERS[role][0]

    def cli(self, *args: str) -> Any:
        """Run a ``flask --app app`` command (in process) on the served database; the click
        result (``exit_code``, ``output``) is returned."""
        if self._cli_app is None:
            from app import create_app

            self._cli_app = create_app({"ENVIRON": dict(self.env)})
        return self._cli_app.test_cli_runner().invoke(args=list(args))

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def server_errors(self, since: int = 0) -> list[str]:
        """Tracebacks and ERROR lines the server logged after byte ``since``."""
        with self.log_path.open("rb") as handle:
            handle.seek(since)
            text = handle.read().decode("utf-8", "replace")
        return [line for line in text.splitlines()
                if "Traceback" in line or re.search(r"\b(ERROR|CRITICAL)\b", line)]

    def worker_pids(self) -> set[str]:
        """Worker pids that answered a request (from the access log)."""
        if not self.access_path.exists():
            return set()
        return {line.split(" ", 1)[0] for line in self.access_path.read_text().splitlines() if line}

    def stop(self) -> None:
        if self._cli_app is not None:
            self._cli_app.extensions["minyi_engine"].dispose()
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def _seed(url: str) -> tuple[int, int]:
    """Migrate, seed the demo city and create one user per role; return the wave ids."""
    from survey.accounts import create_user
    from survey.db import make_engine, make_session_factory
    from survey.demo import seed_demo
    from tests.dbsupport import migrate_to_head

    migrate_to_head(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            report = seed_demo(session, n_responses=RESPONSES)
            for username, role, unit in USERS.values():
                if role == "unit":
                    create_user(session, username, role, PASSWORD, actor="e2e", unit_codes=[unit or ""])
                else:
                    create_user(session, username, role, PASSWORD, actor="e2e", unit_code=unit)
    finally:
        engine.dispose()
    assert report.wave_id is not None and report.open_wave_id is not None
    return report.wave_id, report.open_wave_id


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _gunicorn() -> str:
    local = Path(sys.executable).with_name("gunicorn")
    return str(local) if local.exists() else (shutil.which("gunicorn") or "gunicorn")


def start(directory: Path, extra_env: dict[str, str] | None = None) -> Served:
    """Seed a database in ``directory`` and serve it; raise RuntimeError if it does not boot."""
    url = f"sqlite:///{directory / 'minyi.db'}"
    closed_wave, open_wave = _seed(url)
    env = {**os.environ, "MINYI_ENV": "production", "MINYI_SECRET_KEY": SECRET,
           "MINYI_DATABASE_URL": url, "MINYI_LOGIN_RATE_LIMIT": "1000 per minute",
           # one test server: limits counted per worker are what it needs (no Redis here)
           "MINYI_REDIS_URL": "memory://",
           "PYTHONUNBUFFERED": "1", **(extra_env or {})}
    env.pop("MINYI_TEST_DATABASE_URL", None)
    sock = _bound_socket()
    port = sock.getsockname()[1]
    served = Served(base_url=f"http://127.0.0.1:{port}", database_url=url,
                    env={k: env[k] for k in env if k.startswith("MINYI_")}, directory=directory,
                    log_path=directory / "gunicorn.log", access_path=directory / "access.log",
                    closed_wave_id=closed_wave, open_wave_id=open_wave)
    command = [_gunicorn(), "--bind", f"fd://{sock.fileno()}", "--workers", "2",
               "--graceful-timeout", "5", "--access-logfile", str(served.access_path),
               "--access-logformat", ACCESS_FORMAT, "app:create_app()"]
    with served.log_path.open("wb") as log:
        served.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                          stderr=subprocess.STDOUT, pass_fds=(sock.fileno(),))
    sock.close()  # gunicorn holds its own copy
    try:
        _wait_ready(served)
    except BaseException:
        served.stop()
        raise
    return served


def _wait_ready(served: Served) -> None:
    """Poll the login page until both workers have answered it (no fixed sleep)."""
    deadline = time.monotonic() + BOOT_TIMEOUT_S
    while time.monotonic() < deadline:
        assert served.process is not None
        if served.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {served.process.returncode}:\n{_tail(served)}")
        try:
            with urllib.request.urlopen(served.url("/login"), timeout=5) as response:
                response.read()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)
            continue
        if len(served.worker_pids()) >= 2:
            served.has_favicon = _answers(served.url("/favicon.ico"))
            return
    raise RuntimeError(f"gunicorn did not answer with two workers in {BOOT_TIMEOUT_S:.0f} s:\n"
                       f"{_tail(served)}")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except urllib.error.HTTPError:
        return False


def _tail(served: Served, lines: int = 40) -> str:
    if not served.log_path.exists():
        return ""
    return "\n".join(served.log_path.read_text(errors="replace").splitlines()[-lines:])
