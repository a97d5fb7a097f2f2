"""Schooling API: schools and their seats, class lists, enrolments and their transitions, a
child's schooling, and counts. The paths are a public contract; every endpoint declares its
action. Class lists carry name, age, grade and a guardian's contact: nothing else."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Schema, Status
from pydantic import Field

from acogida.accounts.api_support import AccessRouter, action, actor_of, user_of

from . import grades, selectors, services
from .models import Enrolment

router = AccessRouter(tags=["schooling"])

LEVELS = ", ".join(grades.LEVEL_NAMES)


class SchoolIn(Schema):
    name: str = Field(max_length=200)
    level: str = Field(examples=["primaria"], description=LEVELS)
    state: str = Field(max_length=100)
    municipality: str = Field(max_length=100)
    location: str = Field("", max_length=300)
    latitude: Decimal | None = Field(None, ge=-90, le=90)
    longitude: Decimal | None = Field(None, ge=-180, le=180)


class GradeSeatsOut(Schema):
    grade: int
    seats: int
    taken: int
    free: int
    waiting: int


class SchoolOut(Schema):
    id: int
    name: str
    level: str
    state: str
    municipality: str
    location: str
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    grades: list[GradeSeatsOut]


class SeatsIn(Schema):
    grade: int = Field(ge=1, le=6)
    seats: int = Field(ge=0, le=services.MAX_SEATS)


class PupilOut(Schema):
    registration_number: str
    full_name: str
    age: int
    grade: int
    status: str
    guardian_name: str | None = None
    guardian_phone: str | None = None


class ClassListQuery(Schema):
    grade: int | None = Field(None, ge=1, le=6)


class EnrolmentIn(Schema):
    person: str = Field(description="a registration number")
    school: int
    grade: int | None = Field(None, ge=1, le=6, description="default: the age suggestion")
    placement_test: bool = Field(False, description="the school placed the child away from the "
                                                    "age suggestion after its own test")


class TransitionIn(Schema):
    to: Literal["enrolled", "attending", "left"]


class EnrolmentOut(Schema):
    id: int
    person: str
    school: int
    school_name: str
    level: str
    grade: int
    suggested_level: str
    suggested_grade: int
    overridden_by_test: bool
    status: str
    waitlist_position: int | None = None
    requested_at: datetime
    enrolled_at: datetime | None = None
    attending_since: datetime | None = None
    left_at: datetime | None = None


class SuggestionOut(Schema):
    level: str
    grade: int


class PersonSchoolingOut(Schema):
    registration_number: str
    school_year: int
    age_on_cutoff: int
    suggestion: SuggestionOut | None = None
    enrolments: list[EnrolmentOut]


class LevelCountsOut(Schema):
    level: str
    seats: int
    enrolled: int
    attending: int
    waitlisted: int
    left: int


class StatsOut(Schema):
    schools: int
    levels: list[LevelCountsOut]


def _school_out(view: selectors.SchoolView) -> dict:
    school = view.school
    return {**{f: getattr(school, f) for f in services.SCHOOL_FIELDS}, "id": school.pk,
            "grades": [{"grade": g.grade, "seats": g.seats, "taken": g.taken, "free": g.free,
                        "waiting": g.waiting} for g in view.grades]}


def _enrolment_out(enrolment: Enrolment, position: int | None = None) -> dict:
    return {"id": enrolment.pk, "person": enrolment.person.registration_number,
            "school": enrolment.school_id, "school_name": enrolment.school.name,
            **{f: getattr(enrolment, f) for f in (
                "level", "grade", "suggested_level", "suggested_grade", "overridden_by_test",
                "status", "requested_at", "enrolled_at", "attending_since", "left_at")},
            "waitlist_position": position}


@router.get("/schools", response=list[SchoolOut])
@action("school.read")
def list_schools(request: HttpRequest, level: str | None = None):
    return [_school_out(v) for v in selectors.list_schools(user=user_of(request), level=level)]


@router.post("/schools", response={201: SchoolOut})
@action("school.manage")
def create_school(request: HttpRequest, payload: SchoolIn):
    school = services.create_school(actor=actor_of(request), user=user_of(request),
                                    values=payload.dict())
    return Status(201, _school_out(selectors.get_school(user=user_of(request),
                                                        school_id=school.pk)))


@router.get("/schools/{school_id}", response=SchoolOut)
@action("school.read")
def read_school(request: HttpRequest, school_id: str):
    return _school_out(selectors.get_school(user=user_of(request), school_id=school_id))


@router.post("/schools/{school_id}/seats", response=SchoolOut)
@action("school.manage")
def set_seats(request: HttpRequest, school_id: str, payload: SeatsIn):
    """Seats of one grade; added seats enrol waiting children at once, in order of request."""
    services.set_seats(actor=actor_of(request), user=user_of(request), school_id=school_id,
                       grade=payload.grade, seats=payload.seats)
    return _school_out(selectors.get_school(user=user_of(request), school_id=school_id))


@router.get("/schools/{school_id}/class-list", response=list[PupilOut])
@action("school.read")
def class_list(request: HttpRequest, school_id: str, query: Query[ClassListQuery]):
    """Enrolled and attending children: name, age, grade, guardian's name and phone."""
    return [p.__dict__ for p in selectors.class_list(
        actor=actor_of(request), user=user_of(request), school_id=school_id,
        grade=query.grade)]


@router.post("/enrolments", response={201: EnrolmentOut})
@action("school.enrol")
def request_enrolment(request: HttpRequest, payload: EnrolmentIn):
    """Enrolled if the grade has a free seat, otherwise waitlisted (no documents needed).
    Not of school age: 422; already enrolled somewhere: 409."""
    enrolment = services.request_enrolment(
        actor=actor_of(request), user=user_of(request), registration_number=payload.person,
        school_id=payload.school, grade=payload.grade, placement_test=payload.placement_test)
    return Status(201, _enrolment_out(enrolment, selectors.waitlist_position(enrolment)))


@router.post("/enrolments/{enrolment_id}/transitions", response=EnrolmentOut)
@action("school.enrol")
def transition(request: HttpRequest, enrolment_id: str, payload: TransitionIn):
    """``attending`` (from enrolled), ``left`` (frees the seat for the first waiting child) or
    ``enrolled`` (a waiting child, once a seat is free)."""
    enrolment = services.transition(actor=actor_of(request), user=user_of(request),
                                    enrolment_id=enrolment_id, to=payload.to)
    return _enrolment_out(enrolment, selectors.waitlist_position(enrolment))


@router.get("/people/{registration_number}/schooling", response=PersonSchoolingOut)
@action("school.read")
def person_schooling(request: HttpRequest, registration_number: str):
    found = selectors.schooling_of_person(actor=actor_of(request), user=user_of(request),
                                          registration_number=registration_number)
    suggestion = found["suggestion"]
    return {**found, "suggestion": suggestion.__dict__ if suggestion else None,
            "enrolments": [_enrolment_out(e, p) for e, p in found["enrolments"]]}


@router.get("/stats/schooling", response=StatsOut)
@action("school.stats")
def stats(request: HttpRequest):
    """Counts by level (seats, enrolled, attending, waitlisted, left); never names."""
    return selectors.stats(user=user_of(request))
