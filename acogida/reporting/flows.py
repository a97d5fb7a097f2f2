"""Reads on flow counts: the list (paginated), the range per day, where each arrival group is,
and the forecast of arrivals. Flow counts are crowd figures (not registered people); the API
shows them as counted, the exports suppress counts of 1–4 like every other table.

Each count says what it counts (``FlowKind``): ``arrived`` (new arrivals that day, a flow),
``present`` (people counted at the place, a stock: the caravan's size) or ``cumulative`` (a
running total, e.g. national figures). Stocks and flows are never mixed: the forecast reads
arrivals only; the caravan's size and the groups' positions read present and cumulative
counts only; the day ranges are per kind."""

from collections import defaultdict
from datetime import date
from statistics import median

from django.db.models import Q

from acogida.accounts import access

from . import forecast
from .filters import Filters
from .models import FlowCount, FlowKind

STOCK = (FlowKind.PRESENT, FlowKind.CUMULATIVE)
PAGE_SIZE, MAX_PAGE_SIZE = 200, 1000


def _counts(filters: Filters, *, dates: bool = True):
    flows = FlowCount.objects.select_related("arrival_group")
    if dates and filters.date_from:
        flows = flows.filter(date__gte=filters.date_from)
    if dates and filters.date_to:
        flows = flows.filter(date__lte=filters.date_to)
    if filters.state:
        flows = flows.filter(state__iexact=filters.state)
    if filters.place:
        flows = flows.filter(place__icontains=filters.place)
    if filters.group:
        flows = flows.filter(arrival_group_id=filters.group)
    return flows.order_by("date", "place", "kind", "source", "id")


def list_flows(*, user, filters: Filters, page: int = 1,
               page_size: int = PAGE_SIZE) -> tuple[list[FlowCount], int]:
    """One page of flow counts (oldest first) and how many there are in all."""
    access.require(user, "stats.read")
    flows = _counts(filters)
    total = flows.count()
    start = (page - 1) * page_size
    return list(flows[start:start + page_size]), total


def count_flows(*, user, filters: Filters) -> int:
    access.require(user, "stats.read")
    return _counts(filters).count()


def all_flows(*, user, filters: Filters) -> list[FlowCount]:
    """Every flow count for the filters (the export checks the count first)."""
    access.require(user, "stats.read")
    return list(_counts(filters))


def _days(flows: list[FlowCount]) -> list[dict]:
    """Per day, place and kind: each source's figure and the range (min–max) of people counted
    (a figure of children only, people_in 0, is listed but not part of the range)."""
    grouped: dict[tuple, list[FlowCount]] = defaultdict(list)
    for flow in flows:
        grouped[(flow.date, flow.place, flow.state, flow.kind)].append(flow)

    def counted(rows: list[FlowCount]) -> list[int]:
        return [f.people_in for f in rows if f.people_in] or [0]

    return [{"date": day, "place": place, "state": state, "kind": kind,
             "low": min(counted(rows)), "high": max(counted(rows)),
             "sources": [{"source": f.source, "people_in": f.people_in,
                          "people_out": f.people_out, "families": f.families,
                          "children": f.children,
                          "group": f.arrival_group.name if f.arrival_group else None}
                         for f in rows]}
            for (day, place, state, kind), rows in grouped.items()]


def daily_arrivals(flows: list[FlowCount]) -> dict[date, int]:
    """Per day: for each place the median of its sources' new arrivals, summed over places.
    Counts of people present or cumulative totals are not arrivals and are left out."""
    per_place: dict[tuple, list[int]] = defaultdict(list)
    for flow in flows:
        if flow.people_in and flow.kind == FlowKind.ARRIVED:
            per_place[(flow.date, flow.place)].append(flow.people_in)
    daily: dict[date, int] = defaultdict(int)
    for (day, _place), values in per_place.items():
        daily[day] += round(median(values))
    return dict(daily)


def group_positions(flows: list[FlowCount]) -> list[dict]:
    """Each arrival group's latest counts of people present: where it was last counted and its
    size (range)."""
    latest: dict[str, list[FlowCount]] = {}
    for flow in flows:
        if flow.arrival_group is None or not flow.people_in or flow.kind not in STOCK:
            continue
        name = flow.arrival_group.name
        if name not in latest or flow.date > latest[name][0].date:
            latest[name] = [flow]
        elif flow.date == latest[name][0].date:
            latest[name].append(flow)
    return [{"group": name, "date": rows[0].date,
             "places": sorted({f"{f.place} ({f.state})" for f in rows}),
             "estimate_low": min(f.people_in for f in rows),
             "estimate_high": max(f.people_in for f in rows),
             "sources": sorted({f.source for f in rows})}
            for name, rows in sorted(latest.items())]


def flow_stats(*, user, filters: Filters, days: int = 7, window: int = 7,
               flows: list[FlowCount] | None = None) -> dict:
    """Days with their source range, group positions, the caravan's size (present and
    cumulative counts) and the forecast of arrivals (for the filtered places; the date range
    bounds the history the forecast reads). ``flows``: already read by the caller."""
    access.require(user, "stats.read")
    flows = list(_counts(filters)) if flows is None else flows
    prediction = forecast.moving_average(daily_arrivals(flows), days=days, window=window)
    by_date: dict[date, list[int]] = defaultdict(list)
    for flow in flows:
        if flow.people_in and flow.kind in STOCK:
            by_date[flow.date].append(flow.people_in)
    return {"filters": filters.as_dict(), "days": _days(flows),
            "size": [{"date": d, "low": min(v), "high": max(v), "sources": len(v)}
                     for d, v in sorted(by_date.items())],
            "groups": group_positions(flows),
            "forecast": {"method": prediction.method, "window": prediction.window,
                         "start": prediction.start, "total": prediction.total,
                         "days": [{"date": d, "arrivals": n} for d, n in prediction.points]}}


def forecast_by_place(places: list[str], *, days: int = 7,
                      date_to: date | None = None) -> dict[str, forecast.Forecast]:
    """The arrivals forecast for each named place (case-insensitive), from the new arrivals
    counted up to ``date_to`` (all, if None), in one query."""
    if not places:
        return {}
    query = Q()
    for place in places:
        query |= Q(place__iexact=place)
    counts = FlowCount.objects.filter(query, kind=FlowKind.ARRIVED)
    if date_to is not None:
        counts = counts.filter(date__lte=date_to)
    flows: dict[str, list[FlowCount]] = defaultdict(list)
    for flow in counts.only("date", "place", "people_in", "kind"):
        flows[flow.place.casefold()].append(flow)
    return {place: forecast.moving_average(daily_arrivals(flows.get(place.casefold(), [])),
                                           days=days)
            for place in places}
