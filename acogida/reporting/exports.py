"""Export tables for each topic, built from the same selectors as the API (so suppressed the
same way: counts of 1–4 people are "<5"), with the HXL hashtag of each column.

Topics of other apps (``claims`` from the asylum app, ``plan`` from the plan) are read lazily:
when the app does not offer its figures the topic is a 404, and a role the app refuses is a 403.
"""

from importlib import import_module

from django.utils.translation import gettext as _

from acogida.core.errors import FieldError, InvalidInput, NotFound

from . import flows, planning, selectors
from .filters import Filters
from .suppression import suppress
from .tables import Column, Table

TOPICS = ("registrations", "demographics", "shelters", "flows", "sites", "claims", "plan")
MAX_FLOW_ROWS = 100_000  # more is refused (422): narrow the dates rather than lose rows


def _registrations(user, filters: Filters) -> Table:
    data = selectors.registrations(user=user, filters=filters)
    return Table("registrations", [
        Column("date", _("Date"), "#date"), Column("state", _("State"), "#adm1+name"),
        Column("place", _("Place"), "#loc+name"), Column("place_code", _("Code"), "#loc+code"),
        Column("count", _("People registered"), "#affected+ind+registered")], data["rows"])


def _demographics(user, filters: Filters) -> Table:
    """One row per age band (women and girls, men and boys, other: HXL's ``+f``/``+m``), then
    one per nationality and per (non-sensitive) specific need with the number of people."""
    data = selectors.demographics(user=user, filters=filters)
    rows = [{"category": "age_sex", "group": p["band"], "female": p["female"],
             "male": p["male"], "other": p["other"], "total": ""} for p in data["pyramid"]]
    rows += [{"category": "nationality", "group": n["nationality"], "total": n["count"]}
             for n in data["nationalities"]]
    rows += [{"category": "specific_need", "group": n["code"], "total": n["count"]}
             for n in data["specific_needs"]]
    return Table("demographics", [
        Column("category", _("Category"), "#indicator+category"),
        Column("group", _("Group"), "#group"),
        Column("female", _("Women and girls"), "#affected+f"),
        Column("male", _("Men and boys"), "#affected+m"),
        Column("other", _("Other"), "#affected+other"),
        Column("total", _("People"), "#affected+ind")], rows)


def _shelters(user, filters: Filters) -> Table:
    data = selectors.shelters(user=user, filters=filters)
    return Table("shelters", [
        Column("shelter", _("Shelter"), "#loc+name"), Column("state", _("State"), "#adm1+name"),
        Column("municipality", _("Municipality"), "#adm2+name"),
        Column("capacity", _("Capacity"), "#capacity"),
        Column("occupied", _("People staying"), "#affected+ind+sheltered"),
        Column("over_capacity", _("Over capacity"), "#status+over_capacity")], data["rows"])


def _flows(user, filters: Filters) -> Table:
    """Every flow count, counts of 1–4 suppressed; above ``MAX_FLOW_ROWS`` a 422 asks for a
    narrower date range (never a silently cut table)."""
    total = flows.count_flows(user=user, filters=filters)
    if total > MAX_FLOW_ROWS:
        raise InvalidInput(_("%(n)s flow counts match: at most %(max)s are exported at once. "
                             "Narrow the dates.") % {"n": total, "max": MAX_FLOW_ROWS},
                           [FieldError("date_from", _("Narrow the date range."))])
    rows = [{"date": f.date, "state": f.state, "place": f.place, "kind": f.kind,
             "group": f.arrival_group.name if f.arrival_group else "",
             "people_in": suppress(f.people_in), "people_out": suppress(f.people_out),
             "families": suppress(f.families), "children": suppress(f.children),
             "source": f.source}
            for f in flows.all_flows(user=user, filters=filters)]
    return Table("flows", [
        Column("date", _("Date"), "#date"), Column("state", _("State"), "#adm1+name"),
        Column("place", _("Place"), "#loc+name"),
        Column("kind", _("What is counted"), "#meta+kind"),
        Column("group", _("Arrival group"), "#group"),
        Column("people_in", _("People arriving or counted"), "#affected+ind"),
        Column("people_out", _("People leaving"), "#affected+ind+departing"),
        Column("families", _("Families"), "#affected+hh"),
        Column("children", _("Children"), "#affected+children"),
        Column("source", _("Source"), "#meta+source")], rows)


def _sites(user, filters: Filters) -> Table:
    data = planning.site_gaps(user=user, filters=filters)
    rows = [{"shelter": s["shelter"], "state": s["state"], "population": s["population"],
             "need": g["label"], "ratio": g["ratio"],
             "required": "<5" if g["suppressed"] else g["required"],
             "available": g["available"],
             "shortfall": "<5" if g["suppressed"] else g["shortfall"], "source": g["source"]}
            for s in data["sites"] for g in s["gaps"]]
    return Table("sites", [
        Column("shelter", _("Shelter"), "#loc+name"), Column("state", _("State"), "#adm1+name"),
        Column("population", _("People staying"), "#affected+ind"),
        Column("need", _("Need"), "#sector+need"), Column("ratio", _("Ratio"), "#meta+ratio"),
        Column("required", _("Required"), "#indicator+required+num"),
        Column("available", _("Available"), "#capacity"),
        Column("shortfall", _("Shortfall"), "#indicator+gap+num"),
        Column("source", _("Source"), "#meta+source")], rows)


def _other_app(module: str, function: str):
    try:
        read = getattr(import_module(module), function, None)
    except ImportError:
        read = None
    if not callable(read):
        raise NotFound(_("This export is not available yet."))
    return read


def claims_figures(user, filters: Filters) -> dict:
    """The asylum app's claim counts for the filters (raises Forbidden without
    ``claim.stats``), unsuppressed: callers suppress."""
    read = _other_app("acogida.asylum.selectors", "stats")
    return read(user=user, date_from=filters.date_from, date_to=filters.date_to,
                state=filters.state, place=filters.place, group=filters.group)


def _claims(user, filters: Filters) -> Table:
    """Claims by jurisdiction and status, and open claims past (or within 10 days of) their
    next deadline per jurisdiction; counts of claims, never a claim."""
    data = claims_figures(user, filters)
    rows = [{"measure": "claims", "jurisdiction": r["jurisdiction"], "status": r["status"],
             "count": suppress(r["count"])} for r in data["by_status"]]
    for measure in ("overdue", "due_soon"):
        rows += [{"measure": measure, "jurisdiction": jurisdiction, "status": "open",
                  "count": suppress(n)} for jurisdiction, n in sorted(data[measure].items())]
    return Table("claims", [
        Column("measure", _("Measure"), "#indicator+name"),
        Column("jurisdiction", _("Jurisdiction"), "#meta+jurisdiction"),
        Column("status", _("Status"), "#status"),
        Column("count", _("Claims"), "#indicator+num")], rows)


PLAN_COLUMNS = ("offered", "accepted", "declined", "withdrawn", "moved_on")


def plan_figures(user, filters: Filters) -> dict:
    read = _other_app("acogida.plan.stats", "figures")
    return read(user=user, date_from=filters.date_from, date_to=filters.date_to,
                state=filters.state or None, place=filters.place or None)


def _plan(user, filters: Filters) -> Table:
    """The plan's people by day, then by place (the arrival group filter does not apply)."""
    data = plan_figures(user, filters)
    rows = [{"date": d["date"], **{k: suppress(d.get(k, 0)) for k in PLAN_COLUMNS}}
            for d in data["by_day"]]
    rows += [{"place": p.get("name", ""), "state": p.get("state", ""),
              **{k: suppress(p.get(k, 0)) for k in PLAN_COLUMNS}} for p in data["by_place"]]
    return Table("plan", [
        Column("date", _("Date"), "#date"), Column("place", _("Place"), "#loc+name"),
        Column("state", _("State"), "#adm1+name"),
        Column("offered", _("People offered the plan"), "#affected+ind+offered"),
        Column("accepted", _("Accepted"), "#affected+ind+accepted"),
        Column("declined", _("Declined"), "#affected+ind+declined"),
        Column("withdrawn", _("Withdrawn"), "#affected+ind+withdrawn"),
        Column("moved_on", _("Moved on"), "#affected+ind+moved_on")], rows)


BUILDERS = {"registrations": _registrations, "demographics": _demographics,
            "shelters": _shelters, "flows": _flows, "sites": _sites, "claims": _claims,
            "plan": _plan}


def table(topic: str, *, user, filters: Filters) -> Table:
    return BUILDERS[topic](user, filters)
