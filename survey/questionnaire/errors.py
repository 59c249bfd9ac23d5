"""Errors raised by the questionnaire package; every one carries all the issues found."""

from __future__ import annotations

from dataclasses import dataclass

from survey.i18n import _


@dataclass(frozen=True)
class DefinitionIssue:
    """One problem in a definition: where (e.g. ``sections[1].items[0].list``) and what."""

    location: str
    message: str


class DefinitionError(ValueError):
    """A definition is invalid; ``errors`` lists every issue found, in document order."""

    def __init__(self, errors: list[DefinitionIssue]) -> None:
        super().__init__("; ".join(f"{e.location}: {e.message}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class XLSFormIssue:
    """One problem in an XLSForm file: sheet, 1-based row and header name (when known)."""

    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        parts = []
        if self.sheet:
            parts.append(_("sheet %(sheet)s", sheet=self.sheet))
        if self.row is not None:
            parts.append(_("row %(row)s", row=self.row))
        if self.column:
            parts.append(_("column %(column)s", column=self.column))
        return f"{', '.join(parts)}: {self.message}" if parts else self.message


class XLSFormError(ValueError):
    """An XLSForm file was rejected; ``errors`` lists every issue found."""

    def __init__(self, errors: list[XLSFormIssue]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors
