"""Language selection: zh_CN by default, English on request; a cookie remembers the choice."""

from __future__ import annotations

from urllib.parse import urlsplit

from babel import Locale
from flask import Blueprint, Flask, current_app, redirect, request
from flask_babel import get_locale, gettext
from werkzeug.wrappers import Response

from app.authz import public
from survey.i18n import install_translator

LANGUAGES = {"zh_CN": "中文", "en": "English"}
COOKIE = "minyi_lang"

bp = Blueprint("i18n", __name__)


#: Parsed once: ``Locale.parse`` of a string costs about half a millisecond per request, and
#: Flask-Babel returns a Locale object it is given as it is.
_LOCALES: dict[str, Locale] = {}


def locale_code(chosen: str | None) -> str:
    """The interface locale for a requested one (``?lang=`` or the cookie): zh_CN unless known."""
    return chosen if chosen in LANGUAGES else "zh_CN"


def language_of(locale: str) -> str:
    """``zh`` or ``en``, the language key inside questionnaire definitions, for a locale code."""
    return "en" if locale == "en" else "zh"


def select_locale() -> Locale:
    code = locale_code(request.args.get("lang") or request.cookies.get(COOKIE))
    locale = _LOCALES.get(code)
    if locale is None:
        locale = _LOCALES[code] = Locale.parse(code)
    return locale


def safe_next(target: str | None, default: str = "/") -> str:
    """A same-site path to go back to; anything else becomes ``default``.

    Browsers drop tabs and newlines from a URL, so ``?next=/%09/evil.example`` (a tab) would
    become ``//evil.example``, another site: control characters, spaces and backslashes are
    refused before the path is checked to have neither a scheme nor a host.
    """
    if not target or "\\" in target or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in target):
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target


@bp.get("/lang/<code>")
@public
def switch(code: str) -> Response:
    """Switch the interface language and return to the page the user was on."""
    response = redirect(safe_next(request.args.get("next")), code=303)
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


def current_language() -> str:
    """``zh`` or ``en``: the language key used inside questionnaire definitions."""
    return language_of(str(get_locale()))


def init_i18n(app: Flask) -> None:
    app.register_blueprint(bp)
    install_translator(gettext)

    @app.context_processor
    def _languages() -> dict[str, object]:
        return {"LANGUAGES": LANGUAGES, "current_language": current_language}
