"""The landing page and the privacy notice."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from app.authz import public_blueprint
from app.database import db_session
from survey.db import utcnow
from survey.models import AccessMode, Wave, WaveState

bp = Blueprint("public", __name__)
public_blueprint(bp)


@bp.get("/")
def index() -> str:
    """Open waves a citizen can answer now, and the invitation-code entry."""
    now = utcnow()
    waves = db_session().scalars(
        select(Wave)
        .where(Wave.state == WaveState.OPEN, Wave.opens_at <= now, Wave.closes_at > now)
        .order_by(Wave.opens_at)
    ).all()
    return render_template(
        "public/index.html",
        open_waves=[w for w in waves if w.access == AccessMode.OPEN],
        invitation_waves=[w for w in waves if w.access == AccessMode.INVITATION],
    )


@bp.get("/privacy")
def privacy() -> str:
    return render_template("public/privacy.html")


# The public results (公示) add their routes to this blueprint.
from app.public import results  # noqa: E402, F401
