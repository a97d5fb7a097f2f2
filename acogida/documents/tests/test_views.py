"""The documents pages as a clerk, a case officer, a shelter manager and a stranger with a phone
see them: the person page's documents, the print queue, and the public verification page."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from acogida import testing
from acogida.documents import services
from acogida.documents.models import Document, Status

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def family():
    household = testing.make_household()
    people = [m.person for m in household.members.order_by("id")]
    return {"head": people[0], "spouse": people[1], "child": people[2]}


def client_for(role: str, language: str = "en") -> Client:
    client = Client(headers={"Accept-Language": language})
    client.force_login(testing.make_user(role))
    return client


def person_page(client, person) -> str:
    response = client.get(reverse("person-detail", args=[person.registration_number]))
    assert response.status_code == 200
    return response.content.decode()


def row_of(text: str, number: str) -> str:
    """The table row of one document on the person page."""
    match = re.search(rf'<tr id="doc-{re.escape(number)}">.*?</tr>', text, re.S)
    assert match, f"no row for {number}"
    return match.group(0)


# ---- the person page -------------------------------------------------------------------------

def test_clerk_requests_a_temporary_id_and_sees_it_listed(family):
    clerk, head = client_for("registration"), family["head"]
    text = person_page(clerk, head)
    assert "Holds a valid temporary ID: <strong class=\"no\">no</strong>" in text
    assert "Request a temporary ID card" in text
    response = clerk.post(reverse("document-request", args=[head.registration_number]),
                          {"type": "temporary_id"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/people/{head.registration_number}/#documents")
    document = Document.objects.get(holder=head)
    text = clerk.get(response["Location"]).content.decode()
    assert f"Temporary ID card {document.number} requested" in text  # the message
    row = row_of(text, document.number)
    assert "Temporary ID card" in row and "status-requested" in row and "Requested" in row
    assert document.valid_until.isoformat() in row
    assert reverse("document-card-pdf", args=[document.number]) in row
    # One active temporary ID at a time: the request button gives way to a note.
    assert "Request a temporary ID card" not in text
    assert "A temporary ID card is active" in text


def test_only_a_case_officer_gets_the_work_permit_form(family):
    head = family["head"]
    assert 'name="legal_basis"' not in person_page(client_for("registration"), head)
    caseworker = client_for("caseworker")
    text = person_page(caseworker, head)
    assert 'name="legal_basis"' in text and "Chiapas" in text
    response = caseworker.post(reverse("document-request", args=[head.registration_number]), {
        "type": "work_permit", "legal_basis": "humanitarian_status",
        "employer": "Café La Selva", "valid_states": ["Oaxaca", "Chiapas"]})
    assert response.status_code == 302
    permit = Document.objects.get(holder=head, doc_type="work_permit")
    assert permit.valid_states == ["Chiapas", "Oaxaca"] and permit.employer == "Café La Selva"
    row = row_of(caseworker.get(response["Location"]).content.decode(), permit.number)
    assert "Work permit" in row and "Humanitarian status" in row
    assert "Employer: Café La Selva" in row and "Chiapas, Oaxaca" in row


def test_refused_work_permit_shows_the_error_beside_the_field(family):
    caseworker = client_for("caseworker")
    head, child = family["head"], family["child"]
    response = caseworker.post(reverse("document-request", args=[head.registration_number]),
                               {"type": "work_permit", "employer": "Rancho El Sol",
                                "valid_states": ["Chiapas"]})
    assert response.status_code == 422
    text = response.content.decode()
    assert 'id="wp-legal-basis-error"' in text and "needs a legal basis" in text
    assert 'aria-invalid="true" aria-describedby="wp-legal-basis-error"' in text
    assert 'value="Rancho El Sol"' in text  # what was typed comes back
    assert 'value="Chiapas" checked' in text
    assert not Document.objects.exists()
    # A child: the age rule is about the person, so it is shown on top of the form.
    response = caseworker.post(reverse("document-request", args=[child.registration_number]),
                               {"type": "work_permit", "legal_basis": "humanitarian_status"})
    assert response.status_code == 422
    assert "aged 18 or over" in response.content.decode()


def test_a_second_active_document_is_refused_as_a_message(family):
    clerk, head = client_for("registration"), family["head"]
    url = reverse("document-request", args=[head.registration_number])
    assert clerk.post(url, {"type": "temporary_id"}).status_code == 302
    response = clerk.post(url, {"type": "temporary_id"})
    assert response.status_code == 409
    assert "already holds an active document" in response.content.decode()
    assert Document.objects.filter(holder=head).count() == 1


def test_revoke_asks_for_a_reason_then_the_person_page_shows_it_revoked(family):
    clerk, head = client_for("registration"), family["head"]
    document = f.request(head)
    row = row_of(person_page(clerk, head), document.number)
    url = reverse("document-revoke", args=[document.number])
    assert url in row  # a link to the confirmation step, not a one-click button
    confirm = clerk.get(url)
    assert confirm.status_code == 200
    assert "Revoke document" in confirm.content.decode()
    empty = clerk.post(url, {"reason": "  "})
    assert empty.status_code == 422
    assert 'id="revoke-reason-error"' in empty.content.decode()
    document.refresh_from_db()
    assert document.status == Status.REQUESTED
    done = clerk.post(url, {"reason": "Captura duplicada"})
    assert done.status_code == 302
    document.refresh_from_db()
    assert document.status == Status.REVOKED and document.end_reason == "Captura duplicada"
    row = row_of(person_page(clerk, head), document.number)
    assert "status-revoked" in row and "Revoked" in row and "Captura duplicada" in row
    assert url not in row  # nothing left to revoke


def test_a_clerk_may_not_revoke_a_work_permit(family):
    permit = f.work_permit(family["head"])
    clerk = client_for("registration")
    row = row_of(person_page(clerk, family["head"]), permit.number)
    assert reverse("document-revoke", args=[permit.number]) not in row
    assert clerk.post(reverse("document-revoke", args=[permit.number]),
                      {"reason": "x"}).status_code == 403


def test_hand_over_a_childs_card_to_the_guardian(family):
    caseworker, child, head = client_for("caseworker"), family["child"], family["head"]
    document = f.printed(f.request(child))
    assert document.guardian == head
    url = reverse("document-hand-over", args=[document.number])
    refused = caseworker.post(url, {"person": child.registration_number,
                                    "received_by": "holder"})
    assert refused.status_code == 422
    text = refused.content.decode()
    assert 'id="received-error-' in text and "registration number of the guardian" in text
    done = caseworker.post(url, {"person": child.registration_number,
                                 "received_by": head.registration_number})
    assert done.status_code == 302
    document.refresh_from_db()
    assert document.status == Status.ISSUED and document.received_by == head
    row = row_of(person_page(caseworker, child), document.number)
    assert "status-issued" in row and f"to the guardian {head.full_name}" in row
    assert "Holds a valid temporary ID: <strong class=\"yes\">yes</strong>" in \
        person_page(caseworker, child)


def test_replace_a_lost_card_and_renew_an_issued_one(family):
    caseworker, head = client_for("caseworker"), family["head"]
    card = f.issued(f.request(head))
    replaced = caseworker.post(reverse("document-replace", args=[card.number]),
                               {"person": head.registration_number, "reason": "lost"})
    assert replaced.status_code == 302
    card.refresh_from_db()
    new = card.replaced_by
    assert card.status == Status.REPLACED and card.end_reason == "lost"
    text = caseworker.get(replaced["Location"]).content.decode()
    assert "Lost" in row_of(text, card.number) and f"by {new.number}" in row_of(text, card.number)
    assert f"replaces {card.number}" in row_of(text, new.number)
    no_reason = caseworker.post(reverse("document-replace", args=[new.number]),
                                {"person": head.registration_number, "reason": ""})
    assert no_reason.status_code in (409, 422)  # requested, not yet printed: nothing to replace
    permit = f.issued(f.work_permit(head))
    renewed = caseworker.post(reverse("document-renew", args=[permit.number]),
                              {"person": head.registration_number})
    assert renewed.status_code == 302
    permit.refresh_from_db()
    assert permit.status == Status.REPLACED and permit.replaced_by.status == Status.REQUESTED


def test_shelter_sees_only_whether_a_valid_document_exists(family):
    head = family["head"]
    document = f.issued(f.request(head))
    shelter = client_for("shelter")
    text = person_page(shelter, head)
    assert "Holds a valid temporary ID: <strong class=\"yes\">yes</strong>" in text
    assert document.number not in text
    assert shelter.get(reverse("person-documents",
                               args=[head.registration_number])).status_code == 403
    for url in (reverse("document-request", args=[head.registration_number]),
                reverse("document-revoke", args=[document.number]),
                reverse("document-renew", args=[document.number]),
                reverse("document-replace", args=[document.number]),
                reverse("document-card-pdf", args=[document.number])):
        assert url not in text
    assert "<form" not in text.split('id="documents"')[1].split("</section>")[0]
    assert shelter.post(reverse("document-request", args=[head.registration_number]),
                        {"type": "temporary_id"}).status_code == 403
    assert shelter.get(reverse("document-print-queue")).status_code == 403
    assert reverse("document-print-queue") not in text  # no menu link either


def test_a_role_without_document_status_sees_nothing_of_documents(family, monkeypatch):
    from acogida.accounts import access

    f.request(family["head"])
    monkeypatch.setitem(access.PERMISSIONS, "document.status", frozenset({"admin"}))
    text = person_page(client_for("shelter"), family["head"])
    assert 'id="documents"' not in text and "temporary ID" not in text


# ---- the print queue ---------------------------------------------------------------------------

def test_print_queue_makes_a_batch_whose_pdf_downloads(family):
    caseworker = client_for("caseworker")
    first, second = f.request(family["head"]), f.request(family["spouse"])
    page = caseworker.get(reverse("document-print-queue"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "2 documents waiting to be printed" in text
    assert first.number in text and second.number in text
    assert family["head"].full_name not in text  # printing needs no names
    made = caseworker.post(reverse("print-batch-create"), {"office": "TAP"})
    assert made.status_code == 302
    first.refresh_from_db()
    batch = first.batch
    assert batch is not None and batch.documents.count() == 2
    text = caseworker.get(reverse("document-print-queue")).content.decode()
    assert f"Print batch {batch.number} made with 2 cards" in text
    assert "0 documents waiting to be printed" in text
    assert reverse("print-batch-pdf", args=[batch.number]) in text
    pdf = caseworker.get(reverse("print-batch-pdf", args=[batch.number]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    card = caseworker.get(reverse("document-card-pdf", args=[first.number]))
    assert card["Content-Type"] == "application/pdf" and card.content.startswith(b"%PDF")
    # Mark printed, then hand one card over from the queue's list.
    assert caseworker.post(reverse("print-batch-printed", args=[batch.number])).status_code == 302
    text = caseworker.get(reverse("document-print-queue")).content.decode()
    assert "Printed, to hand over" in text and family["head"].full_name in text
    handed = caseworker.post(reverse("document-hand-over", args=[first.number]),
                             {"back": "queue", "received_by": "holder"})
    assert handed.status_code == 302 and handed["Location"] == reverse("document-print-queue")
    first.refresh_from_db()
    assert first.status == Status.ISSUED
    again = caseworker.post(reverse("print-batch-printed", args=[batch.number]))
    text = caseworker.get(again["Location"]).content.decode()
    assert "already marked printed" in text  # a refusal comes back as a message


def test_an_empty_queue_says_so(family):
    caseworker = client_for("caseworker")
    response = caseworker.post(reverse("print-batch-create"), {})
    text = caseworker.get(response["Location"]).content.decode()
    assert "No requested documents are waiting to be printed." in text


# ---- public verification ------------------------------------------------------------------------

def verify(client, payload: str, **extra):
    return client.post(reverse("document-verify"), {"qr_payload": payload}, **extra)


def test_verify_a_valid_card_without_login(family):
    document = f.request(family["head"])
    stranger = Client()  # no login; the browser's language is not asked: Spanish
    page = stranger.get(reverse("document-verify"))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="qr_payload"' in text and "Verificar un documento" in text
    assert "/static/vendor/jsqr/jsQR.js" in text and "/static/acogida/verify.js" in text
    response = verify(stranger, document.qr_payload + "\r\n")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    text = response.content.decode()
    assert "VÁLIDO" in text and "NO VÁLIDO" not in text and "verdict-ok" in text
    assert family["head"].full_name in text and "1985-03-12" in text
    assert document.number in text and document.valid_until.isoformat() in text
    assert family["head"].registration_number not in text  # only what the card prints


def test_verify_a_tampered_card_says_not_valid_and_why(family):
    payload = f.request(family["head"]).qr_payload
    flipped = payload[:40] + ("A" if payload[40] != "A" else "B") + payload[41:]
    english = Client(headers={"Accept-Language": "en"})
    text = verify(english, flipped).content.decode()
    assert "NOT VALID" in text and "verdict-bad" in text
    assert ("The signature does not match" in text
            or "not the code of a card, or it was read incompletely" in text)
    assert family["head"].full_name not in text
    assert "not the code of a card" in verify(english, "hello").content.decode()


def test_verify_a_revoked_card(family):
    document = f.issued(f.request(family["head"]))
    services.revoke(actor=testing.SYSTEM, user=f.caseworker(), number=document.number,
                    reason="robada")
    text = verify(Client(headers={"Accept-Language": "en"}), document.qr_payload).content.decode()
    assert "NOT VALID" in text and "was revoked or replaced" in text
    assert family["head"].full_name in text  # the signature is good: the card can be shown


def test_english_is_selectable_on_the_verify_page(family):
    stranger = Client()
    response = stranger.post(reverse("set_language"),
                             {"language": "en", "next": reverse("document-verify")})
    assert response.status_code == 302 and response["Location"] == reverse("document-verify")
    text = stranger.get(reverse("document-verify")).content.decode()
    assert '<html lang="en">' in text and "Scan with the camera" in text
    text = verify(stranger, f.request(family["head"]).qr_payload).content.decode()
    assert "VALID" in text and "NOT VALID" not in text


def test_verify_is_rate_limited_with_a_friendly_message(family):
    payload = f.request(family["head"]).qr_payload
    client = Client(headers={"Accept-Language": "en"})
    codes = [verify(client, payload, REMOTE_ADDR="198.51.100.9").status_code for _ in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429
    limited = verify(client, payload, REMOTE_ADDR="198.51.100.9")
    assert limited.status_code == 429 and "Wait a minute" in limited.content.decode()
    # The page and the API share the limit: the API refuses this address too.
    api = client.post("/api/v1/documents/verify", {"qr_payload": payload},
                      content_type="application/json", REMOTE_ADDR="198.51.100.9")
    assert api.status_code == 429


def test_verify_is_linked_from_the_login_page_and_the_footer(family):
    text = Client(headers={"Accept-Language": "en"}).get(reverse("login")).content.decode()
    assert text.count(f'href="{reverse("document-verify")}"') == 2  # the page and the footer
    assert "Verify a document" in text


def test_the_qr_decoder_is_served_from_the_apps_own_files():
    path = finders.find("vendor/jsqr/jsQR.js")
    assert path and finders.find("vendor/jsqr/LICENSE")
    with open(path, encoding="utf-8") as handle:
        assert "jsQR" in handle.read(2000)


def test_a_state_outside_the_list_is_refused_beside_the_states(family):
    caseworker, head = client_for("caseworker"), family["head"]
    response = caseworker.post(reverse("document-request", args=[head.registration_number]), {
        "type": "work_permit", "legal_basis": "plan_enrolment", "valid_states": ["Texas"]})
    assert response.status_code == 422
    text = response.content.decode()
    assert "Not a Mexican state: Texas" in text
    assert '<details class="states" open>' in text
    assert not Document.objects.exists()
