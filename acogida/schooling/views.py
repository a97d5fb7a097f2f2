"""Schooling pages: the schools with their seats, a school's class lists (printable) and
waiting list with the teacher's buttons, enrolling one child (search, suggestion, request,
override after a placement test), and bulk proposals for a shelter (create, review, confirm).

Thin: each view reads the request, calls one selector or service and renders or redirects.
Access is decided in the selectors and services (teachers: role ``education``; case officers
may enrol too). A class list shows name, age, grade, guardian and contact: nothing about
asylum or health.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from acogida.accounts import access
from acogida.accounts.web_support import actor_of, page
from acogida.core.errors import DomainError, InvalidInput
from acogida.core.numbers import parse_id
from acogida.registry import selectors as registry_selectors

from . import grades, proposal_selectors, proposals, selectors, services
from .models import EnrolmentStatus


def _message(exc: DomainError) -> str:
    parts = [str(exc.detail)] + [str(e.message) for e in exc.errors
                                 if str(e.message) != str(exc.detail)]
    return " ".join(parts)


def _number(value) -> int | None:
    return parse_id(value)


def _refuse_or_say(request, exc: DomainError, *, missing_is_404: bool = False) -> None:
    """A refusal is the 403 page (a missing object the 404 page, if asked); any other domain
    error a message on the page the user comes back to."""
    if exc.status == 403 or (missing_is_404 and exc.status == 404):
        raise exc
    messages.error(request, _message(exc))


# ---- schools -----------------------------------------------------------------------------------

@page
@require_GET
def school_list(request):
    schools = selectors.list_schools(user=request.user)
    return render(request, "schooling/list.html", {
        "schools": schools, "totals": selectors.enrolment_counts(user=request.user)})


@page
@require_GET
def school_detail(request, school_id: int):
    """Class lists per grade (printable) and the waiting list, with the teacher's buttons."""
    found = selectors.get_school(user=request.user, school_id=school_id)
    actor = actor_of(request)
    pupils = selectors.class_list(actor=actor, user=request.user, school_id=school_id)
    waiting = selectors.waitlist(actor=actor, user=request.user, school_id=school_id)
    free = {g.grade: g.free for g in found.grades}
    classes = [{"grade": g, "pupils": [p for p in pupils if p.grade == g.grade],
                "waiting": [w for w in waiting if w.grade == g.grade]} for g in found.grades]
    return render(request, "schooling/detail.html", {
        "found": found, "school": found.school, "classes": classes, "free": free,
        "pupils": len(pupils), "waiting": len(waiting),
        "can_enrol": access.can(request.user, "school.enrol")})


@page
@require_POST
def enrolment_transition(request, school_id: int, enrolment_id: int):
    """enrolled → attending, → left, a waiting child enrolled once a seat is free."""
    to = request.POST.get("to", "")
    try:
        enrolment = services.transition(actor=actor_of(request), user=request.user,
                                        enrolment_id=enrolment_id, to=to)
    except DomainError as exc:
        _refuse_or_say(request, exc, missing_is_404=True)
    else:
        messages.success(request, _("%(name)s: %(status)s.") % {
            "name": enrolment.person.full_name, "status": enrolment.get_status_display()})
    return redirect("school-detail", school_id=school_id)


# ---- one child -----------------------------------------------------------------------------------

def _child_context(request, registration_number: str) -> dict:
    """The person, the age suggestion (or why there is none) and their enrolments."""
    actor = actor_of(request)
    person = registry_selectors.get_person(actor=actor, user=request.user,
                                           registration_number=registration_number)
    context = {"person": person, "suggestion": None, "not_school_age": ""}
    try:
        context["suggestion"] = selectors.school_suggestion(
            actor=actor, user=request.user, registration_number=person.registration_number)
    except InvalidInput as exc:
        context["not_school_age"] = str(exc.detail)
    found = selectors.schooling_of_person(actor=actor, user=request.user,
                                          registration_number=person.registration_number)
    context["enrolments"] = found["enrolments"]
    context["active"] = next((e for e, _p in found["enrolments"] if e.is_active), None)
    return context


@page
def enrol(request):
    """GET: search a child (``q``) or show one (``person``); POST: request the enrolment."""
    access.require(request.user, "school.enrol")
    if request.method == "POST":
        number = request.POST.get("person", "")[:40]
        try:
            enrolment = services.request_enrolment(
                actor=actor_of(request), user=request.user, registration_number=number,
                school_id=request.POST.get("school", ""),
                grade=_number(request.POST.get("grade")),
                placement_test=request.POST.get("placement_test") == "on")
        except DomainError as exc:
            _refuse_or_say(request, exc)
        else:
            if enrolment.status == EnrolmentStatus.ENROLLED:
                messages.success(request, _("Enrolled at %(school)s, grade %(grade)s.") % {
                    "school": enrolment.school.name, "grade": enrolment.grade})
            else:
                messages.warning(request, _(
                    "No free seat in grade %(grade)s at %(school)s: waitlisted, number "
                    "%(position)s in line.") % {
                    "grade": enrolment.grade, "school": enrolment.school.name,
                    "position": selectors.waitlist_position(enrolment)})
        return redirect(reverse("school-enrol") + "?" + urlencode({"person": number}))
    q = request.GET.get("q", "").strip()[:200]
    number = request.GET.get("person", "").strip()[:40]
    context: dict = {"q": q, "people": [], "person": None}
    if number:
        context.update(_child_context(request, number))
        suggestion = context["suggestion"]
        context["schools"] = selectors.schools_to_choose(  # the suggested level first
            user=request.user, level_first=suggestion.level if suggestion else None)
        context["grades"] = range(1, max(grades.GRADES.values()) + 1)
    elif q:
        result = registry_selectors.search_people(actor=actor_of(request), user=request.user,
                                                  q=q, page_size=10)
        context["people"] = result.items
    return render(request, "schooling/enrol.html", context)


# ---- bulk proposals ----------------------------------------------------------------------------

@page
def bulk_home(request):
    """The proposals so far; POST makes a new one for a shelter."""
    if request.method == "POST":
        try:
            proposal = proposals.create_proposal(
                actor=actor_of(request), user=request.user,
                shelter=_number(request.POST.get("shelter")) or "")
        except DomainError as exc:
            _refuse_or_say(request, exc)
            return redirect("school-bulk")
        return redirect("school-bulk-proposal", proposal_id=proposal.pk)
    return render(request, "schooling/bulk.html", {
        "proposals": proposal_selectors.recent_proposals(user=request.user),
        "shelters": proposal_selectors.shelters_to_choose(user=request.user)})


@page
@require_GET
def bulk_proposal(request, proposal_id: int):
    proposal = proposal_selectors.get_proposal(user=request.user, proposal_id=proposal_id)
    view = proposal_selectors.proposal_view(actor=actor_of(request), user=request.user,
                                   proposal=proposal)
    return render(request, "schooling/bulk_proposal.html", {"proposal": view})


@page
@require_POST
def bulk_confirm(request, proposal_id: int):
    try:
        proposal = proposals.confirm_proposal(actor=actor_of(request), user=request.user,
                                              proposal_id=proposal_id)
    except DomainError as exc:
        _refuse_or_say(request, exc, missing_is_404=True)
    else:
        result = proposal.data["result"]
        messages.success(request, _("Confirmed: %(enrolled)s enrolled, %(waitlisted)s "
                                    "waitlisted.") % result)
    return redirect("school-bulk-proposal", proposal_id=proposal_id)
