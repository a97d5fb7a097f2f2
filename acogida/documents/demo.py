"""Documents for the demo caravan, in bulk: ``seed_documents`` gives most people a temporary ID
and many adults a work permit, in every life-cycle state, in seconds for thousands of people.

The documents are what ``services.request_document`` would make (same card text, same signed QR,
same checks on age and one active document per type), written with one insert per thousand rows
and one audit entry per document. For the demo only: real issuance goes through the services.
"""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from acogida.accounts import audit
from acogida.core import ids
from acogida.registry.models import HouseholdMember, Person, Relationship

from . import card_data, conf, credentials, keys
from .models import Document, LegalBasis, PrintBatch, Status


def _guardians(today) -> dict[int, Person]:
    """Household id → its adult head (or else adult spouse)."""
    found: dict[int, tuple[bool, Person]] = {}
    for member in (HouseholdMember.objects.filter(
            left_on__isnull=True, relationship__in=[Relationship.HEAD, Relationship.SPOUSE])
            .select_related("person")):
        if card_data.age_on(member.person.date_of_birth, today) < conf.ADULT_AGE:
            continue
        is_head = member.relationship == Relationship.HEAD
        if member.household_id not in found or (is_head and not found[member.household_id][0]):
            found[member.household_id] = (is_head, member.person)
    return {household: person for household, (_, person) in found.items()}


@transaction.atomic
def seed_documents(*, actor: audit.Actor, temporary_id_share: float = 0.85,
                   work_permit_share: float = 0.4, seed: int = 2018) -> dict[str, int]:
    """Temporary IDs for ``temporary_id_share`` of the people without one, work permits for
    ``work_permit_share`` of the adults; about 70 % issued, 15 % printed, 15 % requested."""
    rng, today, now = random.Random(seed), timezone.localdate(), timezone.now()
    key, issuer = keys.current_key(), keys.issuer_name()
    minimum = conf.work_permit_min_age()
    guardians = _guardians(today)
    household_of = dict(HouseholdMember.objects.filter(left_on__isnull=True)
                        .values_list("person_id", "household_id"))
    taken = set(Document.objects.filter(status__in=["requested", "printed", "issued"])
                .values_list("holder_id", "doc_type"))
    batch = PrintBatch.objects.create(number=ids.new_number(), created_at=now, printed_at=now)
    documents, numbers = [], set(Document.objects.values_list("number", flat=True))
    people = Person.objects.select_related("registration_point").order_by("id")
    for person in people.iterator(chunk_size=2000):
        age = card_data.age_on(person.date_of_birth, today)
        wanted = []
        if rng.random() < temporary_id_share:
            wanted.append(("temporary_id", ""))
        if age >= minimum and rng.random() < work_permit_share:
            wanted.append(("work_permit", rng.choice(LegalBasis.values)))
        for doc_type, basis in wanted:
            if (person.id, doc_type) in taken:
                continue
            number = ids.new_number()
            while number in numbers:
                number = ids.new_number()
            numbers.add(number)
            guardian = guardians.get(household_of.get(person.id)) if age < 18 else None
            guardian = guardian if guardian and guardian.id != person.id else None
            issued_on = today - timedelta(days=rng.randrange(0, 60))
            until = issued_on + timedelta(days=conf.validity_days(doc_type) - 1)
            office = person.registration_point
            card = card_data.snapshot(person=person, doc_type=doc_type, legal_basis=basis,
                                      office=office, guardian=guardian, employer="",
                                      valid_states=[])
            payload = credentials.encode_credential(card_data.card_data(
                number=number, doc_type=doc_type, card=card, photo=None, valid_from=issued_on,
                valid_until=until, issued_at=now, issuer=issuer), key)
            roll = rng.random()
            status = (Status.ISSUED if roll < 0.7 else Status.PRINTED if roll < 0.85
                      else Status.REQUESTED)
            documents.append(Document(
                number=number, doc_type=doc_type, holder=person, guardian=guardian,
                legal_basis=basis, legal_status=card["legal_status"], issue_date=issued_on,
                valid_from=issued_on, valid_until=until, office=office,
                officer_name=actor.username, requested_at=now, qr_payload=payload,
                key_id=key.kid, card=card, status=status,
                batch=batch if status != Status.REQUESTED else None,
                printed_at=now if status != Status.REQUESTED else None,
                handed_over_at=now if status == Status.ISSUED else None,
                received_by=(guardian or person) if status == Status.ISSUED else None))
    Document.objects.bulk_create(documents, batch_size=1000)
    audit.record_many(actor, [audit.Event("document.issue", "document", d.number,
                                          {"type": d.doc_type,
                                           "holder": d.holder.registration_number,
                                           "demo": True}) for d in documents])
    counts = {"temporary_id": 0, "work_permit": 0}
    for document in documents:
        counts[document.doc_type] += 1
    return counts
