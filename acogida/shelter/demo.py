"""Shelters for the demo caravan: the 2018 route's shelters (see shared/domain/caravan-2018.md),
their capacities scaled to the demo's size, the caravan placed through the optimiser and
confirmed, and walk-ins checked into one shelter over its capacity by a case officer's override
(with the reason recorded), so that the daily problem is visible on the shelter list.

Everything goes through the services: the same rules, the same audit entries as a real day.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction

from acogida.accounts import audit
from acogida.accounts.models import User
from acogida.core.errors import DomainError
from acogida.registry.models import Household, SpecificNeed

from . import proposals, services
from .models import Section, Shelter, ShelterNeeds

# name, kind, operator, state, municipality, lat, lon, planned capacity, accessible, medical
# post, school km, open from
ROUTE = [
    ("Parroquia de Arriaga", "church", "Diócesis de Tapachula", "Chiapas", "Arriaga",
     16.2353, -93.8990, 1000, False, False, 1.2, date(2018, 10, 25)),
    ("Albergue de Juchitán", "tent_site", "Gobierno de Oaxaca", "Oaxaca", "Juchitán de Zaragoza",
     16.4340, -95.0195, 1500, False, True, 2.5, date(2018, 10, 29)),
    ("Estadio Jesús Martínez \"Palillo\"", "sports_centre", "Gobierno de la Ciudad de México",
     "Ciudad de México", "Iztacalco", 19.4036, -99.0930, 5500, True, True, 0.8,
     date(2018, 11, 4)),
    ("Unidad Deportiva Benito Juárez", "sports_centre", "Ayuntamiento de Tijuana",
     "Baja California", "Tijuana", 32.5339, -117.0290, 3000, True, True, 1.5,
     date(2018, 11, 14)),
    ("El Barretal", "sports_centre", "Gobierno federal", "Baja California", "Tijuana",
     32.5046, -116.9640, 7500, True, True, 3.0, date(2018, 11, 29)),
]
# share of a shelter's places per section kind
SECTIONS = [("Familias", "family", 0.62), ("Mujeres", "women", 0.14), ("Hombres", "men", 0.12),
            ("Niñez no acompañada", "child_safe", 0.02), ("Mixta", "mixed", 0.10)]
OVER = "Unidad Deportiva Benito Juárez"
WALK_IN_REASON = ("Llegaron de noche en autobús con la caravana; no hay otro albergue abierto "
                  "en Tijuana. Se acomodan en la sección mixta hasta mañana.")


def _admin() -> User:
    return User(username="demo", role="admin", is_active=True)


def _scale(people: int) -> float:
    """The route's planned places (18,500) scaled to about 78 % of the demo caravan (about
    95 % of those registered in households): the optimiser places most, and some are left to
    show the unplaced and the walk-ins."""
    return max(0.0, 0.78 * people / sum(row[7] for row in ROUTE))


@transaction.atomic
def create_route_shelters(*, actor: audit.Actor, people: int) -> list[Shelter]:
    user, scale, made = _admin(), _scale(people), []
    for (name, kind, operator, state, municipality, lat, lon, planned, accessible, medical,
         school, opened) in ROUTE:
        capacity = max(10, round(planned * scale))
        shelter = services.create_shelter(actor=actor, user=user, values={
            "name": name, "kind": kind, "operator": operator, "state": state,
            "municipality": municipality, "latitude": Decimal(str(lat)),
            "longitude": Decimal(str(lon)),
            "covered_area_m2": round(capacity * 3.5), "toilets": max(1, capacity // 50),
            "taps": max(1, capacity // 250), "showers": max(1, capacity // 50),
            "wheelchair_accessible": accessible, "medical_post": medical,
            "school_distance_km": Decimal(str(school)), "open_from": opened})
        for section_name, section_kind, share in SECTIONS:
            services.add_section(actor=actor, user=user, shelter_id=shelter.pk,
                                 name=section_name, kind=section_kind,
                                 capacity=max(2, round(capacity * share)))
        made.append(shelter)
    return made


def _wheelchair_users() -> None:
    """Some older people with a disability use a wheelchair (rule 5 has work to do)."""
    disabled = list(SpecificNeed.objects.filter(code="DS").values_list("person_id", flat=True))
    ShelterNeeds.objects.bulk_create([ShelterNeeds(person_id=p, wheelchair=True)
                                      for p in disabled[::3]], ignore_conflicts=True)


def _walk_ins(*, actor: audit.Actor, proposal, limit: int) -> int:
    """Households the optimiser could not place, checked in over capacity by a case officer."""
    section = Section.objects.filter(shelter__name=OVER, kind="mixed").first()
    if section is None:
        return 0
    user, placed = User(username="demo-caseworker", role="caseworker", is_active=True), 0
    waiting = [u["household_id"] for u in proposal.data["unplaced"]]
    households = Household.objects.filter(pk__in=waiting).exclude(
        members__person__needs__code="SC").order_by("id")
    for household in households:
        if placed >= limit:
            break
        try:
            stays = services.check_in(actor=actor, user=user, section_id=section.pk,
                                      household_number=household.number,
                                      override_reason=WALK_IN_REASON)
        except DomainError:
            continue
        placed += len(stays)
    return placed


def seed_shelters(actor: audit.Actor, *, people: int | None = None,
                  time_limit_s: float = 6) -> dict:
    """Shelters, the caravan placed, walk-ins over capacity. Returns figures to print."""
    from acogida.registry.models import Person

    if Shelter.objects.exists():
        return {"shelters": Shelter.objects.count(), "placed": 0, "walk_ins": 0,
                "unplaced": 0, "method": "already seeded"}
    people = people if people is not None else Person.objects.count()
    create_route_shelters(actor=actor, people=people)
    _wheelchair_users()
    proposal = proposals.create_proposal(actor=actor, user=_admin(), time_limit_s=time_limit_s,
                                         language="es")
    proposals.confirm_proposal(actor=actor, user=_admin(), proposal_id=proposal.pk)
    view = proposals.proposal_view(_admin(), proposal)
    over = Section.objects.filter(shelter__name=OVER, kind="mixed").first()
    walk_ins = _walk_ins(actor=actor, proposal=proposal,
                         limit=max(5, (over.capacity if over else 0) * 2))
    return {"shelters": len(ROUTE), "placed": view["placed_people"], "walk_ins": walk_ins,
            "unplaced": view["unplaced_people"] - walk_ins, "method": view["method"]}
