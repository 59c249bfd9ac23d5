"""The comment analysis's words and stop words, as the administrator extends them."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.admin import bp
from app.admin._pages import actor, errors_of, field_errors
from app.database import db_session
from survey.comments.dictionary import add_terms, list_terms, remove_term
from survey.errors import DomainError, NotFound


@bp.get("/comment-terms")
def comment_terms() -> str:
    """Listed words and stop words, and the form to add more."""
    return render_template("admin/comment_terms.html", terms=list_terms(db_session()),
                           values={"kind": "word"}, errors={})


@bp.post("/comment-terms")
def comment_terms_add() -> tuple[str, int] | Response:
    """Add terms, one per line; on an error nothing is added and the typed text is kept."""
    values = {"terms": request.form.get("terms", ""), "kind": request.form.get("kind", "")}
    session = db_session()
    try:
        added = add_terms(session, values["terms"], values["kind"], actor())
    except DomainError as error:
        session.rollback()
        return render_template("admin/comment_terms.html", terms=list_terms(session), values=values,
                               errors=field_errors(errors_of(error))), 422
    flash(_("%(n)s terms added.", n=len(added)), "success")
    return redirect(url_for("admin.comment_terms"), 303)


@bp.post("/comment-terms/<dbid:term_id>/remove")
def comment_term_remove(term_id: int) -> Response:
    session = db_session()
    try:
        term = remove_term(session, term_id, actor())
    except NotFound as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin.comment_terms"), 303)
    flash(_("%(term)s removed.", term=term.term), "success")
    return redirect(url_for("admin.comment_terms"), 303)
