"""Schooling API: schools and their seats, class lists, enrolments (one by one, listed, or in
bulk for a shelter through a proposal) and their transitions, a child's schooling and age
suggestion, and counts. The paths are a public contract; every endpoint declares its action.
Class lists carry name, age, grade and a guardian's contact: nothing else."""

import datetime as dt
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Schema, Status
from pydantic import Field

from acogida.accounts.api_support import AccessRouter, action, actor_of, user_of
from acogida.core.paging import PageOut
from acogida.reporting.schemas import FiltersIn, filters_of

from . import grades, proposal_selectors, proposals, selectors, services
from .models import Enrolment

router = AccessRouter(tags=["schooling"])

LEVELS = ", ".join(grades.LEVEL_NAMES)
MAX_ID = 2**31 - 1  # ids and years beyond a database integer are refused with a 422


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
    person: str = Field(max_length=40, description="a registration number")
    school: int = Field(ge=1, le=MAX_ID)
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
    """Counts of children from 1 to 4 are "<5"."""

    level: str
    seats: int
    enrolled: int | str
    attending: int | str
    waitlisted: int | str
    left: int | str


class StatsOut(Schema):
    schools: int
    levels: list[LevelCountsOut]
    filters: dict


class SchoolSuggestionOut(Schema):
    registration_number: str
    level: str
    grade: int
    age: int = Field(description="age on the reference date")
    school_year: int = Field(description="the year the school year starts")
    reference_date: date = Field(description="31 December of the school year's first year")
    date_of_birth_estimated: bool
    rule: str
    source: str


class SuggestionQuery(Schema):
    school_year: int | None = Field(None, ge=-MAX_ID, le=MAX_ID,
                                    description="default: the current school year")


class EnrolmentQuery(Schema):
    school: int | None = Field(None, ge=1, le=MAX_ID)
    status: str | None = Field(None, description="requested, waitlisted, enrolled, attending, "
                                                 "left")
    person: str | None = Field(None, max_length=40, description="a registration number")
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(selectors.PAGE_SIZE, ge=1, le=selectors.MAX_PAGE_SIZE)


class EnrolmentPageOut(PageOut):
    items: list[EnrolmentOut]


class BulkProposalIn(Schema):
    shelter: int | str = Field(description="the shelter's id (or its exact name)")
    school_year: int | None = Field(None, ge=-MAX_ID, le=MAX_ID,
                                    description="the year the school year starts (2000-2100); "
                                                "default: from ``date``, else today")
    date: dt.date | None = Field(None, description="a day in the school year (default: today)")


class ProposalLineOut(Schema):
    line: int
    person: str
    full_name: str
    age: int | None = None
    household: str
    level: str
    grade: int
    outcome: Literal["enrol", "waitlist", "no_school"]
    school: int | None = None
    school_name: str
    distance_km: float | None = None
    reason: str


class ProposalSkippedOut(Schema):
    person: str
    full_name: str
    reason: str


class ProposalCountsOut(Schema):
    enrol: int
    waitlist: int
    no_school: int
    already: int


class BulkProposalOut(Schema):
    id: int
    status: str
    shelter: dict
    school_year: int
    reference_date: date
    created_at: datetime
    created_by: str
    confirmed_at: datetime | None = None
    confirmed_by: str = ""
    counts: ProposalCountsOut
    not_school_age: int
    lines: list[ProposalLineOut]
    skipped: list[ProposalSkippedOut]
    result: dict | None = None


def _proposal_out(request: HttpRequest, proposal) -> dict:
    view = proposal_selectors.proposal_view(actor=actor_of(request), user=user_of(request),
                                   proposal=proposal)
    lines = [{**{k: v for k, v in line.__dict__.items() if k != "index"}, "line": line.index}
             for line in view["lines"]]
    return {**view, "lines": lines}


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


@router.get("/enrolments", response=EnrolmentPageOut)
@action("school.read")
def list_enrolments(request: HttpRequest, query: Query[EnrolmentQuery]):
    """Newest request first; filters: school (id), status, person (registration number)."""
    page = selectors.list_enrolments(actor=actor_of(request), user=user_of(request),
                                     school=query.school, status=query.status,
                                     person=query.person, page=query.page,
                                     page_size=query.page_size)
    return {"count": page.count, "page": page.page, "page_size": page.page_size,
            "has_next": page.has_next,
            "items": [_enrolment_out(e, position) for e, position in page.items]}


@router.post("/enrolments/bulk-proposals", response={201: BulkProposalOut})
@action("school.enrol")
def create_bulk_proposal(request: HttpRequest, payload: BulkProposalIn):
    """Every child of school age staying in the shelter, not yet enrolled: the nearest school
    of their level with a free seat in their grade, siblings together; no seat anywhere within
    reach: waitlisted at the nearest. A draft until confirmed."""
    proposal = proposals.create_proposal(
        actor=actor_of(request), user=user_of(request), shelter=payload.shelter,
        school_year=payload.school_year, today=payload.date)
    return Status(201, _proposal_out(request, proposal))


@router.get("/enrolments/bulk-proposals/{school_proposal_id}", response=BulkProposalOut)
@action("school.enrol")
def read_bulk_proposal(request: HttpRequest, school_proposal_id: str):
    proposal = proposal_selectors.get_proposal(user=user_of(request),
                                               proposal_id=school_proposal_id)
    return _proposal_out(request, proposal)


@router.post("/enrolments/bulk-proposals/{school_proposal_id}/confirm",
             response=BulkProposalOut)
@action("school.enrol")
def confirm_bulk_proposal(request: HttpRequest, school_proposal_id: str):
    """All or nothing, in one transaction: a line that no longer fits (its seat was taken, the
    child was enrolled meanwhile) is named in a 409 and nothing is enrolled. Twice: 409."""
    proposal = proposals.confirm_proposal(actor=actor_of(request), user=user_of(request),
                                          proposal_id=school_proposal_id)
    return _proposal_out(request, proposal)


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


@router.get("/people/{registration_number}/school-suggestion", response=SchoolSuggestionOut)
@action("school.read")
def school_suggestion(request: HttpRequest, registration_number: str,
                      query: Query[SuggestionQuery]):
    """Level and grade for the child's age on 31 December of the school year's first year, with
    the age, that date and the rule's source. Not aged 3–17 on that day: 422."""
    return selectors.school_suggestion(actor=actor_of(request), user=user_of(request),
                                       registration_number=registration_number,
                                       school_year=query.school_year).__dict__


@router.get("/stats/schooling", response=StatsOut)
@action("school.stats")
def stats(request: HttpRequest, query: Query[FiltersIn]):
    """Counts by level (seats, enrolled, attending, waitlisted, left); never names; children
    1 to 4 are "<5". The filters: enrolments requested from ``date_from`` to ``date_to``, of
    children registered at the registration point (``state``, ``place``) and in the arrival
    group (``group``) given; seats and schools stay whole. A bad filter is a 422 naming the
    field."""
    return selectors.stats(user=user_of(request), filters=filters_of(query))
