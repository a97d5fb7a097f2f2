"""The filters every situation figure takes: date range, state, place, arrival group.

Parsed once from the query string for the API, the dashboard and the exports alike; a bad value
is an ``InvalidInput`` naming the field (422), never a 500.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.core.errors import FieldError, InvalidInput
from acogida.core.numbers import parse_id

EARLIEST = date(2000, 1, 1)  # no figure of this system is older; far dates overflow the sums

NAMES = ("date_from", "date_to", "state", "place", "group")


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    state: str = ""  # case-insensitive, exact
    place: str = ""  # a registration point's code, or part of a place's name
    group: int | None = None  # arrival group id

    def as_dict(self) -> dict:
        return {"date_from": self.date_from, "date_to": self.date_to, "state": self.state,
                "place": self.place, "group": self.group}

    def query(self) -> str:
        """The filters as a query string (for CSV links and htmx)."""
        pairs = {k: v for k, v in self.as_dict().items() if v not in (None, "")}
        return urlencode({k: str(v) for k, v in pairs.items()})


def latest() -> date:
    """The last day a figure may be asked for: a year from today."""
    return timezone.localdate() + timedelta(days=366)


def bounded_date(raw, name: str, errors: list[FieldError]) -> date | None:
    """``raw`` (YYYY-MM-DD) as a date from 2000-01-01 to a year from today; anything else adds
    an error naming ``name`` and gives None. Empty: None."""
    raw = str(raw or "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        errors.append(FieldError(name, _("Not a date: use YYYY-MM-DD.")))
        return None
    if not EARLIEST <= day <= latest():
        errors.append(FieldError(name, _("From %(first)s to %(last)s.") % {
            "first": EARLIEST.isoformat(), "last": latest().isoformat()}))
        return None
    return day


def _date(params: Mapping, name: str, errors: list[FieldError]) -> date | None:
    return bounded_date(params.get(name), name, errors)


def parse(params: Mapping) -> Filters:
    errors: list[FieldError] = []
    date_from = _date(params, "date_from", errors)
    date_to = _date(params, "date_to", errors)
    if date_from and date_to and date_from > date_to:
        errors.append(FieldError("date_to", _("The end date is before the start date.")))
    group = None
    raw_group = str(params.get("group") or "").strip()
    if raw_group:
        group = parse_id(raw_group)
        if group is None:
            errors.append(FieldError("group", _("An arrival group's number.")))
    texts = {}
    for name in ("state", "place"):
        texts[name] = str(params.get(name) or "").strip()
        if len(texts[name]) > 200:
            errors.append(FieldError(name, _("At most 200 characters.")))
    if errors:
        raise InvalidInput(_("The filters are not valid."), errors)
    return Filters(date_from, date_to, texts["state"], texts["place"], group)
