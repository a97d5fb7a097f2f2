"""Reads for capacity planning: the Sphere ratios (editable data) and each site's needs
against what it has, for the people there now and for the 7-day forecast.

Small cells: where a site's population (now or forecast) is 1 to 4, ``required``, ``shortfall``
and ``met`` would give the head count away (15 L × 3 people = 45 L), so they are None and the
gap says ``"suppressed": true``; the population itself reads "<5"."""

from collections import defaultdict

from acogida.accounts import access

from . import flows, sphere
from .filters import Filters
from .models import SphereStandard
from .selectors import occupancy_rows
from .suppression import THRESHOLD, suppress


def ratios() -> list[sphere.Ratio]:
    return [sphere.Ratio(key=s.key, label=s.label, unit=s.unit, per_person=s.per_person,
                         people_per_unit=s.people_per_unit, facility=s.facility,
                         source=s.source, note=s.note, confirmed=s.confirmed)
            for s in SphereStandard.objects.all()]


def is_small(population: int) -> bool:
    return 0 < population < THRESHOLD


def need_dict(need: sphere.Need) -> dict:
    r = need.ratio
    return {"key": r.key, "label": r.label, "unit": r.unit, "required": need.required,
            "ratio": r.text, "per_person": float(r.per_person) if r.per_person is not None
            else None, "people_per_unit": r.people_per_unit, "source": r.source,
            "note": r.note, "confirmed": r.confirmed}


def sphere_needs(*, user, population: int) -> dict:
    """Needs of a population the caller names (a planning figure, not people counted here)."""
    access.require(user, "stats.read")
    return {"population": population,
            "needs": [need_dict(n) for n in sphere.needs_for(population, ratios())]}


def _gap_dict(gap: sphere.Gap) -> dict:
    if is_small(gap.need.population):
        return {**need_dict(gap.need), "required": None, "available": gap.available,
                "shortfall": None, "met": None, "suppressed": True}
    return {**need_dict(gap.need), "available": gap.available, "shortfall": gap.shortfall,
            "met": gap.met, "suppressed": False}


def unmet_facilities(gaps: list[sphere.Gap]) -> int:
    """Facilities short of their need. Two ratios on one facility (toilets first phase and
    medium term) are both reported but count as one shortfall; small populations count none."""
    return len({g.need.ratio.facility for g in gaps
                if g.met is False and not is_small(g.need.population)})


def site_gaps(*, user, filters: Filters, rows: list[dict] | None = None,
              forecasts: dict | None = None) -> dict:
    """Per shelter: needs now and in 7 days against its facilities. The forecast population is
    the people there now plus the forecast arrivals (new arrivals only: median of sources per
    day, moving average, read up to ``date_to``) at its municipality over 7 days, shared among
    that municipality's shelters in proportion to their capacity; departures are not subtracted
    (planning errs high). ``rows``/``forecasts``: already read by the caller (the dashboard)."""
    access.require(user, "stats.read")
    rows = occupancy_rows(filters) if rows is None else rows
    standard = ratios()
    capacity_in: dict[str, int] = defaultdict(int)
    for row in rows:
        capacity_in[row["municipality"].casefold()] += row["capacity"]
    if forecasts is None:
        forecasts = flows.forecast_by_place(sorted({r["municipality"] for r in rows}),
                                            date_to=filters.date_to)
    sites = []
    for row in rows:
        prediction = forecasts.get(row["municipality"])
        arrivals = prediction.total if prediction else 0
        share = row["capacity"] / capacity_in[row["municipality"].casefold()] \
            if capacity_in[row["municipality"].casefold()] else 0
        future = max(0, row["occupied"] + round(arrivals * share))
        facilities = {k: row[k] for k in ("covered_area_m2", "toilets", "taps", "showers")}
        now = sphere.gaps(sphere.needs_for(row["occupied"], standard), facilities)
        later = sphere.gaps(sphere.needs_for(future, standard), facilities)
        sites.append({
            "shelter": row["shelter"], "state": row["state"], "municipality": row["municipality"],
            "capacity": row["capacity"], "population": suppress(row["occupied"]),
            "forecast_population": suppress(future), "medical_post": row["medical_post"],
            "forecast_method": prediction.method if prediction else "",
            "over_capacity": (row["occupied"] > row["capacity"]
                              if not (is_small(row["occupied"]) and not row["capacity"])
                              else None),
            "gaps": [_gap_dict(g) for g in now], "forecast_gaps": [_gap_dict(g) for g in later],
            "shortfalls": unmet_facilities(now)})
    return {"filters": filters.as_dict(), "sites": sites}
