"""The child vaccination schedule, as data, and a pure function that reads it.

CONFIGURABLE and UNCONFIRMED: the entries below are *Mexico-like* (modelled on the national
schedule's shape) but have NOT been checked against the official Cartilla Nacional de Salud or
the current Secretaría de Salud schedule. A medical lead must confirm (or replace) them before
they guide anyone's care. Each entry is (vaccine code, dose number, age at which it is due).

Imports nothing from Django: plain data in, plain data out.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

# Days after the due date during which a missing dose is still "due"; later it is "overdue".
GRACE_DAYS = 30


@dataclass(frozen=True)
class Dose:
    vaccine: str
    dose: int
    months: int  # age in months at which the dose is due (0: at birth)


VACCINES: dict[str, str] = {
    "BCG": "BCG (tuberculosis)",
    "HEPB": "Hepatitis B",
    "HEXA": "Hexavalent (DTaP-IPV-Hib-HepB)",
    "PCV": "Pneumococcal conjugate",
    "ROTA": "Rotavirus",
    "SRP": "MMR (SRP: sarampión, rubéola, parotiditis)",
    "DPT": "DPT",
    # given outside the child schedule (adults, pregnancy, campaigns): recorded, never "due"
    "TD": "Td (tetanus-diphtheria)",
    "INFLUENZA": "Influenza",
}

SCHEDULE: tuple[Dose, ...] = (
    Dose("BCG", 1, 0),
    Dose("HEPB", 1, 0), Dose("HEPB", 2, 2), Dose("HEPB", 3, 6),
    Dose("HEXA", 1, 2), Dose("HEXA", 2, 4), Dose("HEXA", 3, 6), Dose("HEXA", 4, 18),
    Dose("PCV", 1, 2), Dose("PCV", 2, 4), Dose("PCV", 3, 12),
    Dose("ROTA", 1, 2), Dose("ROTA", 2, 4), Dose("ROTA", 3, 6),
    Dose("SRP", 1, 12), Dose("SRP", 2, 72),
    Dose("DPT", 1, 48),
)


class DoseStatus(NamedTuple):
    vaccine: str
    dose: int
    due_date: date
    status: str  # "due" | "overdue" | "done"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the month's last day when that day does not exist."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def schedule_status(date_of_birth: date, vaccinations, today: date,
                    schedule: tuple[Dose, ...] = SCHEDULE,
                    grace_days: int = GRACE_DAYS) -> list[DoseStatus]:
    """Every dose of the schedule that is done, or whose due date has come.

    ``vaccinations``: pairs ``(vaccine, dose)`` (or objects with ``.vaccine`` and ``.dose``)
    already given. A dose given counts as done whenever it was given. A missing dose is
    ``due`` from its due date up to ``grace_days`` after it, and ``overdue`` after that. Doses
    not given whose due date is still to come are left out.
    """
    given = {(v.vaccine, v.dose) if hasattr(v, "vaccine") else (v[0], int(v[1]))
             for v in vaccinations}
    result = []
    for entry in schedule:
        due = add_months(date_of_birth, entry.months)
        if (entry.vaccine, entry.dose) in given:
            status = "done"
        elif today < due:
            continue
        elif today > due + timedelta(days=grace_days):
            status = "overdue"
        else:
            status = "due"
        result.append(DoseStatus(entry.vaccine, entry.dose, due, status))
    return result


def has_overdue(date_of_birth: date, vaccinations, today: date) -> bool:
    return any(s.status == "overdue" for s in schedule_status(date_of_birth, vaccinations, today))


def dose_exists(vaccine: str, dose: int, schedule: tuple[Dose, ...] = SCHEDULE) -> bool:
    return any(e.vaccine == vaccine and e.dose == dose for e in schedule)
