"""Configuration from the environment (``MINYI_`` prefix) with safe embedded defaults.

| variable | meaning | default |
|---|---|---|
| MINYI_ENV | production, development or testing | production |
| MINYI_DATABASE_URL | SQLAlchemy URL (``postgresql+psycopg://...`` for PostgreSQL) | SQLite in instance/ |
| MINYI_SECRET_KEY | signs sessions, CSRF tokens and linkage HMACs; required in production | - |
| MINYI_REDIS_URL | rate-limit storage shared by all workers | memory |
| MINYI_HTTPS | 1 when served over HTTPS: session cookies get ``Secure`` | 0 |
| MINYI_MAX_UPLOAD_MB | largest accepted request body | 8 |
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from survey.db import INSTANCE_PATH, database_url_from_env

ENVIRONMENTS = ("production", "development", "testing")


class ConfigError(RuntimeError):
    """The application refuses to start with this configuration."""


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
    mode = env.get("MINYI_ENV", "production").strip() or "production"
    if mode not in ENVIRONMENTS:
        raise ConfigError(f"MINYI_ENV must be one of {', '.join(ENVIRONMENTS)}, not {mode!r}")
    secret = env.get("MINYI_SECRET_KEY", "").strip()
    if not secret:
        if mode == "production":
            raise ConfigError(
                "MINYI_SECRET_KEY is not set. Set it to a long random value "
                "(python -c 'import secrets; print(secrets.token_hex(32))'), "
                "or set MINYI_ENV=development for a local trial."
            )
        secret = _development_secret(INSTANCE_PATH)
    elif len(secret) < 32 and mode == "production":
        raise ConfigError("MINYI_SECRET_KEY is too short: use at least 32 random characters.")
    https = env.get("MINYI_HTTPS", "0") == "1"
    return {
        "MINYI_ENV": mode,
        "TESTING": mode == "testing",
        "SECRET_KEY": secret,
        "DATABASE_URL": database_url_from_env(env),
        "REDIS_URL": env.get("MINYI_REDIS_URL", "").strip() or None,
        "MAX_CONTENT_LENGTH": int(env.get("MINYI_MAX_UPLOAD_MB", "8")) * 1024 * 1024,
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
