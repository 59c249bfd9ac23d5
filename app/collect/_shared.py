"""What the survey pages and the JSON submission API share: the rate limit, the device cookie."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

from flask import current_app, request
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests

from app.extensions import limiter

F = TypeVar("F", bound=Callable[..., Any])

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


@lru_cache(maxsize=32)
def _limits(text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(text))


def limit_per_source_and_wave(view: F) -> F:
    """Refuse (429, with Retry-After) a source that sent more than ``SUBMIT_RATE_LIMIT`` to this
    view of this wave. Counted in Flask-Limiter's storage (Redis when ``MINYI_REDIS_URL`` is
    set, so the limit holds across workers) with its fixed-window strategy, one bucket per view,
    source and wave. Applied directly, not through ``@limiter.limit``, whose decorator resolves,
    parses and reports its limits again on every request: a tenth of a submission's CPU."""

    @wraps(view)
    def limited(*args: Any, **kwargs: Any) -> Any:
        if limiter.enabled:
            strategy = limiter.limiter
            key = source_per_wave()
            for item in _limits(submit_rate_limit()):
                if not strategy.hit(item, key, request.endpoint or ""):
                    reset = strategy.get_window_stats(item, key, request.endpoint or "").reset_time
                    raise TooManyRequests(retry_after=max(1, int(reset - time.time() + 0.999)))
        return view(*args, **kwargs)

    return limited  # type: ignore[return-value]
