"""Downloads of the filled-in example files of the units, margins and interviews uploads."""

from __future__ import annotations

from flask import Response, abort

from app.admin import bp
from app.admin._pages import load
from app.database import db_session
from survey.import_templates import (
    FORMATS,
    UploadTemplate,
    interviews_template,
    margins_template,
    units_template,
)
from survey.waves import get_wave


def template_response(template: UploadTemplate, fmt: str) -> Response:
    """The template as an attachment in ``fmt`` (csv or xlsx; 404 otherwise)."""
    if fmt not in FORMATS:
        abort(404)
    content, mimetype = template.content(fmt)
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{template.filename(fmt)}"'})


@bp.get("/templates/units.<fmt>")
def units_template_file(fmt: str) -> Response:
    """An example units file (four units in two peer groups)."""
    return template_response(units_template(), fmt)


@bp.get("/waves/<dbid:wave_id>/templates/<kind>.<fmt>")
def wave_template_file(wave_id: int, kind: str, fmt: str) -> Response:
    """An example margins or interviews file made for this wave's questionnaire and units."""
    if kind not in ("margins", "interviews"):
        abort(404)
    session = db_session()
    wave = load(get_wave, session, wave_id)
    build = margins_template if kind == "margins" else interviews_template
    return template_response(build(session, wave), fmt)
