"""Translation hook for the domain layer.

``survey`` never imports Flask. Messages meant for people are marked with :func:`_` (English
msgids, translated through the project's gettext catalogs); the web layer installs Flask-Babel's
``gettext`` with :func:`install_translator` so that a message is rendered in the language of the
request (zh_CN by default). Outside a request the identity translator is used.
"""

from __future__ import annotations

from collections.abc import Callable

_translator: Callable[[str], str] = str


def install_translator(translate: Callable[[str], str]) -> None:
    """Route every domain message through ``translate`` (called once by ``create_app``)."""
    global _translator
    _translator = translate


def _(message: str, **params: object) -> str:
    """Translate ``message`` and interpolate ``%(name)s`` placeholders from ``params``."""
    try:
        text = _translator(message)
    except RuntimeError:  # no application / request context: keep the msgid
        text = message
    return text % params if params else text


def N_(message: str) -> str:  # noqa: N802 - gettext convention
    """Mark ``message`` for extraction without translating it now."""
    return message
