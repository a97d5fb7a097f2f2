"""The API's reads by person and the referrals worklist: who may read, what comes back, audit."""

import json
from datetime import date, timedelta

import pytest

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.health import services

from . import factories as f

pytestmark = pytest.mark.django_db


def test_encounters_by_person_newest_first_with_clinical_text():
    medic, person = f.medic(), f.patient()
    f.encounter(medic, person, date=date.today() - timedelta(days=3), reason="skin")
    f.encounter(medic, person)
    other = f.patient(given_names="Otra", first_surname="Persona")
    f.encounter(medic, other)
    client = testing.api_client(medic)
    response = client.get("/api/v1/health/encounters", {"person": person.registration_number})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["count"] == 2 and not body["has_next"]
    assert [e["reason"] for e in body["items"]] == ["respiratory", "skin"]
    assert body["items"][0]["diagnoses"] == [{"text": f.DIAGNOSIS, "icd10": "A15.0"}]
    assert body["items"][0]["notes"] == f.NOTE
    audit = AuditEntry.objects.filter(action="health.list", subject=person.registration_number)
    assert audit.count() == 1 and audit.get().details == {"part": "encounters", "via": "medical"}
    assert f.DIAGNOSIS not in json.dumps(list(AuditEntry.objects.values_list("details",
                                                                             flat=True)))
    page = client.get("/api/v1/health/encounters",
                      {"person": person.registration_number, "page_size": 1, "page": 2}).json()
    assert page["count"] == 2 and [e["reason"] for e in page["items"]] == ["skin"]


def test_encounters_need_a_known_person():
    client = testing.api_client(f.medic())
    assert client.get("/api/v1/health/encounters").status_code == 422
    assert client.get("/api/v1/health/encounters", {"person": "NOPE"}).status_code == 404
    assert client.get("/api/v1/health/encounters",
                      {"person": f.patient().registration_number, "page": "x"}).status_code == 422


def test_vaccinations_with_the_childs_schedule():
    medic = f.medic()
    baby = f.child(date.today() - timedelta(days=200))  # about 6.5 months
    f.vaccination(medic, baby, "BCG", 1, baby.date_of_birth)
    response = testing.api_client(medic).get("/api/v1/health/vaccinations",
                                             {"person": baby.registration_number})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [(v["vaccine"], v["dose"]) for v in body["items"]] == [("BCG", 1)]
    status = {(s["vaccine"], s["dose"]): s["status"] for s in body["schedule"]}
    assert status[("BCG", 1)] == "done"
    assert status[("HEPB", 1)] == "overdue"  # due at birth, never given
    assert status[("HEXA", 3)] == "due"  # due at six months: within the grace period
    adult = f.patient()
    f.vaccination(medic, adult, "TD", 1)
    body = testing.api_client(medic).get("/api/v1/health/vaccinations",
                                         {"person": adult.registration_number}).json()
    assert body["count"] == 1 and body["schedule"] == []  # an adult's childhood doses: not due


def test_referrals_worklist_most_urgent_then_oldest():
    medic = f.medic()
    a, b = f.patient(), f.patient(given_names="Kevin", first_surname="Cruz", sex="male")
    routine = f.referral(medic, a, urgency="routine")
    old_urgent = f.referral(medic, a, urgency="urgent")
    emergency = f.referral(medic, b, urgency="emergency", status="accepted")
    f.referral(medic, b, urgency="urgent", status="closed")
    new_urgent = f.referral(medic, b, urgency="urgent")
    client = testing.api_client(medic)
    body = client.get("/api/v1/health/referrals", {"status": "open"}).json()
    assert [r["id"] for r in body["items"]] == [emergency.pk, old_urgent.pk, new_urgent.pk,
                                                routine.pk]
    body = client.get("/api/v1/health/referrals",
                      {"status": "sent,accepted", "urgency": "emergency,urgent"}).json()
    assert [r["id"] for r in body["items"]] == [emergency.pk, old_urgent.pk, new_urgent.pk]
    body = client.get("/api/v1/health/referrals", {"person": a.registration_number}).json()
    assert {r["person"] for r in body["items"]} == {a.registration_number}
    assert client.get("/api/v1/health/referrals", {"status": "lost"}).status_code == 422
    assert client.get("/api/v1/health/referrals", {"urgency": "soon"}).status_code == 422
    # each person on the page audited once
    listed = AuditEntry.objects.filter(action="health.list").values_list("subject", flat=True)
    assert set(listed) == {a.registration_number, b.registration_number}


def test_referrals_worklist_queries_are_capped(django_assert_max_num_queries):
    medic = f.medic()
    for i in range(12):
        f.referral(medic, f.patient(given_names=f"Persona {i}"), urgency="urgent")
    client = testing.api_client(medic)
    with django_assert_max_num_queries(12):
        body = client.get("/api/v1/health/referrals", {"page_size": 10}).json()
    assert body["count"] == 12 and len(body["items"]) == 10 and body["has_next"]


def test_lists_refuse_other_roles_and_audit_the_attempt():
    medic, person = f.medic(), f.patient()
    f.encounter(medic, person)
    for role in ("registration", "caseworker", "education", "shelter", "coordinator"):
        user = testing.make_user(role)
        client = testing.api_client(user)
        for url in ("/api/v1/health/encounters", "/api/v1/health/vaccinations",
                    "/api/v1/health/referrals"):
            response = client.get(url, {"person": person.registration_number})
            assert response.status_code == 403, (role, url)
            assert f.DIAGNOSIS not in response.content.decode()
        denied = AuditEntry.objects.filter(action="health.denied", actor=user.username)
        assert denied.count() == 3 and {e.subject for e in denied} == {person.registration_number}


def test_admin_reads_one_persons_lists_only_after_breaking_the_glass():
    medic, person = f.medic(), f.patient()
    f.encounter(medic, person)
    f.referral(medic, person)
    admin = testing.make_user("admin")
    client = testing.api_client(admin)
    query = {"person": person.registration_number}
    assert client.get("/api/v1/health/encounters", query).status_code == 403
    assert client.get("/api/v1/health/referrals").status_code == 403  # no worklist, ever
    services.break_glass(actor=testing.SYSTEM, user=admin,
                         registration_number=person.registration_number,
                         reason="Traslado urgente al hospital esta noche")
    response = client.get("/api/v1/health/encounters", query)
    assert response.status_code == 200 and response.json()["count"] == 1
    assert client.get("/api/v1/health/referrals", query).json()["count"] == 1
    assert client.get("/api/v1/health/referrals").status_code == 403
    entry = AuditEntry.objects.filter(action="health.list", actor=admin.username).first()
    assert entry.details["via"] == "break_glass"


def test_bulk_fhir_export_is_for_medical_staff_and_audited():
    from fhir.resources.R4B.bundle import Bundle

    from acogida.health import fhir, selectors

    medic = f.medic()
    people = [f.patient(given_names=name) for name in ("Ana", "Rosa", "Iris")]
    for person in people:
        f.encounter(medic, person)
    records = selectors.health_records(
        actor=testing.SYSTEM, user=medic,
        registration_numbers=[p.registration_number for p in people] + ["NOPE"])
    assert len(records) == 3
    for record in records:
        bundle = Bundle.model_validate_json(fhir.bundle_json(record))
        assert sorted(e.resource.get_resource_type() for e in bundle.entry) == [
            "Condition", "Encounter", "Patient"]
    assert AuditEntry.objects.filter(action="health.fhir").count() == 3
    from acogida.core.errors import Forbidden

    with pytest.raises(Forbidden):
        selectors.health_records(actor=testing.SYSTEM, user=testing.make_user("admin"),
                                 registration_numbers=[people[0].registration_number])
