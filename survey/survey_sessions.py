"""Server-side survey state: the answers a citizen has given so far, between pages.

The web layer keeps only a random token in the (signed) session cookie; the state lives here,
so long answers never overflow the 4 KB a browser keeps for a cookie.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from survey.db import utcnow
from survey.hashing import sha256_hex
from survey.models import SurveySession


def load_state(session: Session, token: str) -> dict[str, Any] | None:
    """The state saved under ``token``, or None."""
    return session.scalar(
        select(SurveySession.state).where(SurveySession.token_hash == sha256_hex(token))
    )


def save_state(session: Session, token: str, wave_id: int, state: dict[str, Any]) -> None:
    """Create or replace the state saved under ``token`` (flushed; the caller commits)."""
    row = session.scalar(
        select(SurveySession).where(SurveySession.token_hash == sha256_hex(token))
    )
    if row is None:
        session.add(SurveySession(token_hash=sha256_hex(token), wave_id=wave_id, state=state))
    else:
        row.wave_id = wave_id
        row.state = state
        row.updated_at = utcnow()
    session.flush()


def delete_state(session: Session, token: str) -> None:
    """Forget the state under ``token`` (after the response was stored)."""
    session.execute(delete(SurveySession).where(SurveySession.token_hash == sha256_hex(token)))
