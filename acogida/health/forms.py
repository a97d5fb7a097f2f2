"""What the health pages' forms offer, how their text becomes the services' arguments, and how a
domain error is put back beside its input.

Parsing only, no rules: the services judge every value (a date before birth, an unknown
person, a dose already recorded...).
"""

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from acogida.core import numbers
from acogida.core.errors import DomainError, FieldError, InvalidInput

from . import schedule
from .models import FacilityKind, Reason, ReferralStatus, Urgency

DIAGNOSIS_ROWS = 3  # text + ICD-10 rows on the encounter form


def choices() -> dict:
    return {"facility_kinds": FacilityKind.choices, "reasons": Reason.choices,
            "urgencies": Urgency.choices, "statuses": ReferralStatus.choices,
            "vaccines": list(schedule.VACCINES.items())}


def parse_date(value: str, name: str = "date") -> date | None:
    """``YYYY-MM-DD`` (what a date input sends); empty means "today" to the services."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("That is not a date."),
                           [FieldError(name, _("A date such as 2018-11-05."))]) from None


def parse_dose(value: str) -> int:
    """ASCII digits from 1 to 10 ("²" and other Unicode digits are refused, not a 500)."""
    dose = numbers.parse_bounded(value, 1, 10)
    if dose is None:
        raise InvalidInput(_("Invalid dose."), [FieldError("dose", _("From 1 to 10."))])
    return dose


def diagnoses(post) -> tuple[list[dict], dict[str, str]]:
    """The filled diagnosis rows, in order, and where each one's errors go: the service counts
    only the rows sent (``diagnoses[0]`` may be the form's second row)."""
    rows, inputs = [], {}
    for i in range(DIAGNOSIS_ROWS):
        text = post.get(f"diagnosis_{i}_text", "")
        code = post.get(f"diagnosis_{i}_icd10", "")
        if text.strip() or code.strip():
            for part in ("text", "icd10"):
                inputs[f"diagnoses[{len(rows)}].{part}"] = f"diagnosis_{i}_{part}"
            rows.append({"text": text, "icd10": code})
    return rows, inputs


@dataclass
class FormErrors:
    """A refused form: the message on top, each field's messages beside its input, and
    messages for fields the form has no input for with the message on top."""

    detail: str = ""
    fields: dict = field(default_factory=dict)
    others: list = field(default_factory=list)

    @classmethod
    def of(cls, exc: DomainError, inputs: set[str],
           renames: dict[str, str] | None = None) -> "FormErrors":
        errors = cls(detail=str(exc.detail))
        for error in exc.errors:
            name = (renames or {}).get(error.field, error.field)
            if name in inputs:
                errors.fields.setdefault(name, []).append(str(error.message))
            elif str(error.message) != errors.detail:
                errors.others.append(str(error.message))
        return errors
