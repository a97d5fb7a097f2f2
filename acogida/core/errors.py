"""Domain errors. Services raise these; one handler maps them to HTTP and the web views to messages.

Every error carries a human-readable ``detail`` and a list of ``FieldError``: which field (and for
imports which row) is wrong and why, so that a clerk can fix exactly that.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    row: int | None = None

    def as_dict(self) -> dict:
        data = {"field": self.field, "message": str(self.message)}
        if self.row is not None:
            data["row"] = self.row
        return data


@dataclass
class DomainError(Exception):
    detail: str
    errors: list[FieldError] = field(default_factory=list)
    status = 400

    def __str__(self) -> str:
        parts = [str(self.detail)] + [
            (f"row {e.row}: " if e.row is not None else "") + f"{e.field}: {e.message}"
            for e in self.errors
        ]
        return "; ".join(parts)

    def as_dict(self) -> dict:
        return {"detail": str(self.detail), "errors": [e.as_dict() for e in self.errors]}


class InvalidInput(DomainError):
    """The request is well-formed but its content breaks a rule."""

    status = 422


class BadRequest(DomainError):
    """The request itself cannot be read (wrong file type, wrong encoding, wrong header)."""

    status = 400


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    """The request clashes with the current state (already exists, already in a household)."""

    status = 409
