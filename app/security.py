"""HTTP security headers on every response, and the signed CSRF token of a page."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, g, session
from flask_wtf.csrf import generate_csrf
from itsdangerous import URLSafeTimedSerializer
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


def security_headers(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The headers every response carries (a view may set its own Content-Security-Policy)."""
    headers = [("Content-Security-Policy", CONTENT_SECURITY_POLICY),
               ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
               ("Referrer-Policy", "same-origin")]
    if config.get("SESSION_COOKIE_SECURE"):
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
    return headers


def init_security(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in security_headers(app.config):
            if name == "Content-Security-Policy":
                response.headers.setdefault(name, value)
            else:
                response.headers[name] = value
        return response


#: Signed CSRF tokens by (secret, session token), reused for :data:`CSRF_REUSE_S` seconds.
CSRF_REUSE_S = 60.0
_signed: dict[tuple[str, str], tuple[float, str]] = {}
_serializers: dict[str, URLSafeTimedSerializer] = {}


def signed_csrf_token(secret: str, raw: str) -> str:
    """Flask-WTF's signed form of the session's CSRF token ``raw``.

    Signing costs a key derivation and an HMAC on every page; a token signed up to a minute ago
    is as good (the signature's age is checked against a limit of hours), so it is reused."""
    now = time.monotonic()
    hit = _signed.get((secret, raw))
    if hit is not None and hit[0] > now:
        return hit[1]
    serializer = _serializers.get(secret)
    if serializer is None:
        serializer = _serializers[secret] = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")
    token = serializer.dumps(raw)
    if len(_signed) > 10_000:
        _signed.clear()
    _signed[(secret, raw)] = (now + CSRF_REUSE_S, token)
    return token


def csrf_secret(config: Mapping[str, Any]) -> str:
    """The key Flask-WTF signs CSRF tokens with."""
    return config.get("WTF_CSRF_SECRET_KEY") or config["SECRET_KEY"]


def csrf_token() -> str:
    """This request's signed CSRF token, as :func:`flask_wtf.csrf.generate_csrf` gives it (and
    sets it for the templates' ``csrf_token()``), from the cache when the session has one."""
    raw = session.get("csrf_token")
    if "csrf_token" not in g and isinstance(raw, str):
        g.csrf_token = signed_csrf_token(csrf_secret(current_app.config), raw)
    return generate_csrf()
