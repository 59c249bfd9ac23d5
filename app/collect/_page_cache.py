"""Rendered questionnaire pages, kept per worker and keyed by everything that shapes them.

A page depends on the wave, its questionnaire version, its units, the page number, the language,
the text size, the address (the language links point back to it) and the answers given so far
(skip logic, pre-filled values, the page count) and the invitation (the district it answers). Two
citizens with the same answers see the same page, so the page is rendered once and reused; only
the CSRF token and the submission id differ per citizen, and those are left as random
placeholders in the cached markup and filled in on every request.

The answers enter the key as a hash that the signed session cookie carries (set whenever the
answers are saved), so a page shown again needs no database query at all: the wave's name, state
and dates come from a copy at most :data:`WAVE_TTL_S` old (a page may be shown for that long
after the wave closed; saving and submitting always read the database). Cached pages expire with
the units' cache (unit names). Pages with errors (the cookie then carries no hash), for signed-in
staff, with flash messages or from a draft questionnaire version are never cached.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import OrderedDict
from datetime import datetime
from typing import Any, Protocol

from markupsafe import escape

from survey.hashing import sha256_hex
from survey.models import VersionStatus
from survey.submission_store import UNITS_TTL_S
from survey.wave_facts import WaveFacts

#: Placeholders of the per-citizen values: random per process, so no typed answer can hit them.
CSRF_SLOT = f"csrf-{secrets.token_hex(12)}"
CLIENT_SLOT = f"client-{secrets.token_hex(12)}"
MAX_PAGES = 256
WAVE_TTL_S = 1.0

_pages: OrderedDict[tuple[Any, ...], tuple[float, str]] = OrderedDict()
_waves: dict[tuple[str, int], tuple[float, WaveFacts]] = {}
_lock = threading.Lock()


class Answered(Protocol):
    """What of a survey state shapes its pages (``app.collect._state.SurveyState``)."""

    answers: dict[str, Any]
    ratings: dict[str, dict[str, Any]]
    typed: dict[str, dict[str, Any]]
    invitation_id: int | None


def answers_hash(state: Answered) -> str:
    """The hash of everything in a survey state that shapes its pages (128 bits: the cookie
    carries it, and only the server, which signs the cookie, computes it)."""
    return sha256_hex(json.dumps([state.answers, state.ratings, state.typed, state.invitation_id],
                                 sort_keys=True, ensure_ascii=False, separators=(",", ":")))[:32]


def page_key(database: str, wave: WaveFacts, page: int, language: str, large_text: bool,
             path: str, answers: str) -> tuple[Any, ...]:
    """The cache key of one rendered page (``answers``: :func:`answers_hash`)."""
    return (database, wave.id, wave.name, wave.version_sha, page, language, large_text, path, answers)


def cached_page(database: str, view: WaveFacts, ref: dict[str, Any], page: int, language: str,
                large_text: bool, path: str, now: datetime) -> str | None:
    """The cached page (placeholders unfilled) for a citizen whose cookie holds ``ref``; None
    when it must be rendered (no answers' hash, finished, draft version, wave not open)."""
    if ref.get("done") or "h" not in ref or "id" not in ref:
        return None
    if view.version_status == VersionStatus.DRAFT or not view.accepts_at(now):
        return None
    return get(page_key(database, view, page, language, large_text, path, ref["h"]))


def recent_wave(database: str, wave_id: int) -> WaveFacts | None:
    entry = _waves.get((database, wave_id))
    return entry[1] if entry and entry[0] > time.monotonic() else None


def remember_wave(database: str, view: WaveFacts) -> None:
    with _lock:
        if len(_waves) > 1000:
            _waves.clear()
        _waves[(database, view.id)] = (time.monotonic() + WAVE_TTL_S, view)


def get(key: tuple[Any, ...]) -> str | None:
    """The cached page for ``key`` (rendered with the placeholders), or None."""
    with _lock:
        entry = _pages.get(key)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            del _pages[key]
            return None
        _pages.move_to_end(key)
        return entry[1]


def put(key: tuple[Any, ...], html: str) -> None:
    """Keep ``html`` for ``key``; the least recently used page goes first."""
    with _lock:
        _pages[key] = (time.monotonic() + UNITS_TTL_S, html)
        _pages.move_to_end(key)
        while len(_pages) > MAX_PAGES:
            _pages.popitem(last=False)


def clear() -> None:
    with _lock:
        _pages.clear()
        _waves.clear()


def fill(html: str, csrf_token: str, client_id: str) -> str:
    """The page for one citizen: their CSRF token and submission id in place of the slots."""
    return html.replace(CSRF_SLOT, str(escape(csrf_token))).replace(CLIENT_SLOT, str(escape(client_id)))
