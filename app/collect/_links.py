"""Where the citizen's pages lead: links and redirects that keep the chosen language."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for
from werkzeug.wrappers import Response

from app.i18n import LANGUAGES


def keep_lang() -> dict[str, str]:
    """``{"lang": ...}`` when this request chose its language by ``?lang=``, so that the next
    page (a form's action, a redirect) is in the same language; else ``{}`` (the cookie set by
    the language switch carries the choice)."""
    lang = request.args.get("lang")
    return {"lang": lang} if lang in LANGUAGES else {}


def link(endpoint: str, **values: Any) -> str:
    """``url_for`` that keeps the ``?lang=`` of this request."""
    return url_for(endpoint, **{**values, **keep_lang()})


def see_other(endpoint: str, **values: Any) -> Response:
    """A 303 redirect (the browser then GETs: Back never offers to send a form again)."""
    return redirect(link(endpoint, **values), code=303)
