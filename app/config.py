"""Configuration from the environment (``MINYI_`` prefix) with safe embedded defaults.

| variable | meaning | default |
|---|---|---|
| MINYI_ENV | production, development or testing | production |
| MINYI_DATABASE_URL | SQLAlchemy URL (``postgresql+psycopg://...`` for PostgreSQL) | SQLite in instance/ |
| MINYI_SECRET_KEY | signs sessions, CSRF tokens and linkage HMACs; required in production | - |
| MINYI_REDIS_URL | rate-limit storage shared by all workers (``memory://``: one worker only) | memory, with a loud warning |
| MINYI_TRUSTED_PROXIES | reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed | 0 |
| MINYI_IDLE_TIMEOUT_MINUTES | a signed-in session ends after this long without a request | 30 |
| MINYI_HTTPS | 1 when served over HTTPS: session cookies get ``Secure`` | 0 |
| MINYI_MAX_UPLOAD_MB | largest accepted request body | 8 |
| MINYI_OFFICE_NAME | the issuing office on the 通报 (its default heading) and reports | 市综合目标考核办公室 |
| MINYI_NOTICE_RECIPIENTS | the recipients (主送) on the 通报 by default | 各区人民政府，市政府各部门 |
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from survey.db import INSTANCE_PATH, database_url_from_env

ENVIRONMENTS = ("production", "development", "testing")
#: The most reverse proxies that may stand in front of the app (nginx, a load balancer, ...).
MAX_TRUSTED_PROXIES = 5
log = logging.getLogger(__name__)


class ConfigError(RuntimeError):
    """The application refuses to start with this configuration: every problem, one per line."""

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def _development_secret(instance: Path) -> str:
    """A secret generated once and kept in ``instance/secret_key`` (development only)."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load_config(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Flask settings built from ``environ`` (``os.environ`` by default)."""
    env = dict(os.environ if environ is None else environ)
    problems: list[str] = []  # every bad setting is reported at once, not just the first
    mode = env.get("MINYI_ENV", "production").strip() or "production"
    if mode not in ENVIRONMENTS:
        problems.append(f"MINYI_ENV must be one of {', '.join(ENVIRONMENTS)}, not {mode!r}")
        mode = "production"
    secret = env.get("MINYI_SECRET_KEY", "").strip()
    if not secret and mode == "production":
        problems.append(
            "MINYI_SECRET_KEY is not set. Set it to a long random value "
            "(python -c 'import secrets; print(secrets.token_hex(32))'), "
            "or set MINYI_ENV=development for a local trial.")
    elif len(secret) < 32 and mode == "production":
        problems.append("MINYI_SECRET_KEY is too short: use at least 32 random characters.")
    counts = {name: _count(env, name, default, low, high, problems) for name, default, low, high in (
        ("MINYI_TRUSTED_PROXIES", "0", 0, MAX_TRUSTED_PROXIES),
        ("MINYI_IDLE_TIMEOUT_MINUTES", "30", 1, 24 * 60), ("MINYI_MAX_UPLOAD_MB", "8", 1, 1024))}
    if problems:
        raise ConfigError(problems)
    if not secret:
        secret = _development_secret(INSTANCE_PATH)
    https = env.get("MINYI_HTTPS", "0") == "1"
    redis_url = env.get("MINYI_REDIS_URL", "").strip() or None
    if redis_url is None and mode != "testing":
        warn_memory_limits(mode)
    return {
        "MINYI_ENV": mode,
        "TESTING": mode == "testing",
        "SECRET_KEY": secret,
        "DATABASE_URL": database_url_from_env(env),
        "REDIS_URL": redis_url,
        "TRUSTED_PROXIES": counts["MINYI_TRUSTED_PROXIES"],
        "IDLE_TIMEOUT_S": 60 * counts["MINYI_IDLE_TIMEOUT_MINUTES"],
        "MAX_CONTENT_LENGTH": counts["MINYI_MAX_UPLOAD_MB"] * 1024 * 1024,
        "OFFICE_SPONSOR": env.get("MINYI_OFFICE_NAME", "").strip() or None,
        "NOTICE_RECIPIENTS": env.get("MINYI_NOTICE_RECIPIENTS", "").strip() or None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        # A citizen may take an hour over a questionnaire: the token lives as long as the day.
        "WTF_CSRF_TIME_LIMIT": 24 * 3600,
        "WTF_CSRF_SSL_STRICT": https,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LOGIN_RATE_LIMIT": env.get("MINYI_LOGIN_RATE_LIMIT", "10 per minute"),
        "SUBMIT_RATE_LIMIT": env.get("MINYI_SUBMIT_RATE_LIMIT", "30 per minute"),
    }


def _count(env: Mapping[str, str], name: str, default: str, low: int, high: int,
           problems: list[str]) -> int:
    """The whole number in ``env[name]``; a problem is added unless ``low <= n <= high``."""
    text = env.get(name, default).strip() or default
    if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
        problems.append(f"{name} must be a whole number from {low} to {high}, not {text!r}")
        return int(default)
    return int(text)


def warn_memory_limits(mode: str) -> None:
    """Say on every start that rate limits are kept per worker without ``MINYI_REDIS_URL``.

    Each gunicorn worker then counts on its own: 2 workers allow twice the login and submission
    limits, and several app servers multiply them again."""
    level = logging.ERROR if mode == "production" else logging.WARNING
    log.log(level, "MINYI_REDIS_URL is not set: rate limits (logins, submissions) are counted in "
                   "each worker's memory, so N workers allow N times the limit. Set "
                   "MINYI_REDIS_URL=redis://HOST:6379/0 for any deployment with more than one "
                   "worker (or MINYI_REDIS_URL=memory:// to confirm a single worker).")
