"""Deny by default: every endpoint needs a role unless it is explicitly public.

Blueprints declare their roles with :func:`require_roles`; single views may be opened to
everyone with :func:`public`. An endpoint with neither is refused (403) even to a logged-in user,
so a forgotten check fails closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Blueprint, Flask, abort, current_app, redirect, request, session, url_for
from flask_login import current_user

from survey.models import Role

F = TypeVar("F", bound=Callable[..., Any])

#: blueprint name → roles allowed on all its endpoints
_BLUEPRINT_ROLES: dict[str, frozenset[Role]] = {}
#: blueprints whose every endpoint is public (they authenticate otherwise, e.g. API tokens)
_PUBLIC_BLUEPRINTS: set[str] = set()


def public(view: F) -> F:
    """Mark a view as reachable without logging in."""
    view._minyi_public = True  # type: ignore[attr-defined]
    return view


def require_roles(bp: Blueprint, roles: Iterable[Role]) -> None:
    """Every endpoint of ``bp`` needs a logged-in user with one of ``roles``."""
    _BLUEPRINT_ROLES[bp.name] = frozenset(roles)


def public_blueprint(bp: Blueprint) -> None:
    """Every endpoint of ``bp`` skips the login check (it must authenticate by itself)."""
    _PUBLIC_BLUEPRINTS.add(bp.name)


def has_role(*roles: Role) -> bool:
    return bool(current_user.is_authenticated and current_user.role in roles)


def signed_in() -> bool:
    """A user is logged in. A visitor without a login session or remember cookie (a citizen)
    is answered without loading a user: Flask-Login's strong session protection would otherwise
    treat the citizen's session as tampered with, and rewrite the session cookie and clear the
    remember cookie on every page."""
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if "_user_id" not in session and remember not in request.cookies:
        return False
    return bool(current_user.is_authenticated)


def init_authz(app: Flask) -> None:
    @app.before_request
    def _check_access() -> Any:
        endpoint = request.endpoint
        if endpoint is None or endpoint == "static":
            return None  # 404 or a static file
        view = current_app.view_functions.get(endpoint)
        if getattr(view, "_minyi_public", False) or request.blueprint in _PUBLIC_BLUEPRINTS:
            return None
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        roles = _BLUEPRINT_ROLES.get(request.blueprint or "")
        if roles is None or current_user.role not in roles:
            abort(403)
        return None
