"""Reads on schooling. A class list shows, for each child, name, age, grade and a guardian's
name and phone (the household's head, else the spouse; the phone only with their consent to
be contacted) — nothing else: no needs, no health, no
asylum. Every read that names a child is audited with the child as subject; stats are counts."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.core import ids
from acogida.core.ages import age_on
from acogida.core.errors import FieldError, InvalidInput
from acogida.core.paging import Page
from acogida.registry.models import Consent, ConsentPurpose, HouseholdMember, Person

from . import grades, seats, services
from .models import HOLDS_SEAT, Enrolment, EnrolmentStatus, Level, School, SchoolGrade


@dataclass(frozen=True)
class GradeSeats:
    grade: int
    seats: int
    taken: int
    waiting: int

    @property
    def free(self) -> int:
        return max(0, self.seats - self.taken)


@dataclass(frozen=True)
class SchoolView:
    school: School
    grades: list[GradeSeats]


@dataclass(frozen=True)
class Pupil:
    registration_number: str
    full_name: str
    age: int
    grade: int
    status: str
    guardian_name: str | None
    guardian_phone: str | None
    enrolment: int | None = None  # for the teacher's buttons (attending, left)


@dataclass(frozen=True)
class Waiting:
    position: int
    enrolment: int
    registration_number: str
    full_name: str
    grade: int
    requested_at: object


def _seats(schools: list[School]) -> dict[int, list[GradeSeats]]:
    counted = seats.counts([s.pk for s in schools])
    out: dict[int, list[GradeSeats]] = {}
    for school in schools:
        rows = []
        for grade in range(1, grades.GRADES[school.level] + 1):
            n = counted.get((school.pk, grade), seats.EMPTY)
            rows.append(GradeSeats(grade, n.seats, n.taken, n.waiting))
        out[school.pk] = rows
    return out


def list_schools(*, user, level: str | None = None) -> list[SchoolView]:
    access.require(user, "school.read")
    schools = School.objects.order_by("level", "name")
    if level:
        schools = schools.filter(level=level)
    schools = list(schools)
    counted = _seats(schools)
    return [SchoolView(s, counted[s.pk]) for s in schools]


def get_school(*, user, school_id) -> SchoolView:
    access.require(user, "school.read")
    school = services.school_by_id(school_id)
    return SchoolView(school, _seats([school])[school.pk])


def _guardians(people: list[Person]) -> dict[int, Person]:
    """Each child's guardian: the head of their current household, else the spouse (never the
    child themselves)."""
    memberships = dict(HouseholdMember.objects.filter(person__in=people, left_on__isnull=True)
                       .values_list("person_id", "household_id"))
    adults = (HouseholdMember.objects.filter(household_id__in=set(memberships.values()),
                                             left_on__isnull=True,
                                             relationship__in=("head", "spouse"))
              .select_related("person").only("household_id", "relationship", "person__id",
                                             "person__given_names", "person__first_surname",
                                             "person__second_surname", "person__phone"))
    # A guardian's phone reaches a teacher only if the guardian consented to being contacted.
    reachable = set(Consent.objects.filter(
        person__in=[m.person for m in adults], purpose=ConsentPurpose.CONTACT,
        withdrawn_on__isnull=True).values_list("person_id", flat=True))
    by_household: dict[int, dict[str, Person]] = {}
    for member in adults:
        if member.person.pk not in reachable:
            member.person.phone = ""
        by_household.setdefault(member.household_id, {})[member.relationship] = member.person
    found = {}
    for person in people:
        candidates = by_household.get(memberships.get(person.pk), {})
        for relationship in ("head", "spouse"):
            guardian = candidates.get(relationship)
            if guardian is not None and guardian.pk != person.pk:
                found[person.pk] = guardian
                break
    return found


def class_list(*, actor: audit.Actor, user, school_id, grade: int | None = None,
               today: date | None = None) -> list[Pupil]:
    """Children holding a seat (enrolled or attending), by grade and name."""
    access.require(user, "school.read")
    school = services.school_by_id(school_id)
    today = today or timezone.localdate()
    enrolments = (Enrolment.objects.filter(school=school, status__in=HOLDS_SEAT)
                  .select_related("person").only(
                      "grade", "status", "person__registration_number",
                      "person__given_names", "person__first_surname", "person__second_surname",
                      "person__date_of_birth")
                  .order_by("grade", "person__first_surname", "person__given_names"))
    if grade is not None:
        enrolments = enrolments.filter(grade=grade)
    enrolments = list(enrolments)
    guardians = _guardians([e.person for e in enrolments])
    pupils = []
    for e in enrolments:
        guardian = guardians.get(e.person.pk)
        pupils.append(Pupil(e.person.registration_number, e.person.full_name,
                            age_on(e.person.date_of_birth, today), e.grade, e.status,
                            guardian.full_name if guardian else None,
                            (guardian.phone or None) if guardian else None, e.pk))
    audit.record_many(actor, [audit.Event("school.class_list", "school", school.pk,
                                          {"grade": grade}, subject=p.registration_number)
                              for p in pupils] or [
        audit.Event("school.class_list", "school", school.pk, {"grade": grade})])
    return pupils


def waitlist(*, actor: audit.Actor, user, school_id, grade: int | None = None) -> list[Waiting]:
    access.require(user, "school.read")
    school = services.school_by_id(school_id)
    rows = (Enrolment.objects.filter(school=school, status=EnrolmentStatus.WAITLISTED)
            .select_related("person").order_by("grade", "requested_at", "id"))
    if grade is not None:
        rows = rows.filter(grade=grade)
    out, position = [], {}
    for e in rows:
        position[e.grade] = position.get(e.grade, 0) + 1
        out.append(Waiting(position[e.grade], e.pk, e.person.registration_number,
                           e.person.full_name, e.grade, e.requested_at))
    audit.record_many(actor, [audit.Event("school.waitlist", "school", school.pk,
                                          {"grade": w.grade, "position": w.position},
                                          subject=w.registration_number) for w in out])
    return out


def waitlist_position(enrolment: Enrolment) -> int | None:
    if enrolment.status != EnrolmentStatus.WAITLISTED:
        return None
    """1 for the first in line of the grade."""
    return Enrolment.objects.filter(
        Q(requested_at__lt=enrolment.requested_at)
        | Q(requested_at=enrolment.requested_at, id__lte=enrolment.pk),
        school_id=enrolment.school_id, grade=enrolment.grade,
        status=EnrolmentStatus.WAITLISTED).count()


def schooling_of_person(*, actor: audit.Actor, user, registration_number: str,
                        today: date | None = None) -> dict:
    """The age suggestion for this school year and the child's enrolments, newest first."""
    access.require(user, "school.read")
    person = services.person_by_number(registration_number)
    today = today or timezone.localdate()
    year = grades.school_year_start(today)
    suggestion = grades.suggested_placement(person.date_of_birth, year)
    enrolments = list(Enrolment.objects.filter(person=person).select_related("school")
                      .order_by("-requested_at", "-id"))
    audit.record(actor, "schooling.read", "person", person.registration_number,
                 enrolments=[e.pk for e in enrolments])
    return {"registration_number": person.registration_number, "school_year": year,
            "age_on_cutoff": grades.age_on_cutoff(person.date_of_birth, year),
            "suggestion": suggestion,
            "enrolments": [(e, waitlist_position(e)) for e in enrolments]}


def stats(*, user, filters=None) -> dict:
    """Counts by level: enrolled (holding a seat), of whom attending, and waitlisted, and left.
    ``filters`` (``acogida.reporting.filters.Filters``): the enrolments requested from
    ``date_from`` to ``date_to``, of the children registered at the registration point
    (``state``, ``place``) and in the arrival group (``group``) given. Counts of children from
    1 to 4 are "<5" (``reporting.suppression``); seats and schools are not people and stay
    exact (and unfiltered). One aggregate query for the counts."""
    from acogida.reporting.filters import Filters, day_q, person_q
    from acogida.reporting.suppression import suppress

    access.require(user, "school.stats")
    filters = filters or Filters()
    counts = {level: {"enrolled": 0, "attending": 0, "waitlisted": 0, "left": 0}
              for level in Level.values}
    enrolments = Enrolment.objects.filter(day_q(filters, "requested_at", timestamp=True),
                                          person_q(filters, "person"))
    for row in enrolments.values("level", "status").annotate(n=Count("id")).order_by():
        bucket = counts[row["level"]]
        if row["status"] in HOLDS_SEAT:
            bucket["enrolled"] += row["n"]
        if row["status"] in (EnrolmentStatus.ATTENDING, EnrolmentStatus.WAITLISTED,
                             EnrolmentStatus.LEFT):
            bucket[row["status"]] += row["n"]
    seats_by_level = dict.fromkeys(Level.values, 0)
    for row in SchoolGrade.objects.values("school__level").annotate(n=Sum("seats")):
        seats_by_level[row["school__level"]] += row["n"] or 0
    return {"levels": [{"level": level, "seats": seats_by_level[level],
                        **{k: suppress(n) for k, n in counts[level].items()}}
                       for level in Level.values],
            "schools": School.objects.count(), "filters": filters.as_dict()}


def schools_to_choose(*, user, level_first: str | None = None) -> list[School]:
    """The schools for the enrol form (names of places, no children), ``level_first``'s first."""
    access.require(user, "school.read")
    schools = list(School.objects.order_by("level", "name"))
    if level_first:
        schools.sort(key=lambda s: s.level != level_first)
    return schools


# ---- the age suggestion --------------------------------------------------------------------------

RULE_SOURCE = ("SEP, Normas específicas de control escolar de educación básica: the age reached "
               "by 31 December of the year the school year starts (shared/domain/standards.md)")


@dataclass(frozen=True)
class SchoolSuggestion:
    registration_number: str
    level: str
    grade: int
    age: int
    school_year: int
    reference_date: date
    date_of_birth_estimated: bool
    rule: str
    source: str


def school_suggestion(*, actor: audit.Actor, user, registration_number: str,
                      today: date | None = None,
                      school_year: int | None = None) -> SchoolSuggestion:
    """Level and grade for the child's age on 31 December of the school year's first year; a
    person outside 3–17 on that day is not of school age (422, with the age said)."""
    access.require(user, "school.read")
    person = services.person_by_number(registration_number)
    if school_year is not None and not 2000 <= school_year <= 2100:
        raise InvalidInput(_("School year: the year it starts, e.g. 2018."),
                           [FieldError("school_year", str(school_year))])
    year = school_year if school_year is not None else grades.school_year_start(
        today or timezone.localdate())
    age = grades.age_on_cutoff(person.date_of_birth, year)
    audit.record(actor, "schooling.suggestion", "person", person.registration_number,
                 school_year=year)
    suggestion = grades.suggested_placement(person.date_of_birth, year)
    if suggestion is None:
        raise InvalidInput(
            _("Not of school age: %(age)s on 31 December %(year)s; compulsory schooling is for "
              "ages %(low)s to %(high)s.") % {"age": age, "year": year,
                                              "low": grades.YOUNGEST, "high": grades.OLDEST},
            [FieldError("date_of_birth", str(person.date_of_birth))])
    return SchoolSuggestion(
        person.registration_number, suggestion.level, suggestion.grade, age, year,
        date(year, 12, 31), person.date_of_birth_estimated,
        _("Age on 31 December of the year the school year starts: preescolar 3–5, primaria "
          "6–11, secundaria 12–14, media superior 15–17; the school may place the child "
          "elsewhere after its own placement test."), RULE_SOURCE)


# ---- enrolments, filtered and paginated --------------------------------------------------------

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def _positions(enrolments: list[Enrolment]) -> dict[int, int]:
    """Waitlist positions of the waiting enrolments given, in one query."""
    waiting = [e for e in enrolments if e.status == EnrolmentStatus.WAITLISTED]
    if not waiting:
        return {}
    pairs = {(e.school_id, e.grade) for e in waiting}
    query = Q()
    for school_id, grade in pairs:
        query |= Q(school_id=school_id, grade=grade)
    position: dict[int, int] = {}
    seen: dict[tuple[int, int], int] = {}
    for pk, school_id, grade in (Enrolment.objects.filter(query,
                                                          status=EnrolmentStatus.WAITLISTED)
                                 .order_by("requested_at", "id")
                                 .values_list("id", "school_id", "grade")):
        seen[(school_id, grade)] = seen.get((school_id, grade), 0) + 1
        position[pk] = seen[(school_id, grade)]
    return position


def list_enrolments(*, actor: audit.Actor, user, school: int | None = None,
                    status: str | None = None, person: str | None = None, page: int = 1,
                    page_size: int = PAGE_SIZE) -> Page:
    """Enrolments, newest request first; each child listed is audited."""
    access.require(user, "school.read")
    errors = []
    if status and status not in EnrolmentStatus.values:
        errors.append(FieldError("status", _("One of: %(s)s.") % {
            "s": ", ".join(EnrolmentStatus.values)}))
    if page < 1:
        errors.append(FieldError("page", _("From 1.")))
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        errors.append(FieldError("page_size", _("From 1 to %(max)s.") % {"max": MAX_PAGE_SIZE}))
    if errors:
        raise InvalidInput(_("The list was not read: fix the filters named."), errors)
    rows = Enrolment.objects.all()
    if school is not None:
        rows = rows.filter(school_id=school)
    if status:
        rows = rows.filter(status=status)
    if person:
        rows = rows.filter(person__registration_number=ids.normalize(person))
    count = rows.count()
    items = list(rows.select_related("person", "school")
                 .order_by("-requested_at", "-id")[(page - 1) * page_size: page * page_size])
    positions = _positions(items)
    audit.record_many(actor, [audit.Event("enrolment.list", "enrolment", e.pk,
                                          {"school": e.school_id},
                                          subject=e.person.registration_number) for e in items])
    # each item with its waitlist position
    return Page([(e, positions.get(e.pk)) for e in items], count, page, page_size)


def enrolment_counts(*, user) -> dict:
    """Seats, seats taken and children waiting over all schools (the schools page's header)."""
    access.require(user, "school.read")
    taken = Enrolment.objects.filter(status__in=HOLDS_SEAT).count()
    waiting = Enrolment.objects.filter(status=EnrolmentStatus.WAITLISTED).count()
    seats = SchoolGrade.objects.aggregate(n=Sum("seats"))["n"] or 0
    return {"seats": seats, "taken": taken, "waiting": waiting}
