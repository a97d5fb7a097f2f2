"""Plan data for tests, made through the services (as a clerk would record it)."""

from datetime import date, datetime, time

from django.utils import timezone

from acogida import testing
from acogida.plan import services
from acogida.registry.models import HouseholdMember

PLAN_DAY = date(2018, 10, 26)
# Registered in Chiapas two days before the plan's first day: the registration point still
# says where they are on PLAN_DAY (the location rule's registration_valid_days is 3).
ROUTE_DAY = date(2018, 10, 24)
_users: dict[str, object] = {}


def user(role: str = "caseworker"):
    found = _users.get(role)
    if found is None or not type(found).objects.filter(pk=found.pk).exists():
        found = _users[role] = testing.make_user(role)
    return found


def registered_on(person, day: date):
    """Move a registration (and the joining of the household) back to the caravan's days (the
    factories register today)."""
    when = timezone.make_aware(datetime.combine(day, time(10)))
    type(person).objects.filter(pk=person.pk).update(registered_at=when)
    HouseholdMember.objects.filter(person=person).update(joined_on=day)
    person.refresh_from_db()
    return person


def person_in(point_code: str = "TAP", state: str = "Chiapas", *, on: date = ROUTE_DAY,
              **values):
    point = testing.make_point(code=point_code, name=f"Punto {point_code}", state=state,
                               municipality=point_code.title())
    return registered_on(testing.make_person(point=point, **values), on)


def household_in(point_code: str = "TAP", state: str = "Chiapas", *,
                 on: date = ROUTE_DAY):
    point = testing.make_point(code=point_code, name=f"Punto {point_code}", state=state,
                               municipality=point_code.title())
    household = testing.make_household(point=point)
    for member in household.members.select_related("person"):
        registered_on(member.person, on)
    return household


def apply(person, *, kind: str = "refugee_status", filed_on: date = date(2018, 10, 22)):
    return services.record_application(actor=testing.SYSTEM, user=user(),
                                       registration_number=person.registration_number,
                                       kind=kind, filed_on=filed_on)


def eligible_person(point_code: str = "TAP", **values):
    person = person_in(point_code, **values)
    apply(person)
    return person


def offer(person=None, *, household=None, place: str = "point:TAP", on: date = PLAN_DAY):
    return services.make_offer(actor=testing.SYSTEM, user=user(), place=place,
                               registration_number=person.registration_number if person else "",
                               household_number=household.number if household else "",
                               offered_on=on)


def decide(offer, to: str, on: date = date(2018, 10, 27), reason: str = ""):
    return services.decide(actor=testing.SYSTEM, user=user(), offer_id=offer.pk, to=to, on=on,
                           reason=reason)
