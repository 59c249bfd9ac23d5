"""Server-side survey state: the answers a citizen has given so far, between pages.

The web layer keeps only a random token in the (signed) session cookie; the state lives here,
so long answers never overflow the 4 KB a browser keeps for a cookie. Only what the citizen typed
is stored here: the invitation code and the id the response will be stored under stay in the
cookie, so that no row of this table joins an invitation to a submission. Writes are flushed;
the caller's transaction commits them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, delete, select, update
from sqlalchemy.orm import Session

from survey.db import utcnow
from survey.hashing import sha256_hex
from survey.models import QuestionnaireVersion, Submission, SurveySession, VersionStatus, Wave

_WAVE_AND_STATE = (
    select(Wave, QuestionnaireVersion.definition_sha256, QuestionnaireVersion.status,
           SurveySession.state, Submission.id)
    .join(QuestionnaireVersion, QuestionnaireVersion.id == Wave.questionnaire_version_id)
    .outerjoin(SurveySession, and_(SurveySession.token_hash == bindparam("token"),
                                   SurveySession.wave_id == Wave.id))
    .outerjoin(Submission, and_(Submission.wave_id == Wave.id,
                                Submission.client_submission_id == bindparam("client")))
    .where(Wave.id == bindparam("wave"))
)


def load_wave_and_state(session: Session, wave_id: int, token: str | None,
                        client_id: str | None = None
                        ) -> tuple[Wave, str, VersionStatus, dict[str, Any] | None, int | None] | None:
    """The wave, its questionnaire version's hash and status (as ``load_wave`` gives them), the
    state saved under ``token`` for this wave and the id of the submission already stored under
    ``client_id`` (the browser's answer to an earlier click may never have arrived), in one
    query: every survey page needs them. None when there is no such wave."""
    row = session.execute(_WAVE_AND_STATE, {
        "wave": wave_id, "token": sha256_hex(token) if token else "",
        "client": client_id or ""}).first()
    return (row[0], row[1], row[2], row[3], row[4]) if row else None


def load_state(session: Session, token: str) -> dict[str, Any] | None:
    """The state saved under ``token``, or None."""
    return session.scalar(
        select(SurveySession.state).where(SurveySession.token_hash == sha256_hex(token))
    )


def save_state(session: Session, token: str, wave_id: int, state: dict[str, Any]) -> None:
    """Create or replace the state saved under ``token`` (one UPDATE, an INSERT the first time)."""
    token_hash = sha256_hex(token)
    result = session.execute(
        update(SurveySession).where(SurveySession.token_hash == token_hash)
        .values(wave_id=wave_id, state=state, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if not result.rowcount:  # type: ignore[attr-defined]
        session.add(SurveySession(token_hash=token_hash, wave_id=wave_id, state=state))
        session.flush()


def delete_state(session: Session, token: str) -> None:
    """Forget the state under ``token`` (after the response was stored)."""
    session.execute(delete(SurveySession).where(SurveySession.token_hash == sha256_hex(token)))
