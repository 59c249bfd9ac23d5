"""The page of an administrator's background import (interviews or units), on any worker."""

from __future__ import annotations

from typing import Any

from flask import url_for

from app.admin import bp
from app.import_jobs import import_job_page


def _links(kind: str, form_args: dict[str, Any]) -> dict[str, str]:
    if kind == "interviews":
        wave = form_args.get("wave")
        return {"again": url_for("admin.interviews_import", wave_id=wave),
                "result": url_for("admin.monitoring", wave_id=wave)}
    return {"again": url_for("admin.units_import"), "result": url_for("admin.units")}


@bp.get("/imports/<job_id>")
def import_job(job_id: str) -> Any:
    """Progress of an interview or unit import; what was stored, or every row error."""
    return import_job_page(job_id, ("interviews", "units"), _links)
