"""Flow counts for the demo: the 2018 caravan's documented figures, each with its source
(shared/domain/caravan-2018.md), and synthetic daily counts along the route, two "sources" per
day that disagree a little, so that the dashboard shows ranges and a forecast.

Places of the documented figures are where the caravan was that day (approximate, in notes).
"""

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from acogida.accounts import audit
from acogida.registry.models import ArrivalGroup

from .models import FlowCount, FlowKind

PRESENT, ARRIVED, CUMULATIVE = FlowKind.PRESENT, FlowKind.ARRIVED, FlowKind.CUMULATIVE

BULLETIN = "ReliefWeb, Central America migrant caravan information bulletin no. 1"
LSJ = "Lansing State Journal / USA Today network, 25 Oct 2018"
UNICEF_SITREP = "UNICEF situation report"
# date, place, state, in, out, children, source, notes, linked to the caravan, kind (what "in"
# counts: people present at the place, new arrivals that day, or a cumulative total)
DOCUMENTED = [
    (date(2018, 10, 13), "San Pedro Sula", "Cortés (Honduras)", 1500, 0, None,
     f"organisers' estimate ({BULLETIN})", "about 1,500 leave; about 3,000 within days", True,
     PRESENT),
    (date(2018, 10, 22), "Tapachula", "Chiapas", 7200, 0, None, "UN estimate (USA Today)",
     "over 7,200; place approximate", True, PRESENT),
    (date(2018, 10, 24), "Mapastepec", "Chiapas", 3630, 0, None,
     f"Mexican government count ({LSJ})", "1,743 asylum applications in Mexico by then; "
     "place approximate", True, PRESENT),
    (date(2018, 10, 24), "Mapastepec", "Chiapas", 10000, 0, None, f"organisers ({LSJ})",
     "claimed; place approximate", True, PRESENT),
    (date(2018, 10, 26), "Pijijiapan", "Chiapas", 0, 0, 2300, "UNICEF estimate (UNICEF USA "
     "press release)", "children travelling only; place approximate", True, PRESENT),
    (date(2018, 11, 11), "Querétaro", "Querétaro", 6531, 5771, None, "El Paso Times",
     "6,531 passed through; 5,771 left that day", True, PRESENT),
    (date(2018, 11, 25), "México (todas las caravanas)", "Nacional", 8247, 0, None,
     f"Mexican interior ministry ({UNICEF_SITREP})", "all caravans in Mexico", False, CUMULATIVE),
    (date(2018, 11, 28), "Tijuana", "Baja California", 6067, 0, 1058, UNICEF_SITREP,
     "reached Tijuana in total, 1,058 of them children", True, CUMULATIVE),
]
# where the caravan travelled as one: first day there, place, state (shared/domain/caravan-2018)
ROUTE = [(date(2018, 10, 19), "Ciudad Hidalgo", "Chiapas"),
         (date(2018, 10, 21), "Tapachula", "Chiapas"),
         (date(2018, 10, 23), "Huixtla", "Chiapas"),
         (date(2018, 10, 24), "Mapastepec", "Chiapas"),
         (date(2018, 10, 25), "Pijijiapan", "Chiapas"),
         (date(2018, 10, 26), "Arriaga", "Chiapas"),
         (date(2018, 10, 28), "Tapanatepec", "Oaxaca"),
         (date(2018, 10, 29), "Juchitán", "Oaxaca"),
         (date(2018, 11, 1), "Sayula de Alemán", "Veracruz"),
         (date(2018, 11, 3), "Isla", "Veracruz"),
         (date(2018, 11, 4), "Puebla", "Puebla"),
         (date(2018, 11, 5), "Ciudad de México", "Ciudad de México"),
         (date(2018, 11, 10), "Querétaro", "Querétaro"),
         (date(2018, 11, 11), "Irapuato", "Guanajuato"),
         (date(2018, 11, 12), "Guadalajara", "Jalisco")]
ARRIVALS_FROM, ARRIVALS_TO = date(2018, 11, 13), date(2018, 11, 30)
SYNTHETIC = ("Synthetic: demo police count", "Synthetic: demo volunteers' count")


def _size(day: date) -> int:
    """A plausible caravan size between the documented figures (straight lines)."""
    anchors = [(date(2018, 10, 19), 3000), (date(2018, 10, 22), 7000), (date(2018, 10, 26), 5500),
               (date(2018, 11, 5), 5000), (date(2018, 11, 12), 6000)]
    for (d0, n0), (d1, n1) in zip(anchors, anchors[1:], strict=False):
        if d0 <= day <= d1:
            return round(n0 + (n1 - n0) * (day - d0).days / (d1 - d0).days)
    return anchors[-1][1]


def _route_rows(rng: random.Random):
    for i, (first, place, state) in enumerate(ROUTE):
        last = ROUTE[i + 1][0] - timedelta(days=1) if i + 1 < len(ROUTE) else ARRIVALS_FROM \
            - timedelta(days=1)
        day = first
        while day <= last:
            size = _size(day)
            for source, spread in zip(SYNTHETIC, (0.93, 1.08), strict=True):
                yield (day, place, state, round(size * spread * rng.uniform(0.97, 1.03)), 0,
                       round(size * 0.3), source, "synthetic: the caravan's size that day", True,
                       PRESENT)
            day += timedelta(days=1)
    day = ARRIVALS_FROM
    while day <= ARRIVALS_TO:
        wave = 250 + 35 * (day - ARRIVALS_FROM).days
        for source, spread in zip(SYNTHETIC, (0.9, 1.1), strict=True):
            yield (day, "Tijuana", "Baja California", round(wave * spread * rng.uniform(0.9, 1.1)),
                   round(wave * 0.05), round(wave * 0.3), source,
                   "synthetic: new arrivals that day", False, ARRIVED)
        day += timedelta(days=1)


@transaction.atomic
def seed_flows(actor: audit.Actor, *, seed: int = 2018) -> int:
    """The documented and synthetic flow counts (none if there are some already)."""
    if FlowCount.objects.exists():
        return 0
    caravan = ArrivalGroup.objects.order_by("first_seen_on", "id").first()
    rng, now = random.Random(seed), timezone.now()
    rows = [*DOCUMENTED, *_route_rows(rng)]
    FlowCount.objects.bulk_create([
        FlowCount(date=day, kind=kind, place=place, state=state, people_in=people_in,
                  people_out=out, children=children, source=source, notes=notes,
                  arrival_group=caravan if linked else None, recorded_by_name=actor.username,
                  recorded_at=now)
        for day, place, state, people_in, out, children, source, notes, linked, kind in rows])
    audit.record(actor, "flow.seed", "", "", flow_counts=len(rows))
    return len(rows)
