"""Rendered questionnaire pages, kept per worker and keyed by everything that shapes them.

A page depends on the wave, its questionnaire version, its units, the page number, the language,
the text size, the address (the language links point back to it) and the answers given so far
(skip logic, pre-filled values, the page count). Two citizens with the same answers see the same
page, so the page is rendered once and reused; only the CSRF token and the submission id differ
per citizen, and those are left as random placeholders in the cached markup and filled in on
every request. Pages with errors, for signed-in staff, with flash messages or from a draft
questionnaire version are never cached.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections import OrderedDict
from typing import Any

from markupsafe import escape

#: Placeholders of the per-citizen values: random per process, so no typed answer can hit them.
CSRF_SLOT = f"csrf-{secrets.token_hex(12)}"
CLIENT_SLOT = f"client-{secrets.token_hex(12)}"
MAX_PAGES = 256

_pages: OrderedDict[tuple[Any, ...], tuple[object, str]] = OrderedDict()
_lock = threading.Lock()


def page_key(wave_id: int, wave_name: str, version_sha: str, page: int, language: str,
             large_text: bool, path: str, state: dict[str, Any]) -> tuple[Any, ...]:
    """The cache key of one rendered page (the state's answers, serialised canonically)."""
    answers = json.dumps([state.get("a"), state.get("r"), state.get("i")], sort_keys=True,
                         ensure_ascii=False, separators=(",", ":"))
    return (wave_id, wave_name, version_sha, page, language, large_text, path, answers)


def get(key: tuple[Any, ...], units: object) -> str | None:
    """The cached page for ``key`` rendered with this very ``units`` object, or None."""
    with _lock:
        entry = _pages.get(key)
        if entry is None or entry[0] is not units:
            return None
        _pages.move_to_end(key)
        return entry[1]


def put(key: tuple[Any, ...], units: object, html: str) -> None:
    """Keep ``html`` (rendered with the placeholders) for ``key``; the oldest page goes first."""
    with _lock:
        _pages[key] = (units, html)
        _pages.move_to_end(key)
        while len(_pages) > MAX_PAGES:
            _pages.popitem(last=False)


def clear() -> None:
    with _lock:
        _pages.clear()


def fill(html: str, csrf_token: str, client_id: str) -> str:
    """The page for one citizen: their CSRF token and submission id in place of the slots."""
    return html.replace(CSRF_SLOT, str(escape(csrf_token))).replace(CLIENT_SLOT, str(escape(client_id)))
