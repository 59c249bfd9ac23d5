"""Download of the filled-in example file of the component scores upload."""

from __future__ import annotations

from flask import Response, abort

from app.database import db_session
from app.office import bp
from survey.import_templates import FORMATS, components_template


@bp.get("/components/template.<fmt>")
def components_template_file(fmt: str) -> Response:
    """An example component scores file for the first registered units."""
    if fmt not in FORMATS:
        abort(404)
    template = components_template(db_session())
    content, mimetype = template.content(fmt)
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{template.filename(fmt)}"'})
