"""Writing one accepted submission: consume the invitation or record the device, insert the
submission, its ratings and its quarantine review, and delete the invitation's saved draft.

Ordinary SQLAlchemy Core statements in the caller's transaction, the same on SQLite and
PostgreSQL: they are stored all together when the caller commits, or not at all. The
conditional ``UPDATE invitation ... WHERE used_at IS NULL`` must change its row first, or
nothing is written (another submission with the code won); so must the device's record
(:mod:`survey.devices`). Neither the invitation (updated in place, to the day) nor the device
record takes an order, id or time from the submission (DESIGN §10, docs/privacy.md). The
submission and its ratings go
through :func:`survey.submission_store.insert_rows`, the one insert of the storage contract that
the interview import uses too.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, delete, update
from sqlalchemy.orm import Session

from survey.devices import record_device
from survey.models import Draft, Invitation
from survey.submission_store import SubmissionRows, insert_rows

_I, _D = cast(Table, Invitation.__table__), cast(Table, Draft.__table__)  # declarative tables
_CONSUME = (update(_I).where(_I.c.id == bindparam("invitation"), _I.c.used_at.is_(None),
                             _I.c.revoked_at.is_(None))
            .values(used_at=bindparam("used_on", type_=_I.c.used_at.type)))
_DELETE_DRAFT = delete(_D).where(_D.c.invitation_id == bindparam("invitation"))


def write_submission(session: Session, rows: SubmissionRows, *, invitation_id: int | None,
                     used_on: datetime | None, device_hash: str | None,
                     delete_draft: bool) -> int | None:
    """Write one submission (see the module's docstring); returns its id, or None when the
    invitation was used or revoked, or the device answered, meanwhile (nothing written; the
    caller rolls back). A second use of a client_submission_id raises ``IntegrityError``."""
    conn = session.connection()
    if invitation_id is not None and conn.execute(
            _CONSUME, {"invitation": invitation_id, "used_on": used_on}).rowcount != 1:
        return None
    if device_hash is not None and not record_device(conn, rows.submission["wave_id"], device_hash):
        return None
    submission_id = insert_rows(session, rows)
    if delete_draft:
        conn.execute(_DELETE_DRAFT, {"invitation": invitation_id})
    return submission_id
