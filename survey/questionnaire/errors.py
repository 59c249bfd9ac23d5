"""Errors raised by the questionnaire package; every one carries all the issues found."""

from __future__ import annotations

from dataclasses import dataclass


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
        where = ", ".join(
            part for part in (
                self.sheet and f"sheet {self.sheet}",
                self.row is not None and f"row {self.row}",
                self.column and f"column {self.column}",
            ) if part
        )
        return f"{where}: {self.message}" if where else self.message


class XLSFormError(ValueError):
    """An XLSForm file was rejected; ``errors`` lists every issue found."""

    def __init__(self, errors: list[XLSFormIssue]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors
