"""Reads on medical care.

Medical staff read a person's health record; an admin reads it only within an active
break-glass grant for that person; every read is audited with the person as subject. Other
roles learn at most whether the person has an open urgent referral. Aggregates carry no names.
"""

from collections import Counter
from datetime import date, timedelta

from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.core import ids
from acogida.core.errors import Forbidden, NotFound
from acogida.registry.models import Person

from . import schedule
from .models import OPEN_REFERRAL, URGENT, BreakGlassGrant, Encounter, Referral, Vaccination

# A pregnancy counts as "in follow-up" with a follow-up encounter within this many days.
PREGNANCY_FOLLOW_UP_WINDOW = timedelta(days=60)
STATS_DAYS = 30


def active_grant(user, person: Person) -> BreakGlassGrant | None:
    if not getattr(user, "pk", None):
        return None
    return (BreakGlassGrant.objects.filter(user=user, person=person,
                                           expires_at__gt=timezone.now())
            .order_by("-expires_at").first())


def _check_reader(user, person: Person) -> str:
    """How the user may read this record: ``medical`` or ``break_glass``; else Forbidden."""
    if access.can(user, "health.read"):
        return "medical"
    if access.can(user, "health.break_glass") and active_grant(user, person) is not None:
        return "break_glass"
    if access.can(user, "health.break_glass"):
        raise Forbidden(_("Health records are for medical staff; an administrator must break "
                          "the glass (with a reason) first."))
    access.require(user, "health.read")  # raises: the role may not read health records
    return ""


def find_person(registration_number: str) -> Person:
    """The person, or NotFound (a lookup only: not audited, shows nothing)."""
    person = Person.objects.filter(
        registration_number=ids.normalize(registration_number or "")).first()
    if person is None:
        raise NotFound(_("No person with that registration number."))
    return person


def person_health(*, actor: audit.Actor, user, registration_number: str,
                  purpose: str = "read", today: date | None = None) -> dict:
    """The person's encounters, vaccinations (with the schedule's status) and referrals."""
    if not (access.can(user, "health.read") or access.can(user, "health.break_glass")):
        access.require(user, "health.read")
    person = find_person(registration_number)
    via = _check_reader(user, person)
    today = today or timezone.localdate()
    encounters = list(person.encounters.order_by("-date", "-id"))
    vaccinations = list(person.vaccinations.order_by("date", "vaccine", "dose"))
    referrals = list(person.referrals.order_by("-created_at", "-id"))
    audit.record(actor, f"health.{purpose}", "person", person.registration_number,
                 subject=person.registration_number, via=via)
    return {"person": person, "encounters": encounters, "vaccinations": vaccinations,
            "referrals": referrals,
            "schedule": schedule.schedule_status(person.date_of_birth, vaccinations, today)}


def has_open_urgent_referral(*, user, person: Person) -> bool:
    """Yes or no, for the roles that must know (shelter, case officers): nothing clinical."""
    access.require(user, "health.urgent_flag")
    return Referral.objects.filter(person=person, status__in=OPEN_REFERRAL,
                                   urgency__in=URGENT).exists()


def health_stats(*, user, today: date | None = None, days: int = STATS_DAYS) -> dict:
    """Counts only: encounters by reason and day (last ``days`` days), children under five with
    an overdue vaccination, women in pregnancy follow-up, open urgent referrals."""
    access.require(user, "health.stats")
    today = today or timezone.localdate()
    since = today - timedelta(days=days - 1)
    by_day = list(Encounter.objects.filter(date__gte=since, date__lte=today)
                  .values("date", "reason").annotate(count=Count("id"))
                  .order_by("date", "reason"))
    by_reason = Counter()
    for row in by_day:
        by_reason[row["reason"]] += row["count"]
    five_years_ago = schedule.add_months(today, -60)
    children = (Person.objects.filter(date_of_birth__gt=five_years_ago)
                .only("id", "date_of_birth")
                .prefetch_related(Prefetch("vaccinations",
                                           queryset=Vaccination.objects.only(
                                               "person_id", "vaccine", "dose"))))
    overdue = sum(1 for child in children
                  if schedule.has_overdue(child.date_of_birth, child.vaccinations.all(), today))
    pregnant = (Encounter.objects.filter(pregnancy_follow_up=True,
                                         date__gt=today - PREGNANCY_FOLLOW_UP_WINDOW)
                .values("person_id").distinct().count())
    urgent = Referral.objects.filter(status__in=OPEN_REFERRAL, urgency__in=URGENT).count()
    return {"since": since, "until": today,
            "encounters_by_day": [{"date": r["date"], "reason": r["reason"],
                                   "count": r["count"]} for r in by_day],
            "encounters_by_reason": dict(sorted(by_reason.items())),
            "children_under_5_overdue_vaccinations": overdue,
            "pregnant_women_in_follow_up": pregnant,
            "open_urgent_referrals": urgent}
