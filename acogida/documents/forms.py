"""What the documents pages' forms offer and how a domain error is put back beside its input.

Plain data, no rules: the services judge every value.
"""

from dataclasses import dataclass, field

from acogida.core.errors import DomainError
from acogida.core.reference import MEXICAN_STATES  # the list the service checks against

from .models import LegalBasis, ReplacementReason

LOSS_REASONS = (ReplacementReason.LOST, ReplacementReason.STOLEN, ReplacementReason.DAMAGED)


def choices() -> dict:
    """The options the person page's document forms offer."""
    return {
        "legal_bases": LegalBasis.choices,
        "states": MEXICAN_STATES,
        "loss_reasons": [(r.value, r.label) for r in LOSS_REASONS],
    }


@dataclass
class FormErrors:
    """A refused form: which one (and for which document), the message, and each field's
    messages; messages for fields the form has no input for go with the message on top."""

    form: str
    number: str = ""
    detail: str = ""
    fields: dict = field(default_factory=dict)
    others: list = field(default_factory=list)
    values: dict = field(default_factory=dict)  # what was typed, to show it again

    @classmethod
    def of(cls, exc: DomainError, *, form: str, inputs: tuple[str, ...], number: str = "",
           values: dict | None = None) -> "FormErrors":
        errors = cls(form=form, number=number, detail=str(exc.detail), values=values or {})
        for error in exc.errors:
            if error.field in inputs:
                errors.fields.setdefault(error.field, []).append(str(error.message))
            elif str(error.message) != errors.detail:
                errors.others.append(str(error.message))
        return errors
