"""Small pieces shared by the administration views (not a route module: the name starts with _)."""

from __future__ import annotations

from collections import defaultdict

from flask import abort, render_template, request
from flask_login import current_user

from survey.errors import DomainError, ValidationFailed


def actor() -> str:
    return str(current_user.username)


def form_data() -> dict[str, str]:
    """The posted form as a flat dict (last value wins; checkboxes give ``"1"`` or nothing)."""
    return {key: value for key, value in request.form.items() if key != "csrf_token"}


def field_errors(errors: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for field, message in errors:
        out[field].append(message)
    return dict(out)


def errors_of(error: DomainError) -> list[tuple[str, str]]:
    if isinstance(error, ValidationFailed):
        return list(error.errors)
    return [("", error.message)]


def uploaded_file(field: str = "file") -> tuple[str, bytes] | None:
    """``(file name, content)`` of an uploaded file, or None when nothing was chosen."""
    storage = request.files.get(field)
    if storage is None or not storage.filename:
        return None
    return storage.filename, storage.read()


def refused(error: DomainError, back: str) -> tuple[str, int]:
    """A page that says why an action was refused (e.g. editing a published version)."""
    return render_template("admin/refused.html", message=error.message, back=back), error.status


def load(getter, session, object_id: int):  # noqa: ANN001, ANN201 - thin 404 adapter
    """``getter(session, id)`` or 404."""
    try:
        return getter(session, object_id)
    except DomainError:
        abort(404)
