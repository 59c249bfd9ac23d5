"""Input no view should see: control characters in forms, values too long for their column.

Control characters in staff forms and query strings are refused before any view runs.

PostgreSQL cannot store NUL in text (psycopg refuses the statement: a 500), and the other C0
controls have no business in names, reasons or settings. Every form field and query value of the
administration, office, unit and API results pages is checked: one with such a character gets a
400 naming the field and the character. The citizens' pages and the submission API check their own
answers (the collection path) and are left to it.

Every flush of the application's sessions is checked against the columns' lengths and integer
ranges (:mod:`survey.column_limits`): a value too long is a ValidationFailed naming its field.
"""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _

from survey.column_limits import enforce_column_limits
from survey.export_text import first_control_character

#: Blueprints and endpoints that check their own input: the collection path, and the language
#: switch (its ``next`` is checked by ``app.i18n.safe_next``, which sends anything odd home).
OWN_CHECKS = frozenset({"collect"})
OWN_CHECK_ENDPOINTS = frozenset({"api.create_submission", "static", "i18n.switch"})


def refused_field() -> tuple[str, str] | None:
    """``(field, character)`` of the first form or query value with a control character."""
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            found = first_control_character(name) or first_control_character(value)
            if found is not None:
                return name, found
    return None


def init_input_guard(app: Flask) -> None:
    enforce_column_limits(app.extensions["minyi_sessions"])

    @app.before_request
    def _refuse_control_characters() -> tuple[str, int] | None:
        if request.blueprint in OWN_CHECKS or request.endpoint in OWN_CHECK_ENDPOINTS:
            return None
        refused = refused_field()
        if refused is None:
            return None
        message = _("The field %(field)s contains the control character %(char)s, which cannot be "
                    "stored: go back, remove it and send the form again.",
                    field=refused[0][:64], char=refused[1])
        return render_template("error.html", code=400, message=message), 400
