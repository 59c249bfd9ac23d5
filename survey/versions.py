"""Questionnaire versions: import (XLSForm or Minyi JSON), builder drafts, publish, new version,
export. A published version never changes (从一而终): every edit of one is refused.

``definition`` holds the canonical ``Definition.to_dict()`` once the document is valid; a builder
draft may hold an incomplete document (its issues are listed, and publishing needs none).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey import audit
from survey.builder import empty_document
from survey.errors import Conflict, NotFound, ValidationFailed
from survey.hashing import canonical_json, sha256_hex
from survey.i18n import _
from survey.models import Questionnaire, QuestionnaireVersion, VersionStatus
from survey.questionnaire import (
    Definition,
    DefinitionError,
    DefinitionIssue,
    XLSFormError,
    definition_from_json,
    definition_to_json,
    export_xlsform,
    import_xlsform,
    parse_definition,
)
from survey.questionnaire.fields import IDENTIFIER

MAX_FILE_BYTES = 5 * 1024 * 1024
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def check_document(doc: Any) -> tuple[Definition | None, list[DefinitionIssue]]:
    """Validate a document: ``(definition, [])`` or ``(None, every issue)``."""
    try:
        return parse_definition(doc), []
    except DefinitionError as exc:
        return None, list(exc.errors)


def _store(version: QuestionnaireVersion, doc: dict[str, Any]) -> list[DefinitionIssue]:
    definition, issues = check_document(doc)
    stored = definition.to_dict() if definition is not None else doc
    version.definition = stored
    version.definition_sha256 = sha256_hex(canonical_json(stored))
    if definition is not None:
        version.languages = ",".join(definition.languages)[:64]
        version.questionnaire.title = _title(definition.title, definition.default_language)
    return issues


def _title(texts: Any, lang: str) -> str:
    texts = texts if isinstance(texts, dict) else {}
    return str(texts.get(lang) or next(iter(texts.values()), "") or "-")[:300]


def get_version(session: Session, version_id: int) -> QuestionnaireVersion:
    version = session.get(QuestionnaireVersion, version_id)
    if version is None:
        raise NotFound(_("No such questionnaire version."))
    return version


def ensure_editable(version: QuestionnaireVersion) -> None:
    """Refuse any change to a version that is not a draft."""
    if not version.is_editable:
        raise Conflict(_(
            "Version %(version)s of %(form)s is %(status)s and can never change. "
            "Make a new version to edit it.", version=version.version,
            form=version.questionnaire.form_id, status=version.status.value))


def _snapshot(version: QuestionnaireVersion) -> dict[str, Any]:
    return {"form_id": version.questionnaire.form_id, "version": version.version,
            "status": version.status.value, "definition_sha256": version.definition_sha256}


def _new_version(session: Session, form_id: str, title: str, actor: str) -> QuestionnaireVersion:
    questionnaire = session.scalar(select(Questionnaire).where(Questionnaire.form_id == form_id))
    if questionnaire is None:
        questionnaire = Questionnaire(form_id=form_id, title=title[:300] or form_id)
        session.add(questionnaire)
        session.flush()
        number = 1
    else:
        number = 1 + (session.scalar(select(func.max(QuestionnaireVersion.version)).where(
            QuestionnaireVersion.questionnaire_id == questionnaire.id)) or 0)
    version = QuestionnaireVersion(questionnaire=questionnaire, version=number, definition={},
                                   definition_sha256="", created_by=actor)
    session.add(version)
    return version


def create_draft(session: Session, form_id: str, title: dict[str, str], actor: str,
                 languages: list[str] | None = None) -> QuestionnaireVersion:
    """Start a new questionnaire in the builder: version 1, an empty draft."""
    errors = []
    if not IDENTIFIER.fullmatch(form_id or "") or len(form_id) > 64:
        errors.append(("form_id", _("Use letters, digits and _ (at most 64 characters), not "
                                    "starting with a digit.")))
    elif session.scalar(select(Questionnaire.id).where(Questionnaire.form_id == form_id)):
        errors.append(("form_id", _("A questionnaire with the form id %(form)s already exists.",
                                    form=form_id)))
    if not any(title.values()):
        errors.append(("title", _("A title is required.")))
    if errors:
        raise ValidationFailed(errors)
    doc = empty_document(form_id, title, languages)
    version = _new_version(session, form_id, _title(doc["title"], doc["default_language"]), actor)
    _store(version, doc)
    session.flush()
    audit.record(session, actor, "questionnaire.create", "questionnaire_version", version.id,
                 new=_snapshot(version))
    return version


def read_definition_file(filename: str, data: bytes) -> Definition:
    """Parse an uploaded ``.json`` or ``.xlsx``; ``ValidationFailed`` lists every issue."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationFailed([("file", _("The file is too large (at most %(max)s MB).",
                                           max=MAX_FILE_BYTES // (1024 * 1024)))])
    suffix = PurePath(filename.lower()).suffix
    try:
        if suffix == ".json":
            return definition_from_json(data)
        if suffix == ".xlsx":
            return import_xlsform(data)
    except XLSFormError as exc:
        raise ValidationFailed([(_where(i.sheet, i.row, i.column), i.message)
                                for i in exc.errors]) from None
    except DefinitionError as exc:
        raise ValidationFailed([(i.location or "file", i.message) for i in exc.errors]) from None
    raise ValidationFailed([("file", _("Upload an XLSForm (.xlsx) or a Minyi JSON (.json) file."))])


def _where(sheet: str | None, row: int | None, column: str | None) -> str:
    parts = []
    if sheet:
        parts.append(_("sheet %(sheet)s", sheet=sheet))
    if row is not None:
        parts.append(_("row %(row)s", row=row))
    if column:
        parts.append(_("column %(column)s", column=column))
    return ", ".join(parts) or "file"


def import_questionnaire(session: Session, filename: str, data: bytes, actor: str,
                         publish: bool = False) -> QuestionnaireVersion:
    """Create a draft (or published) version from a file; nothing is created on any error.

    A file whose form id is already registered becomes that questionnaire's next version.
    """
    definition = read_definition_file(filename, data)
    version = _new_version(session, definition.form_id,
                           _title(definition.title, definition.default_language), actor)
    _store(version, definition.to_dict())
    session.flush()
    audit.record(session, actor, "questionnaire.import", "questionnaire_version", version.id,
                 new=_snapshot(version) | {"file": filename[:200]})
    if publish:
        publish_version(session, version, actor)
    return version


def version_issues(version: QuestionnaireVersion) -> list[DefinitionIssue]:
    return check_document(version.definition)[1]


def save_document(session: Session, version: QuestionnaireVersion, doc: dict[str, Any],
                  actor: str, change: str) -> list[DefinitionIssue]:
    """Store an edited draft document (audited as ``change``); returns its remaining issues."""
    ensure_editable(version)
    old = _snapshot(version)
    issues = _store(version, doc)
    session.flush()
    audit.record(session, actor, "questionnaire.edit", "questionnaire_version", version.id,
                 old=old, new=_snapshot(version) | {"change": change[:100]})
    return issues


def publish_version(session: Session, version: QuestionnaireVersion, actor: str) -> None:
    """Publish a draft with no issues; afterwards it never changes."""
    ensure_editable(version)
    issues = version_issues(version)
    if issues:
        raise ValidationFailed([(i.location, i.message) for i in issues],
                               _("Fix every issue before publishing."))
    old = _snapshot(version)
    version.publish()
    session.flush()
    audit.record(session, actor, "questionnaire.publish", "questionnaire_version", version.id,
                 old=old, new=_snapshot(version))


def new_version(session: Session, version: QuestionnaireVersion, actor: str) -> QuestionnaireVersion:
    """Copy a published (or retired) version into a new draft numbered after the latest."""
    if version.status == VersionStatus.DRAFT:
        raise Conflict(_("This version is still a draft: edit it directly."))
    draft = session.scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == version.questionnaire_id,
        QuestionnaireVersion.status == VersionStatus.DRAFT))
    if draft is not None:
        raise Conflict(_("Version %(version)s is already a draft of this questionnaire: edit it "
                         "or publish it first.", version=draft.version))
    copy_ = _new_version(session, version.questionnaire.form_id, version.questionnaire.title, actor)
    _store(copy_, dict(version.definition))
    session.flush()
    audit.record(session, actor, "questionnaire.new_version", "questionnaire_version", copy_.id,
                 new=_snapshot(copy_) | {"copied_from": version.id})
    return copy_


def export_version(version: QuestionnaireVersion, fmt: str) -> tuple[bytes, str, str]:
    """``(content, file name, MIME type)`` of a version as Minyi JSON or XLSForm."""
    definition, issues = check_document(version.definition)
    if definition is None:
        raise ValidationFailed([(i.location, i.message) for i in issues],
                               _("This draft has issues and cannot be exported yet."))
    stem = f"{version.questionnaire.form_id}-v{version.version}"
    if fmt == "json":
        return definition_to_json(definition).encode("utf-8"), f"{stem}.json", "application/json"
    if fmt == "xlsx":
        return export_xlsform(definition), f"{stem}.xlsx", XLSX_MIMETYPE
    raise ValidationFailed([("format", _("The format is json or xlsx."))])


def published_versions(session: Session) -> list[QuestionnaireVersion]:
    return list(session.scalars(select(QuestionnaireVersion).where(
        QuestionnaireVersion.status == VersionStatus.PUBLISHED).order_by(
        QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.version)))
