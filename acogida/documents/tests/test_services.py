from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.core import ids
from acogida.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from acogida.documents import credentials, keys, selectors, services
from acogida.documents.models import Document, Status

from . import factories as f

SYSTEM = testing.SYSTEM


@pytest.fixture
def family(db):
    household = testing.make_household()
    members = {m.relationship + str(i): m.person
               for i, m in enumerate(household.members.order_by("id"))}
    return {"head": members["head0"], "spouse": members["spouse1"], "child": members["child2"],
            "household": household}


def actions(number: str) -> list[str]:
    return list(AuditEntry.objects.filter(object_id=number).order_by("seq")
                .values_list("action", flat=True))


def test_temporary_id_is_requested_signed_and_audited(family):
    head = family["head"]
    document = f.request(head)
    assert ids.is_valid(document.number)
    assert document.status == Status.REQUESTED
    assert document.valid_until - document.valid_from == timedelta(days=364)
    assert document.office == head.registration_point
    assert document.legal_status == "Persona registrada — identificación temporal"
    assert document.guardian is None
    result = credentials.verify_credential(document.qr_payload, keys.public_keys(),
                                           now=timezone.now())
    assert result.valid, result
    assert result.document["number"] == document.number
    assert result.document["holder_name"] == head.full_name
    assert actions(document.number) == ["document.issue"]


def test_validity_is_configurable(family, settings):
    settings.ACOGIDA_TEMPORARY_ID_VALIDITY_DAYS = 90
    document = f.request(family["head"])
    assert (document.valid_until - document.valid_from).days == 89


def test_childs_card_names_an_adult_guardian(family):
    document = f.request(family["child"])
    assert document.guardian == family["head"]
    assert document.card["guardian_name"] == family["head"].full_name


def test_work_permit_states_its_basis_and_conditions(family):
    permit = f.work_permit(family["spouse"], employer="Café La Selva, S.A.",
                           valid_states=["Chiapas", "Oaxaca", "Chiapas"])
    assert permit.legal_status == "Solicitante de refugio — autorizado para trabajar"
    assert permit.card["legal_status_en"] == "Asylum applicant — authorised to work"
    assert permit.valid_states == ["Chiapas", "Oaxaca"]
    assert permit.employer == "Café La Selva, S.A."


def test_work_permit_for_a_child_is_refused_naming_the_rule(family):
    with pytest.raises(InvalidInput) as caught:
        f.work_permit(family["child"])
    assert caught.value.status == 422
    assert any(e.field == "person" and "18" in str(e.message) for e in caught.value.errors)
    assert not Document.objects.exists()


def test_work_permit_minimum_age_is_a_setting(family, settings):
    settings.ACOGIDA_WORK_PERMIT_MIN_AGE = 60
    with pytest.raises(InvalidInput, match="(?i)work permit|permiso de trabajo"):
        f.work_permit(family["head"])


def test_work_permit_needs_a_legal_basis(family):
    with pytest.raises(InvalidInput) as caught:
        f.request(family["head"], "work_permit")
    assert [e.field for e in caught.value.errors] == ["legal_basis"]
    with pytest.raises(InvalidInput):
        f.work_permit(family["head"], legal_basis="tourist")


def test_one_active_document_per_type(family):
    head = family["head"]
    f.request(head)
    f.work_permit(head)  # another type is fine
    with pytest.raises(Conflict) as caught:
        f.request(head)
    assert caught.value.status == 409


def test_the_database_refuses_a_second_active_document(family):
    document = f.request(family["head"])
    copy = Document.objects.get(pk=document.pk)
    copy.pk, copy.number = None, ids.new_number()
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_unknown_type_and_person(family):
    with pytest.raises(InvalidInput):
        f.request(family["head"], "passport")
    with pytest.raises(NotFound):
        services.request_document(actor=SYSTEM, user=f.caseworker(),
                                  registration_number="0000-0000-00", doc_type="temporary_id")


def test_life_cycle_end_to_end(family):
    head, clerk = family["head"], testing.make_user("registration")
    shelter = testing.make_user("shelter")
    document = f.request(head, user=clerk)
    assert not selectors.person_has_valid_document(user=shelter, person=head)
    with pytest.raises(Conflict):  # not printed yet
        services.hand_over(actor=SYSTEM, user=clerk, number=document.number)
    batch = services.create_print_batch(actor=SYSTEM, user=clerk)
    assert [d.number for d in batch.documents.all()] == [document.number]
    services.mark_batch_printed(actor=SYSTEM, user=clerk, batch=batch.number)
    with pytest.raises(Conflict):
        services.mark_batch_printed(actor=SYSTEM, user=clerk, batch=batch.number)
    document.refresh_from_db()
    assert document.status == Status.PRINTED and document.printed_at
    services.hand_over(actor=SYSTEM, user=clerk, number=document.number)
    document.refresh_from_db()
    assert document.status == Status.ISSUED and document.received_by == head
    assert selectors.person_has_valid_document(user=shelter, person=head)
    assert selectors.person_has_valid_document(user=shelter, person=head,
                                               doc_type="temporary_id")
    assert not selectors.person_has_valid_document(user=shelter, person=head,
                                                   doc_type="work_permit")
    assert actions(document.number) == ["document.issue", "document.hand_over"]
    assert AuditEntry.objects.filter(action="document.print", object_id=batch.number).exists()
    with pytest.raises(Conflict):
        services.hand_over(actor=SYSTEM, user=clerk, number=document.number)


def test_a_childs_card_is_handed_to_a_guardian(family):
    document = f.printed(f.request(family["child"]))
    with pytest.raises(InvalidInput):
        services.hand_over(actor=SYSTEM, user=f.caseworker(), number=document.number)
    stranger = testing.make_person(given_names="Pedro", first_surname="Ajeno")
    with pytest.raises(InvalidInput):
        services.hand_over(actor=SYSTEM, user=f.caseworker(), number=document.number,
                           received_by=stranger.registration_number)
    services.hand_over(actor=SYSTEM, user=f.caseworker(), number=document.number,
                       received_by=family["spouse"].registration_number)
    document.refresh_from_db()
    assert document.received_by == family["spouse"]


def test_revoke_twice_is_a_conflict(family):
    document = f.issued(f.request(family["head"]))
    services.revoke(actor=SYSTEM, user=f.caseworker(), number=document.number, reason="fraud")
    document.refresh_from_db()
    assert document.status == Status.REVOKED and document.end_reason == "fraud"
    assert document.number in selectors.revoked_numbers()
    with pytest.raises(Conflict):
        services.revoke(actor=SYSTEM, user=f.caseworker(), number=document.number, reason="x")
    with pytest.raises(InvalidInput):
        services.revoke(actor=SYSTEM, user=f.caseworker(),
                        number=f.request(family["head"]).number, reason=" ")
    assert actions(document.number)[-1] == "document.revoke"


def test_revoking_needs_the_issue_permission_of_the_type(family):
    permit = f.work_permit(family["head"])
    clerk = testing.make_user("registration")  # may revoke, may not issue work permits
    with pytest.raises(Forbidden):
        services.revoke(actor=SYSTEM, user=clerk, number=permit.number, reason="x")
    with pytest.raises(Forbidden):
        services.renew(actor=SYSTEM, user=clerk, number=permit.number)
    with pytest.raises(Forbidden):
        services.request_document(actor=SYSTEM, user=clerk, doc_type="work_permit",
                                  registration_number=family["head"].registration_number,
                                  legal_basis="humanitarian_status")
    card = f.request(family["head"])
    services.revoke(actor=SYSTEM, user=clerk, number=card.number, reason="error de captura")


def test_renew_links_the_new_document_to_the_old(family):
    old = f.issued(f.work_permit(family["head"], employer="Finca Irlanda"))
    new = services.renew(actor=SYSTEM, user=f.caseworker(), number=old.number)
    old.refresh_from_db()
    assert new.replaces == old and new.status == Status.REQUESTED
    assert (new.employer, new.legal_basis) == ("Finca Irlanda", "refugee_application_lodged")
    assert old.status == Status.REPLACED and old.end_reason == "renewed"
    assert old.number in selectors.revoked_numbers()
    assert actions(old.number)[-1] == "document.renew"
    with pytest.raises(Conflict):
        services.renew(actor=SYSTEM, user=f.caseworker(), number=old.number)
    with pytest.raises(Conflict):  # requested, not printed: nothing to renew yet
        services.renew(actor=SYSTEM, user=f.caseworker(), number=new.number)


def test_replace_a_lost_card(family):
    old = f.issued(f.request(family["head"]))
    with pytest.raises(InvalidInput):
        services.replace(actor=SYSTEM, user=f.caseworker(), number=old.number, reason="bored")
    new = services.replace(actor=SYSTEM, user=f.caseworker(), number=old.number, reason="lost")
    old.refresh_from_db()
    assert (old.status, old.end_reason, new.replaces_id) == (Status.REPLACED, "lost", old.id)
    assert new.qr_payload != old.qr_payload
    assert actions(old.number)[-1] == "document.replace"


def test_expiry_sweep_and_renewing_an_expired_document(family):
    document = f.issued(f.request(family["head"]))
    assert services.expire_documents(document.valid_until) == 0
    assert services.expire_documents(document.valid_until + timedelta(days=1)) == 1
    document.refresh_from_db()
    assert document.status == Status.EXPIRED
    assert document.number not in selectors.revoked_numbers()
    new = services.renew(actor=SYSTEM, user=f.caseworker(), number=document.number)
    assert new.replaces == document


def test_a_document_past_its_validity_does_not_block_a_new_one(family):
    document = f.request(family["head"])
    Document.objects.filter(pk=document.pk).update(
        valid_until=timezone.localdate() - timedelta(days=1))
    new = f.request(family["head"])
    document.refresh_from_db()
    assert document.status == Status.EXPIRED and new.status == Status.REQUESTED


def test_print_batches_by_number_and_office(family):
    clerk = f.caseworker()
    first, second = f.request(family["head"]), f.request(family["spouse"])
    with pytest.raises(Conflict):
        services.create_print_batch(actor=SYSTEM, user=clerk,
                                    numbers=[first.number, "0000-0000-00"])
    batch = services.create_print_batch(actor=SYSTEM, user=clerk, numbers=[first.number])
    with pytest.raises(Conflict):  # already in a batch
        services.create_print_batch(actor=SYSTEM, user=clerk, numbers=[first.number])
    by_office = services.create_print_batch(actor=SYSTEM, user=clerk, office="TAP")
    assert list(by_office.documents.values_list("number", flat=True)) == [second.number]
    with pytest.raises(InvalidInput):
        services.create_print_batch(actor=SYSTEM, user=clerk)
    with pytest.raises(InvalidInput):
        services.create_print_batch(actor=SYSTEM, user=clerk, office="NOPE")
    services.revoke(actor=SYSTEM, user=clerk, number=first.number, reason="duplicate")
    printed = services.mark_batch_printed(actor=SYSTEM, user=clerk, batch=batch.number)
    first.refresh_from_db()
    assert printed.printed_at and first.status == Status.REVOKED  # a revoked card stays so
    assert selectors.batch_documents(actor=SYSTEM, user=clerk, batch=batch) == []


def test_rotating_the_key_keeps_old_cards_valid(family):
    old = f.request(family["head"])
    with pytest.raises(Forbidden):
        services.rotate_issuer_key(actor=SYSTEM, user=f.caseworker())
    key = services.rotate_issuer_key(actor=SYSTEM, user=testing.make_user("admin"))
    assert keys.current_key().kid == key.kid != old.key_id
    new = f.request(family["spouse"])
    assert new.key_id == key.kid
    for document in (old, new):
        result = credentials.verify_credential(document.qr_payload, keys.public_keys(),
                                               now=timezone.now())
        assert result.valid, result
    assert AuditEntry.objects.filter(action="document.keys.rotate", object_id=key.kid).exists()


def test_reads_are_audited(family):
    document = f.request(family["head"])
    reader = testing.make_user("registration")
    read = selectors.get_document(actor=SYSTEM, user=reader, number=document.number.lower())
    assert read == document
    listed = selectors.documents_of_person(actor=SYSTEM, user=reader,
                                           registration_number=family["head"].registration_number)
    assert listed == [document]
    assert AuditEntry.objects.filter(action="document.read", object_id=document.number).exists()
    assert AuditEntry.objects.filter(action="document.list").exists()
    with pytest.raises(Forbidden):  # the other roles learn only whether a valid one exists
        selectors.documents_of_person(actor=SYSTEM, user=testing.make_user("medical"),
                                      registration_number=family["head"].registration_number)


def test_demo_seed_respects_the_rules(db):
    from acogida.documents.demo import seed_documents

    for _ in range(3):
        testing.make_household()
    counts = seed_documents(actor=SYSTEM, temporary_id_share=1.0, work_permit_share=1.0)
    assert counts == {"temporary_id": 15, "work_permit": 6}
    permit_holders = Document.objects.filter(doc_type="work_permit").values_list(
        "holder__date_of_birth", flat=True)
    assert all(born.year < 2008 for born in permit_holders)
    children = Document.objects.filter(doc_type="temporary_id", guardian__isnull=False)
    assert children.count() == 9
    sample = Document.objects.order_by("?").first()
    result = credentials.verify_credential(sample.qr_payload, keys.public_keys(),
                                           now=timezone.now())
    assert result.valid and result.document["number"] == sample.number
    assert seed_documents(actor=SYSTEM) == {"temporary_id": 0, "work_permit": 0}
