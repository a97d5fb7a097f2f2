"""From the database to the plain facts ``eligibility`` reads, for many people at once.

Where a person was on a date: the state of a shelter stay active that day wins; otherwise the
state of the place where the offer is made that day (``make_offer``: the person is there);
otherwise the engine may use the registration point's state, but only on the registration day
and the few days after it the location rule allows (``registration_valid_days``).

Which applications count: the plan's own ``PlanApplication`` rows (the person's and, as the
rules allow, those of the household they belonged to on the date) and whatever the functions in
``APPLICATION_SOURCES`` add. That list is the seam for other apps: when the asylum app records
claims lodged in Mexico, it appends a source in its ``AppConfig.ready`` (see docs/plan.md)::

    from acogida.plan import facts
    facts.APPLICATION_SOURCES.append(claims_as_plan_applications)

A source takes a queryset of people and the date and returns ``{person_id: [Application]}``.

Other apps' data is read through their selectors (``registry.selectors``,
``shelter.selectors``).
"""

from collections.abc import Callable
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from acogida.registry import selectors as registry
from acogida.shelter import selectors as shelter

from .eligibility import Application, Facts
from .models import PlanApplication

Source = Callable[[QuerySet, date], dict[int, list[Application]]]


def _own_applications(people: QuerySet, on: date) -> dict[int, list[Application]]:
    found: dict[int, list[Application]] = {}
    for person_id, kind, authority, filed_on in (
            PlanApplication.objects.filter(person__in=people, filed_on__lte=on)
            .values_list("person_id", "kind", "authority", "filed_on")):
        found.setdefault(person_id, []).append(Application(kind, authority, filed_on))
    return found


APPLICATION_SOURCES: list[Source] = [_own_applications]


def stays_on(on: date) -> QuerySet:
    """Stays active at the end of ``on``."""
    return shelter.stays_active_on(on)


def stay_states(people: QuerySet, on: date) -> dict[int, str]:
    """Person id → the state of the shelter they stayed in on ``on`` (the latest stay)."""
    return shelter.stay_states_on(people, on)


def households_of(people: QuerySet, on: date) -> dict[int, int]:
    """Person id → the household they belonged to on ``on``."""
    return registry.households_on(people, on)


def facts_for(people: QuerySet, on: date, *, place_state: str | None = None
              ) -> dict[int, Facts]:
    """Facts for every person of the queryset (a handful of queries, whatever its size).
    ``place_state``: the state of the place where the offer is made on ``on`` (the people are
    there), used when no shelter stay says otherwise."""
    rows = registry.registration_facts(people)
    stays = stay_states(people, on)
    households = households_of(people, on)
    mate_households = registry.members_on(set(households.values()), on)
    mates = sorted(mate_households)
    groups = [people] + [people.model.objects.filter(pk__in=mates[i:i + 5000])
                         for i in range(0, len(mates), 5000)]
    applications: dict[int, list[Application]] = {}
    for source in APPLICATION_SOURCES:
        for group in groups:
            for person_id, found in source(group, on).items():
                applications.setdefault(person_id, []).extend(found)
    by_household: dict[int, list[Application]] = {}
    for person_id, household_id in mate_households.items():
        by_household.setdefault(household_id, []).extend(
            Application(a.kind, a.authority, a.filed_on, "household")
            for a in applications.get(person_id, []) if a.source == "own")
    out = {}
    for pk, registered_at, point_state, nationality in rows:
        own = list(dict.fromkeys(applications.get(pk, [])))
        household = households.get(pk)
        shared = [a for a in by_household.get(household, []) if household is not None]
        registered_on = timezone.localdate(registered_at) if registered_at else None
        known = registered_on is not None and registered_on <= on
        if pk in stays:
            state, source = stays[pk], "stay"
        elif place_state and known:  # someone registered later was not known to be there
            state, source = place_state, "offer"
        else:
            state, source = None, ""
        out[pk] = Facts(on, state, source, tuple(own + shared), nationality or None,
                        point_state or None,
                        registered_on if known else None)
    return out
