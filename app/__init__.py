"""Minyi's web layer: the application factory (the only package that imports Flask)."""

from __future__ import annotations

import logging
from typing import Any, cast

from flask import Flask, render_template
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from survey.db import INSTANCE_PATH, PROJECT_ROOT

TRANSLATION_AREAS = ("core", "questionnaire", "admin", "collection", "office")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application; ``test_config`` overrides settings read from the environment."""
    from app.config import load_config

    app = Flask(
        __name__,
        instance_path=str(INSTANCE_PATH),
        static_folder=str(PROJECT_ROOT / "static"),
        template_folder="templates",
    )
    environ = None
    if test_config and "ENVIRON" in test_config:
        environ = test_config.pop("ENVIRON")
    app.config.from_mapping(load_config(environ))
    if test_config:
        app.config.from_mapping(test_config)
    from app.ids import DatabaseIdConverter
    from app.proxies import trust_proxies

    app.url_map.converters["dbid"] = DatabaseIdConverter
    trust_proxies(app)
    from app.sessions import CachedSignerSessionInterface

    app.session_interface = CachedSignerSessionInterface()
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(
        str(PROJECT_ROOT / "translations" / area) for area in TRANSLATION_AREAS
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    _init_extensions(app)
    _register_blueprints(app)
    _register_error_pages(app)
    from app.cli import register_cli

    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app.auth.login_sessions import load_session_user
    from app.authz import init_authz
    from app.database import init_database
    from app.extensions import babel, csrf, limiter, login_manager
    from app.i18n import init_i18n, select_locale
    from app.input_guard import init_input_guard
    from app.security import init_security

    init_database(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_timezone="Asia/Shanghai")
    app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"
    app.config.setdefault("RATELIMIT_ENABLED", True)
    # Redis down: count in this worker's memory meanwhile (and log), never answer 500
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter.init_app(app)
    # Flask-Login's own context processor loads the user for every template; ours passes the
    # lazy proxy, so a citizen's page never loads a user (see app.authz.signed_in).
    login_manager.init_app(app, add_context_processor=False)
    login_manager.login_view = "auth.login"
    # Flask-Login's protection reads the spoofable X-Forwarded-For; the loader checks the
    # session's version, idle time and client instead (app.auth.login_sessions).
    login_manager.session_protection = None
    login_manager.user_loader(load_session_user)

    init_i18n(app)
    init_authz(app)
    init_security(app)
    init_input_guard(app)

    @app.context_processor
    def _roles() -> dict[str, object]:
        from flask_login import current_user

        from app.authz import has_role, signed_in
        from survey.models import Role

        return {"has_role": has_role, "signed_in": signed_in, "current_user": current_user, "Role": Role,
                "url_map_endpoints": app.view_functions}


def _register_blueprints(app: Flask) -> None:
    from app import admin, api, collect, office, unit
    from app.auth.views import bp as auth_bp
    from app.public.views import bp as public_bp

    for bp in (public_bp, auth_bp, collect.bp, admin.bp, office.bp, unit.bp, api.bp):
        app.register_blueprint(bp)


def _register_error_pages(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> tuple[str, int]:
        message = _("The form has expired or was not sent from this site. Please reload the page and try again.")
        return render_template("error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response | tuple[str, int]:
        messages = {
            403: _("You do not have permission to open this page."),
            404: _("This page does not exist."),
            405: _("This action is not allowed here."),
            413: _("The upload is too large."),
            429: _("Too many requests. Please wait a moment and try again."),
        }
        code = error.code or 500
        message = messages.get(code, error.description or _("Something went wrong."))
        # werkzeug builds it as a full (WSGI) Response; its annotation names the sans-IO base class
        response = cast(Response, error.get_response())
        body = render_template("error.html", code=code, message=message)
        response.set_data(body)
        response.content_type = "text/html; charset=utf-8"
        return response
