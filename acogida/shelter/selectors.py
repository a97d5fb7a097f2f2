"""Reads on shelters. Occupancy (numbers) is for every role with ``shelter.read``; residents'
names only for ``stay.read``, and every such read is audited here. Nothing here shows medical
or asylum details: a resident is a name, a number, sex, age and the household."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.core.ages import age_on
from acogida.core.errors import NotFound

from .models import RollCall, Section, Shelter, Stay


@dataclass
class SectionLine:
    id: int
    name: str
    kind: str
    kind_label: str
    capacity: int
    occupied: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.occupied)

    @property
    def over(self) -> int:
        return max(0, self.occupied - self.capacity)


@dataclass
class Occupancy:
    shelter: Shelter
    sections: list[SectionLine]

    @property
    def capacity(self) -> int:
        return sum(s.capacity for s in self.sections)

    @property
    def occupied(self) -> int:
        return sum(s.occupied for s in self.sections)

    @property
    def free(self) -> int:
        return sum(s.free for s in self.sections)

    @property
    def over(self) -> bool:
        return any(s.over for s in self.sections)

    @property
    def percent(self) -> int:
        return round(100 * self.occupied / self.capacity) if self.capacity else 0


def _sections() -> Prefetch:
    return Prefetch("sections", queryset=Section.objects.annotate(
        occupied=Count("stays", filter=Q(stays__checked_out_at__isnull=True))).order_by("id"))


def _occupancy(shelter: Shelter) -> Occupancy:
    return Occupancy(shelter, [SectionLine(s.pk, s.name, s.kind, str(s.get_kind_display()),
                                           s.capacity, s.occupied)
                               for s in shelter.sections.all()])


def list_shelters(*, user) -> list[Occupancy]:
    access.require(user, "shelter.read")
    return [_occupancy(s) for s in Shelter.objects.prefetch_related(_sections()).order_by("name")]


def get_shelter(*, user, shelter_id) -> Occupancy:
    access.require(user, "shelter.read")
    shelter = Shelter.objects.prefetch_related(_sections()).filter(pk=shelter_id).first() \
        if str(shelter_id).isdigit() else None
    if shelter is None:
        raise NotFound(_("No such shelter."))
    return _occupancy(shelter)


def residents(*, actor: audit.Actor, user, shelter: Shelter,
              section_id: int | None = None) -> list[Stay]:
    """Active stays with the residents' names (audited, one entry per person shown)."""
    access.require(user, "stay.read")
    stays = (Stay.objects.filter(section__shelter=shelter, checked_out_at__isnull=True)
             .select_related("person", "section", "household")
             .order_by("section_id", "household_id", "person__first_surname", "id"))
    if section_id is not None:
        stays = stays.filter(section_id=section_id)
    stays = list(stays)
    audit.record_many(actor, [audit.Event("stay.read", "stay", s.pk, {"shelter": shelter.pk},
                                          subject=s.person.registration_number)
                              for s in stays])
    return stays


def residents_by_section(*, actor: audit.Actor, user, shelter: Shelter) -> dict | None:
    """Section id → the residents a shelter page lists; None for roles that see occupancy
    only (coordinators), so the page shows numbers and no names."""
    if not access.can(user, "stay.read"):
        return None
    by_section: dict[int, list] = {}
    for stay in residents(actor=actor, user=user, shelter=shelter):
        by_section.setdefault(stay.section_id, []).append(resident_view(stay, user=user))
    return by_section


def _reason_for(user, reason: str) -> str | None:
    """An override's free-text reason, only for roles that may override (who wrote it)."""
    return (reason or None) if access.can(user, "stay.override") else None


def resident_view(stay: Stay, today=None, *, user=None) -> dict:
    """What a shelter manager sees of a resident: never needs, medical or asylum details."""
    person = stay.person
    today = today or timezone.localdate()
    return {"stay": stay.pk, "registration_number": person.registration_number,
            "full_name": person.full_name, "sex": person.sex,
            "age": age_on(person.date_of_birth, today),
            "household": stay.household.number if stay.household else None,
            "section": stay.section_id, "checked_in_at": stay.checked_in_at,
            "absent_nights": stay.absent_nights,
            "overridden_rules": stay.overridden_rules,
            "override_reason": _reason_for(user, stay.override_reason),
            "override_by": stay.override_by}


def stay_view(stay: Stay, *, user=None) -> dict:
    return {"id": stay.pk, "person": stay.person.registration_number,
            "section": stay.section_id, "shelter": stay.section.shelter_id,
            "household": stay.household.number if stay.household else None,
            "checked_in_at": stay.checked_in_at, "checked_out_at": stay.checked_out_at,
            "end_reason": stay.end_reason or None, "overridden_rules": stay.overridden_rules,
            "override_reason": _reason_for(user, stay.override_reason)}


def overrides(*, user, shelter: Shelter) -> list[dict]:
    """Active stays placed against a hard rule: which rules, by whom, how many people (no names
    for every role that sees occupancy; the free-text reason only for roles that may override)."""
    access.require(user, "shelter.read")
    stays = (Stay.objects.filter(section__shelter=shelter, checked_out_at__isnull=True)
             .exclude(override_by="").select_related("section").order_by("section__name", "pk"))
    grouped: dict[tuple, dict] = {}
    for stay in stays:  # the reason is encrypted: grouped here, not by the database
        reason = _reason_for(user, stay.override_reason)
        key = (stay.section.name, tuple(stay.overridden_rules), reason, stay.override_by)
        row = grouped.setdefault(key, {"section": stay.section.name,
                                       "rules": stay.overridden_rules, "reason": reason,
                                       "by": stay.override_by, "people": 0})
        row["people"] += 1
    return list(grouped.values())


def last_roll_calls(*, user, shelter: Shelter, limit: int = 10) -> list[RollCall]:
    access.require(user, "shelter.read")
    return list(RollCall.objects.filter(section__shelter=shelter).select_related("section")
                .order_by("-night", "section_id")[:limit])


# ---- small reads for other apps (the plan): ids and states, no names, not audited -------------

def _end_of_day(day):
    from datetime import datetime, time, timedelta

    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def stays_active_on(day):
    """Stays active at the end of ``day`` (a queryset, for filtering by person or shelter)."""
    end = _end_of_day(day)
    return Stay.objects.filter(checked_in_at__lt=end).filter(
        Q(checked_out_at__isnull=True) | Q(checked_out_at__gte=end))


def stay_states_on(people, day) -> dict[int, str]:
    """Person id → the state of the shelter of their latest stay active at the end of ``day``
    (``people``: a queryset or ids)."""
    return dict(stays_active_on(day).filter(person__in=people).order_by("checked_in_at")
                .values_list("person_id", "section__shelter__state"))


def people_staying_at(shelter_id: int, day):
    """The ids of the people staying in a shelter at the end of ``day`` (a subquery)."""
    return stays_active_on(day).filter(section__shelter_id=shelter_id).values("person_id")


def stays_of(person) -> list[Stay]:
    """A person's stays, newest first, with their section and shelter (the caller checks
    ``stay.read`` and audits as it must)."""
    return list(Stay.objects.filter(person=person).select_related("section__shelter")
                .order_by("-checked_in_at"))


def shelters_where(condition: Q | None = None):
    """Shelters matching ``condition`` (on the shelter's own fields)."""
    return Shelter.objects.filter(condition or Q())
