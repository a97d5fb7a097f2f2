"""Writes on the registry. Every function runs in one transaction, checks access, enforces the
rules of ``validation`` and writes the audit entries; a failure anywhere leaves nothing behind."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.core import ids
from acogida.core.errors import Conflict, FieldError, InvalidInput, NotFound
from acogida.core.names import first_token_key, index_form
from acogida.core.reference import SENSITIVE_NEEDS

from .models import (
    ArrivalGroup,
    Consent,
    Household,
    HouseholdMember,
    Person,
    RegistrationPoint,
    Relationship,
    SpecificNeed,
)
from .validation import check_household, clean_person

PERSON_FIELDS = ("given_names", "first_surname", "second_surname", "sex", "date_of_birth",
                 "date_of_birth_estimated", "nationality", "place_of_birth", "languages", "phone")


def name_index(given_names: str, first_surname: str, second_surname: str) -> dict:
    """The derived columns that search and duplicate detection read (see core.names)."""
    given, first, second = (index_form(given_names), index_form(first_surname),
                            index_form(second_surname))
    return {
        "given_names_folded": given,
        "first_surname_folded": first,
        "second_surname_folded": second,
        # Led by a space so that " word" matches the start of any word (trigram LIKE on PG).
        "search_text": " " + " ".join(p for p in (given, first, second) if p),
        "given_key": first_token_key(given_names),
        "first_surname_key": first_token_key(first_surname),
        "second_surname_key": first_token_key(second_surname),
    }


def unused_numbers(model, count: int) -> list[str]:
    """``count`` fresh numbers not yet in ``model.<number field>``: random, so checked once."""
    field_name = "registration_number" if model is Person else "number"
    chosen: set[str] = set()
    while len(chosen) < count:
        batch = {ids.new_number() for _ in range(count - len(chosen))} - chosen
        for start in range(0, len(batch), 900):
            part = sorted(batch)[start:start + 900]
            taken = set(model.objects.filter(**{f"{field_name}__in": part})
                        .values_list(field_name, flat=True))
            chosen |= set(part) - taken
    return sorted(chosen)[:count] if len(chosen) > count else list(chosen)


@dataclass
class NewMember:
    relationship: str
    values: dict  # cleaned by validation.clean_person


@dataclass
class NewHousehold:
    """One household to write (``members`` empty with a single ``person`` means no household)."""

    registration_point: RegistrationPoint
    members: list[NewMember]
    arrival_group: ArrivalGroup | None = None
    duplicate_review: dict = field(default_factory=dict)
    household: bool = True
    existing: list[tuple[str, Person]] = field(default_factory=list)  # already registered


@dataclass
class Written:
    households: list[Household]
    people: list[Person]


def write_registrations(*, actor: audit.Actor, user, plans: list[NewHousehold],
                        action: str = "person.create", audit_details: dict | None = None
                        ) -> Written:
    """Write cleaned households and people in bulk; the one write path for the form, the API and
    the import. Callers have validated every value; this only writes, in the caller's transaction.
    """
    now = timezone.now()
    people_count = sum(len(p.members) for p in plans)
    person_numbers = iter(unused_numbers(Person, people_count))
    registered_by = user if getattr(user, "is_authenticated", False) else None
    people, member_rows = [], []
    for plan in plans:
        for member in plan.members:
            values = member.values
            person = Person(
                registration_number=next(person_numbers),
                **{k: values[k] for k in PERSON_FIELDS},
                **name_index(values["given_names"], values["first_surname"],
                             values["second_surname"]),
                sensitive_needs=sorted(set(values["specific_needs"]) & SENSITIVE_NEEDS),
                registration_point=plan.registration_point, arrival_group=plan.arrival_group,
                registered_by=registered_by, registered_at=now, updated_at=now,
                duplicate_review=plan.duplicate_review,
            )
            people.append(person)
            member_rows.append((plan, member, person))
    Person.objects.bulk_create(people, batch_size=1000)

    SpecificNeed.objects.bulk_create([
        SpecificNeed(person=person, code=code)
        for _p, member, person in member_rows
        for code in member.values["specific_needs"] if code not in SENSITIVE_NEEDS
    ], batch_size=2000)
    Consent.objects.bulk_create([
        Consent(person=person, purpose=c["purpose"], given_on=c["given_on"])
        for _p, member, person in member_rows for c in member.values.get("consents", [])
    ], batch_size=2000)

    with_household = [plan for plan in plans if plan.household]
    household_numbers = iter(unused_numbers(Household, len(with_household)))
    households = {id(plan): Household(number=next(household_numbers),
                                      registration_point=plan.registration_point,
                                      created_at=now) for plan in with_household}
    Household.objects.bulk_create(list(households.values()), batch_size=1000)
    HouseholdMember.objects.bulk_create([
        HouseholdMember(household=households[id(plan)], person=person,
                        relationship=member.relationship, joined_on=now.date())
        for plan, member, person in member_rows if plan.household
    ] + [
        HouseholdMember(household=households[id(plan)], person=person,
                        relationship=relationship, joined_on=now.date())
        for plan in with_household for relationship, person in plan.existing
    ], batch_size=2000)

    extra = audit_details or {}
    audit.record_many(actor, [
        *(audit.Event("household.create", "household", h.number,
                      {"members": len(plan.members), **extra})
          for plan in with_household for h in [households[id(plan)]]),
        *(audit.Event("household.add_member", "person", person.registration_number,
                      {"household": households[id(plan)].number})
          for plan in with_household for _r, person in plan.existing),
        *(audit.Event(action, "person", person.registration_number,
                      {"household": households[id(plan)].number if plan.household else None,
                       **extra})
          for plan, _m, person in member_rows),
    ])
    return Written(list(households.values()), people)


def _point(code_or_obj) -> RegistrationPoint:
    if isinstance(code_or_obj, RegistrationPoint):
        return code_or_obj
    point = RegistrationPoint.objects.filter(code=code_or_obj).first()
    if point is None:
        raise InvalidInput(_("Unknown registration point."),
                           [FieldError("registration_point", str(code_or_obj))])
    return point


def _group(name_or_obj) -> ArrivalGroup | None:
    if name_or_obj in (None, "") or isinstance(name_or_obj, ArrivalGroup):
        return name_or_obj or None
    group = ArrivalGroup.objects.filter(name=name_or_obj).first()
    if group is None:
        raise InvalidInput(_("Unknown arrival group."), [FieldError("arrival_group",
                                                                    str(name_or_obj))])
    return group


def _review(duplicate_review: dict | None) -> dict:
    """A clerk who goes on despite possible duplicates must say why."""
    if not duplicate_review or not duplicate_review.get("candidates"):
        return {}
    reason = str(duplicate_review.get("reason") or "").strip()
    if not reason:
        raise InvalidInput(_("Say why these are not the same people before going on."),
                           [FieldError("duplicate_review.reason", _("This field is required."))])
    return {"candidates": [str(c) for c in duplicate_review["candidates"]][:20],
            "reason": reason[:500]}


@transaction.atomic
def register_household(*, actor: audit.Actor, user, registration_point, members: list[dict],
                       arrival_group=None, duplicate_review: dict | None = None,
                       today: date | None = None) -> Household:
    """Register a household at once: new members with their values, or people already
    registered by number.

    ``members``: ``[{"relationship": "head", "person": {...values...}},
                   {"relationship": "child", "registration_number": "K7Q2-M9XD-3F"}, ...]``
    """
    access.require(user, "household.write")
    today = today or timezone.localdate()
    errors = check_household([str(m.get("relationship")) for m in members])
    new_members, existing = [], []
    for index, member in enumerate(members):
        relationship = str(member.get("relationship"))
        if member.get("registration_number"):
            existing.append((index, relationship, member["registration_number"]))
            continue
        cleaned = clean_person(member.get("person") or {}, today=today)
        errors += [FieldError(f"members[{index}].{e.field}", e.message) for e in cleaned.errors]
        new_members.append(NewMember(relationship, cleaned.values))
    if not members:
        errors.append(FieldError("members", _("A household needs at least one member.")))
    found, missing = _existing_members(existing)
    errors += missing
    if errors:
        raise InvalidInput(_("The household was not registered: fix the fields named."), errors)
    plan = NewHousehold(_point(registration_point), new_members, _group(arrival_group),
                        _review(duplicate_review), existing=found)
    return write_registrations(actor=actor, user=user, plans=[plan]).households[0]


def _existing_members(existing: list[tuple[int, str, str]]
                      ) -> tuple[list[tuple[str, Person]], list[FieldError]]:
    numbers = {ids.normalize(number) for _i, _r, number in existing}
    people = {p.registration_number: p for p in
              Person.objects.select_for_update().filter(registration_number__in=numbers)}
    housed = set(HouseholdMember.objects.filter(person__in=people.values(), left_on__isnull=True)
                 .values_list("person__registration_number", flat=True))
    found, errors, conflicts = [], [], []
    for index, relationship, number in existing:
        person = people.get(ids.normalize(number))
        where = f"members[{index}].registration_number"
        if person is None:
            errors.append(FieldError(where, _("No person with number %(n)s.") % {"n": number}))
        elif person.registration_number in housed:
            conflicts.append(FieldError(where, _("%(n)s is already in another household.")
                                        % {"n": person.registration_number}))
        else:
            found.append((relationship, person))
    if conflicts:
        raise Conflict(_("A person belongs to one household at a time."), conflicts)
    return found, errors


@transaction.atomic
def register_person(*, actor: audit.Actor, user, registration_point, person: dict,
                    arrival_group=None, duplicate_review: dict | None = None,
                    today: date | None = None) -> Person:
    """Register one person on their own (no household yet)."""
    access.require(user, "person.write")
    cleaned = clean_person(person, today=today or timezone.localdate())
    if cleaned.errors:
        raise InvalidInput(_("The person was not registered: fix the fields named."),
                           cleaned.errors)
    plan = NewHousehold(_point(registration_point), [NewMember("", cleaned.values)],
                        _group(arrival_group), _review(duplicate_review), household=False)
    return write_registrations(actor=actor, user=user, plans=[plan]).people[0]


@transaction.atomic
def update_person(*, actor: audit.Actor, user, registration_number: str, changes: dict,
                  today: date | None = None) -> Person:
    """Change some of a person's values; names, dates and codes go through the same rules."""
    access.require(user, "person.write")
    person = Person.objects.select_for_update().filter(
        registration_number=ids.normalize(registration_number)).first()
    if person is None:
        raise NotFound(_("No person with that registration number."))
    cleaned = clean_person(changes, today=today or timezone.localdate(), partial=True)
    if cleaned.errors:
        raise InvalidInput(_("Nothing was changed: fix the fields named."), cleaned.errors)
    values = cleaned.values
    changed = sorted(k for k in values if k in PERSON_FIELDS and getattr(person, k) != values[k])
    for key in changed:
        setattr(person, key, values[key])
    if "specific_needs" in values:
        changed += _replace_needs(person, values["specific_needs"])
    if "consents" in values:
        _merge_consents(person, values["consents"])
        changed.append("consents")
    for key, value in name_index(person.given_names, person.first_surname,
                                 person.second_surname).items():
        setattr(person, key, value)
    person.updated_at = timezone.now()
    person.full_clean(exclude=["registered_by", "photo"])
    person.save()
    # Which fields changed, never their values: the audit log is not a second copy of the data.
    audit.record(actor, "person.update", "person", person.registration_number, fields=changed)
    return person


def _replace_needs(person: Person, codes: Iterable[str]) -> list[str]:
    codes = set(codes)
    before = set(person.needs.values_list("code", flat=True)) | set(person.sensitive_needs)
    if before == codes:
        return []
    person.needs.all().delete()
    SpecificNeed.objects.bulk_create([SpecificNeed(person=person, code=c)
                                      for c in sorted(codes - SENSITIVE_NEEDS)])
    person.sensitive_needs = sorted(codes & SENSITIVE_NEEDS)
    return ["specific_needs"]


def _merge_consents(person: Person, consents: list[dict]) -> None:
    for consent in consents:
        Consent.objects.update_or_create(person=person, purpose=consent["purpose"],
                                         defaults={"given_on": consent["given_on"],
                                                   "withdrawn_on": None})


@transaction.atomic
def add_to_household(*, actor: audit.Actor, user, household_number: str,
                     registration_number: str, relationship: str) -> HouseholdMember:
    """Add an already registered person to a household (a person is in one at a time)."""
    access.require(user, "household.write")
    household = Household.objects.filter(number=ids.normalize(household_number)).first()
    person = Person.objects.filter(registration_number=ids.normalize(registration_number)).first()
    if household is None or person is None:
        raise NotFound(_("No such household or person."))
    if relationship == Relationship.HEAD or relationship not in Relationship.values:
        raise InvalidInput(_("Choose the relationship to the head."),
                           [FieldError("relationship", relationship)])
    if HouseholdMember.objects.filter(person=person, left_on__isnull=True).exists():
        raise Conflict(_("%(p)s is already in a household.") % {"p": person.registration_number},
                       [FieldError("registration_number", person.registration_number)])
    member = HouseholdMember.objects.create(household=household, person=person,
                                            relationship=relationship,
                                            joined_on=timezone.localdate())
    audit.record(actor, "household.add_member", "household", household.number,
                 person=person.registration_number)
    return member
