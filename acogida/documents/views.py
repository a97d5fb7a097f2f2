"""Documents pages: a person's documents and the forms that request, hand over, renew, replace and
revoke them; the print queue; and the public verification page.

Thin: each view reads the form, calls one service or selector, and redirects or renders. Access
is decided in the services and selectors; a refused form comes back with the error beside the
input it names (or, on the print queue, as a message).
"""

from datetime import date

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from acogida.accounts import access, audit
from acogida.accounts.web_support import actor_of, page
from acogida.core.errors import DomainError
from acogida.core.http import private_file
from acogida.registry import selectors as registry_selectors

from . import cards, selectors, services
from .api import VERIFY_RATE, ClientRateThrottle
from .forms import FormErrors
from .models import DocumentType, ReplacementReason

SHOWN_WAITING = 200


def _message(exc: DomainError) -> str:
    parts = [str(exc.detail)] + [str(e.message) for e in exc.errors
                                 if str(e.message) != str(exc.detail)]
    return " ".join(parts)


def _person_page(registration_number: str) -> str:
    return reverse("person-detail", args=[registration_number]) + "#documents"


# ---- a person's documents ----------------------------------------------------------------------

def _documents_page(request, registration_number: str, errors: FormErrors | None = None,
                    status: int = 200):
    person = registry_selectors.get_person(actor=actor_of(request), user=request.user,
                                           registration_number=registration_number)
    panel = selectors.documents_panel(actor=actor_of(request), user=request.user, person=person,
                                      full=True)
    return render(request, "documents/person_documents.html", {
        "person": registry_selectors.person_view(request.user, person), "documents": panel,
        "errors": errors}, status=status)


def _refused(request, exc: DomainError, *, form: str, inputs: tuple[str, ...] = (),
             number: str = "", values: dict | None = None):
    """Back to where the form was: the print queue (a message) or the person's documents, with
    the error beside its input."""
    person = request.POST.get("person", "")
    if request.POST.get("back") == "queue" or not person:
        messages.error(request, _message(exc))
        return redirect("document-print-queue")
    errors = FormErrors.of(exc, form=form, inputs=inputs, number=number, values=values)
    return _documents_page(request, person, errors, status=exc.status)


def _done(request, registration_number: str):
    if request.POST.get("back") == "queue":
        return redirect("document-print-queue")
    return redirect(_person_page(registration_number))


@page
@require_GET
def person_documents(request, registration_number: str):
    """A person's documents alone (also where a refused form comes back with its errors)."""
    return _documents_page(request, registration_number)


@page
@require_POST
def request_document(request, registration_number: str):
    doc_type = request.POST.get("type", "")
    values = {"legal_basis": request.POST.get("legal_basis", ""),
              "employer": request.POST.get("employer", ""),
              "valid_states": request.POST.getlist("valid_states")}
    kwargs = values if doc_type == DocumentType.WORK_PERMIT else {}
    try:
        document = services.request_document(
            actor=actor_of(request), user=request.user, registration_number=registration_number,
            doc_type=doc_type, **kwargs)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        form = doc_type if doc_type in DocumentType.values else DocumentType.TEMPORARY_ID
        errors = FormErrors.of(exc, form=form, values=values,
                               inputs=("legal_basis", "employer", "valid_states"))
        return _documents_page(request, registration_number, errors, status=exc.status)
    messages.success(request, _("%(type)s %(number)s requested: it waits in the print queue.")
                     % {"type": document.get_doc_type_display(), "number": document.number})
    return redirect(_person_page(document.holder.registration_number))


@page
@require_POST
def hand_over(request, number: str):
    received_by = (request.POST.get("received_by_other", "").strip()
                   or request.POST.get("received_by", "").strip() or services.HOLDER)
    try:
        document = services.hand_over(actor=actor_of(request), user=request.user, number=number,
                                      received_by=received_by)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return _refused(request, exc, form="hand_over", number=number,
                        inputs=("received_by",),
                        values={"received_by": request.POST.get("received_by", ""),
                                "received_by_other": request.POST.get("received_by_other", "")})
    messages.success(request, _("%(number)s handed over to %(name)s.")
                     % {"number": document.number, "name": document.received_by.full_name})
    return _done(request, document.holder.registration_number)


@page
@require_POST
def renew(request, number: str):
    try:
        new = services.renew(actor=actor_of(request), user=request.user, number=number)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return _refused(request, exc, form="renew", number=number)
    messages.success(request, _("%(old)s renewed: the new document %(new)s waits in the print "
                                "queue.") % {"old": new.replaces.number, "new": new.number})
    return redirect(_person_page(new.holder.registration_number))


@page
@require_POST
def replace(request, number: str):
    reason = request.POST.get("reason", "")
    try:
        new = services.replace(actor=actor_of(request), user=request.user, number=number,
                               reason=reason)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return _refused(request, exc, form="replace", number=number, inputs=("reason",),
                        values={"reason": reason})
    messages.success(request, _("%(old)s replaced (%(reason)s): the new document %(new)s waits "
                                "in the print queue.")
                     % {"old": new.replaces.number, "new": new.number,
                        "reason": ReplacementReason(reason).label.lower()})
    return redirect(_person_page(new.holder.registration_number))


@page
@require_http_methods(["GET", "POST"])
def revoke(request, number: str):
    """Revoking asks first: this page is the confirmation, with the reason to give."""
    access.require(request.user, "document.revoke")
    errors, status = None, 200
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            document = services.revoke(actor=actor_of(request), user=request.user,
                                       number=number, reason=reason)
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            errors = FormErrors.of(exc, form="revoke", inputs=("reason",),
                                   values={"reason": reason})
            status = exc.status
        else:
            messages.success(request, _("%(number)s revoked. Verifiers now refuse it.")
                             % {"number": document.number})
            return redirect(_person_page(document.holder.registration_number))
    document = selectors.get_document(actor=actor_of(request), user=request.user, number=number)
    return render(request, "documents/revoke.html", {"document": document, "errors": errors},
                  status=status)


@page
@require_GET
def card_pdf(request, number: str):
    """One card, front and back, each on a page of card size."""
    document = selectors.get_document(actor=actor_of(request), user=request.user,
                                      number=number, purpose="pdf")
    return private_file(cards.render_card(document), "application/pdf", f"{document.number}.pdf")


# ---- the print queue ---------------------------------------------------------------------------

@page
@require_GET
def print_queue(request):
    """Documents waiting to be printed, the batches made of them, and printed cards to hand
    over. The waiting list shows no names: printing needs none."""
    office = request.GET.get("office", "").strip()[:20]
    user = request.user
    queue = selectors.print_queue(user=user, office=office or None)
    waiting = list(queue.select_related("office")[:SHOWN_WAITING])
    offices = list(selectors.print_queue(user=user)
                   .values("office__code", "office__name").annotate(n=Count("id"))
                   .order_by("office__name"))
    batches = selectors.print_batches(user=user, limit=50)
    sizes = selectors.batch_sizes(user=user, batches=batches)
    to_hand_over = []
    if access.can(user, "document.hand_over"):
        to_hand_over = selectors.awaiting_hand_over(actor=actor_of(request), user=user)
    return render(request, "documents/print_queue.html", {
        "office": office, "offices": offices, "waiting": waiting,
        "waiting_total": len(waiting) if len(waiting) < SHOWN_WAITING else queue.count(),
        "batches": [(b, sizes.get(b.id, 0)) for b in batches], "to_hand_over": to_hand_over,
    })


@page
@require_POST
def create_batch(request):
    office = request.POST.get("office", "").strip()
    try:
        batch = services.create_print_batch(actor=actor_of(request), user=request.user,
                                            office=office or None)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, _message(exc))
    else:
        count = batch.documents.count()
        messages.success(request, _("Print batch %(number)s made with %(n)d cards. Download its "
                                    "PDF, print it double-sided, then mark it printed.")
                         % {"number": batch.number, "n": count})
    return redirect("document-print-queue")


@page
@require_GET
def batch_pdf(request, number: str):
    """A4 sheets, ten cards each: fronts, then the backs mirrored for long-edge duplex."""
    batch = selectors.get_print_batch(actor=actor_of(request), user=request.user, number=number)
    documents = selectors.batch_documents(actor=actor_of(request), user=request.user,
                                          batch=batch)
    return private_file(cards.render_sheets(documents, title=f"Lote {batch.number}"),
                        "application/pdf", f"lote-{batch.number}.pdf")


@page
@require_POST
def batch_printed(request, number: str):
    try:
        batch = services.mark_batch_printed(actor=actor_of(request), user=request.user,
                                            batch=number)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("Print batch %(number)s marked printed: its cards can be "
                                    "handed over.") % {"number": batch.number})
    return redirect("document-print-queue")


# ---- public verification -----------------------------------------------------------------------

REASONS = {
    "ok": gettext_lazy("The code was signed by the issuer, the card is within its dates and it "
                       "has not been revoked. Check that the photo, name and date of birth match "
                       "the person."),
    "bad_signature": gettext_lazy("The signature does not match: the card was altered or is "
                                  "forged."),
    "unknown_key": gettext_lazy("The code was signed with a key this issuer does not know: the "
                                "card was not issued here."),
    "expired": gettext_lazy("The card's validity has ended."),
    "not_yet_valid": gettext_lazy("The card is not valid yet: its first valid day has not "
                                  "come."),
    "revoked": gettext_lazy("The card was revoked or replaced and may no longer be used."),
    "malformed": gettext_lazy("This is not the code of a card, or it was read incompletely. "
                              "Scan it again or paste the whole text."),
}
PHOTO_TYPES = {"image/jpeg", "image/webp", "image/jp2", "image/avif"}


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _verdict(result) -> dict:
    """The answer in words, and only what is printed on the card."""
    card = result.document
    shown = None
    if card:
        try:
            type_label = DocumentType(card["type"]).label
        except ValueError:
            type_label = card["type"]
        mime = card.get("photo_mime")
        shown = {
            "type": type_label, "number": card["number"], "holder_name": card["holder_name"],
            "date_of_birth": _day(card.get("date_of_birth")),
            "valid_from": _day(card.get("valid_from")),
            "valid_until": _day(card.get("valid_until")),
            "photo": (f"data:{mime};base64,{card['photo']}"
                      if card.get("photo") and mime in PHOTO_TYPES else ""),
        }
    return {"valid": result.valid, "reason": result.reason,
            "explanation": REASONS.get(result.reason, REASONS["malformed"]), "card": shown}


# The form changes nothing and has no session to protect: a cross-site post could only check a
# code. Without the CSRF check, a verifier whose browser keeps no cookies can still use it.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def verify(request):
    """Public, no login: paste or scan a card's QR code; the answer comes from the same selector
    as ``POST /api/v1/documents/verify``, under the same rate limit per client address."""
    context, status = {"payload": ""}, 200
    if request.method == "POST":
        payload = request.POST.get("qr_payload", "")[:5000]
        context["payload"] = payload
        if not ClientRateThrottle(VERIFY_RATE).allow_request(request):
            context["throttled"], status = True, 429
        else:
            # The verifier is anyone (an employer, a police officer): nothing about them is kept.
            result = selectors.verify_payload(actor=audit.Actor(), payload=payload)
            context["result"] = _verdict(result)
    response = render(request, "documents/verify.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response
