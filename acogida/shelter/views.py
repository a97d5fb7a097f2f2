"""Shelter pages: the list with occupancy bars, a shelter with its sections and residents,
check-in by search, the printable roll-call sheet, and placement proposals (edit, confirm).

Thin: each view reads the request, calls one selector or service and renders or redirects.
Access is decided in the selectors and services; names only reach roles with ``stay.read``.
"""

from datetime import date

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from acogida.accounts import access
from acogida.accounts.web_support import actor_of, page
from acogida.core.errors import DomainError, FieldError, InvalidInput
from acogida.registry import selectors as registry_selectors

from . import proposals, selectors, services
from .models import PlacementProposal, Section


def _message(exc: DomainError) -> str:
    parts = [str(exc.detail)] + [str(e.message) for e in exc.errors
                                 if str(e.message) != str(exc.detail)]
    return " ".join(parts)


def _number(value) -> int | None:
    return int(value) if str(value).isdigit() else None


@page
@require_GET
def shelter_list(request):
    shelters = selectors.list_shelters(user=request.user)
    return render(request, "shelter/list.html", {"shelters": shelters})


def _detail_context(request, shelter_id) -> dict:
    found = selectors.get_shelter(user=request.user, shelter_id=shelter_id)
    context = {"found": found, "shelter": found.shelter,
               "overrides": selectors.overrides(user=request.user, shelter=found.shelter),
               "roll_calls": selectors.last_roll_calls(user=request.user, shelter=found.shelter),
               "residents": selectors.residents_by_section(actor=actor_of(request),
                                                           user=request.user,
                                                           shelter=found.shelter)}
    return context


@page
@require_GET
def shelter_detail(request, shelter_id: int):
    return render(request, "shelter/detail.html", _detail_context(request, shelter_id))


@page
@require_GET
def check_in_search(request, shelter_id: int):
    """People found by name or number, each with a check-in form (htmx partial)."""
    access.require(request.user, "stay.write")
    found = selectors.get_shelter(user=request.user, shelter_id=shelter_id)
    q = request.GET.get("q", "").strip()[:200]
    people = []
    if q:
        result = registry_selectors.search_people(actor=actor_of(request), user=request.user,
                                                  q=q, page_size=10)
        people = [registry_selectors.person_view(request.user, p) for p in result.items]
    return render(request, "shelter/_check_in_results.html",
                  {"people": people, "found": found, "q": q,
                   "can_override": access.can(request.user, "stay.override")})


@page
@require_POST
def check_in(request, shelter_id: int):
    person, household = request.POST.get("person", ""), request.POST.get("household", "")
    try:
        stays = services.check_in(
            actor=actor_of(request), user=request.user,
            section_id=_number(request.POST.get("section")) or 0,
            registration_number=person if not household else "", household_number=household,
            override_reason=request.POST.get("override_reason", ""))
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("%(n)s checked in.") % {"n": len(stays)})
    return redirect("shelter-detail", shelter_id=shelter_id)


@page
@require_POST
def check_out(request, shelter_id: int, stay_id: int):
    try:
        services.check_out(actor=actor_of(request), user=request.user, stay_id=stay_id)
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("Checked out."))
    return redirect("shelter-detail", shelter_id=shelter_id)


@page
def roll_call(request, shelter_id: int, section_id: int):
    """GET: the printable sheet with the residents' names; POST: the night's headcount."""
    found = selectors.get_shelter(user=request.user, shelter_id=shelter_id)
    section = Section.objects.filter(pk=section_id, shelter=found.shelter).first()
    if section is None:
        return redirect("shelter-detail", shelter_id=shelter_id)
    if request.method == "POST":
        present = {int(v) for v in request.POST.getlist("present") if v.isdigit()}
        stays = [int(v) for v in request.POST.getlist("stay") if v.isdigit()]
        try:
            night = date.fromisoformat(request.POST.get("night", ""))
        except ValueError:
            night = timezone.localdate()
        try:
            call = services.take_roll_call(actor=actor_of(request), user=request.user,
                                           section_id=section.pk, night=night,
                                           absent=[s for s in stays if s not in present])
        except DomainError as exc:
            if exc.status == 403:
                raise
            messages.error(request, _message(exc))
        else:
            messages.success(request, _("Roll call taken: %(present)s present, %(absent)s "
                                        "absent, %(released)s beds released.") % {
                "present": call.present, "absent": call.absent, "released": call.released})
        return redirect("shelter-roll-call", shelter_id=shelter_id, section_id=section_id)
    stays = selectors.residents(actor=actor_of(request), user=request.user,
                                shelter=found.shelter, section_id=section.pk)
    return render(request, "shelter/roll_call.html", {
        "found": found, "section": section, "night": timezone.localdate(),
        "residents": [selectors.resident_view(s, user=request.user) for s in stays]})


# ---- placement ---------------------------------------------------------------------------------

@page
def placement_home(request):
    """The proposals so far; POST asks the optimiser for a new one (everyone waiting)."""
    access.require(request.user, "placement.propose")
    if request.method == "POST":
        try:
            proposal = proposals.create_proposal(
                actor=actor_of(request), user=request.user,
                time_limit_s=min(60.0, float(request.POST.get("time_limit_s") or 10)))
        except (DomainError, ValueError) as exc:
            if isinstance(exc, DomainError) and exc.status == 403:
                raise
            messages.error(request, _message(exc) if isinstance(exc, DomainError) else str(exc))
            return redirect("placement-home")
        return redirect("placement-proposal", proposal_id=proposal.pk)
    recent = PlacementProposal.objects.order_by("-created_at")[:20]
    return render(request, "shelter/placement_home.html", {"proposals": recent})


def _proposal_context(request, proposal) -> dict:
    view = proposals.proposal_view(request.user, proposal)
    sections = Section.objects.select_related("shelter").order_by("shelter__name", "name")
    return {"proposal": view, "sections": sections,
            "can_confirm": access.can(request.user, "placement.confirm")}


@page
@require_GET
def placement_proposal(request, proposal_id: int):
    proposal = proposals.get_proposal(user=request.user, proposal_id=proposal_id)
    return render(request, "shelter/placement.html", _proposal_context(request, proposal))


@page
@require_POST
def placement_line(request, proposal_id: int):
    """Change one line (htmx: the table comes back; without JavaScript: the page)."""
    section = request.POST.get("section", "")
    try:
        if section in ("", "none"):
            section_id = None  # take the household out of the proposal
        elif (section_id := _number(section)) is None:
            raise InvalidInput(_("Choose a section from the list."),
                               [FieldError("section", section[:20])])
        proposal = proposals.change_line(
            actor=actor_of(request), user=request.user, proposal_id=proposal_id,
            household=request.POST.get("household", ""), section_id=section_id)
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, _message(exc))
        proposal = proposals.get_proposal(user=request.user, proposal_id=proposal_id)
    if request.htmx:
        return render(request, "shelter/_proposal_lines.html",
                      _proposal_context(request, proposal))
    return redirect("placement-proposal", proposal_id=proposal_id)


@page
@require_POST
def placement_confirm(request, proposal_id: int):
    try:
        proposals.confirm_proposal(actor=actor_of(request), user=request.user,
                                   proposal_id=proposal_id)
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("Confirmed: everyone in the proposal is checked in."))
    return redirect("placement-proposal", proposal_id=proposal_id)
