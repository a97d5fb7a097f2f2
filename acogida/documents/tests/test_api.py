from dataclasses import replace
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.documents import credentials, keys, revocations, selectors
from acogida.documents.models import Document, Status

from . import factories as f


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def family(db):
    household = testing.make_household()
    people = [m.person for m in household.members.order_by("id")]
    return {"head": people[0], "spouse": people[1], "child": people[2]}


@pytest.fixture
def caseworker(db):
    return testing.api_client(testing.make_user("caseworker"))


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def test_request_read_and_list(family, caseworker):
    head = family["head"]
    response = post(caseworker, "/api/v1/documents",
                    {"person": head.registration_number, "type": "work_permit",
                     "legal_basis": "humanitarian_status", "employer": "Maquiladora del Sur",
                     "valid_states": ["Chiapas"]})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "requested" and body["type"] == "work_permit"
    assert body["holder"] == {"registration_number": head.registration_number,
                              "full_name": head.full_name}
    assert body["legal_status"].startswith("Visitante por razones humanitarias")
    assert body["valid_states"] == ["Chiapas"] and body["employer"] == "Maquiladora del Sur"
    assert body["qr_payload"] == Document.objects.get(number=body["number"]).qr_payload
    read = caseworker.get(f"/api/v1/documents/{body['number']}")
    assert read.status_code == 200 and read.json()["qr_payload"] == body["qr_payload"]
    listed = caseworker.get(f"/api/v1/people/{head.registration_number}/documents")
    assert [d["number"] for d in listed.json()] == [body["number"]]


def test_errors_are_422_409_and_404(family, caseworker):
    child = post(caseworker, "/api/v1/documents", {
        "person": family["child"].registration_number, "type": "work_permit",
        "legal_basis": "refugee_application_lodged"})
    assert child.status_code == 422
    assert child.json()["errors"][0]["field"] == "person"
    assert "18" in child.json()["errors"][0]["message"]
    body = {"person": family["head"].registration_number, "type": "temporary_id"}
    first = post(caseworker, "/api/v1/documents", body)
    assert first.status_code == 201
    assert post(caseworker, "/api/v1/documents", body).status_code == 409
    number = first.json()["number"]
    assert post(caseworker, f"/api/v1/documents/{number}/revoke",
                {"reason": "captura duplicada"}).status_code == 200
    again = post(caseworker, f"/api/v1/documents/{number}/revoke", {"reason": "otra vez"})
    assert again.status_code == 409 and again.json()["detail"]
    assert caseworker.get("/api/v1/documents/0000-0000-00").status_code == 404
    assert post(caseworker, "/api/v1/documents", {"person": "x"}).status_code == 422


def test_access_per_role(family):
    registration = testing.api_client(testing.make_user("registration"))
    shelter = testing.api_client(testing.make_user("shelter"))
    head = family["head"].registration_number
    refused = post(registration, "/api/v1/documents", {
        "person": head, "type": "work_permit", "legal_basis": "humanitarian_status"})
    assert refused.status_code == 403
    created = post(registration, "/api/v1/documents", {"person": head, "type": "temporary_id"})
    assert created.status_code == 201
    assert post(shelter, "/api/v1/documents",
                {"person": head, "type": "temporary_id"}).status_code == 403
    assert shelter.get(f"/api/v1/people/{head}/documents").status_code == 403
    status = shelter.get(f"/api/v1/people/{head}/documents/status")
    assert status.status_code == 200
    # requested, not yet handed over: not valid yet, and nothing else about it
    assert status.json() == {"valid_temporary_id": False, "valid_work_permit": False}
    assert shelter.get(f"/api/v1/documents/{created.json()['number']}/pdf").status_code == 403
    assert Client().post("/api/v1/documents", {}, content_type="application/json"
                         ).status_code == 401


def test_print_queue_through_the_api(family, caseworker):
    numbers = [post(caseworker, "/api/v1/documents",
                    {"person": p.registration_number, "type": "temporary_id"}).json()["number"]
               for p in (family["head"], family["spouse"], family["child"])]
    batch = post(caseworker, "/api/v1/print-batches", {"numbers": numbers})
    assert batch.status_code == 201 and batch.json()["count"] == 3
    batch_id = batch.json()["id"]
    assert caseworker.get("/api/v1/print-batches").json()[0]["id"] == batch_id
    pdf = caseworker.get(f"/api/v1/print-batches/{batch_id}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    printed = post(caseworker, f"/api/v1/print-batches/{batch_id}/printed")
    assert printed.status_code == 200 and printed.json()["printed_at"]
    assert post(caseworker, f"/api/v1/print-batches/{batch_id}/printed").status_code == 409
    issued = post(caseworker, f"/api/v1/documents/{numbers[0]}/issued")
    assert issued.status_code == 200 and issued.json()["status"] == "issued"
    child = post(caseworker, f"/api/v1/documents/{numbers[2]}/issued")
    assert child.status_code == 422
    child = post(caseworker, f"/api/v1/documents/{numbers[2]}/issued",
                 {"received_by": family["head"].registration_number})
    assert child.json()["received_by"] == family["head"].registration_number
    card = caseworker.get(f"/api/v1/documents/{numbers[0]}/pdf")
    assert card.status_code == 200 and card.content.startswith(b"%PDF")
    renewed = post(caseworker, f"/api/v1/documents/{numbers[0]}/renew")
    assert renewed.status_code == 201 and renewed.json()["replaces"] == numbers[0]
    replaced = post(caseworker, f"/api/v1/documents/{numbers[2]}/replace", {"reason": "lost"})
    assert replaced.status_code == 201 and replaced.json()["replaces"] == numbers[2]


def verify(payload: str, client: Client | None = None, **headers):
    return (client or Client()).post("/api/v1/documents/verify", {"qr_payload": payload},
                                     content_type="application/json", **headers)


def test_verify_a_valid_card_anonymously(family):
    document = f.request(family["head"])
    response = verify(document.qr_payload, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True and body["reason"] == "ok"
    assert body["document"]["number"] == document.number
    assert body["document"]["holder_name"] == family["head"].full_name
    assert body["document"]["date_of_birth"] == "1985-03-12"
    assert body["document"]["valid_until"] == document.valid_until.isoformat()
    assert set(body["document"]) == {"type", "number", "holder_name", "date_of_birth", "photo",
                                     "photo_mime", "valid_from", "valid_until"}
    entry = AuditEntry.objects.filter(action="document.verify").latest("seq")
    assert (entry.actor, entry.actor_role, entry.client_address) == ("", "", "")
    assert entry.object_id == document.number and entry.details["reason"] == "ok"


def test_verify_a_revoked_card(family):
    document = f.issued(f.request(family["head"]))
    from acogida.documents import services

    services.revoke(actor=testing.SYSTEM, user=f.caseworker(), number=document.number,
                    reason="robada")
    body = verify(document.qr_payload).json()
    assert (body["valid"], body["reason"]) == (False, "revoked")


def test_verify_an_expired_card(family, monkeypatch):
    document = f.request(family["head"])
    later = timezone.now() + timedelta(days=400)
    monkeypatch.setattr(selectors.timezone, "now", lambda: later)
    body = verify(document.qr_payload).json()
    assert (body["valid"], body["reason"]) == (False, "expired")


def test_verify_tampered_and_foreign_cards(family):
    document = f.request(family["head"])
    card = selectors.document_view(document)
    data = credentials.CardData(
        number=document.number, doc_type="work_permit", full_name=card["holder"]["full_name"],
        given_names="José Luis", first_surname="Hernández", second_surname="Cruz",
        date_of_birth=family["head"].date_of_birth, sex="male", nationality="HND",
        legal_status="Solicitante de refugio — autorizado para trabajar", location_code="TAP",
        photo=None, valid_from=document.valid_from, valid_until=document.valid_until,
        issued_at=timezone.now(), issuer=keys.issuer_name())
    impostor = credentials.IssuerKey.generate()
    forged = credentials.encode_credential(data, replace(impostor, kid=keys.current_key().kid))
    assert verify(forged).json()["reason"] == "bad_signature"
    assert verify(credentials.encode_credential(data, impostor)).json()["reason"] == "unknown_key"
    flipped = document.qr_payload[:40] + ("A" if document.qr_payload[40] != "A" else "B") + \
        document.qr_payload[41:]
    body = verify(flipped).json()
    assert body["valid"] is False and body["reason"] in ("bad_signature", "malformed")
    assert body["document"] is None
    assert verify("not a credential").json()["reason"] == "malformed"


def test_verify_is_rate_limited_per_address(family):
    payload = f.request(family["head"]).qr_payload
    client = Client()
    codes = [verify(payload, client, REMOTE_ADDR="198.51.100.7").status_code
             for _ in range(31)]
    assert codes[:30] == [200] * 30
    assert codes[30] == 429
    assert verify(payload, client, REMOTE_ADDR="198.51.100.7").json()["detail"]
    assert verify(payload, client, REMOTE_ADDR="198.51.100.8").status_code == 200


def test_revocation_list_is_signed_and_public(family):
    revoked = f.issued(f.request(family["head"]))
    from acogida.documents import services

    services.revoke(actor=testing.SYSTEM, user=f.caseworker(), number=revoked.number,
                    reason="x")
    active = f.request(family["spouse"])
    response = Client().get("/api/v1/documents/revocations")
    assert response.status_code == 200
    assert "max-age" in response["Cache-Control"]
    document = response.json()
    numbers = revocations.verify_revocations(document, keys.public_keys())
    assert revoked.number in numbers and active.number not in numbers
    assert document["kid"] == keys.current_key().kid
    document["revoked"] = []
    with pytest.raises(revocations.RevocationListInvalid):
        revocations.verify_revocations(document, keys.public_keys())


def test_issuer_keys_jwks(db):
    response = Client().get("/.well-known/acogida/issuer-keys.json")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    body = response.json()
    assert body["keys"][0]["kid"] == keys.current_key().kid
    for jwk in body["keys"]:
        assert {jwk["kty"], jwk["crv"], jwk["alg"]} == {"OKP", "Ed25519", "EdDSA"}
        assert "d" not in jwk  # never the private part
    assert credentials.public_keys_from_jwks(body) == keys.public_keys()
    assert Client().post("/.well-known/acogida/issuer-keys.json").status_code == 405


def test_verify_payload_from_api_matches_stored_document(family, caseworker):
    body = post(caseworker, "/api/v1/documents",
                {"person": family["spouse"].registration_number, "type": "temporary_id"}).json()
    result = verify(body["qr_payload"]).json()
    assert result["valid"] and result["document"]["number"] == body["number"]
    assert Document.objects.get(number=body["number"]).status == Status.REQUESTED
