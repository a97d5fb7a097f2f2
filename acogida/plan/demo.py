"""The plan for the demo caravan (see shared/domain/caravan-2018.md).

At the plan's places (registration points and shelters in Chiapas and Oaxaca) a share of
households applied to COMAR or INM (1,743 asylum applications by 24 Oct 2018 among 3,630
counted: about 45 %), on the day they were registered on the route; the plan is offered at each
place through the bulk offer; the caravan's assembly rejected it, so most declined or moved on and
a minority accepted (about 500 integrated out of some 7,000: a few per cent); a few who accepted
work through PET.

The demo registers everyone and checks them into shelters on the day it runs, so the offers and
their outcomes are dated that day: where a person is is only known from then on, and a shelter
stay outside Chiapas and Oaxaca (most of the caravan, placed along the route) rules them out.
Everything goes through the services: the same rules, the same audit entries as a real day.
Deterministic for a seed.
"""

import random
from datetime import date, timedelta

from django.utils import timezone

from acogida.accounts import audit
from acogida.accounts.models import User
from acogida.core.ages import ADULT_AGE, age_on
from acogida.registry.models import Consent, HouseholdMember, Person

from . import places, services
from .models import ApplicationKind, Offer, OfferStatus

APPLIED_SHARE = 0.45
REFUGEE_SHARE = 0.85  # the rest applied to INM for regular entry
# outcome, weight (of the offers made)
OUTCOMES = [(OfferStatus.DECLINED, 50), (OfferStatus.MOVED_ON, 34), (OfferStatus.ACCEPTED, 8),
            (OfferStatus.WITHDRAWN, 2), (OfferStatus.OFFERED, 6)]
EMPLOYERS = ["Vivero Los Cafetales (Tapachula)", "Cooperativa de café Soconusco",
             "Ayuntamiento de Juchitán, obras públicas", "Empacadora de mango del Istmo"]
PET_SHARE = 0.3
PET_DAYS = 90


def _user() -> User:
    return User(username="demo-caseworker", role="caseworker", is_active=True)


def _applicants(people) -> list[Person]:
    """One per household (its head) and every lone person among ``people``."""
    in_household = HouseholdMember.objects.filter(left_on__isnull=True)
    heads = Person.objects.filter(pk__in=people.values("pk"), memberships__relationship="head",
                                  memberships__left_on__isnull=True)
    lone = Person.objects.filter(pk__in=people.values("pk")).exclude(
        pk__in=in_household.values("person_id"))
    return sorted([*heads, *lone], key=lambda p: p.pk)


def _apply(actor, user, rng: random.Random, applicants: list[Person], today: date) -> int:
    """Applications filed on the day of registration on the route (the consent's date)."""
    route_day = dict(Consent.objects.filter(person__in=applicants, purpose="registration")
                     .values_list("person_id", "given_on"))
    chosen = []
    for person in applicants:
        if rng.random() >= APPLIED_SHARE:
            continue
        kind = (ApplicationKind.REFUGEE_STATUS if rng.random() < REFUGEE_SHARE
                else ApplicationKind.REGULAR_ENTRY)
        chosen.append(services.NewApplication(
            person.registration_number, kind, min(today, route_day.get(person.pk) or today)))
    return len(services.record_applications(actor=actor, user=user, applications=chosen))


def _decide_all(actor, user, rng: random.Random, today: date) -> dict[str, int]:
    counts: dict[str, int] = {}
    statuses = [s for s, _w in OUTCOMES]
    weights = [w for _s, w in OUTCOMES]
    decisions = []
    for offer in Offer.objects.order_by("pk"):
        to = rng.choices(statuses, weights)[0]
        counts[to] = counts.get(to, 0) + offer.people
        if to != OfferStatus.OFFERED:
            reason = "La asamblea de la caravana rechazó el plan" \
                if to == OfferStatus.DECLINED else ""
            decisions.append(services.Decision(offer.pk, to, today, reason))
    services.decide_many(actor=actor, user=user, decisions=decisions)
    return counts


def _pet(actor, user, rng: random.Random, today: date) -> int:
    made = 0
    accepted = (Person.objects.filter(plan_offers__offer__status=OfferStatus.ACCEPTED)
                .order_by("pk").distinct())
    for person in accepted:
        if age_on(person.date_of_birth, today) < ADULT_AGE or rng.random() >= PET_SHARE:
            continue
        services.enrol_pet(actor=actor, user=user, registration_number=person.registration_number,
                           employer=rng.choice(EMPLOYERS), starts_on=today,
                           ends_on=today + timedelta(days=PET_DAYS))
        made += 1
    return made


def seed_plan(actor: audit.Actor, *, seed: int = 2018) -> dict:
    """Applications, offers at the plan's places, their outcomes, PET. Returns the figures."""
    if Offer.objects.exists():
        return {"applications": 0, "offered": 0, "outcomes": {}, "pet": 0, "places": 0,
                "already": True}
    rng, user, today = random.Random(seed), _user(), timezone.localdate()
    where = places.plan_places(["Chiapas", "Oaxaca"])
    applicants: dict[int, Person] = {}
    for place in where:
        for person in _applicants(services.people_at(place, today)):
            applicants.setdefault(person.pk, person)
    applications = _apply(actor, user, rng, list(applicants.values()), today)
    offered = sum(services.bulk_offer(actor=actor, user=user, place=place.key, on=today).offered
                  for place in where)
    outcomes = _decide_all(actor, user, rng, today)
    return {"applications": applications, "offered": offered, "outcomes": outcomes,
            "pet": _pet(actor, user, rng, today), "places": len(where), "already": False}
