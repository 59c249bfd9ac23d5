"""Real servers for the deployment tests and benches: gunicorn as ``make run`` starts it, Debian's
nginx in front of several of them, and a Redis database of one's own.

Every wait here is for a condition (a line in gunicorn's log, a port that accepts, an answer),
with a deadline that fails loudly instead of hanging.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
#: Debian installs nginx in /usr/sbin, which is not on an ordinary user's PATH.
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
REDIS_URL = os.environ.get("MINYI_TEST_REDIS_URL", "redis://127.0.0.1:6379")
#: A server that does not answer within this long failed to start.
START_TIMEOUT_S = 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """User plus system CPU seconds of ``processes`` so far (those that have exited count 0)."""
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += sum(process.cpu_times()[:2])
    return total


def wait_for(condition: Callable[[], bool], timeout: float, what: str, poll_s: float = 0.05) -> None:
    """Return once ``condition()`` holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(poll_s)


def accepts(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


class Gunicorn:
    """``gunicorn --workers 2 "app:create_app()"`` on a loopback port, in a process group of its
    own so that the whole server (master and workers) can be killed at once."""

    def __init__(self, env: Mapping[str, str], port: int | None = None, workers: int = 2) -> None:
        self.env = {**os.environ, **env}
        self.port = port or free_port()
        self.workers_n = workers
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[str] | None = None
        self.log: deque[str] = deque(maxlen=400)
        self._listening = threading.Event()

    def start(self) -> Gunicorn:
        """Start and return once a worker has answered a request."""
        self._listening.clear()
        self.process = subprocess.Popen(
            [GUNICORN, "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers_n),
             "--log-level", "info", "app:create_app()"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            encoding="utf-8", errors="replace",
            start_new_session=True)
        threading.Thread(target=self._read_log, args=(self.process,), daemon=True).start()
        if not self._listening.wait(START_TIMEOUT_S):
            raise AssertionError(f"gunicorn did not listen on {self.port}:\n{self.tail()}")
        # the master listens before its workers have loaded the app; connections wait in the backlog
        try:
            with urllib.request.urlopen(self.base + "/privacy", timeout=START_TIMEOUT_S) as response:
                response.read()
        except OSError as error:
            raise AssertionError(f"gunicorn on {self.port} did not answer: {error}\n{self.tail()}") from error
        return self

    def _read_log(self, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            self.log.append(line.rstrip())
            if "Listening at:" in line and process is self.process:
                self._listening.set()

    def tail(self, lines: int = 40) -> str:
        return "\n".join(list(self.log)[-lines:])

    def workers(self) -> list[psutil.Process]:
        assert self.process is not None
        try:
            return psutil.Process(self.process.pid).children()
        except psutil.NoSuchProcess:
            return []

    def kill_worker(self) -> int:
        """SIGKILL one worker (the master starts another); returns its pid."""
        workers = self.workers()
        assert workers, f"gunicorn on {self.port} has no worker to kill"
        victim = workers[0]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        return victim.pid

    def kill_all(self) -> None:
        """SIGKILL the master and every worker at once (a crash of the whole server)."""
        assert self.process is not None
        workers = self.workers()
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        psutil.wait_procs(workers, timeout=30)

    def stop(self) -> None:
        """A graceful stop (SIGTERM); SIGKILL when that takes too long."""
        if self.process is None or self.process.poll() is not None:
            return
        workers = self.workers()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        psutil.wait_procs(workers, timeout=30)

    def cpu_s(self) -> float:
        """User plus system CPU seconds of the workers so far."""
        return cpu_seconds(self.workers())


NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    client_max_body_size 16m;
    upstream minyi {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://minyi;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # which app server answered: the tests check that both take turns
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


class Nginx:
    """Debian's nginx as an unprivileged process: a generated config in a temp dir (round robin
    over ``upstream_ports``), its pid, log and temp files there, in the foreground."""

    def __init__(self, upstream_ports: list[int]) -> None:
        assert NGINX, "nginx is not installed (apt-get install nginx)"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix="minyi-nginx-"))
        servers = "\n".join(f"        server 127.0.0.1:{p};" for p in upstream_ports)
        (self.dir / "nginx.conf").write_text(NGINX_CONF.format(dir=self.dir, servers=servers, port=self.port))
        self.user: pwd.struct_passwd | None = None
        if os.geteuid() == 0:  # never run the proxy as root: drop to nobody, who owns the temp dir
            self.user = pwd.getpwnam("nobody")
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
            (self.dir / "nginx.conf").chmod(0o644)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Nginx:
        args = [NGINX, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf"), "-e", str(self.dir / "error.log")]
        owner = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []} if self.user else {}
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        start_new_session=True, **owner)
        wait_for(lambda: accepts(self.port) or self.process.poll() is not None, 30, "nginx to listen")
        if self.process.poll() is not None:
            raise AssertionError(f"nginx exited: {self.error_log()}")
        return self

    def error_log(self) -> str:
        path = self.dir / "error.log"
        stderr = self.process.stderr.read().decode() if self.process and self.process.poll() is not None else ""
        return stderr + (path.read_text() if path.exists() else "")

    def processes(self) -> list[psutil.Process]:
        assert self.process is not None
        master = psutil.Process(self.process.pid)
        return [master, *master.children()]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: fast shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)


#: Marks a Redis database as taken by one test run or bench (SET NX): two runs never share one.
REDIS_CLAIM_KEY = "minyi:test-claim"


class RedisDatabase:
    """An empty numbered database on the shared Redis, claimed for this run and flushed after."""

    def __init__(self, base_url: str = REDIS_URL) -> None:
        import redis

        self.url = ""
        for number in range(15, 0, -1):
            client = redis.Redis.from_url(f"{base_url}/{number}")
            if client.dbsize() == 0 and client.set(REDIS_CLAIM_KEY, str(os.getpid()), nx=True):
                self.url, self.client = f"{base_url}/{number}", client
                return
            client.close()
        raise AssertionError(f"no free Redis database on {base_url} (databases 1-15 are all in use)")

    def limit_keys(self) -> list[bytes]:
        """The rate limiter's keys in this database."""
        return [k for k in self.client.keys("*") if k != REDIS_CLAIM_KEY.encode()]

    def release(self) -> None:
        self.client.flushdb()
        self.client.close()


def redis_available(base_url: str = REDIS_URL) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(base_url, socket_connect_timeout=2)
        client.ping()
        client.close()
        return True
    except redis.RedisError:
        return False
