"""Run the whole test suite: everything on SQLite, then the database tests on PostgreSQL.

The PostgreSQL pass uses a throw-away database created on MINYI_TEST_PG_ADMIN_URL's server
(127.0.0.1:5432 by default) and dropped afterwards. When CI=true and PostgreSQL cannot be
reached, the run fails instead of skipping. A pytest run that collects no test fails too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.dbsupport import create_pg_database, drop_pg_database, pg_available  # noqa: E402


def pytest(args: list[str], env: dict[str, str], label: str) -> int:
    print(f"\n=== {label}: pytest {' '.join(args)}", flush=True)
    started = time.monotonic()
    code = subprocess.call([sys.executable, "-m", "pytest", *args], cwd=ROOT, env=env)
    print(f"=== {label}: exit {code} in {time.monotonic() - started:.1f} s", flush=True)
    if code == 5:
        print(f"=== {label}: no tests were collected — that is a failure", flush=True)
        return 1
    return code


def main(argv: list[str]) -> int:
    env = dict(os.environ)
    env.pop("MINYI_TEST_DATABASE_URL", None)
    env.setdefault("MINYI_ENV", "testing")
    failures = 0
    failures += pytest(["-q", *argv], env, "SQLite (all tests)") != 0

    if not pg_available():
        if os.environ.get("CI") == "true":
            print("PostgreSQL at 127.0.0.1:5432 is unreachable and CI=true: failing.")
            return 1
        print("WARNING: PostgreSQL is unreachable: the PostgreSQL pass was SKIPPED.")
        return int(failures > 0)

    url = create_pg_database()
    try:
        pg_env = dict(env, MINYI_TEST_DATABASE_URL=url)
        failures += pytest(["-q", "-m", "db and not browser", *argv], pg_env, "PostgreSQL") != 0
    finally:
        drop_pg_database(url)
    print("\n=== all passes green" if not failures else f"\n=== {failures} pass(es) FAILED")
    return int(failures > 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
