"""From the database to the plain facts ``eligibility`` reads, for many people at once.

Where a person was on a date: the state of a shelter stay active that day wins; otherwise the
state of the registration point, if they had registered by then; otherwise unknown.

Which applications count: the plan's own ``PlanApplication`` rows (the person's and, as the
rules allow, their current household's) and whatever the functions in
``APPLICATION_SOURCES`` add. That list is the seam for other apps: when the asylum app records
claims lodged in Mexico, it appends a source in its ``AppConfig.ready`` (see docs/plan.md)::

    from acogida.plan import facts
    facts.APPLICATION_SOURCES.append(claims_as_plan_applications)

A source takes a queryset of people and the date and returns ``{person_id: [Application]}``.
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from acogida.registry.models import HouseholdMember, Person
from acogida.shelter.models import Stay

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


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def stays_on(on: date) -> QuerySet:
    """Stays active at the end of ``on``."""
    end = _end_of(on)
    return Stay.objects.filter(checked_in_at__lt=end).filter(
        Q(checked_out_at__isnull=True) | Q(checked_out_at__gte=end))


def stay_states(people: QuerySet, on: date) -> dict[int, str]:
    """Person id → the state of the shelter they stayed in on ``on`` (the latest stay)."""
    rows = (stays_on(on).filter(person__in=people).order_by("checked_in_at")
            .values_list("person_id", "section__shelter__state"))
    return dict(rows)


def households_of(people: QuerySet) -> dict[int, int]:
    """Person id → current household id."""
    return dict(HouseholdMember.objects.filter(person__in=people, left_on__isnull=True)
                .values_list("person_id", "household_id"))


def facts_for(people: QuerySet, on: date) -> dict[int, Facts]:
    """Facts for every person of the queryset (a handful of queries, whatever its size)."""
    end = _end_of(on)
    rows = list(people.values_list("pk", "registered_at", "registration_point__state"))
    stays = stay_states(people, on)
    households = households_of(people)
    mates = Person.objects.filter(memberships__household_id__in=set(households.values()),
                                  memberships__left_on__isnull=True)
    applications: dict[int, list[Application]] = {}
    for source in APPLICATION_SOURCES:
        for group in (people, mates):
            for person_id, found in source(group, on).items():
                applications.setdefault(person_id, []).extend(found)
    mate_households = dict(HouseholdMember.objects.filter(person__in=mates, left_on__isnull=True)
                           .values_list("person_id", "household_id"))
    by_household: dict[int, list[Application]] = {}
    for person_id, household_id in mate_households.items():
        by_household.setdefault(household_id, []).extend(
            Application(a.kind, a.authority, a.filed_on, "household")
            for a in applications.get(person_id, []) if a.source == "own")
    out = {}
    for pk, registered_at, point_state in rows:
        own = list(dict.fromkeys(applications.get(pk, [])))
        household = households.get(pk)
        shared = [a for a in by_household.get(household, []) if household is not None]
        if pk in stays:
            state, source = stays[pk], "stay"
        elif registered_at < end:
            state, source = point_state, "registration"
        else:
            state, source = None, ""
        out[pk] = Facts(on, state, source, tuple(own + shared))
    return out
