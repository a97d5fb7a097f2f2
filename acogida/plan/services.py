"""Writes on the plan: applications, offers (one, or everyone eligible at a place), their
outcome, and PET enrolments. Every function runs in one transaction, checks access, applies the
rules (``eligibility`` on the facts of ``facts``) and writes the audit entries, one per person
touched (the person's registration number as subject); a refusal leaves nothing behind.
"""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.core import ids
from acogida.core.ages import ADULT_AGE, age_on
from acogida.core.errors import Conflict, FieldError, InvalidInput, NotFound
from acogida.core.names import has_control_characters
from acogida.registry import selectors as registry_selectors
from acogida.registry.models import Household, HouseholdMember, Person
from acogida.shelter import selectors as shelter_selectors

from . import conf, eligibility, places, texts
from .facts import facts_for
from .models import (
    AUTHORITY_OF,
    DECISIONS,
    OPEN,
    ApplicationKind,
    Offer,
    OfferMember,
    OfferStatus,
    PetEnrolment,
    PlanApplication,
)

TEXT_LIMITS = {"reference": 100, "reason": 300, "employer": 200}
MAX_ID = 2**63 - 1  # larger numbers name no row (and would overflow the database's integer)


def valid_id(value) -> bool:
    return isinstance(value, int) and 0 < value <= MAX_ID


# ---- small checks ------------------------------------------------------------------------------

def find_person(registration_number: str) -> Person:
    # The plan never reads sensitive needs: not decrypted here.
    return registry_selectors.find_person(
        registration_number, queryset=Person.objects.defer("sensitive_needs"))


def find_household(number: str) -> Household:
    household = Household.objects.filter(number=ids.normalize(number or "")).first()
    if household is None:
        raise NotFound(_("No household with that number."))
    return household


def members_of(household: Household) -> list[Person]:
    return [m.person for m in HouseholdMember.objects.filter(
        household=household, left_on__isnull=True).select_related("person").order_by("id")]


def check_text(name: str, value: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("Fill in the fields named."),
                           [FieldError(name, _("This field is required."))])
    if len(value) > TEXT_LIMITS[name] or has_control_characters(value):
        raise InvalidInput(_("Fix the fields named."), [FieldError(name, _(
            "At most %(n)d characters, without control characters.") % {
            "n": TEXT_LIMITS[name]})])
    return value


def check_plan_day(name: str, day: date | None) -> date:
    """A day of the plan: not in the future, not before the plan started, not after it ended."""
    today = timezone.localdate()
    day = day or today
    if day > today:
        raise InvalidInput(_("A date in the future cannot be recorded."),
                           [FieldError(name, day.isoformat())])
    if day < conf.plan_starts():
        raise InvalidInput(_("The plan started on %(day)s (announced 26 Oct 2018).") % {
            "day": conf.plan_starts().isoformat()}, [FieldError(name, day.isoformat())])
    ends = conf.plan_ends()
    if ends and day > ends:
        raise InvalidInput(_("The plan ended on %(day)s.") % {"day": ends.isoformat()},
                           [FieldError(name, day.isoformat())])
    return day


# ---- eligibility ---------------------------------------------------------------------------------

def evaluate(people: QuerySet, on: date, *, place_state: str | None = None
             ) -> dict[int, eligibility.Result]:
    """Person id → the rules' result on ``on`` (a few queries for any number of people).
    ``place_state``: the state of the place where they are offered the plan that day."""
    policy, ends = conf.policy(), conf.plan_ends()
    return {pk: eligibility.evaluate(f, policy, plan_ends=ends)
            for pk, f in facts_for(people, on, place_state=place_state).items()}


def check_place(where: places.Place, on: date) -> None:
    """The plan is offered only at a place in the location rule's states (of the version in
    force on ``on``); elsewhere: 422 on ``place``."""
    rule = conf.policy().rule("location")
    version = rule.version_on(on) if rule else None
    if version is None:
        return
    states = list(version.parameters.get("states", []))
    if (where.state or "").casefold() not in {s.casefold() for s in states}:
        raise InvalidInput(_("The plan is offered only in %(states)s.") % {
            "states": ", ".join(states)}, [FieldError("place", _(
                "%(place)s is in %(state)s.") % {"place": where.name,
                                                 "state": where.state or "—"})])


def refusal(refused: list[tuple[Person, eligibility.Result]], *, name_people: bool
            ) -> InvalidInput:
    """422 naming every rule that did not pass (and, for a household, whose)."""
    errors = []
    for person, result in refused:
        for outcome in result.not_passed:
            message = texts.why(outcome)
            if name_people:
                message = f"{person.registration_number}: {message}"
            errors.append(FieldError(f"rules.{outcome.rule}", message))
    rules = sorted({e.field.removeprefix("rules.") for e in errors})
    return InvalidInput(_("Not eligible for the plan: %(rules)s.") % {"rules": ", ".join(rules)},
                        errors)


# ---- applications ------------------------------------------------------------------------------

@dataclass(frozen=True)
class NewApplication:
    registration_number: str
    kind: str
    filed_on: date | None  # None: today
    reference: str = ""
    authority: str = ""


def record_application(*, actor: audit.Actor, user, registration_number: str, kind: str,
                       filed_on: date | None = None, reference: str = "", authority: str = ""
                       ) -> PlanApplication:
    """An application to COMAR (refugee status) or INM (regular entry), as the person shows it.
    It may predate the plan (many applied before 26 Oct 2018) but not today."""
    return record_applications(actor=actor, user=user, applications=[NewApplication(
        registration_number, kind, filed_on, reference, authority)])[0]


def _checked_application(item: NewApplication, person: Person | None) -> PlanApplication:
    if person is None:
        raise NotFound(_("No person with that registration number."))
    if item.kind not in ApplicationKind.values:
        raise InvalidInput(_("Choose the kind of application."), [FieldError("kind", _(
            "One of: %(kinds)s.") % {"kinds": ", ".join(ApplicationKind.values)})])
    expected = AUTHORITY_OF[ApplicationKind(item.kind)]
    if item.filed_on is None:
        item = replace(item, filed_on=timezone.localdate())
    if item.authority and item.authority != expected:
        raise InvalidInput(_("%(kind)s is applied for at %(authority)s.") % {
            "kind": item.kind, "authority": expected},
            [FieldError("authority", item.authority[:20])])
    if item.filed_on > timezone.localdate():
        raise InvalidInput(_("A date in the future cannot be recorded."),
                           [FieldError("filed_on", item.filed_on.isoformat())])
    if item.filed_on < person.date_of_birth:
        raise InvalidInput(_("The application cannot predate the person's birth."),
                           [FieldError("filed_on", item.filed_on.isoformat())])
    return PlanApplication(person=person, kind=item.kind, authority=expected,
                           filed_on=item.filed_on, reference=check_text("reference",
                                                                        item.reference),
                           recorded_at=timezone.now())


@transaction.atomic
def record_applications(*, actor: audit.Actor, user, applications: list[NewApplication]
                        ) -> list[PlanApplication]:
    """Many applications at once (all or nothing), under the same rules as one."""
    access.require(user, "plan.record_application")
    numbers = {ids.normalize(a.registration_number or "") for a in applications}
    people = {p.registration_number: p for p in Person.objects.filter(
        registration_number__in=numbers).only("pk", "registration_number", "date_of_birth")}
    taken = set(PlanApplication.objects.filter(person__in=people.values())
                .values_list("person_id", "kind", "filed_on"))
    made = []
    for item in applications:
        application = _checked_application(
            item, people.get(ids.normalize(item.registration_number or "")))
        key = (application.person.pk, application.kind, application.filed_on)
        if key in taken:
            raise Conflict(_("This application is already recorded."),
                           [FieldError("filed_on", application.filed_on.isoformat())])
        taken.add(key)
        application.recorded_by = actor.username
        # The person was just loaded; uniqueness was checked above and the database keeps it.
        application.full_clean(exclude=["person"], validate_constraints=False)
        made.append(application)
    PlanApplication.objects.bulk_create(made, batch_size=500)
    audit.record_many(actor, [audit.Event(
        "plan.application.record", "plan_application", a.pk,
        {"kind": a.kind, "authority": a.authority, "filed_on": a.filed_on.isoformat()},
        subject=a.person.registration_number) for a in made])
    return made


# ---- offers ------------------------------------------------------------------------------------

@dataclass
class Unit:
    """Who one offer is for: a person, or a household with its members."""

    members: list[Person]
    person: Person | None = None
    household: Household | None = None


def _open_offers(person_ids: list[int]) -> list[OfferMember]:
    return list(OfferMember.objects.filter(person_id__in=person_ids, offer__status__in=OPEN)
                .select_related("person", "offer"))


def create_offers(*, actor: audit.Actor, units: list[Unit], where: places.Place, on: date,
                  results: dict[int, eligibility.Result]) -> list[Offer]:
    """The offers themselves (the caller's transaction, after its checks): many at once."""
    now = timezone.now()
    offers = []
    for unit in units:
        versions = results[unit.members[0].pk].versions
        offer = Offer(person=unit.person, household=unit.household, place_state=where.state,
                      point_id=where.id if where.kind == places.POINT else None,
                      shelter_id=where.id if where.kind == places.SHELTER else None,
                      people=len(unit.members), offered_on=on, offered_by=actor.username,
                      rules_applied=versions, created_at=now)
        # Foreign keys were just loaded and constraints are the database's: no extra queries.
        offer.full_clean(exclude=["person", "household", "point", "shelter"],
                         validate_constraints=False)
        offers.append(offer)
    Offer.objects.bulk_create(offers, batch_size=500)
    OfferMember.objects.bulk_create([OfferMember(offer=o, person=p) for o, u in
                                     zip(offers, units, strict=True) for p in u.members],
                                    batch_size=500)
    audit.record_many(actor, [
        audit.Event("plan.offer.make", "offer", o.pk,
                    {"place": where.key, "offered_on": on.isoformat(),
                     "household": u.household.number if u.household else None,
                     "rules_applied": o.rules_applied}, subject=p.registration_number)
        for o, u in zip(offers, units, strict=True) for p in u.members])
    return offers


@transaction.atomic
def make_offer(*, actor: audit.Actor, user, place: str, registration_number: str = "",
               household_number: str = "", offered_on: date | None = None) -> Offer:
    """The plan offered to one person, or to a household (for all its members). Refused (422,
    naming the rules) unless everyone is eligible on the day; 409 if any already holds an open
    or accepted offer."""
    access.require(user, "plan.offer")
    if bool(registration_number) == bool(household_number):
        raise InvalidInput(_("Name a person or a household, not both."),
                           [FieldError("person", _("Give one of person or household."))])
    if household_number:
        household = find_household(household_number)
        unit = Unit(members_of(household), household=household)
        if not unit.members:
            raise InvalidInput(_("This household has no members."))
    else:
        person = find_person(registration_number)
        unit = Unit([person], person=person)
    where = places.resolve(place)
    offered_on = check_plan_day("offered_on", offered_on)
    check_place(where, offered_on)
    ids_ = [p.pk for p in unit.members]
    list(Person.objects.select_for_update().filter(pk__in=ids_).values_list("pk"))
    if taken := _open_offers(ids_):
        raise Conflict(_("Already offered the plan: an offer is open or accepted."), [
            FieldError("person", _("%(person)s: offer %(offer)s (%(status)s).") % {
                "person": m.person.registration_number, "offer": m.offer_id,
                "status": m.offer.get_status_display()}) for m in taken])
    # the people are offered the plan at this place, on this day: that says where they are
    results = evaluate(Person.objects.filter(pk__in=ids_), offered_on, place_state=where.state)
    if refused := [(p, results[p.pk]) for p in unit.members if not results[p.pk].eligible]:
        raise refusal(refused, name_people=bool(household_number))
    return create_offers(actor=actor, units=[unit], where=where, on=offered_on,
                         results=results)[0]


@dataclass
class BulkResult:
    place: places.Place
    on: date
    dry_run: bool
    offers: int = 0
    offered: int = 0  # people
    skipped: dict[str, int] = field(default_factory=dict)  # reason → people

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


def people_at(where: places.Place, on: date) -> QuerySet:
    """Who is at a place on a date: registered at the point, or staying in the shelter."""
    if where.kind == places.POINT:
        return Person.objects.filter(registration_point_id=where.id)
    return Person.objects.filter(pk__in=shelter_selectors.people_staying_at(where.id, on))


def _units(people: QuerySet) -> list[Unit]:
    """One unit per household (all its current members) or lone person, in the people's order."""
    candidates = list(people.order_by("pk"))
    households = dict(HouseholdMember.objects.filter(person__in=people, left_on__isnull=True)
                      .values_list("person_id", "household_id"))
    members: dict[int, list[Person]] = {}
    for member in (HouseholdMember.objects.filter(household_id__in=set(households.values()),
                                                  left_on__isnull=True)
                   .select_related("person", "household").order_by("household_id", "id")):
        members.setdefault(member.household_id, []).append(member)
    units, seen = [], set()
    for person in candidates:
        household_id = households.get(person.pk)
        if household_id is None:
            units.append(Unit([person], person=person))
        elif household_id not in seen:
            seen.add(household_id)
            rows = members[household_id]
            units.append(Unit([m.person for m in rows], household=rows[0].household))
    return units


@transaction.atomic
def bulk_offer(*, actor: audit.Actor, user, place: str, on: date | None = None,
               dry_run: bool = False) -> BulkResult:
    """Offer the plan to everyone eligible at a place who has not been offered it yet (an
    offer withdrawn does not count). A household is offered whole, when all its members are
    eligible. Counts in people; ``skipped`` says why (``already_offered`` or the first rule
    that did not pass)."""
    access.require(user, "plan.offer")
    where = places.resolve(place)
    on = check_plan_day("on", on)
    check_place(where, on)
    result = BulkResult(where, on, dry_run)
    everyone = _with_mates(people_at(where, on))
    # Lock everyone concerned before reading who already holds an offer, as ``make_offer``
    # does: two bulk offers (or a bulk and a single one) at once cannot offer anyone twice.
    list(Person.objects.select_for_update().filter(pk__in=everyone.values("pk"))
         .order_by("pk").values_list("pk"))
    units = _units(people_at(where, on))
    offered = set(OfferMember.objects.filter(person__in=everyone)
                  .exclude(offer__status=OfferStatus.WITHDRAWN).values_list("person_id",
                                                                           flat=True))
    results = evaluate(everyone, on)
    chosen = []
    for unit in units:
        reason = _skip_reason(unit, offered, results)
        if reason:
            result.skipped[reason] = result.skipped.get(reason, 0) + len(unit.members)
        else:
            chosen.append(unit)
    result.offers, result.offered = len(chosen), sum(len(u.members) for u in chosen)
    if chosen and not dry_run:
        create_offers(actor=actor, units=chosen, where=where, on=on, results=results)
    audit.record(actor, "plan.offer.bulk", "place", where.key, on=on.isoformat(),
                 dry_run=dry_run, offers=result.offers, people=result.offered,
                 skipped=result.skipped)
    return result


def _with_mates(people: QuerySet) -> QuerySet:
    """The people and every current member of their households."""
    households = HouseholdMember.objects.filter(person__in=people, left_on__isnull=True) \
        .values("household_id")
    mates = HouseholdMember.objects.filter(household_id__in=households, left_on__isnull=True)
    return Person.objects.filter(Q(pk__in=people.values("pk"))
                                 | Q(pk__in=mates.values("person_id")))


def _skip_reason(unit: Unit, offered: set[int], results: dict) -> str:
    if any(p.pk in offered for p in unit.members):
        return "already_offered"
    for person in unit.members:
        result = results.get(person.pk)
        if result is None:
            return "unknown"
        if not result.eligible:
            return f"rules.{result.not_passed[0].rule}"
    return ""


# ---- outcomes ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Decision:
    offer_id: int
    to: str
    on: date | None = None
    reason: str = ""


def decide(*, actor: audit.Actor, user, offer_id: int, to: str, on: date | None = None,
           reason: str = "") -> Offer:
    """An offer's outcome: accepted, declined (a reason may be given), withdrawn or moved on.
    Only an open offer is decided; deciding again is a 409 and changes nothing."""
    return decide_many(actor=actor, user=user,
                       decisions=[Decision(offer_id, to, on, reason)])[0]


def _apply_decision(offer: Offer | None, decision: Decision, actor: audit.Actor) -> Offer:
    if decision.to not in DECISIONS:
        raise InvalidInput(_("Not an outcome of an offer."),
                           [FieldError("status", str(decision.to)[:20])])
    if offer is None:
        raise NotFound(_("No such offer."))
    if offer.status != OfferStatus.OFFERED:
        detail = (_("This offer was already %(status)s on %(day)s; nothing changed.")
                  if offer.status == decision.to else
                  _("This offer is closed (%(status)s on %(day)s); nothing changed."))
        raise Conflict(detail % {"status": offer.get_status_display().lower(),
                                 "day": offer.decided_on.isoformat() if offer.decided_on
                                 else "—"}, [FieldError("status", offer.status)])
    today = timezone.localdate()
    on = decision.on or today
    if on > today or on < offer.offered_on:
        raise InvalidInput(_("The outcome is dated between the offer (%(day)s) and today.") % {
            "day": offer.offered_on.isoformat()}, [FieldError("on", on.isoformat())])
    offer.status, offer.decided_on, offer.decided_by = decision.to, on, actor.username
    offer.reason = check_text("reason", decision.reason)
    offer.full_clean(exclude=["person", "household", "point", "shelter"],
                     validate_constraints=False)
    return offer


@transaction.atomic
def decide_many(*, actor: audit.Actor, user, decisions: list[Decision]) -> list[Offer]:
    """Many outcomes at once (all or nothing), under the same rules as one."""
    access.require(user, "plan.offer")
    wanted = [d.offer_id for d in decisions if valid_id(d.offer_id)]
    offers = Offer.objects.select_for_update().in_bulk(wanted)
    decided = [_apply_decision(offers.get(d.offer_id), d, actor) for d in decisions]
    Offer.objects.bulk_update(decided, ["status", "decided_on", "decided_by", "reason"],
                              batch_size=500)
    subjects: dict[int, list[str]] = {}
    for offer_id, number in OfferMember.objects.filter(offer_id__in=wanted).values_list(
            "offer_id", "person__registration_number").order_by("id"):
        subjects.setdefault(offer_id, []).append(number)
    audit.record_many(actor, [
        audit.Event(f"plan.offer.{o.status}", "offer", o.pk,
                    {"on": o.decided_on.isoformat(), "reason_given": bool(o.reason)},
                    subject=number) for o in decided for number in subjects.get(o.pk, [])])
    return decided


# ---- the Temporary Employment Programme ------------------------------------------------------

PET_PLANNED_DAYS = 366  # without a plan end, work may be planned this far ahead


def _pet_start(starts_on: date | None) -> date:
    """A PET start (None: today): not before the plan started, not after it ends; it may be in
    the future (work agreed ahead), up to the plan's end, or ``PET_PLANNED_DAYS`` ahead without
    one."""
    starts_on = starts_on or timezone.localdate()
    if starts_on < conf.plan_starts():
        raise InvalidInput(_("The plan started on %(day)s (announced 26 Oct 2018).") % {
            "day": conf.plan_starts().isoformat()}, [FieldError("starts_on",
                                                                starts_on.isoformat())])
    ends = conf.plan_ends()
    if ends and starts_on > ends:
        raise InvalidInput(_("The plan ended on %(day)s.") % {"day": ends.isoformat()},
                           [FieldError("starts_on", starts_on.isoformat())])
    if ends is None and starts_on > timezone.localdate() + timedelta(days=PET_PLANNED_DAYS):
        raise InvalidInput(_("PET work is planned at most a year ahead."),
                           [FieldError("starts_on", starts_on.isoformat())])
    return starts_on


@transaction.atomic
def enrol_pet(*, actor: audit.Actor, user, registration_number: str, employer: str,
              starts_on: date | None = None, ends_on: date | None = None) -> PetEnrolment:
    """Work through PET: for adults who accepted the plan; one enrolment at a time."""
    access.require(user, "plan.pet")
    person = find_person(registration_number)
    employer = check_text("employer", employer, required=True)
    starts_on = _pet_start(starts_on)
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput(_("The enrolment ends after it starts."),
                           [FieldError("ends_on", ends_on.isoformat())])
    if age_on(person.date_of_birth, starts_on) < ADULT_AGE:
        raise InvalidInput(_("PET work is for adults."),
                           [FieldError("person", person.registration_number)])
    accepted = (OfferMember.objects.filter(person=person, offer__status=OfferStatus.ACCEPTED)
                .select_related("offer").order_by("offer__decided_on").first())
    if accepted is None:
        raise InvalidInput(_("PET is part of the plan: this person has not accepted an offer."),
                           [FieldError("person", person.registration_number)])
    if accepted.offer.decided_on and starts_on < accepted.offer.decided_on:
        raise InvalidInput(_("PET work starts on or after the day the offer was accepted "
                             "(%(day)s).") % {"day": accepted.offer.decided_on.isoformat()},
                           [FieldError("starts_on", starts_on.isoformat())])
    overlapping = PetEnrolment.objects.filter(person=person).exclude(ends_on__lt=starts_on)
    if ends_on is not None:
        overlapping = overlapping.exclude(starts_on__gt=ends_on)
    if overlapping.exists():
        raise Conflict(_("This person is already enrolled in PET for these dates."),
                       [FieldError("starts_on", starts_on.isoformat())])
    enrolment = PetEnrolment(person=person, employer=employer, starts_on=starts_on,
                             ends_on=ends_on, recorded_at=timezone.now(),
                             recorded_by=actor.username)
    enrolment.full_clean()
    enrolment.save()
    audit.record(actor, "plan.pet.enrol", "pet_enrolment", enrolment.pk,
                 subject=person.registration_number, starts_on=starts_on.isoformat(),
                 ends_on=ends_on.isoformat() if ends_on else None)
    return enrolment
