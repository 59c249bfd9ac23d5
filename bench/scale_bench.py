"""Benchmark of several app servers (issue 17): submissions/s with 1 and with 2 app servers behind
nginx, on one PostgreSQL database and one Redis, and where the limit is on this machine.

Each app server is gunicorn with 2 sync workers, as ``make run`` starts it, in production mode
with every control on (rate limits counted in Redis with the limit raised, invitation codes
consumed atomically, quality flags, ``MINYI_TRUSTED_PROXIES=1``). nginx (Debian's package, one
worker, round robin) sits in front, run unprivileged from a config of its own (tests/servers.py).
The load is ``wrk`` in a closed loop (bench/submit_bench.py's Lua script: valid JSON API
submissions, each with its own invitation code and client_submission_id) over
``SCALE_BENCH_CONNECTIONS`` connections (default 8) for ``SCALE_BENCH_SECONDS`` (default 20 s)
per load. Loads: one server straight (no nginx: nginx's own cost), one server behind nginx, two
servers behind nginx; ``SCALE_BENCH_ROUNDS`` rounds (default 2) alternate them and the medians
are reported, since a shared machine's speed drifts.

For each load every process group's CPU per acknowledged submission is measured with psutil: the
app workers, PostgreSQL (the backends of the bench database; its background writers apart), nginx,
Redis, wrk (the load generator) and every other process on the machine (other users'), and how
busy the machine's CPUs were. The limit is the resource that ran out: the machine's CPU when it
was busy (then the group that took most of it is named), else the app workers when each was busy
on its request, else the closed loop's latency. Acknowledged submissions are checked against the
rows stored. Run: ``.venv/bin/python bench/scale_bench.py``; the last line is a summary.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from bench import submit_bench  # noqa: E402
from bench.submit_bench import (  # noqa: E402
    count_rows,
    prepare_database,
    run_wrk,
    submission_template,
)
from tests.dbsupport import create_pg_database, drop_pg_database, pg_available  # noqa: E402
from tests.servers import (  # noqa: E402
    NGINX,
    Gunicorn,
    Nginx,
    RedisDatabase,
    cpu_seconds,
    redis_available,
)

DURATION_S = int(os.environ.get("SCALE_BENCH_SECONDS", "20"))
CONNECTIONS = int(os.environ.get("SCALE_BENCH_CONNECTIONS", "8"))
ROUNDS = int(os.environ.get("SCALE_BENCH_ROUNDS", "2"))
DRAIN_S = int(os.environ.get("SCALE_BENCH_DRAIN", "8"))
#: The machine's CPUs count as run out above this share busy.
SATURATED = 0.9
LOADS = ("one server, no nginx", "one server", "two servers")


class Group:
    """A set of processes whose CPU is measured over a load (processes found again at its end;
    one that started during the load counts from zero)."""

    def __init__(self, name: str, find: Callable[[], list[psutil.Process]]) -> None:
        self.name, self.find = name, find
        self.before: dict[int, float] = {}

    def start(self) -> None:
        self.before = {p.pid: cpu_seconds([p]) for p in self.find()}

    def used_s(self) -> float:
        return sum(max(0.0, cpu_seconds([p]) - self.before.get(p.pid, 0.0)) for p in self.find())


def postgres(database: str, backends: bool) -> Callable[[], list[psutil.Process]]:
    """The PostgreSQL backends serving ``database`` (or, with ``backends=False``, the server's
    own processes: postmaster, WAL writer, checkpointer, background writer)."""

    def find() -> list[psutil.Process]:
        found = []
        for process in psutil.process_iter(["name", "cmdline"]):
            title = " ".join(process.info["cmdline"] or [])
            if process.info["name"] != "postgres" and not title.startswith("postgres"):
                continue
            is_backend = "127.0.0.1(" in title or "[local]" in title
            if (backends and f" {database} " in title) or (not backends and not is_backend):
                found.append(process)
        return found

    return find


def by_name(name: str) -> Callable[[], list[psutil.Process]]:
    return lambda: [p for p in psutil.process_iter(["name"]) if p.info["name"] == name]


@dataclass
class Measured:
    label: str
    rps: float
    errors: int
    p50_ms: float
    p99_ms: float
    acknowledged: int
    cpu_ms: dict[str, float]  # per acknowledged submission, by group
    busy: float  # share of the machine's CPU time used by everything


class Front:
    """What run_wrk drives: a base URL, and the CPU of the app workers behind it."""

    def __init__(self, base: str, servers: list[Gunicorn]) -> None:
        self.base, self.servers = base, servers

    def cpu_s(self) -> float:
        return sum(s.cpu_s() for s in self.servers)


def measure(label: str, front: Front, groups: list[Group], url: str, wave_id: int, codes: Path,
            tag: str) -> Measured:
    for group in groups:
        group.start()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    machine_before = psutil.cpu_times()
    before = count_rows(url, "submission")
    load = run_wrk(label, front, f"/api/v1/waves/{wave_id}/submissions",
                   body=submission_template(wave_id, tag), codes=codes)
    machine_after = psutil.cpu_times()
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    stored = count_rows(url, "submission") - before
    acknowledged = load.requests - load.errors
    if stored < acknowledged:
        print(f"ERROR: {label}: {acknowledged} submissions acknowledged, only {stored} stored")
    per = max(acknowledged, 1)
    cpu = {g.name: g.used_s() for g in groups}
    cpu["wrk (load)"] = (children_after.ru_utime + children_after.ru_stime
                         - children_before.ru_utime - children_before.ru_stime)
    busy_s, idle_s = busy_and_idle(machine_after, machine_before)
    cpu["other processes"] = max(0.0, busy_s - sum(cpu.values()))
    return Measured(label, load.rps, load.errors, load.p50_ms, load.p99_ms, acknowledged,
                    {k: 1000 * v / per for k, v in cpu.items()}, busy_s / max(busy_s + idle_s, 1e-9))


def busy_and_idle(after: Any, before: Any) -> tuple[float, float]:
    """Seconds the machine's CPUs were busy and idle between two ``psutil.cpu_times()``."""
    start = before._asdict()
    delta = {field: value - start[field] for field, value in after._asdict().items()}
    idle = delta.get("idle", 0.0) + delta.get("iowait", 0.0)
    busy = sum(v for f, v in delta.items() if f not in ("idle", "iowait", "guest", "guest_nice"))
    return busy, idle


def limit_of(m: Measured, workers: int) -> str:
    """The resource that ran out during load ``m`` (a word for the summary line)."""
    mine = {k: v for k, v in m.cpu_ms.items() if k != "other processes"}
    top = max(mine, key=mine.get)
    if m.busy >= SATURATED:
        return f"machine-CPU(mostly-{top.split(' (')[0].replace(' ', '-')})"
    # a worker's share of wall time: 1.0 means it never waited for a request
    per_worker = m.cpu_ms["app workers"] * m.rps / 1000 / workers
    return "app-worker-CPU" if per_worker >= SATURATED else "latency(closed-loop)"


def main() -> int:
    for missing, what in ((shutil.which("wrk") is None, "wrk (apt-get install wrk)"),
                          (NGINX is None, "nginx (apt-get install nginx)"),
                          (not pg_available(), "PostgreSQL on 127.0.0.1:5432"),
                          (not redis_available(), "Redis on 127.0.0.1:6379")):
        if missing:
            print(f"{what} is not available")
            return 1
    submit_bench.CONNECTIONS, submit_bench.DURATION_S = CONNECTIONS, DURATION_S
    url = create_pg_database("minyi_scale")
    database = url.rsplit("/", 1)[1]
    redis = RedisDatabase()
    servers: list[Gunicorn] = []
    proxies: list[Nginx] = []
    code_files: list[Path] = []
    results: dict[str, list[Measured]] = {label: [] for label in LOADS}
    try:
        _open_wave, wave_id, code_files = prepare_database(url, ROUNDS * len(LOADS))
        env = {"MINYI_ENV": "production", "MINYI_SECRET_KEY": submit_bench.SECRET,
               "MINYI_DATABASE_URL": url, "MINYI_REDIS_URL": redis.url, "MINYI_TRUSTED_PROXIES": "1",
               "MINYI_SUBMIT_RATE_LIMIT": "1000000 per minute"}
        servers = [Gunicorn(env).start() for _ in range(2)]
        proxies = [Nginx([servers[0].port]).start(), Nginx([s.port for s in servers]).start()]
        fronts = {"one server, no nginx": Front(servers[0].base, servers[:1]),
                  "one server": Front(proxies[0].base, servers[:1]),
                  "two servers": Front(proxies[1].base, servers)}
        files = iter(code_files)
        for round_no in range(ROUNDS):
            for label in LOADS:
                front = fronts[label]
                nginx = [] if label.endswith("no nginx") else proxies[LOADS.index(label) - 1].processes()
                groups = [Group("app workers", lambda f=front: [w for s in f.servers for w in s.workers()]),
                          Group("postgresql", postgres(database, backends=True)),
                          Group("postgresql (background)", postgres(database, backends=False)),
                          Group("nginx", lambda n=nginx: n),
                          Group("redis", by_name("redis-server"))]
                m = measure(label, front, groups, url, wave_id, next(files), f"r{round_no}l{LOADS.index(label)}")
                results[label].append(m)
                print(f"round {round_no + 1} {label}: {m.rps:.1f} submissions/s, p99 {m.p99_ms:.0f} ms, "
                      f"{m.errors} errors, machine {100 * m.busy:.0f}% busy", flush=True)
                time.sleep(DRAIN_S)  # let TIME_WAIT sockets drain before the next load
    finally:
        for proxy in proxies:
            proxy.stop()
        for server in servers:
            server.stop()
        redis.release()
        for path in code_files:
            path.unlink(missing_ok=True)
        drop_pg_database(url)
    return report(results)


def report(results: dict[str, list[Measured]]) -> int:
    def med(label: str, value: Callable[[Measured], float]) -> float:
        return statistics.median(value(m) for m in results[label])

    groups = list(results[LOADS[0]][0].cpu_ms)
    print(f"\n{psutil.cpu_count()} CPUs; {ROUNDS} round(s) of {DURATION_S} s per load, {CONNECTIONS} "
          "connections; medians over the rounds. The machine is shared: 'other processes' is the CPU "
          "others used meanwhile.")
    print(f"\n{'load':22} {'subm/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'busy':>5}  "
          + "  ".join(f"{g[:14]:>14}" for g in groups))
    print(f"{'':22} {'':>8} {'':>7} {'':>7} {'':>5}  " + "  ".join(f"{'CPU ms/subm':>14}" for _ in groups))
    for label in LOADS:
        cells = "  ".join(f"{med(label, lambda m, g=g: m.cpu_ms[g]):14.2f}" for g in groups)
        print(f"{label:22} {med(label, lambda m: m.rps):8.1f} {med(label, lambda m: m.p50_ms):7.1f} "
              f"{med(label, lambda m: m.p99_ms):7.1f} {100 * med(label, lambda m: m.busy):4.0f}%  {cells}")
    one, two = med("one server", lambda m: m.rps), med("two servers", lambda m: m.rps)
    middle = sorted(results["two servers"], key=lambda m: m.rps)[len(results["two servers"]) // 2]
    limit = limit_of(middle, workers=4)
    mine = {g: med("two servers", lambda m, g=g: m.cpu_ms[g]) for g in groups if g != "other processes"}
    total = sum(mine.values())
    print("\nwith two servers, CPU per submission: " + ", ".join(
        f"{g} {100 * v / total:.0f}%" for g, v in sorted(mine.items(), key=lambda kv: -kv[1])))
    print(f"ceiling if this machine's {psutil.cpu_count()} CPUs did nothing else: "
          f"{1000 * psutil.cpu_count() / total:.0f} submissions/s")
    print(f"scale_bench: one_server_rps={one:.1f} two_servers_rps={two:.1f} limit={limit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
