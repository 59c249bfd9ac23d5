"""Writing one accepted submission: consume the invitation, insert the submission, its ratings,
its quarantine review and the participation record, and delete the invitation's saved draft.

Ordinary SQLAlchemy Core statements in the caller's transaction, the same on SQLite and
PostgreSQL: they are stored all together when the caller commits, or not at all. The
conditional ``UPDATE invitation ... WHERE used_at IS NULL`` must change its row first, or
nothing is written (another submission with the code won). The submission and its ratings go
through :func:`survey.submission_store.insert_rows`, the one insert of the storage contract that
the interview import uses too.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy.orm import Session

from survey.models import Draft, Invitation, Participation
from survey.models.submissions import random_participation_id
from survey.submission_store import SubmissionRows, insert_rows

_I, _D, _P = Invitation.__table__, Draft.__table__, Participation.__table__
_CONSUME = (update(_I).where(_I.c.id == bindparam("invitation"), _I.c.used_at.is_(None),
                             _I.c.revoked_at.is_(None))
            .values(used_at=bindparam("used_on", type_=_I.c.used_at.type)))
_DELETE_DRAFT = delete(_D).where(_D.c.invitation_id == bindparam("invitation"))
_INSERT_PARTICIPATION = insert(_P)


def write_submission(session: Session, rows: SubmissionRows, *, invitation_id: int | None,
                     used_on: datetime | None, device_hash: str | None, recorded_on: date,
                     delete_draft: bool) -> int | None:
    """Write one submission (see the module's docstring); returns its id, or None when the
    invitation was used or revoked meanwhile (nothing written). A unique constraint (the same
    client_submission_id, device or invitation) raises ``IntegrityError``."""
    conn = session.connection()
    if invitation_id is not None and conn.execute(
            _CONSUME, {"invitation": invitation_id, "used_on": used_on}).rowcount != 1:
        return None
    submission_id = insert_rows(session, rows)
    conn.execute(_INSERT_PARTICIPATION, {
        "id": random_participation_id(), "wave_id": rows.submission["wave_id"],
        "invitation_id": invitation_id, "device_hash": device_hash, "recorded_on": recorded_on})
    if delete_draft:
        conn.execute(_DELETE_DRAFT, {"invitation": invitation_id})
    return submission_id
