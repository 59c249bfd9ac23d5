"""Undo of the last builder change of a draft questionnaire version.

Each change made in the builder is saved through :func:`survey.versions.save_document` (which
audits it) and remembered here in the audit log too: an ``questionnaire.builder_change`` row
with the document as it was before and the hash of the document it produced. The last change
can be undone while the draft is still what that change made of it (another change, an undo or
an upload ends it). The state lives in the database, so any worker can undo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey import audit
from survey.errors import Conflict
from survey.i18n import _
from survey.models import AuditLog, QuestionnaireVersion
from survey.versions import save_document

CHANGE = "questionnaire.builder_change"
UNDO = "questionnaire.builder_undo"


@dataclass(frozen=True)
class LastChange:
    """The change an undo would revert: what it was (the builder's words) and the document
    before it."""

    description: str
    before: dict[str, Any]


def save_change(session: Session, version: QuestionnaireVersion, before: dict[str, Any],
                after: dict[str, Any], actor: str, change: str, description: str) -> None:
    """Save ``after`` over ``before`` (audited) and remember ``before`` for :func:`undo_last`."""
    save_document(session, version, after, actor, change)
    audit.record(session, actor, CHANGE, "questionnaire_version", version.id,
                 old={"definition": before},
                 new={"definition_sha256": version.definition_sha256,
                      "description": description[:200]})


def last_change(session: Session, version: QuestionnaireVersion) -> LastChange | None:
    """The builder change that made the draft what it is now, or None (nothing to undo)."""
    row = session.scalar(
        select(AuditLog).where(AuditLog.object_type == "questionnaire_version",
                               AuditLog.object_id == str(version.id),
                               AuditLog.action.in_((CHANGE, UNDO)))
        .order_by(AuditLog.id.desc()).limit(1))
    if row is None or row.action != CHANGE:
        return None
    new, old = row.new or {}, row.old or {}
    if new.get("definition_sha256") != version.definition_sha256 or not isinstance(
            old.get("definition"), dict):
        return None
    return LastChange(str(new.get("description") or ""), old["definition"])


def undo_last(session: Session, version: QuestionnaireVersion, actor: str) -> str:
    """Restore the draft as it was before its last builder change; returns what was undone."""
    last = last_change(session, version)
    if last is None:
        raise Conflict(_("There is no change to undo."))
    save_document(session, version, last.before, actor, f"undo: {last.description}")
    audit.record(session, actor, UNDO, "questionnaire_version", version.id,
                 new={"definition_sha256": version.definition_sha256,
                      "undone": last.description[:200]})
    return last.description
