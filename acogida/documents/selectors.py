"""Reads on documents. A document shows its holder's name, so every read of one is audited here;
``person_has_valid_document`` answers yes or no for roles that only need to know that."""

from datetime import date

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.core import ids
from acogida.core.errors import NotFound
from acogida.registry.models import Person

from . import credentials, keys, revocations
from .models import ACTIVE, Document, PrintBatch, Status


def _documents() -> QuerySet[Document]:
    return Document.objects.select_related("holder", "office", "guardian", "received_by",
                                           "batch", "replaces", "replaced_by")


def get_document(*, actor: audit.Actor, user, number: str, purpose: str = "read") -> Document:
    """One document; ``purpose`` names the audit entry (``document.read``, ``document.pdf``)."""
    access.require(user, "document.read")
    if purpose != "read":
        access.require(user, "document.print")
    document = _documents().filter(number=ids.normalize(number or "")).first()
    if document is None:
        raise NotFound(_("No document with that number."))
    audit.record(actor, f"document.{purpose}", "document", document.number,
                 holder=document.holder.registration_number)
    return document


def documents_of_person(*, actor: audit.Actor, user, registration_number: str) -> list[Document]:
    access.require(user, "document.read")
    person = Person.objects.filter(
        registration_number=ids.normalize(registration_number or "")).first()
    if person is None:
        raise NotFound(_("No person with that registration number."))
    documents = list(_documents().filter(holder=person).order_by("-requested_at", "-id"))
    audit.record(actor, "document.list", "person", person.registration_number,
                 documents=[d.number for d in documents])
    return documents


def documents_panel(*, actor: audit.Actor, user, person: Person, full: bool = False) -> dict:
    """What a person's page shows of documents: the list, newest first (audited); whether the
    person holds a valid temporary ID and a valid work permit (as ``person_has_valid_document``
    answers, from the same rows); and the types of which an active document exists. A role with
    only ``document.status`` gets the two yes/no answers and no list."""
    access.require(user, "document.read" if full else "document.status")
    today = timezone.localdate()
    if not access.can(user, "document.read"):
        return {"documents": None, "active_types": set(), **{
            f"valid_{kind}": person_has_valid_document(user=user, person=person, doc_type=kind,
                                                       today=today)
            for kind in ("temporary_id", "work_permit")}}
    documents = documents_of_person(actor=actor, user=user,
                                    registration_number=person.registration_number)
    valid = {d.doc_type for d in documents if is_valid(d, today)}
    return {"documents": documents, "valid_temporary_id": "temporary_id" in valid,
            "valid_work_permit": "work_permit" in valid,
            "active_types": {d.doc_type for d in documents if d.is_active}}


def is_valid(document: Document, today: date | None = None) -> bool:
    """Handed over, not ended, and today within its validity."""
    today = today or timezone.localdate()
    return (document.status == Status.ISSUED
            and document.valid_from <= today <= document.valid_until)


def person_has_valid_document(*, user, person: Person, doc_type: str | None = None,
                              today: date | None = None) -> bool:
    """Whether the person holds a valid (issued, in date) document, of a type if given."""
    access.require(user, "document.status")
    today = today or timezone.localdate()
    queryset = Document.objects.filter(holder=person, status=Status.ISSUED,
                                       valid_from__lte=today, valid_until__gte=today)
    if doc_type:
        queryset = queryset.filter(doc_type=doc_type)
    return queryset.exists()


def revoked_numbers(today: date | None = None) -> frozenset[str]:
    """Numbers of revoked or replaced documents whose validity has not ended: what a verifier
    must refuse although the signature is good. (After ``valid_until`` the card is expired
    anyway, so the list stays short.)"""
    today = today or timezone.localdate()
    return frozenset(Document.objects.filter(
        status__in=[Status.REVOKED, Status.REPLACED], valid_until__gte=today,
    ).values_list("number", flat=True))


def signed_revocation_list() -> dict:
    """The public revocation list, signed with the current issuer key."""
    return revocations.sign_revocations(sorted(revoked_numbers()), timezone.now(),
                                        keys.current_key(), issuer=keys.issuer_name())


def verify_payload(*, actor: audit.Actor, payload: str) -> credentials.Verification:
    """Check a scanned QR payload as an offline verifier would, with this server's revocations.
    The audit entry names the document and the answer, nothing about who asked."""
    result = credentials.verify_credential(payload, keys.public_keys(),
                                           revoked=revoked_numbers(), now=timezone.now())
    number = (result.document or {}).get("number", "")
    audit.record(actor, "document.verify", "document" if number else "", number,
                 valid=result.valid, reason=result.reason)
    return result


def get_print_batch(*, actor: audit.Actor, user, number: str) -> PrintBatch:
    access.require(user, "document.print")
    batch = (PrintBatch.objects.select_related("office")
             .filter(number=ids.normalize(number or "")).first())
    if batch is None:
        raise NotFound(_("No print batch with that number."))
    return batch


def batch_documents(*, actor: audit.Actor, user, batch: PrintBatch) -> list[Document]:
    """The cards to print in a batch: those not revoked or replaced since it was made."""
    access.require(user, "document.print")
    documents = list(_documents().filter(batch=batch, status__in=ACTIVE)
                     .order_by("requested_at", "id"))
    audit.record(actor, "document.print_batch.read", "print_batch", batch.number,
                 documents=[d.number for d in documents])
    return documents


def print_batches(*, user, printed: bool | None = None, limit: int = 100) -> list[PrintBatch]:
    access.require(user, "document.print")
    queryset = PrintBatch.objects.select_related("office").order_by("-created_at", "-id")
    if printed is not None:
        queryset = queryset.filter(printed_at__isnull=not printed)
    return list(queryset[:limit])


def print_queue(*, user, office=None) -> QuerySet[Document]:
    """Requested documents not yet in a batch (the print queue)."""
    access.require(user, "document.print")
    queryset = Document.objects.filter(status=Status.REQUESTED, batch__isnull=True)
    if office:
        queryset = queryset.filter(office__code=office)
    return queryset.order_by("requested_at", "id")


def document_view(document: Document, *, with_payload: bool = True) -> dict:
    """What the API shows of a document."""
    card = document.card or {}
    data = {
        "number": document.number,
        "type": document.doc_type,
        "status": document.status,
        "valid": is_valid(document),
        "holder": {"registration_number": document.holder.registration_number,
                   "full_name": card.get("full_name") or document.holder.full_name},
        "guardian": ({"registration_number": document.guardian.registration_number,
                      "full_name": document.guardian.full_name} if document.guardian else None),
        "legal_basis": document.legal_basis or None,
        "legal_status": document.legal_status,
        "legal_status_en": card.get("legal_status_en", ""),
        "employer": document.employer or None,
        "valid_states": document.valid_states,
        "issue_date": document.issue_date,
        "valid_from": document.valid_from,
        "valid_until": document.valid_until,
        "office": document.office.code,
        "officer": document.officer_name,
        "requested_at": document.requested_at,
        "print_batch": document.batch.number if document.batch_id else None,
        "printed_at": document.printed_at,
        "handed_over_at": document.handed_over_at,
        "received_by": (document.received_by.registration_number
                        if document.received_by_id else None),
        "ended_at": document.ended_at,
        "end_reason": document.end_reason or None,
        "replaces": document.replaces.number if document.replaces_id else None,
        "replaced_by": _replaced_by(document),
        "key_id": document.key_id,
    }
    if with_payload:
        data["qr_payload"] = document.qr_payload
    return data


def _replaced_by(document: Document) -> str | None:
    try:
        return document.replaced_by.number
    except Document.replaced_by.RelatedObjectDoesNotExist:
        return None


def batch_view(batch: PrintBatch, documents: list[Document] | None = None) -> dict:
    numbers = ([d.number for d in documents] if documents is not None else
               list(batch.documents.order_by("requested_at", "id")
                    .values_list("number", flat=True)))
    return {"id": batch.number, "number": batch.number,
            "office": batch.office.code if batch.office_id else None,
            "created_at": batch.created_at, "printed_at": batch.printed_at,
            "documents": numbers, "count": len(numbers)}


def batch_sizes(*, user, batches: list[PrintBatch]) -> dict[int, int]:
    """How many documents each batch holds (one query for the print queue's list)."""
    access.require(user, "document.print")
    rows = (Document.objects.filter(batch__in=batches).values("batch_id")
            .annotate(n=Count("id")).values_list("batch_id", "n"))
    return dict(rows)


def awaiting_hand_over(*, actor: audit.Actor, user, limit: int = 200) -> list[Document]:
    """Printed cards not yet handed over, oldest print first (the print room's hand-over list).
    They show names, so the read is audited."""
    access.require(user, "document.hand_over")
    documents = list(_documents().filter(status=Status.PRINTED)
                     .order_by("printed_at", "id")[:limit])
    audit.record(actor, "document.list", "", "", status="printed",
                 documents=[d.number for d in documents])
    return documents
