"""HTTP security headers on every response, and the CSRF token of a page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_wtf.csrf import generate_csrf
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


def csrf_token() -> str:
    """This request's signed CSRF token (Flask-WTF's ``generate_csrf``, as templates get it)."""
    return generate_csrf()
