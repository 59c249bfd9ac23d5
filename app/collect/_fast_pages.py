"""Cached questionnaire pages answered before Flask's request machinery.

A citizen moving through the questionnaire asks again and again for pages that are already
rendered (:mod:`app.collect._page_cache`). Answering those through Flask builds a request
context, opens and re-verifies the session cookie, selects the locale, signs the CSRF token and
runs every response hook: three times the work of finding and filling the page. This WSGI
middleware answers exactly those requests itself, with the same page, the same headers and the
same (absent) cookies as the Flask view, and passes every other request on untouched.

It answers only when nothing but the page can differ: a GET of ``/s/<wave>/p/<page>`` without a
query string, from a browser whose signed session holds only the survey reference and the CSRF
token (no login, no flash message, no remember cookie), for a wave whose copy is fresh and open
and a page already in the cache. Anything else, including a cache miss, goes to Flask, which
renders the page and fills the cache. ``tests/collect/test_fast_pages.py`` compares the two.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.http import parse_cookie

from app.collect import _page_cache, _state
from app.collect.entry import LARGE_COOKIE
from app.i18n import COOKIE as LANGUAGE_COOKIE
from app.i18n import language_of, locale_code
from app.security import csrf_secret, security_headers, signed_csrf_token
from survey.db import utcnow

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
#: Flask's ``/s/<int:wave_id>/p/<int:page>`` (without leading zeros, which Flask refuses).
PAGE_PATH = re.compile(r"/s/(0|[1-9][0-9]{0,17})/p/(0|[1-9][0-9]{0,5})")
#: A session holding anything else (a login, flash messages, ``_permanent``) goes to Flask.
SESSION_KEYS = frozenset({_state.KEY, "csrf_token"})


class FastPages:
    """WSGI middleware: cached questionnaire pages without Flask (see the module's docstring)."""

    def __init__(self, app: Flask, wsgi_app: WSGIApp) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        html = self.page(environ) if environ.get("REQUEST_METHOD") == "GET" else None
        if html is None:
            return self.wsgi_app(environ, start_response)
        body = html.encode()
        start_response("200 OK", [
            ("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
            *security_headers(self.app.config), ("Vary", "Cookie")])
        return [body]

    def page(self, environ: dict[str, Any]) -> str | None:
        """The filled page for this request, or None when Flask must answer it."""
        match = PAGE_PATH.fullmatch(environ.get("PATH_INFO", ""))
        if match is None or environ.get("QUERY_STRING") or not environ.get("HTTP_COOKIE"):
            return None
        app = self.app
        cookies = parse_cookie(environ)
        if app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies:
            return None
        data = app.session_interface.peek(app, cookies.get(app.config["SESSION_COOKIE_NAME"], ""))  # type: ignore[attr-defined]
        if data is None or not data.keys() <= SESSION_KEYS or not isinstance(data.get("csrf_token"), str):
            return None
        wave_id, page = int(match[1]), int(match[2])
        ref = _state.reference(wave_id, data)
        database = app.extensions["minyi_database"]
        view = _page_cache.recent_wave(database, wave_id)
        if ref is None or view is None:
            return None
        language = language_of(locale_code(cookies.get(LANGUAGE_COOKIE)))
        html = _page_cache.cached_page(database, view, ref, page, language,
                                       cookies.get(LARGE_COOKIE) == "1",
                                       f"{match[0]}?", utcnow())
        if html is None:
            return None
        token = signed_csrf_token(csrf_secret(app.config), data["csrf_token"])
        return _page_cache.fill(html, token, ref["id"])


def install(app: Flask) -> None:
    """Put :class:`FastPages` in front of the application (unless ``FAST_PAGES`` is False)."""
    if app.config.get("FAST_PAGES", True):
        app.wsgi_app = FastPages(app, app.wsgi_app)  # type: ignore[method-assign]
