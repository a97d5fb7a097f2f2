"""Writes on medical care. Only medical staff write; every write is audited with the person's
registration number as subject and NO clinical text in the details (the audit log is read by
admins, who may not see health data without breaking the glass).

Referrals: sent → accepted → attended → closed, or declined (from sent or accepted).
"""

import re
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.accounts.services import stored_user
from acogida.core import ids, numbers
from acogida.core.errors import Conflict, DomainError, FieldError, InvalidInput, NotFound
from acogida.core.names import has_control_characters
from acogida.registry.models import Person
from acogida.registry.selectors import find_person as _person

from . import schedule
from .models import (
    BreakGlassGrant,
    Encounter,
    FacilityKind,
    Reason,
    Referral,
    ReferralStatus,
    Urgency,
    Vaccination,
)

BREAK_GLASS_DURATION = timedelta(hours=1)
BREAK_GLASS_MIN_REASON = 10
ICD10 = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
MAX_DIAGNOSES = 20
TEXT_LIMIT = 5000

TRANSITIONS: dict[str, frozenset[str]] = {
    ReferralStatus.SENT: frozenset({ReferralStatus.ACCEPTED, ReferralStatus.DECLINED}),
    ReferralStatus.ACCEPTED: frozenset({ReferralStatus.ATTENDED, ReferralStatus.DECLINED}),
    ReferralStatus.ATTENDED: frozenset({ReferralStatus.CLOSED}),
    ReferralStatus.CLOSED: frozenset(),
    ReferralStatus.DECLINED: frozenset(),
}




def _choice(value, choices, field: str) -> str:
    if value not in choices.values:
        raise InvalidInput(_("Unknown %(field)s.") % {"field": field}, [FieldError(
            field, _("One of: %(v)s.") % {"v": ", ".join(choices.values)})])
    return value


def _past_date(value: date | None, field: str = "date") -> date:
    today = timezone.localdate()
    value = value or today
    if value > today:
        raise InvalidInput(_("The date is in the future."),
                           [FieldError(field, _("Not after today."))])
    return value


def _text(value, field: str, *, limit: int = TEXT_LIMIT, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("%(field)s is required.") % {"field": field},
                           [FieldError(field, _("Required."))])
    if len(value) > limit:
        raise InvalidInput(_("Too long."), [FieldError(
            field, _("At most %(n)d characters.") % {"n": limit})])
    return value


def _one_line(value, field: str, *, limit: int = 200, required: bool = False) -> str:
    value = _text(value, field, limit=limit, required=required)
    if has_control_characters(value):
        raise InvalidInput(_("Control characters are not allowed."),
                           [FieldError(field, _("Without control characters."))])
    return value


def _diagnoses(items) -> list[dict]:
    items = list(items or [])
    if len(items) > MAX_DIAGNOSES:
        raise InvalidInput(_("Too many diagnoses."), [FieldError(
            "diagnoses", _("At most %(n)d.") % {"n": MAX_DIAGNOSES})])
    clean = []
    for i, item in enumerate(items):
        item = item if isinstance(item, dict) else {"text": item}
        text = _one_line(item.get("text"), f"diagnoses[{i}].text", limit=500, required=True)
        code = (item.get("icd10") or "").strip().upper()
        if code and not ICD10.match(code):
            raise InvalidInput(_("Not an ICD-10 code."), [FieldError(
                f"diagnoses[{i}].icd10", _("An ICD-10 code such as J06.9."))])
        clean.append({"text": text, "icd10": code} if code else {"text": text})
    return clean


def _new_encounter(*, user, person: Person, date: date | None, facility_kind: str,
                   facility_name: str = "", reason: str, triage: str, diagnoses=(),
                   notes: str = "", pregnancy_follow_up: bool = False) -> Encounter:
    """An encounter checked by every rule, not yet saved."""
    pregnancy_follow_up = bool(pregnancy_follow_up) or reason == Reason.PREGNANCY_FOLLOW_UP
    if pregnancy_follow_up and person.sex == "male":
        raise InvalidInput(_("Pregnancy follow-up is recorded for women."), [FieldError(
            "pregnancy_follow_up", _("This person is registered as male."))])
    day = _past_date(date)
    if day < person.date_of_birth:
        raise InvalidInput(_("The date is before the person's birth."),
                           [FieldError("date", _("Not before the date of birth."))])
    encounter = Encounter(
        person=person, date=day,
        facility_kind=_choice(facility_kind, FacilityKind, "facility_kind"),
        facility_name=_one_line(facility_name, "facility_name"),
        clinician=stored_user(user), clinician_name=getattr(user, "username", ""),
        reason=_choice(reason, Reason, "reason"), triage=_choice(triage, Urgency, "triage"),
        diagnoses=_diagnoses(diagnoses), notes=_text(notes, "notes"),
        pregnancy_follow_up=pregnancy_follow_up, created_at=timezone.now())
    encounter.full_clean(exclude=["person", "clinician"])  # both are rows just read
    return encounter


@transaction.atomic
def record_encounter(*, actor: audit.Actor, user, registration_number: str, date: date | None,
                     facility_kind: str, facility_name: str = "", reason: str, triage: str,
                     diagnoses=(), notes: str = "", pregnancy_follow_up: bool = False
                     ) -> Encounter:
    access.require(user, "health.write")
    person = _person(registration_number)
    encounter = _new_encounter(user=user, person=person, date=date, facility_kind=facility_kind,
                               facility_name=facility_name, reason=reason, triage=triage,
                               diagnoses=diagnoses, notes=notes,
                               pregnancy_follow_up=pregnancy_follow_up)
    encounter.save()
    audit.record(actor, "health.encounter.create", "encounter", encounter.pk,
                 subject=person.registration_number)
    return encounter


def _new_vaccination(*, user, person: Person, vaccine: str, dose: int, date: date | None,
                     lot: str = "", given: set[tuple[str, int]]) -> Vaccination:
    """A vaccination checked by every rule, not yet saved; ``given``: the person's doses
    already recorded, as (vaccine, dose)."""
    vaccine = (vaccine or "").strip().upper()
    if vaccine not in schedule.VACCINES:
        raise InvalidInput(_("Unknown vaccine."), [FieldError(
            "vaccine", _("One of: %(v)s.") % {"v": ", ".join(schedule.VACCINES)})])
    if not isinstance(dose, int) or not 1 <= dose <= 10:
        raise InvalidInput(_("Invalid dose."), [FieldError("dose", _("From 1 to 10."))])
    day = _past_date(date)
    if day < person.date_of_birth:
        raise InvalidInput(_("The date is before the person's birth."),
                           [FieldError("date", _("Not before the date of birth."))])
    if (vaccine, dose) in given:
        raise Conflict(_("This dose is already recorded."),
                       [FieldError("dose", _("Already recorded."))])
    vaccination = Vaccination(person=person, vaccine=vaccine, dose=dose, date=day,
                              lot=_one_line(lot, "lot", limit=40), recorded_by=stored_user(user),
                              created_at=timezone.now())
    vaccination.full_clean(exclude=["person", "recorded_by"], validate_constraints=False)
    return vaccination


@transaction.atomic
def record_vaccination(*, actor: audit.Actor, user, registration_number: str, vaccine: str,
                       dose: int, date: date | None, lot: str = "") -> Vaccination:
    access.require(user, "health.write")
    person = _person(registration_number)
    code = (vaccine or "").strip().upper()
    given = set(Vaccination.objects.filter(person=person, vaccine=code)
                .values_list("vaccine", "dose"))
    vaccination = _new_vaccination(user=user, person=person, vaccine=vaccine, dose=dose,
                                   date=date, lot=lot, given=given)
    try:
        with transaction.atomic():
            vaccination.save()
    except IntegrityError as exc:
        raise Conflict(_("This dose is already recorded.")) from exc
    audit.record(actor, "health.vaccination.create", "vaccination", vaccination.pk,
                 subject=person.registration_number)
    return vaccination


# What one item of ``record_many`` may say (besides ``registration_number``), and must.
ENCOUNTER_KEYS = frozenset({"date", "facility_kind", "facility_name", "reason", "triage",
                            "diagnoses", "notes", "pregnancy_follow_up"})
ENCOUNTER_REQUIRED = frozenset({"facility_kind", "reason", "triage"})
VACCINATION_KEYS = frozenset({"vaccine", "dose", "date", "lot"})
VACCINATION_REQUIRED = frozenset({"vaccine", "dose"})


def _item(values, row: int, allowed: frozenset, required: frozenset) -> tuple[str, dict]:
    """One item of a batch as (registration number, the service's keyword arguments); an item
    that is not an object, names a key the service does not take or misses a required one is
    a 422 naming the key and the row."""
    if not isinstance(values, dict):
        raise InvalidInput(_("Each item is an object."),
                           [FieldError("", _("An object with named values."), row)])
    args = dict(values)
    number = args.pop("registration_number", "")
    unknown = sorted(str(k)[:40] for k in args if k not in allowed)
    missing = sorted(required - set(args))
    if unknown or missing:
        raise InvalidInput(_("Fix the fields named."), [
            *(FieldError(k, _("Unknown field."), row) for k in unknown),
            *(FieldError(k, _("Required."), row) for k in missing)])
    args.setdefault("date", None)
    return number if isinstance(number, str) else "", args


def _in_row(exc: DomainError, row: int) -> DomainError:
    exc.errors = [FieldError(e.field, e.message, row) for e in exc.errors] or [
        FieldError("", str(exc.detail), row)]
    return exc


@transaction.atomic
def record_many(*, actor: audit.Actor, user, encounters=(), vaccinations=()) -> dict[str, int]:
    """Many encounters and vaccinations at once (the demo; a clinic's batch upload): each item
    takes the keyword arguments of ``record_encounter`` / ``record_vaccination`` and is checked
    by the same rules (``_new_encounter``, ``_new_vaccination``) and encrypted the same way;
    they are saved with one insert per thousand rows and one audit entry each. All or nothing:
    the first refused item raises its error, with its row (counted from 0 in each list)."""
    access.require(user, "health.write")
    encounters = [_item(v, row, ENCOUNTER_KEYS, ENCOUNTER_REQUIRED)
                  for row, v in enumerate(encounters)]
    vaccinations = [_item(v, row, VACCINATION_KEYS, VACCINATION_REQUIRED)
                    for row, v in enumerate(vaccinations)]
    numbers = sorted({ids.normalize(number or "") for number, _args in
                      [*encounters, *vaccinations]})
    people: dict[str, Person] = {}
    for start in range(0, len(numbers), 5000):
        people.update((p.registration_number, p) for p in Person.objects.filter(
            registration_number__in=numbers[start:start + 5000]))

    def person_of(number: str, row: int) -> Person:
        person = people.get(ids.normalize(number or ""))
        if person is None:
            raise NotFound(_("No person with that registration number."),
                           [FieldError("person", _("No person with that registration number."),
                                       row)])
        return person

    new_encounters = []
    for row, (number, args) in enumerate(encounters):
        try:
            new_encounters.append(_new_encounter(user=user, person=person_of(number, row),
                                                 **args))
        except DomainError as exc:
            raise _in_row(exc, row) from None
    given: dict[int, set] = {}
    vaccinated = sorted({people[n].pk for n in numbers if n in people} if vaccinations else ())
    for start in range(0, len(vaccinated), 5000):
        for person_id, code, dose in Vaccination.objects.filter(
                person__in=vaccinated[start:start + 5000]).values_list("person", "vaccine",
                                                                       "dose"):
            given.setdefault(person_id, set()).add((code, dose))
    new_vaccinations = []
    for row, (number, args) in enumerate(vaccinations):
        try:
            person = person_of(number, row)
            vaccination = _new_vaccination(user=user, person=person,
                                           given=given.setdefault(person.pk, set()), **args)
        except DomainError as exc:
            raise _in_row(exc, row) from None
        given[person.pk].add((vaccination.vaccine, vaccination.dose))
        new_vaccinations.append(vaccination)
    Encounter.objects.bulk_create(new_encounters, batch_size=1000)
    try:
        with transaction.atomic():
            Vaccination.objects.bulk_create(new_vaccinations, batch_size=1000)
    except IntegrityError as exc:  # a dose recorded meanwhile, by another request
        raise Conflict(_("A dose in this batch was recorded meanwhile; nothing was saved."),
                       [FieldError("dose", _("Already recorded."))]) from exc
    audit.record_many(actor, [
        *(audit.Event("health.encounter.create", "encounter", e.pk,
                      subject=e.person.registration_number) for e in new_encounters),
        *(audit.Event("health.vaccination.create", "vaccination", v.pk,
                      subject=v.person.registration_number) for v in new_vaccinations)])
    return {"encounters": len(new_encounters), "vaccinations": len(new_vaccinations)}


@transaction.atomic
def create_referral(*, actor: audit.Actor, user, registration_number: str, to_facility: str,
                    urgency: str, reason: str) -> Referral:
    access.require(user, "health.write")
    person = _person(registration_number)
    now = timezone.now()
    referral = Referral(person=person,
                        to_facility=_one_line(to_facility, "to_facility", required=True),
                        urgency=_choice(urgency, Urgency, "urgency"),
                        reason=_text(reason, "reason", required=True),
                        created_by=stored_user(user), created_at=now, updated_at=now)
    referral.full_clean()
    referral.save()
    audit.record(actor, "health.referral.create", "referral", referral.pk,
                 subject=person.registration_number)
    return referral


def _referral_id(referral_id) -> int:
    number = numbers.parse_id(referral_id)
    if number is None:
        raise NotFound(_("No referral with that id."))
    return number


@transaction.atomic
def transition_referral(*, actor: audit.Actor, user, referral_id, status: str) -> Referral:
    access.require(user, "health.write")
    referral = (Referral.objects.select_for_update().select_related("person")
                .filter(pk=_referral_id(referral_id)).first())
    if referral is None:
        raise NotFound(_("No referral with that id."))
    status = _choice(status, ReferralStatus, "status")
    if status not in TRANSITIONS[referral.status]:
        raise Conflict(_("A %(old)s referral cannot become %(new)s.")
                       % {"old": referral.status, "new": status},
                       [FieldError("status", _("Allowed: %(v)s.") % {
                           "v": ", ".join(sorted(TRANSITIONS[referral.status])) or "-"})])
    previous = referral.status
    referral.status, referral.updated_at = status, timezone.now()
    referral.save(update_fields=["status", "updated_at"])
    audit.record(actor, "health.referral.transition", "referral", referral.pk,
                 subject=referral.person.registration_number, old=previous, new=status)
    return referral


@transaction.atomic
def break_glass(*, actor: audit.Actor, user, registration_number: str,
                reason: str) -> BreakGlassGrant:
    """An admin opens one person's health record for ``BREAK_GLASS_DURATION``. The reason is
    kept encrypted on the grant; the audit entry says that the glass was broken, never why."""
    access.require(user, "health.break_glass")
    person = _person(registration_number)
    reason = _text(reason, "reason", limit=1000, required=True)
    if len(reason) < BREAK_GLASS_MIN_REASON:
        raise InvalidInput(_("Say why you need this record."), [FieldError(
            "reason", _("At least %(n)d characters.") % {"n": BREAK_GLASS_MIN_REASON})])
    if stored_user(user) is None:
        raise InvalidInput(_("Breaking the glass needs a named user account."))
    now = timezone.now()
    grant = BreakGlassGrant.objects.create(user=user, person=person, reason=reason,
                                           granted_at=now,
                                           expires_at=now + BREAK_GLASS_DURATION)
    audit.record(actor, "health.break_glass", "break_glass", grant.pk,
                 subject=person.registration_number,
                 expires_at=grant.expires_at.isoformat(timespec="seconds"))
    return grant
