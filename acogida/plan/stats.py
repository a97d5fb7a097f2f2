"""The plan's figures, by day and by place: aggregates only, never names.

Every figure counts people (a household offer counts its members) on the day of the event: an
offer on the day it was made, an outcome on the day it was recorded. Outcomes are final (only an
open offer is decided), so ``accepted`` is also how many people accepted Mexico's offer.

What leaves the system (the API, the figures page) is ``suppressed_figures``: every cell of 1 to
4 people is ``"<5"`` (small-cell suppression), totals and sums made from the raw numbers first.
``figures`` is the raw read for callers that suppress themselves (the reporting app's exports and
dashboard apply ``suppress`` to each cell they show).
"""

from collections import defaultdict
from datetime import date

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from acogida.accounts import access
from acogida.core.errors import FieldError, InvalidInput
from acogida.registry import selectors as registry
from acogida.reporting.suppression import suppress_mapping
from acogida.shelter import selectors as shelter_selectors

from . import places
from .models import Offer, OfferStatus

COLUMNS = ("offered", "accepted", "declined", "withdrawn", "moved_on")


def _empty() -> dict[str, int]:
    return dict.fromkeys(COLUMNS, 0)


def _scope(*, state: str | None, place: str | None) -> Q:
    scope = Q()
    if state:
        scope &= Q(place_state__iexact=state.strip()[:100])
    if place:
        where = places.resolve(place)
        scope &= Q(point_id=where.id) if where.kind == places.POINT else Q(shelter_id=where.id)
    return scope


def _between(column: str, date_from: date | None, date_to: date | None) -> Q:
    span = Q(**{f"{column}__isnull": False})
    if date_from:
        span &= Q(**{f"{column}__gte": date_from})
    if date_to:
        span &= Q(**{f"{column}__lte": date_to})
    return span


def _place_names(keys: set[tuple[int | None, int | None]]) -> dict:
    points = {p.pk: places.of_point(p) for p in registry.registration_points_where(
        Q(pk__in={k[0] for k in keys if k[0]}))}
    shelters = {s.pk: places.of_shelter(s) for s in shelter_selectors.shelters_where(
        Q(pk__in={k[1] for k in keys if k[1]}))}
    return {k: points[k[0]] if k[0] else shelters[k[1]] for k in keys}


def figures(*, user, date_from: date | None = None, date_to: date | None = None,
            state: str | None = None, place: str | None = None) -> dict:
    """``{"totals", "by_day", "by_place", "accepted_mexicos_offer"}``; people, not names."""
    access.require(user, "plan.stats")
    if date_from and date_to and date_to < date_from:
        raise InvalidInput(_("The range ends before it starts."),
                           [FieldError("date_to", date_to.isoformat())])
    scope = _scope(state=state, place=place)
    events = []  # (day, point, shelter, column, people)
    for row in (Offer.objects.filter(scope, _between("offered_on", date_from, date_to))
                .values("offered_on", "point_id", "shelter_id").annotate(n=Sum("people"))):
        events.append((row["offered_on"], row["point_id"], row["shelter_id"], "offered",
                       row["n"]))
    for row in (Offer.objects.filter(scope, _between("decided_on", date_from, date_to))
                .exclude(status=OfferStatus.OFFERED)
                .values("decided_on", "status", "point_id", "shelter_id")
                .annotate(n=Sum("people"))):
        events.append((row["decided_on"], row["point_id"], row["shelter_id"], row["status"],
                       row["n"]))
    totals, by_day, by_place = _empty(), defaultdict(_empty), defaultdict(_empty)
    for day, point, shelter, column, n in events:
        totals[column] += n
        by_day[day][column] += n
        by_place[(point, shelter)][column] += n
    names = _place_names(set(by_place))
    return {"totals": totals, "accepted_mexicos_offer": totals["accepted"], "unit": "people",
            "by_day": [{"date": day, **by_day[day]} for day in sorted(by_day)],
            "by_place": sorted(({**names[key].as_dict(), **counts}
                                for key, counts in by_place.items()),
                               key=lambda r: (-r["offered"], r["name"]))}


def suppressed_figures(*, user, date_from: date | None = None, date_to: date | None = None,
                       state: str | None = None, place: str | None = None) -> dict:
    """``figures`` as it may be shown: every count of 1 to 4 people is ``"<5"`` (totals and the
    rows computed from the raw numbers, then suppressed cell by cell)."""
    raw = figures(user=user, date_from=date_from, date_to=date_to, state=state, place=place)
    totals = suppress_mapping(raw["totals"])
    return {**raw, "totals": totals, "accepted_mexicos_offer": totals["accepted"],
            "by_day": [{"date": row["date"], **suppress_mapping(
                {c: row[c] for c in COLUMNS})} for row in raw["by_day"]],
            "by_place": [{**row, **suppress_mapping({c: row[c] for c in COLUMNS})}
                         for row in raw["by_place"]]}
