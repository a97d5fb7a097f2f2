"""Documents API. The paths are a public contract (verifiers and printers depend on them).

Public, without login: ``POST /documents/verify`` (rate-limited per client address) and
``GET /documents/revocations``; the issuer's public keys are a plain view (``views_public``).
Every other endpoint declares its action from ``accounts.access``.
"""

import os
from datetime import date, datetime

from django.http import HttpRequest, HttpResponse
from ninja import Schema, Status
from ninja.throttling import SimpleRateThrottle
from pydantic import Field

from acogida.accounts import audit
from acogida.accounts.api_support import AccessRouter, action, actor_of, user_of
from acogida.core.http import private_file
from acogida.registry import selectors as registry_selectors

from . import cards, selectors, services

router = AccessRouter(tags=["documents"])


class ClientRateThrottle(SimpleRateThrottle):
    """Per client address, logged in or not (``AnonRateThrottle`` lets a logged-in caller
    through unlimited). Refused calls get 429 with the API's error JSON."""

    scope = "documents.verify"

    def get_cache_key(self, request: HttpRequest) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


VERIFY_RATE = os.environ.get("ACOGIDA_VERIFY_RATE", "30/m")


# ---- shapes ------------------------------------------------------------------------------------

class DocumentIn(Schema):
    person: str = Field(description="the holder's registration number")
    type: str = Field(examples=["temporary_id"], description="temporary_id or work_permit")
    legal_basis: str | None = Field(None, examples=["refugee_application_lodged"],
                                    description="work permits: refugee_application_lodged, "
                                                "humanitarian_status or plan_enrolment")
    employer: str | None = Field(None, description="work permits: a named employer; "
                                                   "empty for any employer")
    valid_states: list[str] = Field(default_factory=list,
                                    description="work permits: Mexican states; empty for all")
    office: str | None = Field(None, description="issuing registration point code; default: "
                                                 "where the person was registered")


class PersonRef(Schema):
    registration_number: str
    full_name: str


class DocumentOut(Schema):
    number: str
    type: str
    status: str
    valid: bool
    holder: PersonRef
    guardian: PersonRef | None = None
    legal_basis: str | None = None
    legal_status: str
    legal_status_en: str
    employer: str | None = None
    valid_states: list[str]
    issue_date: date
    valid_from: date
    valid_until: date
    office: str
    officer: str
    requested_at: datetime
    print_batch: str | None = None
    printed_at: datetime | None = None
    handed_over_at: datetime | None = None
    received_by: str | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None
    replaces: str | None = None
    replaced_by: str | None = None
    key_id: str
    qr_payload: str = Field(description="the signed credential in the QR code (Base45)")


class ReasonIn(Schema):
    reason: str


class HandOverIn(Schema):
    received_by: str = Field("holder", description='"holder", or the registration number of '
                                                   "the guardian who receives a child's card")


class BatchIn(Schema):
    numbers: list[str] | None = Field(None, description="documents to print; or leave empty")
    office: str | None = Field(None, description="all waiting documents of this office")


class BatchOut(Schema):
    id: str
    number: str
    office: str | None = None
    created_at: datetime
    printed_at: datetime | None = None
    documents: list[str]
    count: int


class VerifyIn(Schema):
    qr_payload: str = Field(max_length=5000)


class CardOut(Schema):
    type: str
    number: str
    holder_name: str
    date_of_birth: date
    photo: str | None = Field(None, description="base64 of the small photo in the QR code")
    photo_mime: str | None = None
    valid_from: date
    valid_until: date


class VerifyOut(Schema):
    valid: bool
    reason: str = Field(description="ok, bad_signature, unknown_key, expired, not_yet_valid, "
                                    "revoked or malformed")
    document: CardOut | None = None


class RevocationListOut(Schema):
    issuer: str
    generated_at: str
    kid: str
    revoked: list[str]
    signature: str


# ---- public: verification and the revocation list (declared before /documents/{number}) ------

@router.post("/documents/verify", response=VerifyOut, auth=None,
             throttle=[ClientRateThrottle(VERIFY_RATE)])
def verify(request: HttpRequest, payload: VerifyIn, response: HttpResponse):
    """Check a scanned QR code: signature, issuer key, validity dates and this server's
    revocations. Public; answers only what is printed on the card. Offline verifiers use the
    issuer keys (/.well-known/acogida/issuer-keys.json) and the revocation list instead."""
    # The verifier is anyone (an employer, a police officer): nothing about them is recorded.
    result = selectors.verify_payload(actor=audit.Actor(), payload=payload.qr_payload)
    response["Cache-Control"] = "no-store"
    return result.as_dict()


@router.get("/documents/revocations", response=RevocationListOut, auth=None)
def revocation_list(request: HttpRequest, response: HttpResponse):
    """Numbers of revoked or replaced documents still within their validity, signed with the
    issuer key (Ed25519 over the list's canonical JSON; see docs/documents.md)."""
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return selectors.signed_revocation_list()


# ---- documents ---------------------------------------------------------------------------------

@router.post("/documents", response={201: DocumentOut})
@action("document.issue.temporary_id")
def create_document(request: HttpRequest, payload: DocumentIn):
    """Request a document; it is signed now and waits in the print queue. A work permit also
    needs the work-permit issue permission (checked by the service)."""
    document = services.request_document(
        actor=actor_of(request), user=user_of(request), registration_number=payload.person,
        doc_type=payload.type, legal_basis=payload.legal_basis, employer=payload.employer,
        valid_states=payload.valid_states, office=payload.office)
    return Status(201, selectors.document_view(document))


@router.get("/documents/{number}", response=DocumentOut)
@action("document.read")
def read_document(request: HttpRequest, number: str):
    document = selectors.get_document(actor=actor_of(request), user=user_of(request),
                                      number=number)
    return selectors.document_view(document)


@router.get("/people/{registration_number}/documents", response=list[DocumentOut])
@action("document.read")
def person_documents(request: HttpRequest, registration_number: str):
    documents = selectors.documents_of_person(actor=actor_of(request), user=user_of(request),
                                              registration_number=registration_number)
    return [selectors.document_view(d) for d in documents]


class DocumentStatusOut(Schema):
    valid_temporary_id: bool
    valid_work_permit: bool


@router.get("/people/{registration_number}/documents/status", response=DocumentStatusOut)
@action("document.status")
def person_document_status(request: HttpRequest, registration_number: str):
    """Whether the person holds a valid (handed over, in date) temporary ID and work permit:
    all that roles outside documents work may know."""
    person = registry_selectors.get_person(actor=actor_of(request), user=user_of(request),
                                           registration_number=registration_number)
    return {f"valid_{kind}": selectors.person_has_valid_document(
        user=user_of(request), person=person, doc_type=kind)
        for kind in ("temporary_id", "work_permit")}


@router.post("/documents/{number}/revoke", response=DocumentOut)
@action("document.revoke")
def revoke_document(request: HttpRequest, number: str, payload: ReasonIn):
    """Needs the revoke permission and the issue permission of the document's type."""
    document = services.revoke(actor=actor_of(request), user=user_of(request), number=number,
                               reason=payload.reason)
    return selectors.document_view(document)


@router.post("/documents/{number}/renew", response={201: DocumentOut})
@action("document.revoke")
def renew_document(request: HttpRequest, number: str):
    """A new document with the same conditions, valid from today; the old one is replaced."""
    document = services.renew(actor=actor_of(request), user=user_of(request), number=number)
    return Status(201, selectors.document_view(document))


@router.post("/documents/{number}/replace", response={201: DocumentOut})
@action("document.revoke")
def replace_document(request: HttpRequest, number: str, payload: ReasonIn):
    """A lost, stolen or damaged card (reason ``lost``, ``stolen`` or ``damaged``): the old
    number goes on the revocation list and a new document is requested."""
    document = services.replace(actor=actor_of(request), user=user_of(request), number=number,
                                reason=payload.reason)
    return Status(201, selectors.document_view(document))


@router.get("/documents/{number}/pdf")
@action("document.print")
def document_pdf(request: HttpRequest, number: str):
    """One card: front and back, each on a page of card size (85.60 × 53.98 mm)."""
    document = selectors.get_document(actor=actor_of(request), user=user_of(request),
                                      number=number, purpose="pdf")
    return private_file(cards.render_card(document), "application/pdf", f"{document.number}.pdf")


@router.post("/documents/{number}/issued", response=DocumentOut)
@action("document.hand_over")
def hand_over(request: HttpRequest, number: str, payload: HandOverIn):
    """The printed card was handed to the holder (or, for a child, to a guardian)."""
    document = services.hand_over(actor=actor_of(request), user=user_of(request),
                                  number=number, received_by=payload.received_by)
    return selectors.document_view(document)


# ---- print batches -----------------------------------------------------------------------------

@router.post("/print-batches", response={201: BatchOut})
@action("document.print")
def create_batch(request: HttpRequest, payload: BatchIn):
    """Group requested documents for printing: the ones named, all of one office, or all."""
    batch = services.create_print_batch(actor=actor_of(request), user=user_of(request),
                                        numbers=payload.numbers, office=payload.office)
    return Status(201, selectors.batch_view(batch))


@router.get("/print-batches", response=list[BatchOut])
@action("document.print")
def list_batches(request: HttpRequest, printed: bool | None = None):
    return [selectors.batch_view(b) for b in selectors.print_batches(user=user_of(request),
                                                                     printed=printed)]


@router.get("/print-batches/{id}/pdf")
@action("document.print")
def batch_pdf(request: HttpRequest, id: str):
    """A4 sheets, ten cards each: fronts, then the backs mirrored for long-edge duplex."""
    batch = selectors.get_print_batch(actor=actor_of(request), user=user_of(request), number=id)
    documents = selectors.batch_documents(actor=actor_of(request), user=user_of(request),
                                          batch=batch)
    return private_file(cards.render_sheets(documents, title=f"Lote {batch.number}"),
                        "application/pdf", f"lote-{batch.number}.pdf")


@router.post("/print-batches/{id}/printed", response=BatchOut)
@action("document.print")
def batch_printed(request: HttpRequest, id: str):
    batch = services.mark_batch_printed(actor=actor_of(request), user=user_of(request), batch=id)
    return selectors.batch_view(batch)
