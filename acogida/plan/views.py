"""Plan pages: the places where the plan is offered, one place's offers (bulk offer, and each
offer's outcome), a person's plan at a glance, and the figures (aggregates, for coordinators).

Thin: each view reads the request, calls one selector or service and renders or redirects.
Access is decided in the selectors and services.
"""

from datetime import date

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from acogida.accounts import access
from acogida.accounts.web_support import actor_of, page
from acogida.core import numbers
from acogida.core.errors import DomainError, FieldError, InvalidInput

from . import selectors, services, stats
from .models import ApplicationKind, OfferStatus

DECISIONS = {"accept": OfferStatus.ACCEPTED, "decline": OfferStatus.DECLINED,
             "withdraw": OfferStatus.WITHDRAWN, "moved-on": OfferStatus.MOVED_ON}


def _message(exc: DomainError) -> str:
    parts = [str(exc.detail)] + [str(e.message) for e in exc.errors
                                 if str(e.message) != str(exc.detail)]
    return " ".join(parts)


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError as exc:
        raise InvalidInput(_("Write the date as YYYY-MM-DD."),
                           [FieldError(name, value[:20])]) from exc


def _refused(request, exc: DomainError) -> None:
    if exc.status == 403:
        raise exc
    messages.error(request, _message(exc))


@page
@require_GET
def plan_home(request):
    return render(request, "plan/home.html",
                  {"places": selectors.places_overview(user=request.user)})


@page
@require_GET
def plan_place(request, key: str):
    status = request.GET.get("status") or None
    # ASCII digits up to the last page there may be; anything else (or "²", or 25 digits) reads
    # as the first page
    number = numbers.parse_bounded(request.GET.get("page", 1), 1, selectors.MAX_PAGE) or 1
    where = selectors.find_place(user=request.user, key=key)
    try:
        found = selectors.list_offers(actor=actor_of(request), user=request.user,
                                      place=where.key, status=status, page=number)
    except InvalidInput as exc:
        messages.error(request, _message(exc))
        found = selectors.list_offers(actor=actor_of(request), user=request.user,
                                      place=where.key, page=1)
        status = None
    return render(request, "plan/place.html", {
        "place": where, "page": found, "status": status, "statuses": OfferStatus.choices,
        "offers": [selectors.offer_view(o) for o in found.items],
        "can_offer": access.can(request.user, "plan.offer")})


@page
@require_POST
def bulk_offer(request, key: str):
    try:
        result = services.bulk_offer(actor=actor_of(request), user=request.user, place=key,
                                     on=_day(request.POST.get("on"), "on"),
                                     dry_run=bool(request.POST.get("dry_run")))
    except DomainError as exc:
        _refused(request, exc)
    else:
        done = (_("Dry run: %(people)s people in %(offers)s offers would be offered the plan; "
                  "%(skipped)s skipped.") if result.dry_run else
                _("%(people)s people in %(offers)s offers were offered the plan; %(skipped)s "
                  "skipped."))
        why = ", ".join(f"{reason}: {n}" for reason, n in sorted(result.skipped.items()))
        messages.success(request, done % {"people": result.offered, "offers": result.offers,
                                          "skipped": result.skipped_total}
                         + (f" ({why})" if why else ""))
    return redirect("plan-place", key=key)


@page
@require_POST
def decide(request, offer_id: int):
    to = DECISIONS.get(request.POST.get("to", ""), "")
    back = request.POST.get("place", "")
    error = ""
    try:
        services.decide(actor=actor_of(request), user=request.user, offer_id=offer_id, to=to,
                        on=_day(request.POST.get("on"), "on"),
                        reason=request.POST.get("reason", ""))
    except DomainError as exc:
        if exc.status == 403 or not request.htmx:
            _refused(request, exc)
        error = _message(exc)
    if request.htmx:
        offer = selectors.get_offer(actor=actor_of(request), user=request.user,
                                    offer_id=offer_id)
        return render(request, "plan/_offer_row.html", {
            "o": selectors.offer_view(offer),
            "can_offer": access.can(request.user, "plan.offer"), "error": error,
            "place": back})
    if back:
        return redirect("plan-place", key=back)
    return redirect("plan-home")


@page
@require_GET
def person_plan(request, registration_number: str):
    plan = selectors.person_plan(actor=actor_of(request), user=request.user,
                                 registration_number=registration_number)
    can_offer = access.can(request.user, "plan.offer")
    return render(request, "plan/person.html", {
        "plan": plan, "kinds": ApplicationKind.choices,
        "places": selectors.places_overview(user=request.user) if can_offer else [],
        "can_offer": can_offer,
        "can_apply": access.can(request.user, "plan.record_application"),
        "can_pet": access.can(request.user, "plan.pet")})


def _back_to_person(registration_number: str):
    return redirect(reverse("person-plan", args=[registration_number]))


@page
@require_POST
def person_action(request, registration_number: str, what: str):
    """Record an application, offer the plan, or enrol in PET, from the person's page."""
    post, actor = request.POST, actor_of(request)
    try:
        if what == "application":
            services.record_application(
                actor=actor, user=request.user, registration_number=registration_number,
                kind=post.get("kind", ""), reference=post.get("reference", ""),
                filed_on=_day(post.get("filed_on"), "filed_on"))
            messages.success(request, _("Application recorded."))
        elif what == "offer":
            household = post.get("household", "")
            services.make_offer(actor=actor, user=request.user, place=post.get("place", ""),
                                registration_number="" if household else registration_number,
                                household_number=household,
                                offered_on=_day(post.get("offered_on"), "offered_on"))
            messages.success(request, _("The plan was offered."))
        elif what == "pet":
            services.enrol_pet(actor=actor, user=request.user,
                               registration_number=registration_number,
                               employer=post.get("employer", ""),
                               starts_on=_day(post.get("starts_on"), "starts_on"),
                               ends_on=_day(post.get("ends_on"), "ends_on"))
            messages.success(request, _("PET enrolment recorded."))
    except DomainError as exc:
        _refused(request, exc)
    return _back_to_person(registration_number)


@page
@require_GET
def figures(request):
    get = request.GET
    try:
        found = stats.suppressed_figures(
            user=request.user, date_from=_day(get.get("date_from"), "date_from"),
            date_to=_day(get.get("date_to"), "date_to"), state=get.get("state") or None,
            place=get.get("place") or None)
    except InvalidInput as exc:
        messages.error(request, _message(exc))
        found = stats.suppressed_figures(user=request.user)
    return render(request, "plan/figures.html", {"figures": found, "query": get,
                                                 "columns": stats.COLUMNS})
