"""The doctor's pages: the medical-care home (open a record by number, the open-referrals
worklist), a person's health record, the forms that add an encounter, a vaccination or a
referral, referral transitions, an administrator's break-glass page, and the coordinators'
counts.

Thin: each view reads the request, calls one selector or service and renders or redirects.
Access is decided in the selectors and services; every refusal on a health page is audited
(``health.denied``), by the selector that refused or else by ``health_page``. Finding a person by
name is the registry's search page (medical staff may read the registry); the person page links
here.
"""

import functools

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from acogida.accounts import access
from acogida.accounts.web_support import actor_of, page
from acogida.core.ages import age_on
from acogida.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from acogida.reporting.suppression import as_number

from . import forms, selectors, services
from .models import Reason, ReferralStatus, Urgency

ENCOUNTER_INPUTS = {"person", "date", "facility_kind", "facility_name", "reason", "triage",
                    "notes", "pregnancy_follow_up",
                    *(f"diagnosis_{i}_{part}" for i in range(forms.DIAGNOSIS_ROWS)
                      for part in ("text", "icd10"))}
VACCINATION_INPUTS = {"person", "vaccine", "dose", "date", "lot"}
REFERRAL_INPUTS = {"person", "to_facility", "urgency", "reason"}


def health_page(view):
    """``@page`` (login; Forbidden → 403, NotFound → 404), and a refusal not yet audited by the
    selector or service that raised it is audited here, with the person's number if known."""

    @functools.wraps(view)
    def auditing(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Forbidden as exc:
            if not getattr(exc, "audited", False):
                number = (kwargs.get("registration_number") or request.POST.get("person")
                          or request.GET.get("person") or "")
                name = request.resolver_match.url_name if request.resolver_match else ""
                selectors.refused(actor_of(request), request.user, what=name or "page",
                                  subject=selectors.existing_number(number))
            raise

    return page(auditing)


def _status(exc: DomainError) -> int:
    """A form refused: 422 (an unknown person is a wrong input, not a missing page)."""
    return 422 if exc.status == 404 else exc.status


def _person_url(registration_number: str) -> str:
    return reverse("health-person", args=[registration_number])


# ---- the medical-care home: open a record, the open-referrals worklist ------------------------

@health_page
@require_GET
def home(request):
    status = request.GET.get("status", "open")
    urgency = request.GET.get("urgency", "")
    errors = None
    try:
        worklist = selectors.referrals(
            actor=actor_of(request), user=request.user, status="" if status == "all" else status,
            urgency=urgency, page=request.GET.get("page", 1))
    except InvalidInput as exc:
        errors = forms.FormErrors.of(exc, {"status", "urgency", "page"})
        worklist = None
    number = request.GET.get("person", "").strip()
    if number:
        try:
            person = selectors.find_person(number)
        except NotFound as exc:
            errors = forms.FormErrors(detail=str(exc.detail),
                                      fields={"person": [str(exc.detail)]})
        else:
            return redirect(_person_url(person.registration_number))
    return render(request, "health/home.html", {
        "worklist": worklist, "errors": errors, "person_number": number[:40],
        "status": status, "urgency": urgency, "choices": forms.choices(),
        "can_write": access.can(request.user, "health.write"), "next_steps": _next_steps()},
        status=422 if errors else 200)


# ---- a person's record -------------------------------------------------------------------------

@health_page
@require_GET
def person_health(request, registration_number: str):
    try:
        record = selectors.person_health(actor=actor_of(request), user=request.user,
                                         registration_number=registration_number)
    except Forbidden as exc:
        if not access.can(request.user, "health.break_glass"):
            raise
        # an administrator: the refusal is audited; say how to break the glass
        person = selectors.find_person(registration_number)
        return render(request, "health/no_grant.html", {"person": person,
                                                        "detail": exc.detail}, status=403)
    return render(request, "health/person.html", {
        "record": record, "person": record["person"],
        "age": age_on(record["person"].date_of_birth, record["today"]),
        "can_write": access.can(request.user, "health.write"),
        "next_steps": _next_steps(), "labels": _labels()})


STEP_LABELS = {ReferralStatus.ACCEPTED: gettext_lazy("Accept"),
               ReferralStatus.ATTENDED: gettext_lazy("Mark attended"),
               ReferralStatus.CLOSED: gettext_lazy("Close"),
               ReferralStatus.DECLINED: gettext_lazy("Decline")}


def _next_steps() -> dict[str, list[tuple[str, str]]]:
    """For each status, the transition buttons (the services' table), declining last."""
    order = list(ReferralStatus.values)
    return {status: [(t, STEP_LABELS[t]) for t in sorted(targets, key=order.index)]
            for status, targets in services.TRANSITIONS.items()}


def _labels() -> dict:
    return {"reason": dict(Reason.choices), "urgency": dict(Urgency.choices),
            "status": dict(ReferralStatus.choices),
            "facility": dict(forms.choices()["facility_kinds"]),
            "vaccine": dict(forms.choices()["vaccines"])}


# ---- forms -------------------------------------------------------------------------------------

def _form(request, template: str, *, what: str, values: dict, errors=None, status: int = 200):
    number = values.get("person", "")
    person = selectors.writer_form(actor=actor_of(request), user=request.user,
                                   registration_number=number, what=what)
    rows = [(f"diagnosis_{i}_text", f"diagnosis_{i}_icd10") for i in range(forms.DIAGNOSIS_ROWS)]
    return render(request, template, {"person": person, "values": values, "errors": errors,
                                      "choices": forms.choices(), "labels": _labels(),
                                      "diagnosis_rows": rows}, status=status)


@health_page
@require_http_methods(["GET", "POST"])
def encounter_new(request):
    if request.method == "GET":
        return _form(request, "health/encounter_form.html", what="encounter",
                     values={"person": request.GET.get("person", "").strip()[:40]})
    post, renames = request.POST, {}
    try:
        rows, renames = forms.diagnoses(post)
        encounter = services.record_encounter(
            actor=actor_of(request), user=request.user,
            registration_number=post.get("person", ""), date=forms.parse_date(post.get("date")),
            facility_kind=post.get("facility_kind", ""),
            facility_name=post.get("facility_name", ""), reason=post.get("reason", ""),
            triage=post.get("triage", ""), diagnoses=rows, notes=post.get("notes", ""),
            pregnancy_follow_up=post.get("pregnancy_follow_up") == "on")
    except DomainError as exc:
        if exc.status == 403:
            raise
        return _form(request, "health/encounter_form.html", what="encounter",
                     values=post.dict(), errors=forms.FormErrors.of(exc, ENCOUNTER_INPUTS,
                                                                   renames),
                     status=_status(exc))
    messages.success(request, _("Encounter of %(date)s recorded.")
                     % {"date": encounter.date.isoformat()})
    return redirect(_person_url(encounter.person.registration_number))


@health_page
@require_http_methods(["GET", "POST"])
def vaccination_new(request):
    if request.method == "GET":
        return _form(request, "health/vaccination_form.html", what="vaccination",
                     values={"person": request.GET.get("person", "").strip()[:40],
                             "vaccine": request.GET.get("vaccine", "")[:20],
                             "dose": request.GET.get("dose", "")[:2]})
    post = request.POST
    try:
        vaccination = services.record_vaccination(
            actor=actor_of(request), user=request.user,
            registration_number=post.get("person", ""), vaccine=post.get("vaccine", ""),
            dose=forms.parse_dose(post.get("dose", "")), date=forms.parse_date(post.get("date")),
            lot=post.get("lot", ""))
    except DomainError as exc:
        if exc.status == 403:
            raise
        return _form(request, "health/vaccination_form.html", what="vaccination",
                     values=post.dict(), errors=forms.FormErrors.of(exc, VACCINATION_INPUTS),
                     status=_status(exc))
    messages.success(request, _("%(vaccine)s dose %(dose)s recorded.")
                     % {"vaccine": vaccination.vaccine, "dose": vaccination.dose})
    return redirect(_person_url(vaccination.person.registration_number) + "#vaccinations")


@health_page
@require_http_methods(["GET", "POST"])
def referral_new(request):
    if request.method == "GET":
        return _form(request, "health/referral_form.html", what="referral",
                     values={"person": request.GET.get("person", "").strip()[:40]})
    post = request.POST
    try:
        referral = services.create_referral(
            actor=actor_of(request), user=request.user,
            registration_number=post.get("person", ""), to_facility=post.get("to_facility", ""),
            urgency=post.get("urgency", ""), reason=post.get("reason", ""))
    except DomainError as exc:
        if exc.status == 403:
            raise
        return _form(request, "health/referral_form.html", what="referral", values=post.dict(),
                     errors=forms.FormErrors.of(exc, REFERRAL_INPUTS), status=_status(exc))
    messages.success(request, _("Referral to %(facility)s sent.")
                     % {"facility": referral.to_facility})
    return redirect(_person_url(referral.person.registration_number) + "#referrals")


@health_page
@require_POST
def referral_transition(request, referral_id: int):
    """A transition button, on the person's record (``back=person``) or the worklist."""
    try:
        referral = services.transition_referral(actor=actor_of(request), user=request.user,
                                                referral_id=referral_id,
                                                status=request.POST.get("status", ""))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, " ".join([str(exc.detail)] + [str(e.message)
                                                               for e in exc.errors]))
    else:
        messages.success(request, _("Referral to %(facility)s: %(status)s.") % {
            "facility": referral.to_facility, "status": referral.get_status_display()})
    number = request.POST.get("person", "").strip()[:40]
    if request.POST.get("back") == "person" and number:
        return redirect(_person_url(number) + "#referrals")
    return redirect("health-home")


# ---- an administrator breaks the glass ---------------------------------------------------------

@health_page
@require_http_methods(["GET", "POST"])
def break_glass(request, registration_number: str):
    found = selectors.break_glass_form(actor=actor_of(request), user=request.user,
                                       registration_number=registration_number)
    errors, reason = None, ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            services.break_glass(actor=actor_of(request), user=request.user,
                                 registration_number=registration_number, reason=reason)
        except DomainError as exc:
            if exc.status == 403:
                raise
            errors = forms.FormErrors.of(exc, {"reason"})
        else:
            return redirect(_person_url(found["person"].registration_number))
    return render(request, "health/break_glass.html", {
        **found, "errors": errors, "reason": reason[:1000],
        "minimum": services.BREAK_GLASS_MIN_REASON,
        "hours": int(services.BREAK_GLASS_DURATION.total_seconds() // 3600)},
        status=422 if errors else 200)


# ---- counts for coordinators -------------------------------------------------------------------

@health_page
@require_GET
def stats(request):
    data = selectors.health_stats_page(actor=actor_of(request), user=request.user)
    reasons = dict(Reason.choices)
    by_reason = [(str(reasons.get(code, code)), n, as_number(n))
                 for code, n in data["encounters_by_reason"].items()]
    by_day = [(row["date"], row["count"]) for row in data["encounters_per_day"]]
    return render(request, "health/stats.html", {
        "data": data, "by_reason": by_reason, "largest": data["largest"],
        "by_day": sorted(by_day, reverse=True)})
