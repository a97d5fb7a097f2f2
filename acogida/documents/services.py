"""Writes on documents. Each function runs in one transaction, checks access (revoking, renewing
and replacing need the revoke permission AND the issue permission of the document's type),
enforces the life cycle and writes the audit entry; a failure leaves nothing behind.

    requested → printed → issued → expired | revoked | replaced
"""

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.accounts.services import stored_user
from acogida.core import ids
from acogida.core.errors import Conflict, FieldError, InvalidInput, NotFound
from acogida.core.names import has_control_characters
from acogida.core.reference import MEXICAN_STATES
from acogida.registry.models import HouseholdMember, Person, RegistrationPoint, Relationship
from acogida.registry.selectors import find_person

from . import card_data, cards, conf, credentials, keys
from .models import (
    ACTIVE,
    Document,
    DocumentType,
    LegalBasis,
    PrintBatch,
    ReplacementReason,
    Status,
)

ISSUE_ACTION = {DocumentType.TEMPORARY_ID: "document.issue.temporary_id",
                DocumentType.WORK_PERMIT: "document.issue.work_permit"}
HOLDER = "holder"
EMPLOYER_WIDTH = Document._meta.get_field("employer").max_length


def _today() -> date:
    return timezone.localdate()



def _person(registration_number: str, field: str = "person") -> Person:
    return find_person(registration_number, field,
                       queryset=Person.objects.select_related("registration_point"))


def _document(number: str, *, lock: bool = True) -> Document:
    # of=("self",): PostgreSQL cannot lock the nullable side of the guardian join.
    queryset = Document.objects.select_for_update(of=("self",)) if lock else Document.objects
    document = (queryset.select_related("holder", "office", "guardian")
                .filter(number=ids.normalize(number or "")).first())
    if document is None:
        raise NotFound(_("No document with that number."))
    return document


def _office(office, person: Person) -> RegistrationPoint:
    if office is None or office == "":
        return person.registration_point
    if isinstance(office, RegistrationPoint):
        return office
    found = RegistrationPoint.objects.filter(code=str(office)).first()
    if found is None:
        raise InvalidInput(_("Unknown issuing office."),
                           [FieldError("office", _("No registration point with that code."))])
    return found


def _check_type(doc_type: str) -> str:
    if doc_type not in DocumentType.values:
        raise InvalidInput(_("Unknown document type."), [FieldError(
            "type", _("One of: %(types)s.") % {"types": ", ".join(DocumentType.values)})])
    return doc_type


def _guardians(person: Person, today: date) -> list[Person]:
    """Adult heads and spouses of the person's current household, the head first."""
    membership = person.memberships.filter(left_on__isnull=True).first()
    if membership is None:
        return []
    members = (HouseholdMember.objects
               .filter(household_id=membership.household_id, left_on__isnull=True,
                       relationship__in=[Relationship.HEAD, Relationship.SPOUSE])
               .exclude(person_id=person.id).select_related("person"))
    adults = [m for m in members
              if card_data.age_on(m.person.date_of_birth, today) >= conf.ADULT_AGE]
    adults.sort(key=lambda m: (m.relationship != Relationship.HEAD, m.id))
    return [m.person for m in adults]


def expire_outdated(*, holder: Person | None = None, today: date | None = None,
                    actor: audit.Actor | None = None) -> int:
    """Active documents whose last valid day has passed become ``expired``."""
    today = today or _today()
    queryset = Document.objects.filter(status__in=ACTIVE, valid_until__lt=today)
    if holder is not None:
        queryset = queryset.filter(holder=holder)
    expiring = list(queryset.values_list("number", "holder__registration_number"))
    if not expiring:
        return 0
    numbers = [number for number, _holder in expiring]
    Document.objects.filter(number__in=numbers).update(
        status=Status.EXPIRED, ended_at=timezone.now(), end_reason="expired")
    audit.record_many(actor or audit.Actor.system("documents"),
                      [audit.Event("document.expire", "document", number, subject=holder)
                       for number, holder in expiring])
    return len(numbers)


@transaction.atomic
def expire_documents(today: date | None = None, *, actor: audit.Actor | None = None) -> int:
    """The daily status sweep; returns how many documents expired."""
    return expire_outdated(today=today, actor=actor)


def _sign(document: Document, holder: Person) -> None:
    key = keys.current_key()
    data = card_data.card_data(
        number=document.number, doc_type=document.doc_type, card=document.card,
        photo=card_data.photo_for_qr(holder), valid_from=document.valid_from,
        valid_until=document.valid_until, issued_at=document.requested_at,
        issuer=keys.issuer_name())
    document.qr_payload = credentials.encode_credential(data, key)
    document.key_id = key.kid
    document.qr_mask = cards.qr_code(document.qr_payload).mask


def _new_document(*, actor, user, holder: Person, doc_type: str, legal_basis: str,
                  employer: str, valid_states: list[str], office: RegistrationPoint,
                  replaces: Document | None = None) -> Document:
    today, now = _today(), timezone.now()
    if Document.objects.filter(holder=holder, doc_type=doc_type, status__in=ACTIVE).exists():
        raise Conflict(_("This person already holds an active document of this type; revoke, "
                         "renew or replace it instead."),
                       [FieldError("type", _("An active %(type)s exists.") % {"type": doc_type})])
    guardian = None
    if card_data.age_on(holder.date_of_birth, today) < conf.ADULT_AGE:
        guardian = next(iter(_guardians(holder, today)), None)
    number = ids.new_number()
    while Document.objects.filter(number=number).exists():
        number = ids.new_number()
    document = Document(
        number=number, doc_type=doc_type, holder=holder, guardian=guardian,
        legal_basis=legal_basis, employer=employer, valid_states=valid_states,
        legal_status=card_data.legal_status(doc_type, legal_basis)[0],
        issue_date=today, valid_from=today,
        valid_until=today + timedelta(days=conf.validity_days(doc_type) - 1),
        office=office, officer=stored_user(user), officer_name=getattr(user, "username", ""),
        requested_at=now, replaces=replaces,
        card=card_data.snapshot(person=holder, doc_type=doc_type, legal_basis=legal_basis,
                                office=office, guardian=guardian, employer=employer,
                                valid_states=valid_states))
    _sign(document, holder)
    document.full_clean()
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError as exc:  # a second clerk requested the same document just now
        raise Conflict(_("This person already holds an active document of this type.")) from exc
    audit.record(actor, "document.issue", "document", document.number,
                 subject=holder.registration_number, type=doc_type, legal_basis=legal_basis,
                 replaces=replaces.number if replaces else "")
    return document


def _permit_conditions(*, doc_type: str, holder: Person, legal_basis, employer,
                       valid_states) -> tuple[str, str, list[str]]:
    legal_basis, employer = (legal_basis or "").strip(), (employer or "").strip()
    states = sorted({str(s).strip() for s in (valid_states or ()) if str(s).strip()})
    problems = []
    if len(employer) > EMPLOYER_WIDTH or has_control_characters(employer):
        problems.append(FieldError("employer", _(
            "At most %(n)d characters, without control characters.") % {"n": EMPLOYER_WIDTH}))
    if unknown := [s for s in states if s not in MEXICAN_STATES]:
        problems.append(FieldError("valid_states", _(
            "Not a Mexican state: %(v)s. Use the names in the list (e.g. Chiapas, Oaxaca).")
            % {"v": ", ".join(u[:40] for u in unknown[:5])}))
    if problems:
        raise InvalidInput(_("The permit's conditions are not valid."), problems)
    if doc_type != DocumentType.WORK_PERMIT:
        if legal_basis and legal_basis not in LegalBasis.values:
            raise InvalidInput(_("Unknown legal basis."), [FieldError(
                "legal_basis", _("One of: %(v)s.") % {"v": ", ".join(LegalBasis.values)})])
        return legal_basis, "", []
    errors = []
    minimum = conf.work_permit_min_age()
    if card_data.age_on(holder.date_of_birth, _today()) < minimum:
        errors.append(FieldError("person", _(
            "A work permit is for people aged %(age)d or over (ACOGIDA_WORK_PERMIT_MIN_AGE); "
            "this person is younger.") % {"age": minimum}))
    if not legal_basis:
        errors.append(FieldError("legal_basis", _("A work permit needs a legal basis: %(v)s.")
                                 % {"v": ", ".join(LegalBasis.values)}))
    elif legal_basis not in LegalBasis.values:
        errors.append(FieldError("legal_basis", _("One of: %(v)s.")
                                 % {"v": ", ".join(LegalBasis.values)}))
    if errors:
        raise InvalidInput(_("A work permit cannot be issued to this person."), errors)
    return legal_basis, employer, states


@transaction.atomic
def request_document(*, actor: audit.Actor, user, registration_number: str, doc_type: str,
                     legal_basis: str | None = None, employer: str | None = None,
                     valid_states: Iterable[str] = (), office=None) -> Document:
    """Request a temporary ID card or a work permit: it joins the print queue, signed."""
    doc_type = _check_type(doc_type)
    access.require(user, ISSUE_ACTION[doc_type])
    holder = _person(registration_number)
    expire_outdated(holder=holder, actor=actor)
    legal_basis, employer, states = _permit_conditions(
        doc_type=doc_type, holder=holder, legal_basis=legal_basis, employer=employer,
        valid_states=valid_states)
    return _new_document(actor=actor, user=user, holder=holder, doc_type=doc_type,
                         legal_basis=legal_basis, employer=employer, valid_states=states,
                         office=_office(office, holder))


def issue_temporary_id(*, actor: audit.Actor, user, registration_number: str,
                       office=None) -> Document:
    return request_document(actor=actor, user=user, registration_number=registration_number,
                            doc_type=DocumentType.TEMPORARY_ID, office=office)


def issue_work_permit(*, actor: audit.Actor, user, registration_number: str, legal_basis: str,
                      employer: str = "", valid_states: Iterable[str] = (),
                      office=None) -> Document:
    return request_document(actor=actor, user=user, registration_number=registration_number,
                            doc_type=DocumentType.WORK_PERMIT, legal_basis=legal_basis,
                            employer=employer, valid_states=valid_states, office=office)


# ---- print queue -------------------------------------------------------------------------------

@transaction.atomic
def create_print_batch(*, actor: audit.Actor, user, numbers: Iterable[str] | None = None,
                       office=None) -> PrintBatch:
    """Group requested documents not yet in a batch: the ones named, or all of one office (or
    all of them)."""
    access.require(user, "document.print")
    queue = Document.objects.select_for_update().filter(status=Status.REQUESTED,
                                                        batch__isnull=True)
    office_point = None
    if numbers:
        wanted = {ids.normalize(n) for n in numbers}
        documents = list(queue.filter(number__in=wanted))
        missing = wanted - {d.number for d in documents}
        if missing:
            raise Conflict(_("Some documents are not waiting to be printed."), [
                FieldError("numbers", _("%(n)s is not a requested document outside a batch.")
                           % {"n": n}) for n in sorted(missing)])
    else:
        if office:
            office_point = RegistrationPoint.objects.filter(code=str(office)).first()
            if office_point is None:
                raise InvalidInput(_("Unknown issuing office."), [FieldError(
                    "office", _("No registration point with that code."))])
            queue = queue.filter(office=office_point)
        documents = list(queue.order_by("requested_at", "id"))
    if not documents:
        raise InvalidInput(_("No requested documents are waiting to be printed."),
                           [FieldError("numbers", _("Nothing to print."))])
    batch = PrintBatch.objects.create(number=ids.new_number(), office=office_point,
                                      created_at=timezone.now(), created_by=stored_user(user))
    Document.objects.filter(id__in=[d.id for d in documents]).update(batch=batch)
    audit.record(actor, "document.print_batch.create", "print_batch", batch.number,
                 documents=[d.number for d in documents])
    return batch


def _batch(number: str) -> PrintBatch:
    batch = (PrintBatch.objects.select_for_update()
             .filter(number=ids.normalize(number or "")).first())
    if batch is None:
        raise NotFound(_("No print batch with that number."))
    return batch


@transaction.atomic
def mark_batch_printed(*, actor: audit.Actor, user, batch: str) -> PrintBatch:
    access.require(user, "document.print")
    found = _batch(batch)
    if found.printed_at:
        raise Conflict(_("This batch is already marked printed."))
    now = timezone.now()
    printed = list(found.documents.filter(status=Status.REQUESTED)
                   .values_list("number", flat=True))
    found.documents.filter(status=Status.REQUESTED).update(status=Status.PRINTED, printed_at=now)
    found.printed_at, found.printed_by = now, stored_user(user)
    found.save(update_fields=["printed_at", "printed_by"])
    audit.record(actor, "document.print", "print_batch", found.number, documents=printed)
    return found


@transaction.atomic
def hand_over(*, actor: audit.Actor, user, number: str, received_by: str = HOLDER) -> Document:
    """The printed card is handed to its holder, or for a child to a guardian: ``issued``."""
    access.require(user, "document.hand_over")
    document = _document(number)
    if document.status != Status.PRINTED:
        raise Conflict(_("Only a printed document can be handed over (this one is %(s)s).")
                       % {"s": document.status})
    holder, today = document.holder, _today()
    receiver = holder if not received_by or received_by == HOLDER else _person(received_by,
                                                                              "received_by")
    if receiver.id == holder.id:
        if document.guardian_id and card_data.age_on(holder.date_of_birth, today) < \
                conf.ADULT_AGE:
            raise InvalidInput(_("A child's document is handed to a guardian."), [FieldError(
                "received_by", _("Give the registration number of the guardian."))])
    elif receiver.id not in {g.id for g in _guardians(holder, today)}:
        raise InvalidInput(_("Only the holder or a guardian may receive the document."), [
            FieldError("received_by", _("Not an adult head or spouse of the holder's "
                                        "household."))])
    document.status, document.handed_over_at = Status.ISSUED, timezone.now()
    document.received_by = receiver
    document.save(update_fields=["status", "handed_over_at", "received_by"])
    audit.record(actor, "document.hand_over", "document", document.number,
                 subject=holder.registration_number, received_by=receiver.registration_number,
                 by_guardian=receiver.id != holder.id)
    return document


# ---- ending a document -------------------------------------------------------------------------

def _require_end(user, document: Document) -> None:
    access.require(user, "document.revoke")
    access.require(user, ISSUE_ACTION[document.doc_type])


def _end(document: Document, status: str, reason: str) -> None:
    document.status, document.ended_at, document.end_reason = status, timezone.now(), reason
    document.save(update_fields=["status", "ended_at", "end_reason"])


@transaction.atomic
def revoke(*, actor: audit.Actor, user, number: str, reason: str) -> Document:
    document = _document(number)
    _require_end(user, document)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the document is revoked."),
                           [FieldError("reason", _("This field is required."))])
    if has_control_characters(reason) or len(reason) > 300:
        raise InvalidInput(_("Say why the document is revoked."), [FieldError(
            "reason", _("At most 300 characters, without control characters."))])
    if document.status not in ACTIVE:
        raise Conflict(_("This document is already %(s)s.") % {"s": document.status})
    _end(document, Status.REVOKED, reason)
    # The reason stays on the document; free text may name people, so the log does not copy it.
    audit.record(actor, "document.revoke", "document", document.number,
                 subject=document.holder.registration_number)
    return document


def _successor(*, actor, user, old: Document, status: str, reason: str) -> Document:
    holder = old.holder
    legal_basis, employer, states = _permit_conditions(
        doc_type=old.doc_type, holder=holder, legal_basis=old.legal_basis,
        employer=old.employer, valid_states=old.valid_states)
    _end(old, status, reason)
    return _new_document(actor=actor, user=user, holder=holder, doc_type=old.doc_type,
                         legal_basis=legal_basis, employer=employer, valid_states=states,
                         office=old.office, replaces=old)


@transaction.atomic
def renew(*, actor: audit.Actor, user, number: str) -> Document:
    """A new document of the same type and conditions, valid from today; the old one is
    ``replaced`` (reason "renewed")."""
    old = _document(number)
    _require_end(user, old)
    if old.status not in (Status.PRINTED, Status.ISSUED, Status.EXPIRED):
        raise Conflict(_("Only a printed, issued or expired document can be renewed (this one "
                         "is %(s)s).") % {"s": old.status})
    if Document.objects.filter(replaces=old).exists():
        raise Conflict(_("This document was already renewed or replaced."))
    new = _successor(actor=actor, user=user, old=old,
                     status=Status.REPLACED if old.status != Status.EXPIRED else Status.EXPIRED,
                     reason=ReplacementReason.RENEWED)
    audit.record(actor, "document.renew", "document", old.number,
                 subject=old.holder.registration_number, new=new.number)
    return new


@transaction.atomic
def replace(*, actor: audit.Actor, user, number: str, reason: str) -> Document:
    """A lost, stolen or damaged card: the old number is revoked (it goes on the revocation
    list) and a new card is requested."""
    old = _document(number)
    _require_end(user, old)
    allowed = (ReplacementReason.LOST, ReplacementReason.STOLEN, ReplacementReason.DAMAGED)
    if reason not in allowed:
        raise InvalidInput(_("Unknown reason for a replacement."), [FieldError(
            "reason", _("One of: %(v)s.") % {"v": ", ".join(allowed)})])
    if old.status not in (Status.PRINTED, Status.ISSUED):
        raise Conflict(_("Only a printed or issued document can be replaced (this one is "
                         "%(s)s).") % {"s": old.status})
    new = _successor(actor=actor, user=user, old=old, status=Status.REPLACED, reason=reason)
    audit.record(actor, "document.replace", "document", old.number,
                 subject=old.holder.registration_number, new=new.number, reason=reason)
    return new


@transaction.atomic
def rotate_issuer_key(*, actor: audit.Actor, user):
    """A new signing key for new documents; cards signed with older keys stay valid."""
    access.require(user, "document.keys.rotate")
    try:
        key = keys.rotate_key()
    except keys.KeyRotationRefused as exc:
        raise Conflict(_("The issuer key is set in the environment (ACOGIDA_ISSUER_KEY); rotate "
                         "it there.")) from exc
    audit.record(actor, "document.keys.rotate", "issuer_key", key.kid)
    return key
