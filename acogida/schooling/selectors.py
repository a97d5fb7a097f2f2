"""Reads on schooling. A class list shows, for each child, name, age, grade and a guardian's
name and phone (the household's head, else the spouse; the phone only with their consent to
be contacted) — nothing else: no needs, no health, no
asylum. Every read that names a child is audited with the child as subject; stats are counts."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, Sum
from django.utils import timezone

from acogida.accounts import access, audit
from acogida.core.ages import age_on
from acogida.registry.models import Consent, ConsentPurpose, HouseholdMember, Person

from . import grades, services
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


@dataclass(frozen=True)
class Waiting:
    position: int
    enrolment: int
    registration_number: str
    full_name: str
    grade: int
    requested_at: object


def _seats(schools: list[School]) -> dict[int, list[GradeSeats]]:
    ids_ = [s.pk for s in schools]
    seats = {(r.school_id, r.grade): r.seats
             for r in SchoolGrade.objects.filter(school_id__in=ids_)}
    counts: dict[tuple[int, int], dict[str, int]] = {}
    for row in (Enrolment.objects.filter(school_id__in=ids_,
                                         status__in=[*HOLDS_SEAT, EnrolmentStatus.WAITLISTED])
                .values("school_id", "grade", "status").annotate(n=Count("id"))):
        counts.setdefault((row["school_id"], row["grade"]), {})[row["status"]] = row["n"]
    out: dict[int, list[GradeSeats]] = {}
    for school in schools:
        rows = []
        for grade in range(1, grades.GRADES[school.level] + 1):
            n = counts.get((school.pk, grade), {})
            rows.append(GradeSeats(grade, seats.get((school.pk, grade), 0),
                                   sum(n.get(s, 0) for s in HOLDS_SEAT),
                                   n.get(EnrolmentStatus.WAITLISTED, 0)))
        out[school.pk] = rows
    return out


def list_schools(*, user, level: str | None = None) -> list[SchoolView]:
    access.require(user, "school.read")
    schools = School.objects.order_by("level", "name")
    if level:
        schools = schools.filter(level=level)
    schools = list(schools)
    seats = _seats(schools)
    return [SchoolView(s, seats[s.pk]) for s in schools]


def get_school(*, user, school_id) -> SchoolView:
    access.require(user, "school.read")
    school = services._school(school_id)
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
    school = services._school(school_id)
    today = today or timezone.localdate()
    enrolments = (Enrolment.objects.filter(school=school, status__in=HOLDS_SEAT)
                  .select_related("person").only(
                      "grade", "status", "person__registration_number", "person__given_names",
                      "person__first_surname", "person__second_surname",
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
                            (guardian.phone or None) if guardian else None))
    audit.record_many(actor, [audit.Event("school.class_list", "school", school.pk,
                                          {"grade": grade}, subject=p.registration_number)
                              for p in pupils] or [
        audit.Event("school.class_list", "school", school.pk, {"grade": grade})])
    return pupils


def waitlist(*, actor: audit.Actor, user, school_id, grade: int | None = None) -> list[Waiting]:
    access.require(user, "school.read")
    school = services._school(school_id)
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
    person = services._person(registration_number)
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


def stats(*, user) -> dict:
    """Counts by level: enrolled (holding a seat), of whom attending, and waitlisted."""
    access.require(user, "school.stats")
    counts = {level: {"enrolled": 0, "attending": 0, "waitlisted": 0, "left": 0}
              for level in Level.values}
    for row in Enrolment.objects.values("level", "status").annotate(n=Count("id")):
        bucket = counts[row["level"]]
        if row["status"] in HOLDS_SEAT:
            bucket["enrolled"] += row["n"]
        if row["status"] in (EnrolmentStatus.ATTENDING, EnrolmentStatus.WAITLISTED,
                             EnrolmentStatus.LEFT):
            bucket[row["status"]] += row["n"]
    seats = dict.fromkeys(Level.values, 0)
    for row in SchoolGrade.objects.values("school__level").annotate(n=Sum("seats")):
        seats[row["school__level"]] += row["n"] or 0
    return {"levels": [{"level": level, "seats": seats[level], **counts[level]}
                       for level in Level.values],
            "schools": School.objects.count()}
