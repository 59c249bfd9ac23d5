"""What the survey pages and the JSON submission API share: the rate limit, the device cookie."""

from __future__ import annotations

import secrets

from flask import current_app, request
from flask_limiter.util import get_remote_address

from app.extensions import limiter

DEVICE_COOKIE = "minyi_device"


def submit_rate_limit() -> str:
    """The configured limit (``SUBMIT_RATE_LIMIT``, e.g. ``30 per minute``)."""
    return str(current_app.config["SUBMIT_RATE_LIMIT"])


def source_per_wave() -> str:
    """Rate-limit key: one bucket per network source and wave."""
    wave = (request.view_args or {}).get("wave_id", "-")
    return f"submit:{get_remote_address()}:{wave}"


def device_cookie() -> str | None:
    value = request.cookies.get(DEVICE_COOKIE, "")
    return value if 16 <= len(value) <= 64 and value.isalnum() else None


def new_device_id() -> str:
    return secrets.token_hex(16)


#: Refuse (429, with Retry-After) a source that sent more than ``SUBMIT_RATE_LIMIT`` to the
#: decorated view of this wave: Flask-Limiter's own decorator, one bucket per view, source and
#: wave, counted in its storage (Redis when ``MINYI_REDIS_URL`` is set, so that the limit holds
#: across workers and servers).
limit_per_source_and_wave = limiter.limit(submit_rate_limit, key_func=source_per_wave)
