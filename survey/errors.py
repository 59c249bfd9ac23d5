"""Domain errors. The web layer maps them to clear messages and HTTP statuses."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused an action; ``message`` is already translated."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class InvalidTransition(DomainError):
    """A lifecycle method refused a state change (e.g. opening a closed wave)."""

    status = 409


class ValidationFailed(DomainError):
    """Input had one or more errors; ``errors`` lists every (field, message)."""

    status = 422

    def __init__(self, errors: list[tuple[str, str]], message: str = "") -> None:
        super().__init__(message or "; ".join(f"{f}: {m}" for f, m in errors))
        self.errors = errors
