"""Signed-in sessions that end: on logout, on a password change, after idle time, off their client.

Sessions are signed cookies, so the server cannot delete one; instead each session carries:

- the user's ``session_version`` at login. Logout and a password change increment the column,
  so every cookie issued before (a copy taken before logout included) is refused afterwards;
- the time of its last request. After ``IDLE_TIMEOUT_S`` (``MINYI_IDLE_TIMEOUT_MINUTES``, 30 by
  default) without one, the session is refused and the user signs in again;
- a hash of the client's address and user agent at login (what Flask-Login's "strong" session
  protection checks, but read from ``request.remote_addr``, which ProxyFix sets from the trusted
  hops only: Flask-Login reads the first ``X-Forwarded-For`` entry, which any client can write).

The CSRF token is rotated at login: Flask-WTF keeps it in the session under
``WTF_CSRF_FIELD_NAME``, and a token seen before login must not be valid after it.
"""

from __future__ import annotations

import hashlib
import time

from flask import current_app, flash, g, request, session
from flask_babel import gettext as _
from flask_login import login_user

from app.database import db_session
from survey.models import User

#: Session keys of this module (Flask-Login's own are ``_user_id``, ``_fresh`` and ``_id``).
VERSION_KEY = "minyi_session_version"
SEEN_KEY = "minyi_seen_at"
CLIENT_KEY = "minyi_client"
LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember", VERSION_KEY, SEEN_KEY, CLIENT_KEY)
#: The last-request time is rewritten at most this often (each rewrite is a new cookie).
SEEN_RESOLUTION_S = 60


def client_fingerprint() -> str:
    """A hash of the client's address (after ProxyFix) and user agent."""
    agent = request.headers.get("User-Agent", "")
    return hashlib.sha256(f"{request.remote_addr}|{agent}".encode("utf-8", "replace")).hexdigest()


def start_session(user: User) -> None:
    """Sign ``user`` in with a fresh CSRF token, the current session version and client."""
    session.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    g.pop("csrf_token", None)  # Flask-WTF's per-request cache of the signed token
    login_user(user)
    session[VERSION_KEY] = user.session_version
    session[SEEN_KEY] = int(time.time())
    session[CLIENT_KEY] = client_fingerprint()


def keep_session(user: User) -> None:
    """After a password change: this session stays, with the user's new version."""
    session[VERSION_KEY] = user.session_version


def end_session() -> None:
    """Forget the login (and its CSRF token) in this session."""
    for key in (*LOGIN_KEYS, current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")):
        session.pop(key, None)


def load_session_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the session's user while its session is still valid."""
    user = db_session().get(User, int(user_id)) if user_id.isdigit() and len(user_id) < 11 else None
    if user is None or not user.active:
        return None
    now = int(time.time())
    seen = session.get(SEEN_KEY)
    if session.get(VERSION_KEY) != user.session_version or session.get(CLIENT_KEY) != client_fingerprint():
        end_session()
        return None
    if not isinstance(seen, int) or now - seen > current_app.config["IDLE_TIMEOUT_S"]:
        end_session()
        flash(_("You were signed out after %(minutes)s minutes without activity. Please sign in "
                "again.", minutes=current_app.config["IDLE_TIMEOUT_S"] // 60), "info")
        return None
    if now - seen >= SEEN_RESOLUTION_S:
        session[SEEN_KEY] = now
    return user
