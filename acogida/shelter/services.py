"""Writes on shelters: shelters and sections, check-in (one person or a whole household),
check-out, transfer, roll calls. Every function runs in one transaction, checks access, applies
the hard rules of ``rules`` and writes the audit entries; a failure leaves nothing behind.

A broken hard rule refuses the check-in (422 naming the rule; a full section 409 naming it and
its occupancy) unless a case officer (``stay.override``) gives a reason: then the stay records
which rules were overridden, why and by whom, and the audit log says so.
"""

from collections.abc import Iterable, Sequence
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.accounts.services import stored_user
from acogida.core import ids
from acogida.core.ages import age_on
from acogida.core.errors import Conflict, FieldError, InvalidInput, NotFound
from acogida.core.names import has_control_characters
from acogida.registry.models import Household, HouseholdMember, Person, SpecificNeed
from acogida.registry.selectors import find_person as _person

from . import conf, rules, texts
from .models import (
    EndReason,
    RollCall,
    RollCallEntry,
    Section,
    SectionKind,
    Shelter,
    ShelterKind,
    ShelterNeeds,
    Stay,
)

SHELTER_FIELDS = ("name", "kind", "operator", "state", "municipality", "latitude", "longitude",
                  "covered_area_m2", "toilets", "taps", "showers", "wheelchair_accessible",
                  "medical_post", "school_distance_km", "open_from", "open_until")


# ---- shelters and sections ---------------------------------------------------------------------

@transaction.atomic
def create_shelter(*, actor: audit.Actor, user, values: dict) -> Shelter:
    access.require(user, "shelter.manage")
    if values.get("kind") not in ShelterKind.values:
        raise InvalidInput(_("Choose the kind of shelter."), [FieldError("kind", _(
            "One of: %(kinds)s.") % {"kinds": ", ".join(ShelterKind.values)})])
    if Shelter.objects.filter(name=values.get("name", "")).exists():
        raise Conflict(_("A shelter with that name exists."), [FieldError("name", values["name"])])
    shelter = Shelter(**{k: v for k, v in values.items() if k in SHELTER_FIELDS})
    if shelter.open_from and shelter.open_until and shelter.open_until < shelter.open_from:
        raise InvalidInput(_("A shelter closes after it opens."),
                           [FieldError("open_until", str(shelter.open_until))])
    shelter.full_clean(exclude=["created_at"])
    shelter.save()
    audit.record(actor, "shelter.create", "shelter", shelter.pk, name=shelter.name)
    return shelter


@transaction.atomic
def add_section(*, actor: audit.Actor, user, shelter_id: int, name: str, kind: str,
                capacity: int) -> Section:
    access.require(user, "shelter.manage")
    shelter = Shelter.objects.filter(pk=shelter_id).first()
    if shelter is None:
        raise NotFound(_("No such shelter."))
    errors = []
    if kind not in SectionKind.values:
        errors.append(FieldError("kind", _("One of: %(kinds)s.") % {
            "kinds": ", ".join(SectionKind.values)}))
    if capacity is None or capacity < 0:
        errors.append(FieldError("capacity", _("A number of places, 0 or more.")))
    if not (name or "").strip():
        errors.append(FieldError("name", _("This field is required.")))
    if errors:
        raise InvalidInput(_("The section was not added: fix the fields named."), errors)
    if shelter.sections.filter(name=name.strip()).exists():
        raise Conflict(_("This shelter already has a section with that name."),
                       [FieldError("name", name)])
    section = Section(shelter=shelter, name=name.strip(), kind=kind, capacity=capacity)
    section.full_clean()
    section.save()
    audit.record(actor, "shelter.add_section", "shelter", shelter.pk, section=section.pk,
                 kind=kind, capacity=capacity)
    return section


@transaction.atomic
def set_shelter_needs(*, actor: audit.Actor, user, registration_number: str,
                      wheelchair: bool) -> ShelterNeeds:
    """Whether a person uses a wheelchair (rule 5)."""
    access.require(user, "stay.write")
    person = _person(registration_number)
    needs, _created = ShelterNeeds.objects.update_or_create(person=person,
                                                            defaults={"wheelchair": wheelchair})
    audit.record(actor, "shelter.needs", "person", person.registration_number,
                 wheelchair=wheelchair)
    return needs


# ---- who the rules see ---------------------------------------------------------------------------

def occupants(people: Iterable[Person], today: date | None = None) -> list[rules.Occupant]:
    """Plain values for the rules: age, sex, SC (a non-sensitive code), wheelchair."""
    today = today or timezone.localdate()
    people = list(people)
    ids_ = [p.pk for p in people]
    sc = set(SpecificNeed.objects.filter(person_id__in=ids_, code="SC")
             .values_list("person_id", flat=True))
    wheelchair = set(ShelterNeeds.objects.filter(person_id__in=ids_, wheelchair=True)
                     .values_list("person_id", flat=True))
    return [rules.Occupant(p.pk, p.sex, age_on(p.date_of_birth, today), p.pk in sc,
                           p.pk in wheelchair) for p in people]


def occupied_counts(sections: Iterable[int]) -> dict[int, int]:
    return dict(Stay.objects.filter(section_id__in=list(sections), checked_out_at__isnull=True)
                .values("section_id").annotate(n=Count("id")).values_list("section_id", "n"))


def places_of(shelter: Shelter) -> list[rules.Place]:
    sections = list(shelter.sections.all())
    counts = occupied_counts(s.pk for s in sections)
    return [place_of(s, counts.get(s.pk, 0)) for s in sections]


def place_of(section: Section, occupied: int) -> rules.Place:
    return rules.Place(section.pk, section.shelter_id, section.kind, section.capacity, occupied,
                       section.shelter.wheelchair_accessible)



def _section(section_id, *, lock: bool = True) -> Section:
    queryset = Section.objects.select_related("shelter")
    section = (queryset.select_for_update() if lock else queryset).filter(pk=section_id).first()
    if section is None:
        raise NotFound(_("No such section."), [FieldError("section", str(section_id))])
    return section


def _household_of(person: Person) -> Household | None:
    member = (HouseholdMember.objects.filter(person=person, left_on__isnull=True)
              .select_related("household").first())
    return member.household if member else None


def _members(household: Household) -> list[Person]:
    return [m.person for m in HouseholdMember.objects.filter(
        household=household, left_on__isnull=True).select_related("person").order_by("id")]


# ---- the one placement step ----------------------------------------------------------------------

def place(*, actor: audit.Actor, user, people: Sequence[Person], section: Section,
          household: Household | None, override_reason: str = "", note: str = "",
          moving: Iterable[Stay] = (), now=None, line: str = "") -> list[Stay]:
    """Check ``people`` into ``section`` (the caller's transaction), after every hard rule.
    ``moving``: their current stays, ended in the same step (a transfer)."""
    now = now or timezone.now()
    moving = list(moving)
    moving_ids = {s.pk for s in moving}
    active = (Stay.objects.filter(person__in=people, checked_out_at__isnull=True)
              .exclude(pk__in=moving_ids).select_related("person", "section__shelter"))
    if active := list(active):
        raise Conflict(_("Already staying in a shelter: check out or transfer first."), [
            FieldError(line or "person", _("%(person)s stays in %(section)s.") % {
                "person": s.person.registration_number, "section": str(s.section)})
            for s in active])
    shelter_places = {p.section_id: p for p in places_of(section.shelter)}
    if moving_ids:  # people moving within a shelter free their beds first
        leaving = {}
        for stay in moving:
            leaving[stay.section_id] = leaving.get(stay.section_id, 0) + 1
        shelter_places = {k: rules.Place(p.section_id, p.shelter_id, p.kind, p.capacity,
                                         p.occupied - leaving.get(k, 0), p.accessible)
                          for k, p in shelter_places.items()}
    target = shelter_places[section.pk]
    household_members = _members(household) if household else []
    already = {}
    if household_members:
        others = (Stay.objects.filter(person__in=household_members, checked_out_at__isnull=True)
                  .exclude(pk__in=moving_ids).exclude(person__in=people)
                  .select_related("section__shelter"))
        others = list(others)
        counts = occupied_counts({s.section_id for s in others})
        already = {s.person_id: (shelter_places.get(s.section_id)
                                 or place_of(s.section, counts.get(s.section_id, 0)))
                   for s in others}
    found = rules.check_group(
        occupants(people), target, boy_age_limit=conf.boy_age_limit(), already_placed=already,
        household=occupants(household_members), places=shelter_places.values(),
        household_id=household.number if household else None)
    overridden = _refuse_or_override(user, found, section, people, override_reason, line)
    for stay in moving:
        stay.checked_out_at, stay.end_reason = now, EndReason.TRANSFERRED
        stay.save(update_fields=["checked_out_at", "end_reason"])
    stays = [Stay(person=p, section=section, household=household, checked_in_at=now,
                  checked_in_by=stored_user(user), note=note[:300],
                  overridden_rules=overridden,
                  override_reason=override_reason.strip() if overridden else "",
                  override_by=actor.username if overridden else "") for p in people]
    try:
        with transaction.atomic():
            Stay.objects.bulk_create(stays)
    except IntegrityError as exc:  # a concurrent check-in of the same person
        raise Conflict(_("Already staying in a shelter: check out or transfer first.")) from exc
    events = [audit.Event("stay.transfer" if moving else "stay.check_in", "stay", stay.pk,
                          {"section": section.pk, "shelter": section.shelter_id,
                           "household": household.number if household else None,
                           **({"overridden_rules": overridden} if overridden else {})},
                          subject=p.registration_number) for stay, p in zip(stays, people,
                                                                             strict=True)]
    if overridden:
        # The reason stays on the stay, encrypted; the log says one was given, not what it said.
        events.append(audit.Event("stay.override", "section", section.pk, {
            "rules": overridden, "reason_given": True,
            "people": [p.registration_number for p in people]}))
    audit.record_many(actor, events)
    return stays


OVERRIDE_REASON_LENGTH = 500


def _refuse_or_override(user, found: list[rules.Violation], section: Section,
                        people: Sequence[Person], override_reason: str, line: str) -> list[str]:
    if not found:
        return []
    names = {p.pk: p.registration_number for p in people}
    errors = [FieldError(line or f"rules.{v.rule}", texts.describe(
        v, section=str(section), person=names.get(v.person_id, ""))) for v in found]
    broken = sorted({v.rule for v in found}, key=rules.RULES.index)
    if override_reason and override_reason.strip():
        access.require(user, "stay.override")
        if len(override_reason) > OVERRIDE_REASON_LENGTH or has_control_characters(
                override_reason):
            raise InvalidInput(_("Say why the rule is overridden."), [FieldError(
                "override_reason", _("At most %(n)d characters, without control characters.")
                % {"n": OVERRIDE_REASON_LENGTH})])
        return broken
    if override_reason and not override_reason.strip():
        raise InvalidInput(_("Say why the rule is overridden."),
                           [FieldError("override_reason", _("This field is required."))])
    if broken == [rules.CAPACITY]:
        raise Conflict(texts.describe(found[0], section=str(section)), errors)
    raise InvalidInput(_("Not checked in: this breaks %(rules)s.") % {
        "rules": ", ".join(texts.rule_name(r) for r in broken)}, errors)


# ---- check-in, check-out, transfer -------------------------------------------------------------

@transaction.atomic
def check_in(*, actor: audit.Actor, user, section_id: int, registration_number: str = "",
             household_number: str = "", override_reason: str = "", note: str = ""
             ) -> list[Stay]:
    """One person, or a whole household at once (all or nothing)."""
    access.require(user, "stay.write")
    if bool(registration_number) == bool(household_number):
        raise InvalidInput(_("Name a person or a household, not both."),
                           [FieldError("person", _("Give one of person or household."))])
    section = _section(section_id)
    if household_number:
        household = Household.objects.filter(number=ids.normalize(household_number)).first()
        if household is None:
            raise NotFound(_("No household with that number."))
        people = _members(household)
        if not people:
            raise InvalidInput(_("This household has no members."))
    else:
        person = _person(registration_number)
        people, household = [person], _household_of(person)
    return place(actor=actor, user=user, people=people, section=section, household=household,
                 override_reason=override_reason, note=note)


def _active_stay(stay_id: int) -> Stay:
    stay = (Stay.objects.select_for_update().select_related("person", "section__shelter")
            .filter(pk=stay_id).first())
    if stay is None:
        raise NotFound(_("No such stay."))
    if not stay.is_active:
        raise Conflict(_("This stay has already ended."))
    return stay


@transaction.atomic
def check_out(*, actor: audit.Actor, user, stay_id: int) -> Stay:
    access.require(user, "stay.write")
    stay = _active_stay(stay_id)
    stay.checked_out_at, stay.end_reason = timezone.now(), EndReason.CHECKED_OUT
    stay.save(update_fields=["checked_out_at", "end_reason"])
    audit.record(actor, "stay.check_out", "stay", stay.pk,
                 subject=stay.person.registration_number, section=stay.section_id)
    return stay


@transaction.atomic
def transfer(*, actor: audit.Actor, user, stay_id: int, section_id: int,
             override_reason: str = "", household: bool = False) -> Stay:
    """End one stay and start another, in one step, after every hard rule. With ``household``,
    everyone of the person's household who stays in the same shelter moves together (moving one
    member of a family alone would break rule 2)."""
    access.require(user, "stay.write")
    stay = _active_stay(stay_id)
    section = _section(section_id)
    if section.pk == stay.section_id:
        raise InvalidInput(_("The person already stays in this section."),
                           [FieldError("section", str(section.pk))])
    family = _household_of(stay.person)
    moving = [stay]
    if household and family is not None:
        moving = list(Stay.objects.select_for_update(of=("self",)).select_related("person")
                      .filter(person__in=_members(family), checked_out_at__isnull=True,
                              section__shelter_id=stay.section.shelter_id).order_by("pk"))
    stays = place(actor=actor, user=user, people=[s.person for s in moving], section=section,
                  household=family, override_reason=override_reason, moving=moving)
    return next(s for s in stays if s.person_id == stay.person_id)


# ---- roll call ---------------------------------------------------------------------------------

@transaction.atomic
def take_roll_call(*, actor: audit.Actor, user, section_id: int, absent: Iterable[int],
                   night: date | None = None) -> RollCall:
    """A night's headcount: every active stay of the section is present unless named absent.
    Free entry and exit: absence ends a stay only after ``ACOGIDA_ABSENT_NIGHTS`` consecutive
    nights; then the bed is released and the stay ends "left"."""
    access.require(user, "stay.write")
    section = _section(section_id)
    night = night or timezone.localdate()
    if night > timezone.localdate():  # a future night would count absences and free beds
        raise InvalidInput(_("A roll call is taken tonight or for a past night."),
                           [FieldError("night", str(night))])
    if RollCall.objects.filter(section=section, night=night).exists():
        raise Conflict(_("The roll call for this section and night was already taken."),
                       [FieldError("night", str(night))])
    stays = list(Stay.objects.select_for_update().filter(section=section,
                                                         checked_out_at__isnull=True)
                 .select_related("person"))
    absent = {int(a) for a in absent}
    if unknown := absent - {s.pk for s in stays}:
        raise InvalidInput(_("Not residents of this section: %(ids)s.") % {
            "ids": ", ".join(map(str, sorted(unknown)))}, [FieldError("absent", "")])
    now, limit = timezone.now(), conf.absent_nights()
    call = RollCall.objects.create(section=section, night=night, taken_at=now,
                                   taken_by=actor.username)
    released = []
    for stay in stays:
        present = stay.pk not in absent
        stay.absent_nights = 0 if present else stay.absent_nights + 1
        if stay.absent_nights >= limit:
            stay.checked_out_at, stay.end_reason = now, EndReason.LEFT
            released.append(stay)
    Stay.objects.bulk_update(stays, ["absent_nights", "checked_out_at", "end_reason"])
    RollCallEntry.objects.bulk_create([RollCallEntry(roll_call=call, stay=s,
                                                     present=s.pk not in absent) for s in stays])
    call.present, call.absent, call.released = (len(stays) - len(absent), len(absent),
                                                len(released))
    call.save(update_fields=["present", "absent", "released"])
    audit.record_many(actor, [
        audit.Event("roll_call.take", "section", section.pk,
                    {"night": str(night), "present": call.present, "absent": call.absent,
                     "released": call.released}),
        *(audit.Event("stay.left", "stay", s.pk, {"absent_nights": s.absent_nights},
                      subject=s.person.registration_number) for s in released)])
    return call
