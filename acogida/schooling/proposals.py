"""Bulk enrolment proposals: "enrol every eligible child staying in shelter X".

``create_proposal`` asks ``assignment`` (pure) for a school per child — the nearest with a
free seat, siblings together — and keeps the result as a draft; ``confirm_proposal`` enrols or
waitlists every line at once, in ONE transaction, with the seats counted again under a lock on
the schools' rows: a line that no longer fits (the seat was taken, the child was enrolled
elsewhere meanwhile) refuses the whole confirmation and is named, nothing is changed. A proposal
is confirmed once; again is a conflict.

A proposal keeps registration numbers and ids, never names: names are read when it is shown
(``proposal_selectors``). Children of migrants enrol without documents (standards.md): nothing is
asked for. Children come in a fixed order on every database: by stay household (children
without one first), date of birth and id.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.accounts.services import stored_user
from acogida.core.errors import Conflict, FieldError, InvalidInput, NotFound
from acogida.core.numbers import parse_id
from acogida.registry.models import HouseholdMember
from acogida.shelter.models import Shelter, Stay

from . import assignment, grades, seats
from .models import ACTIVE, BulkProposal, Enrolment, EnrolmentStatus, ProposalStatus, School
from .proposal_selectors import summary

__all__ = ["confirm_proposal", "create_proposal", "find_shelter", "plan", "school_year_of",
           "summary"]

MAX_KM = assignment.DEFAULT_MAX_KM


def find_shelter(value) -> Shelter:
    """A shelter by id or by exact name (the command line names it)."""
    text = str(value if value is not None else "").strip()
    shelter = None
    if (number := parse_id(text)) is not None:
        shelter = Shelter.objects.filter(pk=number).first()
    if shelter is None and text:
        shelter = Shelter.objects.filter(name__iexact=text).first()
    if shelter is None:
        raise NotFound(_("No such shelter."), [FieldError("shelter", text[:200])])
    return shelter


FIRST_YEAR, LAST_YEAR = 2000, 2100


def school_year_of(*, school_year: int | None = None, today: date | None = None) -> int:
    """The school year asked for, else the one ``today`` falls in; either must start between
    2000 and 2100 (422 naming ``school_year`` or ``date``)."""
    if school_year is None:
        year = grades.school_year_start(today or timezone.localdate())
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise InvalidInput(_("The date must fall in a school year from %(first)s to "
                                 "%(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR},
                               [FieldError("date", str(today))])
        return year
    if (not isinstance(school_year, int) or isinstance(school_year, bool)
            or not FIRST_YEAR <= school_year <= LAST_YEAR):
        raise InvalidInput(_("School year: the year it starts, e.g. 2018."),
                           [FieldError("school_year", str(school_year))])
    return school_year


def _float(value) -> float | None:
    return float(value) if value is not None else None


def _free_seats(school_ids) -> dict[tuple[int, int], int]:
    return {key: n.free for key, n in seats.counts(school_ids).items()}


def _open_stays(shelter: Shelter):
    """Who stays in the shelter now, households together (children without a stay household
    first on every database), then by date of birth."""
    return (Stay.objects.filter(section__shelter=shelter, checked_out_at__isnull=True)
            .order_by(F("household_id").asc(nulls_first=True), "person__date_of_birth",
                      "person_id"))


def plan(*, user, shelter, school_year: int | None = None, today: date | None = None,
         max_km: float = MAX_KM) -> dict:
    """The proposal's data, computed and not saved (``--dry-run`` shows just this)."""
    access.require(user, "school.enrol")
    shelter = shelter if isinstance(shelter, Shelter) else find_shelter(shelter)
    year = school_year_of(school_year=school_year, today=today)
    stays = list(_open_stays(shelter).select_related("person").only(
        "household_id", "person__id", "person__registration_number", "person__date_of_birth"))
    people = [s.person for s in stays]
    households = dict(HouseholdMember.objects.filter(person__in=people, left_on__isnull=True)
                      .values_list("person_id", "household__number"))
    active = {e.person_id: e for e in Enrolment.objects.filter(
        person__in=people, status__in=ACTIVE).select_related("school").only(
        "person_id", "status", "school__name")}
    children, skipped, too_young_or_old = [], [], 0
    numbers = {}
    for stay in stays:
        person = stay.person
        suggestion = grades.suggested_placement(person.date_of_birth, year)
        if suggestion is None:
            too_young_or_old += 1
            continue
        numbers[person.pk] = person.registration_number
        if (enrolment := active.get(person.pk)) is not None:
            skipped.append({"person_id": person.pk, "person": person.registration_number,
                            "status": enrolment.status, "school": enrolment.school.name})
            continue
        family = households.get(person.pk) or (f"stay-household-{stay.household_id}"
                                               if stay.household_id else f"alone-{person.pk}")
        children.append(assignment.Child(person.pk, family, suggestion.level, suggestion.grade))
    schools = list(School.objects.order_by("id"))
    free = _free_seats([s.pk for s in schools])
    pure = [assignment.School(s.pk, s.level, _float(s.latitude), _float(s.longitude),
                              s.municipality,
                              {g: max(0, free.get((s.pk, g), 0))
                               for g in range(1, grades.GRADES[s.level] + 1)})
            for s in schools]
    origin = assignment.Place(_float(shelter.latitude), _float(shelter.longitude),
                              shelter.municipality)
    lines = assignment.assign(children, pure, origin, max_km=max_km)
    used = {line.school for line in lines if line.school is not None}
    return {
        "shelter": {"id": shelter.pk, "name": shelter.name},
        "school_year": year, "reference_date": str(date(year, 12, 31)), "max_km": max_km,
        "schools": {str(s.pk): {"name": s.name, "level": s.level,
                                "municipality": s.municipality}
                    for s in schools if s.pk in used},
        "lines": [{"person_id": line.child, "person": numbers[line.child],
                   "family": line.family, "level": line.level, "grade": line.grade,
                   "outcome": line.outcome, "school": line.school,
                   "distance_km": round(line.distance_km, 1)
                   if line.distance_km is not None else None,
                   "reason": line.reason, "siblings": line.siblings} for line in lines],
        "skipped": skipped,
        "not_school_age": too_young_or_old,
    }


@transaction.atomic
def create_proposal(*, actor: audit.Actor, user, shelter, school_year: int | None = None,
                    today: date | None = None) -> BulkProposal:
    access.require(user, "school.enrol")
    shelter = find_shelter(shelter) if not isinstance(shelter, Shelter) else shelter
    data = plan(user=user, shelter=shelter, school_year=school_year, today=today)
    proposal = BulkProposal.objects.create(
        shelter=shelter, school_year=data["school_year"],
        reference_date=date(data["school_year"], 12, 31), data=data,
        created_at=timezone.now(), created_by=actor.username)
    counts = summary(data)
    audit.record(actor, "school.proposal.create", "school_proposal", proposal.pk,
                 shelter=shelter.pk, **counts)
    return proposal


def _draft(proposal_id) -> BulkProposal:
    number = parse_id(proposal_id)
    proposal = (BulkProposal.objects.select_for_update().filter(pk=number).first()
                if number is not None else None)
    if proposal is None:
        raise NotFound(_("No such enrolment proposal."))
    if proposal.status != ProposalStatus.DRAFT:
        raise Conflict(_("This proposal was already confirmed."))
    return proposal


@transaction.atomic
def confirm_proposal(*, actor: audit.Actor, user, proposal_id) -> BulkProposal:
    """Enrol (or waitlist) every line at once; any line that no longer fits refuses it all."""
    access.require(user, "school.enrol")
    proposal = _draft(proposal_id)
    lines = [line for line in proposal.data["lines"] if line["school"] is not None]
    school_ids = sorted({line["school"] for line in lines})
    schools = {s.pk: s for s in School.objects.select_for_update().filter(pk__in=school_ids)
               .order_by("pk")}
    free = _free_seats(school_ids)
    person_ids = [line["person_id"] for line in lines]
    active = {e.person_id: e for e in Enrolment.objects.filter(
        person_id__in=person_ids, status__in=ACTIVE).select_related("school")}
    staying = set(_open_stays(proposal.shelter_id).filter(person_id__in=person_ids)
                  .values_list("person_id", flat=True))
    errors, statuses = [], []
    for index, line in enumerate(proposal.data["lines"]):
        if line["school"] is None:
            continue
        where, school = f"lines[{index}]", schools.get(line["school"])
        prefix = _("Child %(person)s: ") % {"person": line["person"]}
        if school is None:
            errors.append(FieldError(where, prefix + _("the school no longer exists.")))
        elif line["person_id"] not in staying:
            errors.append(FieldError(where, prefix + _("no longer stays in the shelter.")))
        elif (found := active.get(line["person_id"])) is not None:
            errors.append(FieldError(where, prefix + _("already %(status)s at %(school)s.") % {
                "status": found.get_status_display().lower(), "school": found.school.name}))
        elif free.get((school.pk, line["grade"]), 0) > 0:
            free[(school.pk, line["grade"])] -= 1
            statuses.append((line, EnrolmentStatus.ENROLLED))
        elif line["outcome"] == assignment.ENROL:
            errors.append(FieldError(where, prefix + _(
                "no free seat any more in grade %(grade)s at %(school)s.") % {
                "grade": line["grade"], "school": school.name}))
        else:
            statuses.append((line, EnrolmentStatus.WAITLISTED))
    if errors:
        raise Conflict(_("Nothing was enrolled: %(n)s line(s) no longer fit. Make a new "
                         "proposal for the shelter.") % {"n": len(errors)}, errors)
    now = timezone.now()
    requested_by = stored_user(user)
    enrolments = [Enrolment(
        person_id=line["person_id"], school_id=line["school"], level=line["level"],
        grade=line["grade"], suggested_level=line["level"], suggested_grade=line["grade"],
        overridden_by_test=False, status=status, requested_at=now,
        enrolled_at=now if status == EnrolmentStatus.ENROLLED else None,
        requested_by=requested_by) for line, status in statuses]
    try:
        with transaction.atomic():
            Enrolment.objects.bulk_create(enrolments, batch_size=500)
    except IntegrityError as exc:
        raise Conflict(_("A child was enrolled elsewhere meanwhile: nothing was "
                         "enrolled.")) from exc
    result = {"enrolled": sum(1 for _l, s in statuses if s == EnrolmentStatus.ENROLLED),
              "waitlisted": sum(1 for _l, s in statuses if s == EnrolmentStatus.WAITLISTED)}
    proposal.status, proposal.confirmed_at = ProposalStatus.CONFIRMED, now
    proposal.confirmed_by = actor.username
    proposal.data = {**proposal.data, "result": result}
    proposal.save(update_fields=["status", "confirmed_at", "confirmed_by", "data"])
    audit.record_many(actor, [
        audit.Event("school.proposal.confirm", "school_proposal", proposal.pk, result),
        *(audit.Event("enrolment.request", "enrolment", e.pk,
                      {"school": e.school_id, "level": e.level, "grade": e.grade,
                       "status": e.status, "overridden_by_test": False,
                       "proposal": proposal.pk}, subject=line["person"])
          for e, (line, _s) in zip(enrolments, statuses, strict=True))])
    return proposal
