"""Questionnaires: list, upload (XLSForm or Minyi JSON), version page, export, publish, new version."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from app.admin import bp
from app.admin._builder_pages import issue_sentences
from app.admin._pages import actor, errors_of, load, refused, uploaded_file
from app.database import db_session
from survey.errors import DomainError
from survey.models import Questionnaire
from survey.versions import (
    check_document,
    export_version,
    get_version,
    import_questionnaire,
    new_version,
    publish_version,
    version_issues,
)


@bp.get("/questionnaires")
def questionnaires() -> str:
    """Every questionnaire with its versions."""
    rows = db_session().scalars(select(Questionnaire).order_by(Questionnaire.form_id)).all()
    return render_template("admin/questionnaires.html", questionnaires=rows)


@bp.route("/questionnaires/upload", methods=["GET", "POST"])
def questionnaire_upload() -> tuple[str, int] | BaseResponse:
    """Upload an XLSForm (.xlsx) or Minyi JSON (.json): a new draft (or published) version."""
    if request.method == "GET":
        return render_template("admin/questionnaire_upload.html", errors=[]), 200
    upload = uploaded_file()
    if upload is None:
        return render_template("admin/questionnaire_upload.html",
                               errors=[("file", _("Choose a file to upload."))]), 422
    session = db_session()
    try:
        version = import_questionnaire(session, upload[0], upload[1], actor(),
                                       publish=bool(request.form.get("publish")))
    except DomainError as error:
        session.rollback()
        return render_template("admin/questionnaire_upload.html", errors=errors_of(error)), 422
    flash(_("Imported %(form)s version %(version)s.", form=version.questionnaire.form_id,
            version=version.version), "success")
    return redirect(url_for("admin.version", version_id=version.id), 303)


@bp.get("/versions/<dbid:version_id>")
def version(version_id: int) -> str:
    """A version: status, issues (drafts, in the builder's words), actions."""
    row = load(get_version, db_session(), version_id)
    return render_template("admin/version.html", version=row,
                           issues=issue_sentences(row.definition) if version_issues(row) else [])


@bp.get("/versions/<dbid:version_id>/export/<fmt>")
def version_export(version_id: int, fmt: str) -> Response | tuple[str, int]:
    """Download a version as Minyi JSON or XLSForm."""
    row = load(get_version, db_session(), version_id)
    if fmt not in ("json", "xlsx"):
        abort(404)
    try:
        content, filename, mimetype = export_version(row, fmt)
    except DomainError as error:
        return refused(error, url_for("admin.version", version_id=version_id))
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/versions/<dbid:version_id>/publish/confirm")
def version_publish_confirm(version_id: int) -> tuple[str, int]:
    """What publishing will do (who can answer, what freezes), and the button that does it."""
    row = load(get_version, db_session(), version_id)
    definition, issues = check_document(row.definition)
    return render_template("admin/publish_confirm.html", version=row, definition=definition,
                           issues=issue_sentences(row.definition) if issues else []), 200


@bp.post("/versions/<dbid:version_id>/publish")
def version_publish(version_id: int) -> tuple[str, int] | BaseResponse:
    """Publish a draft without issues, once confirmed; it can never change afterwards."""
    session = db_session()
    row = load(get_version, session, version_id)
    if request.form.get("confirm") != "1":
        return redirect(url_for("admin.version_publish_confirm", version_id=version_id), 303)
    try:
        publish_version(session, row, actor())
    except DomainError as error:
        session.rollback()
        if version_issues(row):
            return render_template("admin/version.html", version=row,
                                   issues=issue_sentences(row.definition),
                                   message=error.message), 422
        return refused(error, url_for("admin.version", version_id=version_id))
    flash(_("Version %(version)s is published; it can no longer change.", version=row.version),
          "success")
    return redirect(url_for("admin.version", version_id=row.id), 303)


@bp.post("/versions/<dbid:version_id>/new-version")
def version_new(version_id: int) -> tuple[str, int] | BaseResponse:
    """Copy a published version into a new draft."""
    session = db_session()
    row = load(get_version, session, version_id)
    try:
        draft = new_version(session, row, actor())
    except DomainError as error:
        session.rollback()
        return refused(error, url_for("admin.version", version_id=version_id))
    flash(_("Draft version %(version)s created from version %(source)s.", version=draft.version,
            source=row.version), "success")
    return redirect(url_for("admin.builder", version_id=draft.id), 303)
