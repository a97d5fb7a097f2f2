"""The dashboard's panels: each a chart (server-side SVG), the table behind it and a CSV link.
Built from the same selectors as the API; other apps' panels are read lazily and skipped when
their selector is not there yet (or the role may not read it).

One request reads the shelters' occupancy once (shelters and gaps share it) and the flow counts
once (at most ``FLOW_DAYS`` days: from ``date_from``, else the last days up to the latest count).
"""

from dataclasses import dataclass, field
from datetime import timedelta
from importlib import import_module

from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from acogida.core.errors import DomainError, Forbidden
from acogida.core.reference import SPECIFIC_NEEDS, country_name

from . import charts, exports, flows, planning, selectors
from .filters import Filters
from .suppression import suppress

FLOW_DAYS = 60


@dataclass
class Panel:
    key: str
    title: str
    svg: str
    columns: list[str]
    rows: list[list]
    csv: str = ""
    note: str = ""
    alert_rows: set[int] = field(default_factory=set)


def _csv(topic: str, filters: Filters) -> str:
    query = filters.query()
    url = reverse("api-v1:export", kwargs={"filename": f"{topic}.csv"})
    return f"{url}?{query}" if query else url


def _registrations(user, filters: Filters) -> list[Panel]:
    data = selectors.registrations(user=user, filters=filters)
    title = _("Registrations per day")
    days = [charts.Bar(d["date"].strftime("%d/%m"), d["count"]) for d in data["by_day"]]
    return [Panel("registrations", title, charts.column_chart(title, days),
                  [_("Date"), _("Place"), _("State"), _("People registered")],
                  [[r["date"], r["place"], r["state"], r["count"]] for r in data["rows"]],
                  _csv("registrations", filters))]


def flow_window(filters: Filters) -> Filters:
    """The filters with the flow counts' dates bounded: ``date_from`` if given, else the
    ``FLOW_DAYS`` days up to the latest count on or before ``date_to``."""
    from dataclasses import replace

    from .models import FlowCount

    if filters.date_from:
        return filters
    counts = FlowCount.objects.all()
    if filters.date_to:
        counts = counts.filter(date__lte=filters.date_to)
    last = counts.order_by("-date").values_list("date", flat=True).first()
    if last is None:
        return filters
    return replace(filters, date_from=last - timedelta(days=FLOW_DAYS - 1))


def _flows(user, filters: Filters) -> list[Panel]:
    data = flows.flow_stats(user=user, filters=flow_window(filters))
    title = _("Caravan size over time")
    points = [charts.Point(s["date"].strftime("%d/%m"), s["low"], s["high"]) for s in data["size"]]
    points += [charts.Point(d["date"].strftime("%d/%m"), value=d["arrivals"], forecast=True)
               for d in data["forecast"]["days"]]
    note = _("Bars: lowest to highest figure of the sources. Dashed: forecast of arrivals, "
             "%(method)s.") % {"method": data["forecast"]["method"]}
    rows = [[d["date"], d["place"], d["state"], d["kind"], d["low"], d["high"],
             "; ".join(f"{s['source']}: {s['people_in']:,}" for s in d["sources"])]
            for d in data["days"]]
    rows += [[d["date"], _("forecast"), "", "arrived", d["arrivals"], d["arrivals"],
              data["forecast"]["method"]] for d in data["forecast"]["days"]]
    groups = [[g["group"], g["date"], ", ".join(g["places"]), g["estimate_low"],
               g["estimate_high"], ", ".join(g["sources"])] for g in data["groups"]]
    return [Panel("flows", title, charts.range_chart(title, points, note=note),
                  [_("Date"), _("Place"), _("State"), _("What is counted"), _("Lowest"),
                   _("Highest"), _("Sources")],
                  rows, _csv("flows", filters), note),
            Panel("groups", _("Where the arrival groups are"), "",
                  [_("Arrival group"), _("Last counted"), _("Place"), _("Lowest"), _("Highest"),
                   _("Sources")], groups)]


def _shelters(user, filters: Filters, occupancy: list[dict]) -> list[Panel]:
    rows = selectors.shelters(user=user, filters=filters, rows=occupancy)["rows"]
    title = _("Shelter occupancy against capacity")
    bars = [charts.Bar(r["shelter"], r["occupied"], r["over_capacity"], f" / {r['capacity']:,}")
            for r in rows]
    return [Panel("shelters", title, charts.bar_chart(title, bars),
                  [_("Shelter"), _("State"), _("Capacity"), _("People staying"),
                   _("Over capacity")],
                  [[r["shelter"], r["state"], r["capacity"], r["occupied"],
                    _("yes") if r["over_capacity"] else ""] for r in rows],
                  _csv("shelters", filters),
                  alert_rows={i for i, r in enumerate(rows) if r["over_capacity"]})]


def _demographics(user, filters: Filters) -> list[Panel]:
    data = selectors.demographics(user=user, filters=filters)
    csv = _csv("demographics", filters)
    pyramid = data["pyramid"]
    title = _("Age and sex")
    svg = charts.pyramid(title, [p["band"] for p in pyramid], [p["male"] for p in pyramid],
                         [p["female"] for p in pyramid], left_label=_("Men and boys"),
                         right_label=_("Women and girls"))
    nat_title, needs_title = _("Nationalities"), _("Specific needs")
    nationalities = [(f"{country_name(n['nationality'])} ({n['nationality']})", n["count"])
                     for n in data["nationalities"]]
    needs = [(f"{SPECIFIC_NEEDS[n['code']].label} ({n['code']})", n["count"])
             for n in data["specific_needs"] if n["code"] in SPECIFIC_NEEDS]
    return [
        Panel("pyramid", title, svg, [_("Age"), _("Men and boys"), _("Women and girls"),
                                      _("Other")],
              [[p["band"], p["male"], p["female"], p["other"]] for p in pyramid], csv),
        Panel("nationalities", nat_title,
              charts.bar_chart(nat_title, [charts.Bar(label, n) for label, n in nationalities]),
              [_("Nationality"), _("People")], [list(r) for r in nationalities], csv),
        Panel("needs", needs_title,
              charts.bar_chart(needs_title, [charts.Bar(label, n) for label, n in needs]),
              [_("Specific need"), _("People")], [list(r) for r in needs], csv,
              _("Sensitive needs (SV, TR, SM) are not counted here.")),
    ]


def _documents(user, filters: Filters) -> list[Panel]:
    rows = selectors.documents(user=user, filters=filters)["rows"]
    title = _("Documents handed over")
    return [Panel("documents", title,
                  charts.bar_chart(title, [charts.Bar(r["label"], r["issued"]) for r in rows]),
                  [_("Kind"), _("Requested"), _("Handed over"), _("Revoked"), _("Verified")],
                  [[r["label"], r["requested"], r["issued"], r["revoked"], r["verified"]]
                   for r in rows])]


def _cell(gap: dict, key: str):
    return "<5" if gap["suppressed"] else gap[key]


def _gaps(user, filters: Filters, occupancy: list[dict]) -> list[Panel]:
    sites = planning.site_gaps(user=user, filters=filters, rows=occupancy)["sites"]
    rows, alerts = [], set()
    for site in sites:
        for now, later in zip(site["gaps"], site["forecast_gaps"], strict=True):
            if now["available"] is None:
                continue
            if now["shortfall"]:
                alerts.add(len(rows))
            rows.append([site["shelter"], site["population"], now["label"], now["ratio"],
                         _cell(now, "required"), now["available"], _cell(now, "shortfall"),
                         _cell(later, "shortfall"), now["source"]])
    return [Panel("gaps", _("Gaps against the Sphere standards"), "",
                  [_("Shelter"), _("People staying"), _("Need"), _("Ratio"), _("Required"),
                   _("Available"), _("Shortfall now"), _("Shortfall in 7 days"), _("Source")],
                  rows, _csv("sites", filters), alert_rows=alerts)]


def _claims(user, filters: Filters) -> list[Panel]:
    """Claims by status and jurisdiction, and open claims past or near their next deadline per
    jurisdiction: counts (1–4 are "<5"), never a claim. Skipped without the asylum app's
    ``stats`` or its ``claim.stats`` permission."""
    try:
        data = exports.claims_figures(user, filters)
    except (DomainError, ImportError):
        return []
    title = _("Asylum claims by status and jurisdiction")
    by_status = [(f"{r['jurisdiction']} · {r['status']}", suppress(r["count"]))
                 for r in data["by_status"]]
    jurisdictions = sorted({*data["overdue"], *data["due_soon"]})
    rows = [[label, n, "", ""] for label, n in by_status]
    rows += [[j, "", suppress(data["overdue"].get(j, 0)), suppress(data["due_soon"].get(j, 0))]
             for j in jurisdictions]
    alerts = {len(by_status) + i for i, j in enumerate(jurisdictions) if data["overdue"].get(j)}
    return [Panel("claims", title,
                  charts.bar_chart(title, [charts.Bar(label, n) for label, n in by_status]),
                  [_("Jurisdiction and status"), _("Claims"), _("Past the deadline"),
                   _("Deadline within 10 days")], rows, _csv("claims", filters),
                  alert_rows=alerts)]


def _plan(user, filters: Filters) -> list[Panel]:
    """The plan's people offered, accepted, declined… by day (``acogida.plan.stats.figures``),
    skipped if the plan does not offer it or the role may not read it."""
    try:
        data = exports.plan_figures(user, filters)
    except (DomainError, ImportError, TypeError):
        return []
    title = _("The plan: people by day")
    days = data.get("by_day", [])
    bars = [charts.Bar(d["date"].strftime("%d/%m"), suppress(d.get("offered", 0)))
            for d in days]
    rows = [[d["date"], *[suppress(d.get(k, 0)) for k in exports.PLAN_COLUMNS]] for d in days]
    return [Panel("plan", _("The plan"), charts.column_chart(title, bars),
                  [_("Date"), _("Offered"), _("Accepted"), _("Declined"), _("Withdrawn"),
                   _("Moved on")], rows, _csv("plan", filters))]


# Other apps' figures shown as a table, read with the dashboard's filters.
OTHER_APPS = [("health", "acogida.health.selectors", "health_stats"),
              ("schooling", "acogida.schooling.selectors", "stats")]


def _figure_labels() -> dict[str, str]:
    """The other apps' figure names as the dashboard shows them (unknown names: as given)."""
    return {"children_under_5_overdue_vaccinations": _("Children under five with an overdue "
                                                       "vaccination"),
            "pregnant_women_in_follow_up": _("Women in pregnancy follow-up"),
            "open_urgent_referrals": _("Open urgent referrals"),
            "vaccinations_given": _("Vaccine doses given"),
            "encounters_by_day": _("Encounters by day and reason"),
            "encounters_per_day": _("Encounters per day"),
            "schools": _("Schools"), "levels": _("Levels")}


def _other(user, filters: Filters) -> list[Panel]:
    """Panels of the other apps' stats, as a table of their figures, when available; each
    reads the same filters (dates, registration point, arrival group)."""
    panels = []
    for key, module_name, function in OTHER_APPS:
        try:
            read = getattr(import_module(module_name), function, None)
            data = read(user=user, filters=filters) if callable(read) else None
        except (ImportError, Forbidden):
            data = None
        if not isinstance(data, dict):
            continue
        labels = _figure_labels()
        rows = [[labels.get(name, name.replace("_", " ")),
                 suppress(value) if isinstance(value, int) else value]
                for name, value in data.items() if isinstance(value, int | str)]
        for name, value in data.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                for item in value[:20]:
                    rows.append([labels.get(name, name.replace("_", " ")), ", ".join(
                        f"{k}: {suppress(v) if isinstance(v, int) else v}"
                        for k, v in item.items())])
        panels.append(Panel(key, {"health": _("Health"), "schooling": _("Schooling")}[key], "",
                            [_("Figure"), _("Value")], rows))
    return panels


def panels(*, user, filters: Filters) -> list[Panel]:
    occupancy = selectors.occupancy_rows(filters)  # read once: shelters and gaps share it
    built = (_registrations(user, filters) + _flows(user, filters)
             + _shelters(user, filters, occupancy) + _demographics(user, filters)
             + _documents(user, filters) + _gaps(user, filters, occupancy)
             + _claims(user, filters) + _plan(user, filters) + _other(user, filters))
    for panel in built:
        panel.svg = mark_safe(panel.svg)  # noqa: S308 - charts escape every text they draw
    return built
