"""Writes on schooling: schools, seats per grade, enrolment requests and their transitions.

Every function runs in one transaction, checks access and writes the audit entries (subject: the
child's registration number). Children of migrants enrol without documents (standards.md): no
document is asked for. Seats are counted under a lock on the school's row, so two clerks cannot
give away the same last seat; a child who finds no free seat waits, in order of request, and
the first in line is enrolled as soon as a seat frees (a child leaves, seats are added).
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.accounts.services import stored_user
from acogida.core.errors import Conflict, FieldError, InvalidInput, NotFound
from acogida.core.numbers import parse_id
from acogida.registry.selectors import find_person as person_by_number

from . import grades
from . import seats as seat_counts
from .models import ACTIVE, HOLDS_SEAT, Enrolment, EnrolmentStatus, Level, School, SchoolGrade

SCHOOL_FIELDS = ("name", "level", "state", "municipality", "location", "latitude", "longitude")
MAX_SEATS = 10_000

# status now -> statuses it may move to
TRANSITIONS: dict[str, tuple[str, ...]] = {
    EnrolmentStatus.REQUESTED: (EnrolmentStatus.ENROLLED, EnrolmentStatus.LEFT),
    EnrolmentStatus.WAITLISTED: (EnrolmentStatus.ENROLLED, EnrolmentStatus.LEFT),
    EnrolmentStatus.ENROLLED: (EnrolmentStatus.ATTENDING, EnrolmentStatus.LEFT),
    EnrolmentStatus.ATTENDING: (EnrolmentStatus.LEFT,),
    EnrolmentStatus.LEFT: (),
}


# ---- schools and seats ---------------------------------------------------------------------------

@transaction.atomic
def create_school(*, actor: audit.Actor, user, values: dict) -> School:
    access.require(user, "school.manage")
    errors = []
    if values.get("level") not in Level.values:
        errors.append(FieldError("level", _("One of: %(levels)s.") % {
            "levels": ", ".join(Level.values)}))
    for name in ("name", "state", "municipality"):
        if not str(values.get(name) or "").strip():
            errors.append(FieldError(name, _("This field is required.")))
    if errors:
        raise InvalidInput(_("The school was not added: fix the fields named."), errors)
    school = School(**{k: (v.strip() if isinstance(v, str) else v)
                       for k, v in values.items() if k in SCHOOL_FIELDS and v is not None})
    if School.objects.filter(name=school.name, level=school.level,
                             municipality=school.municipality).exists():
        raise Conflict(_("That school is already listed."), [FieldError("name", school.name)])
    school.full_clean(exclude=["created_at"])
    school.save()
    audit.record(actor, "school.create", "school", school.pk, name=school.name,
                 level=school.level)
    return school


@transaction.atomic
def set_seats(*, actor: audit.Actor, user, school_id, grade: int, seats: int) -> SchoolGrade:
    """How many children a grade takes. More seats enrol the waiting children at once; fewer
    seats never remove a child already enrolled."""
    access.require(user, "school.manage")
    school = school_by_id(school_id, lock=True)
    _check_grade(school.level, grade)
    if seats is None or not 0 <= seats <= MAX_SEATS:
        raise InvalidInput(_("Seats: a number from 0 to %(max)s.") % {"max": MAX_SEATS},
                           [FieldError("seats", str(seats))])
    row, _created = SchoolGrade.objects.update_or_create(school=school, grade=grade,
                                                         defaults={"seats": seats})
    audit.record(actor, "school.seats", "school", school.pk, grade=grade, seats=seats)
    _fill_free_seats(actor, school, grade)
    return row


# ---- enrolment ---------------------------------------------------------------------------------

@transaction.atomic
def request_enrolment(*, actor: audit.Actor, user, registration_number: str, school_id,
                      grade: int | None = None, placement_test: bool = False,
                      today: date | None = None) -> Enrolment:
    """Enrol a child aged 3–17 in ``school``: enrolled if the grade has a free seat, otherwise
    on the waiting list. ``grade`` defaults to the age suggestion; another grade, or a school of
    another level, needs the school's placement test (``placement_test``)."""
    access.require(user, "school.enrol")
    person = person_by_number(registration_number)
    school = school_by_id(school_id, lock=True)
    today = today or timezone.localdate()
    suggestion = grades.suggested_placement(person.date_of_birth, grades.school_year_start(today))
    if suggestion is None:
        raise InvalidInput(_("Only children of school age (3 to 17) are enrolled."), [
            FieldError("person", _("Aged %(age)s on 31 December of this school year.") % {
                "age": grades.age_on_cutoff(person.date_of_birth,
                                            grades.school_year_start(today))})])
    if grade is None and school.level == suggestion.level:
        grade = suggestion.grade
    elif grade is None:
        raise InvalidInput(_("The child's age suggests %(level)s grade %(grade)s; this school is "
                             "%(school)s: name the grade the school's placement test gave.") % {
            "level": suggestion.level, "grade": suggestion.grade, "school": school.level},
            [FieldError("grade", _("This field is required."))])
    _check_grade(school.level, grade)
    overridden = (school.level, grade) != (suggestion.level, suggestion.grade)
    if overridden and not placement_test:
        raise InvalidInput(_("Away from the age suggestion (%(level)s grade %(grade)s) only "
                             "after the school's placement test.") % {
            "level": suggestion.level, "grade": suggestion.grade},
            [FieldError("placement_test", _("Say that the school tested the child."))])
    active = Enrolment.objects.filter(person=person, status__in=ACTIVE).select_related(
        "school").first()
    if active is not None:
        raise Conflict(_("The child already has an enrolment: they leave it first."), [
            FieldError("person", _("%(status)s at %(school)s.") % {
                "status": active.get_status_display(), "school": active.school.name})])
    now = timezone.now()
    free = _free_seats(school, grade) > 0
    enrolment = Enrolment(
        person=person, school=school, level=school.level, grade=grade,
        suggested_level=suggestion.level, suggested_grade=suggestion.grade,
        overridden_by_test=overridden,
        status=EnrolmentStatus.ENROLLED if free else EnrolmentStatus.WAITLISTED,
        requested_at=now, enrolled_at=now if free else None,
        requested_by=stored_user(user))
    enrolment.full_clean(exclude=["person", "school", "requested_by"])
    try:
        with transaction.atomic():
            enrolment.save()
    except IntegrityError as exc:  # the same child, requested twice at once
        raise Conflict(_("The child already has an enrolment: they leave it first.")) from exc
    audit.record(actor, "enrolment.request", "enrolment", enrolment.pk,
                 subject=person.registration_number, school=school.pk, level=school.level,
                 grade=grade, status=enrolment.status, overridden_by_test=overridden)
    return enrolment


@transaction.atomic
def transition(*, actor: audit.Actor, user, enrolment_id, to: str) -> Enrolment:
    """enrolled → attending, any active → left, waitlisted → enrolled (if a seat is free).
    A child who leaves frees a seat: the first waiting child of that grade is enrolled."""
    access.require(user, "school.enrol")
    enrolment = Enrolment.objects.filter(pk=_int(enrolment_id, "enrolment")).select_related(
        "person").first()
    if enrolment is None:
        raise NotFound(_("No such enrolment."))
    school = school_by_id(enrolment.school_id, lock=True)
    enrolment.refresh_from_db()  # the status as it stands under the lock
    if to not in EnrolmentStatus.values:
        raise InvalidInput(_("Unknown status."), [FieldError("to", _("One of: %(s)s.") % {
            "s": ", ".join(EnrolmentStatus.values)})])
    if to not in TRANSITIONS[enrolment.status]:
        raise Conflict(_("An enrolment that is %(now)s cannot become %(to)s.") % {
            "now": enrolment.status, "to": to}, [FieldError("to", to)])
    if to == EnrolmentStatus.ENROLLED and _free_seats(school, enrolment.grade) <= 0:
        raise Conflict(_("No free seat in this grade: the child stays on the waiting list."),
                       [FieldError("to", to)])
    before, now = enrolment.status, timezone.now()
    enrolment.status = to
    if to == EnrolmentStatus.ENROLLED:
        enrolment.enrolled_at = now
    elif to == EnrolmentStatus.ATTENDING:
        enrolment.attending_since = now
    else:
        enrolment.left_at = now
    enrolment.save(update_fields=["status", "enrolled_at", "attending_since", "left_at"])
    audit.record(actor, f"enrolment.{to}", "enrolment", enrolment.pk,
                 subject=enrolment.person.registration_number, school=school.pk,
                 grade=enrolment.grade, previous=before)
    if to == EnrolmentStatus.LEFT and before in HOLDS_SEAT:
        _fill_free_seats(actor, school, enrolment.grade)
    return enrolment


# ---- helpers -------------------------------------------------------------------------------------

def _free_seats(school: School, grade: int) -> int:
    return seat_counts.free(school.pk, grade)


def _fill_free_seats(actor: audit.Actor, school: School, grade: int) -> list[Enrolment]:
    """Enrol waiting children of ``grade`` in order of request while seats are free (the
    caller holds the school's lock)."""
    free = _free_seats(school, grade)
    if free <= 0:
        return []
    waiting = list(Enrolment.objects.filter(
        school=school, grade=grade, status=EnrolmentStatus.WAITLISTED)
        .select_related("person").order_by("requested_at", "id")[:free])
    now = timezone.now()
    for enrolment in waiting:
        enrolment.status, enrolment.enrolled_at = EnrolmentStatus.ENROLLED, now
        enrolment.save(update_fields=["status", "enrolled_at"])
    audit.record_many(actor, [audit.Event(
        "enrolment.enrolled", "enrolment", e.pk,
        {"school": school.pk, "grade": grade, "previous": "waitlisted", "from_waitlist": True},
        subject=e.person.registration_number) for e in waiting])
    return waiting


def _int(value, field: str) -> int:
    number = parse_id(value)
    if number is None:
        raise NotFound(_("Not found."), [FieldError(field, str(value)[:40])])
    return number


def school_by_id(school_id, *, lock: bool = False) -> School:
    """The school (404 naming ``school`` if there is none); ``lock``: under a row lock."""
    queryset = School.objects.select_for_update() if lock else School.objects
    school = queryset.filter(pk=_int(school_id, "school")).first()
    if school is None:
        raise NotFound(_("No such school."), [FieldError("school", str(school_id)[:40])])
    return school



def _check_grade(level: str, grade) -> None:
    if not isinstance(grade, int) or not grades.valid_grade(level, grade):
        raise InvalidInput(_("%(level)s has grades 1 to %(last)s.") % {
            "level": level, "last": grades.GRADES.get(level, 0)},
            [FieldError("grade", str(grade))])
