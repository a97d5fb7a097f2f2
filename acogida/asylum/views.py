"""Case officers' pages: the worklist, intake, the claim with its timeline and deadlines, the
guided facts interview (one topic at a time) and the printable screening.

Thin: each view reads the request, calls one selector or service and renders or redirects;
access is decided in the services and selectors.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from acogida.accounts.web_support import actor_of, page
from acogida.core.errors import DomainError

from . import forms, selectors, services
from .models import Jurisdiction


def _message(exc: DomainError) -> str:
    return " ".join([str(exc.detail)] + [f"{e.field}: {e.message}" for e in exc.errors])


def _form_errors(form, exc: DomainError) -> None:
    for error in exc.errors:
        name = error.field.split("[")[0].split(".")[0]
        form.add_error(name if name in form.fields else None, str(error.message))
    if not exc.errors:
        form.add_error(None, str(exc.detail))


@page
@require_GET
def worklist(request):
    jurisdiction = request.GET.get("jurisdiction") or None
    if jurisdiction not in (None, *Jurisdiction.values):
        jurisdiction = None
    raw = request.GET.get("page", "1")
    page = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else 1
    rows, total = selectors.worklist(actor=actor_of(request), user=request.user,
                                     jurisdiction=jurisdiction, page=page)
    return render(request, "asylum/worklist.html", {
        "rows": rows, "jurisdiction": jurisdiction, "jurisdictions": Jurisdiction.choices,
        "page": page, "total": total, "has_next": page * selectors.PAGE_SIZE < total})


@page
@require_http_methods(["GET", "POST"])
def claim_new(request):
    number = (request.POST.get("registration_number") or request.GET.get("person") or "").strip()
    form = forms.IntakeForm(request.POST or None, initial={"registration_number": number})
    form.fields["dependants"].choices = selectors.possible_dependants(
        actor=actor_of(request), user=request.user, registration_number=number)
    if request.method == "POST" and form.is_valid():
        try:
            claim = services.open_claim(actor=actor_of(request), user=request.user,
                                        **form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Claim %(n)s opened.") % {"n": claim.number})
            return redirect("claim-detail", number=claim.number)
    return render(request, "asylum/claim_new.html", {"form": form})


@page
@require_GET
def claim_detail(request, number: str):
    claim = selectors.get_claim(actor=actor_of(request), user=request.user, number=number)
    view = selectors.claim_view(request.user, claim)
    move_form = (forms.MoveForm(current=claim.status) if claim.status in forms.workflow.MOVES
                 and forms.workflow.MOVES[claim.status] else None)
    return render(request, "asylum/claim_detail.html", {
        "claim": claim, "view": view, "move_form": move_form, "topics": forms.TOPICS,
        "topic_labels": forms.TOPIC_LABELS})


@page
@require_POST
def claim_move(request, number: str):
    claim = selectors.get_claim(actor=actor_of(request), user=request.user, number=number)
    form = forms.MoveForm(request.POST, current=claim.status)
    if form.is_valid():
        try:
            services.move_claim(actor=actor_of(request), user=request.user, number=number,
                                **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(request, _("The claim moved to a new step."))
    else:
        messages.error(request, " ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("claim-detail", number=number)


TOPIC_FORMS = {"journey": forms.JourneyForm, "harms": forms.HarmForm,
               "exclusion": forms.ExclusionForm, "filing": forms.FilingForm}


def _initial(topic: str, claim) -> dict:
    facts = claim.facts or {}
    if topic == "journey" and claim.entered_on and claim.jurisdiction == "MX":
        return {"mex_entry": claim.entered_on, **forms.journey_initial(facts)}
    if topic == "journey":
        return forms.journey_initial(facts)
    if topic == "exclusion":
        return forms.exclusion_initial(facts)
    if topic == "filing":
        return {"late_filing_reason": claim.late_filing_reason or facts.get("late_filing_reason")}
    return {}


@page
@require_http_methods(["GET", "POST"])
def claim_facts(request, number: str, topic: str):
    claim = selectors.get_claim(actor=actor_of(request), user=request.user, number=number,
                                with_narrative=True)
    if topic not in TOPIC_FORMS:
        return redirect("claim-facts", number=number, topic=forms.TOPICS[0])
    form = TOPIC_FORMS[topic](request.POST if request.method == "POST" else None,
                              initial=_initial(topic, claim))
    if request.method == "POST" and request.POST.get("remove_harm"):
        harms = list((claim.facts or {}).get("harms") or [])
        index = request.POST["remove_harm"]
        if index.isascii() and index.isdigit() and int(index) < len(harms):
            harms.pop(int(index))
        try:
            services.update_intake(actor=actor_of(request), user=request.user, number=number,
                                   facts={**claim.facts, "harms": harms})
        except DomainError as exc:
            messages.error(request, _message(exc))
        return redirect("claim-facts", number=number, topic=topic)
    if request.method == "POST" and form.is_valid():
        facts = forms.facts_from_topic(claim.facts or {}, topic, form.cleaned_data)
        extra = ({"late_filing_reason": form.cleaned_data["late_filing_reason"]}
                 if topic == "filing" else {})
        try:
            services.update_intake(actor=actor_of(request), user=request.user, number=number,
                                   facts=facts, **extra)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            if topic == "harms" and "another" in request.POST:
                return redirect("claim-facts", number=number, topic=topic)
            following = forms.TOPICS.index(topic) + 1
            if following < len(forms.TOPICS):
                return redirect("claim-facts", number=number, topic=forms.TOPICS[following])
            return redirect("claim-screening", number=number)
    return render(request, "asylum/claim_facts.html", {
        "claim": claim, "form": form, "topic": topic, "topics": forms.TOPICS,
        "topic_labels": forms.TOPIC_LABELS, "harms": (claim.facts or {}).get("harms") or [],
        "harm_labels": dict(forms.HARM_KINDS)})


@page
@require_http_methods(["GET", "POST"])
def claim_screening(request, number: str):
    claim = selectors.get_claim(actor=actor_of(request), user=request.user, number=number,
                                with_narrative=True)
    if request.method == "POST":
        lang = "es" if (get_language() or "es").startswith("es") else "en"
        try:
            services.screen_claim(actor=actor_of(request), user=request.user, number=number,
                                  lang=lang)
        except DomainError as exc:
            messages.error(request, _message(exc))
        return redirect("claim-screening", number=number)
    screenings = list(claim.screenings.all()[:2])
    changes = None
    if len(screenings) == 2:
        from acogida.asylum.screening import diff_results

        changes = diff_results(screenings[1].result, screenings[0].result)
    return render(request, "asylum/claim_screening.html", {
        "claim": claim, "screening": screenings[0] if screenings else None,
        "changes": changes})
