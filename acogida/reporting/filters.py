"""The filters every situation figure takes: date range, state, place, arrival group.

Parsed once from the query string for the API, the dashboard and the exports alike; a bad value
is an ``InvalidInput`` naming the field (422), never a 500.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Q
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


def person_q(filters: Filters, path: str = "") -> Q:
    """The place and group filters on a person (``path``: how to reach the person, e.g.
    ``"person"``; empty for ``Person`` itself): the registration point's state (exact, any
    case), its code or part of its name or municipality, and the arrival group. No dates: each
    figure applies the date range to its own events."""
    prefix = f"{path}__" if path else ""
    q = point_q(filters, f"{prefix}registration_point")
    if filters.group:
        q &= Q(**{f"{prefix}arrival_group_id": filters.group})
    return q


def point_q(filters: Filters, path: str = "") -> Q:
    """The state and place filters on a registration point (``path``: how to reach it; empty
    for ``RegistrationPoint`` itself)."""
    prefix = f"{path}__" if path else ""
    q = Q()
    if filters.state:
        q &= Q(**{f"{prefix}state__iexact": filters.state})
    if filters.place:
        q &= (Q(**{f"{prefix}code__iexact": filters.place})
              | Q(**{f"{prefix}name__icontains": filters.place})
              | Q(**{f"{prefix}municipality__icontains": filters.place}))
    return q


def start_of(day: date):
    """The first moment of ``day``, local time (aware)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def day_q(filters: Filters, field: str, *, timestamp: bool = False) -> Q:
    """``field`` within ``date_from``..``date_to`` (either may be missing). ``timestamp``: the
    field is a timestamp, compared by its local day — as bounds on the timestamp itself (from
    the start of ``date_from`` to before the start of the day after ``date_to``), which an
    index on the field can serve, not as the day computed row by row."""
    q = Q()
    if filters.date_from:
        q &= Q(**{f"{field}__gte": start_of(filters.date_from) if timestamp
                  else filters.date_from})
    if filters.date_to:
        q &= (Q(**{f"{field}__lt": start_of(filters.date_to + timedelta(days=1))}) if timestamp
              else Q(**{f"{field}__lte": filters.date_to}))
    return q
