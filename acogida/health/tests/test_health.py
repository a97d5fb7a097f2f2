"""Medical care through services and the API: who reads what, encryption, FHIR, statistics."""

import json
from datetime import date, timedelta

import pytest
from django.db import connection
from fhir.resources.R4B.bundle import Bundle

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.health import services
from acogida.health.models import BreakGlassGrant, Encounter

pytestmark = pytest.mark.django_db

SECRET = "Tuberculosis pulmonar sospechosa"
NOTE = "Refiere tos de tres semanas y sudoración nocturna"


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def medic():
    return testing.make_user("medical")


@pytest.fixture
def person():
    return testing.make_person(given_names="Ana Yolanda", first_surname="Mejía",
                               sex="female", date_of_birth="1990-05-01")


def _encounter(medic, person, **overrides):
    values = {"registration_number": person.registration_number, "date": None,
              "facility_kind": "shelter_medical_post", "facility_name": "Puesto médico",
              "reason": "respiratory", "triage": "urgent",
              "diagnoses": [{"text": SECRET, "icd10": "A15.0"}], "notes": NOTE}
    values.update(overrides)
    return services.record_encounter(actor=testing.SYSTEM, user=medic, **values)


def test_diagnoses_and_notes_are_encrypted_at_rest(medic, person):
    encounter = _encounter(medic, person)
    referral = services.create_referral(actor=testing.SYSTEM, user=medic,
                                        registration_number=person.registration_number,
                                        to_facility="Hospital General", urgency="urgent",
                                        reason=SECRET)
    with connection.cursor() as cursor:
        cursor.execute("SELECT diagnoses, notes FROM health_encounter WHERE id = %s",
                       [encounter.pk])
        diagnoses, notes = cursor.fetchone()
        cursor.execute("SELECT reason FROM health_referral WHERE id = %s", [referral.pk])
        (reason,) = cursor.fetchone()
    for raw in (diagnoses, notes, reason):
        assert raw.startswith("v1:")
        # long words only: a short one could turn up by chance in the base64 ciphertext
        assert "Tuberculosis" not in raw and '"icd10"' not in raw
    again = Encounter.objects.get(pk=encounter.pk)
    assert again.diagnoses == [{"text": SECRET, "icd10": "A15.0"}] and again.notes == NOTE


def test_audit_details_carry_no_clinical_text(medic, person):
    _encounter(medic, person)
    entries = AuditEntry.objects.filter(subject=person.registration_number,
                                        action__startswith="health.")
    assert entries.exists()
    for entry in entries:
        assert SECRET not in json.dumps(entry.details) and NOTE not in json.dumps(entry.details)


def test_only_medical_staff_read_the_record(medic, person):
    _encounter(medic, person)
    url = f"/api/v1/people/{person.registration_number}/health"
    response = testing.api_client(medic).get(url)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["encounters"][0]["diagnoses"][0]["text"] == SECRET
    assert body["encounters"][0]["notes"] == NOTE
    for role in ("registration", "caseworker", "education", "shelter", "coordinator", "admin"):
        client = testing.api_client(testing.make_user(role))
        assert client.get(url).status_code == 403, role
        assert client.get(url + "/fhir").status_code == 403, role
    assert AuditEntry.objects.filter(action="health.read",
                                     subject=person.registration_number).count() == 1


def test_admin_breaks_the_glass_with_a_reason(medic, person):
    _encounter(medic, person)
    admin = testing.make_user("admin")
    client = testing.api_client(admin)
    url = f"/api/v1/people/{person.registration_number}/health"
    assert client.get(url).status_code == 403
    reason = "Emergencia: la persona está inconsciente en el albergue"
    assert post(client, url + "/break-glass", {"reason": "porque"}).status_code == 422
    assert post(client, url + "/break-glass", {}).status_code == 422
    response = post(client, url + "/break-glass", {"reason": reason})
    assert response.status_code == 201, response.json()
    assert client.get(url).status_code == 200
    # break-glass is for reading in place: no download, and the refusal is audited
    assert client.get(url + "/fhir").status_code == 403
    assert AuditEntry.objects.filter(action="health.denied", actor=admin.username,
                                     subject=person.registration_number,
                                     details__what="fhir").exists()
    # another person's record stays closed
    other = testing.make_person(given_names="Otro", first_surname="Nombre")
    assert client.get(f"/api/v1/people/{other.registration_number}/health").status_code == 403
    glass = AuditEntry.objects.get(action="health.break_glass")
    assert glass.subject == person.registration_number and glass.actor == admin.username
    assert reason not in json.dumps(glass.details) and "inconsciente" not in json.dumps(
        glass.details)
    reads = AuditEntry.objects.filter(action__in=["health.read", "health.fhir"],
                                      actor=admin.username)
    assert {e.details["via"] for e in reads} == {"break_glass"}
    # the reason is kept, encrypted
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM health_breakglassgrant")
        assert "inconsciente" not in cursor.fetchone()[0]
    assert BreakGlassGrant.objects.get().reason == reason


def test_break_glass_expires(medic, person):
    admin = testing.make_user("admin")
    grant = services.break_glass(actor=testing.SYSTEM, user=admin,
                                 registration_number=person.registration_number,
                                 reason="Traslado urgente al hospital")
    client = testing.api_client(admin)
    url = f"/api/v1/people/{person.registration_number}/health"
    assert client.get(url).status_code == 200
    BreakGlassGrant.objects.filter(pk=grant.pk).update(
        expires_at=grant.granted_at - timedelta(seconds=1))
    assert client.get(url).status_code == 403


def test_other_roles_learn_only_the_urgent_flag(medic, person):
    url = f"/api/v1/people/{person.registration_number}/health/urgent-referral"
    shelter = testing.api_client(testing.make_user("shelter"))
    caseworker = testing.api_client(testing.make_user("caseworker"))
    assert shelter.get(url).json() == {"open_urgent_referral": False}
    referral = services.create_referral(actor=testing.SYSTEM, user=medic,
                                        registration_number=person.registration_number,
                                        to_facility="Hospital General", urgency="emergency",
                                        reason=SECRET)
    for client in (shelter, caseworker):
        response = client.get(url)
        assert response.json() == {"open_urgent_referral": True}
        assert SECRET not in response.content.decode()
        record = client.get(f"/api/v1/people/{person.registration_number}/health")
        assert record.status_code == 403
    services.transition_referral(actor=testing.SYSTEM, user=medic, referral_id=referral.pk,
                                 status="declined")
    assert shelter.get(url).json() == {"open_urgent_referral": False}
    assert testing.api_client(testing.make_user("education")).get(url).status_code == 403


def test_referral_life_cycle_through_the_api(medic, person):
    client = testing.api_client(medic)
    response = post(client, "/api/v1/health/referrals", {
        "person": person.registration_number, "to_facility": "IMSS Tapachula",
        "urgency": "routine", "reason": "Control prenatal"})
    assert response.status_code == 201, response.json()
    url = f"/api/v1/health/referrals/{response.json()['id']}/transitions"
    assert post(client, url, {"status": "closed"}).status_code == 409
    for status in ("accepted", "attended", "closed"):
        response = post(client, url, {"status": status})
        assert response.status_code == 200 and response.json()["status"] == status
    assert post(client, url, {"status": "declined"}).status_code == 409
    assert post(client, url, {"status": "lost"}).status_code == 422
    assert post(client, "/api/v1/health/referrals/999999/transitions",
                {"status": "accepted"}).status_code == 404
    assert post(client, "/api/v1/health/referrals/nope/transitions",
                {"status": "accepted"}).status_code == 404


def test_write_errors_are_422_409_404(medic, person):
    client = testing.api_client(medic)
    base = {"person": person.registration_number, "facility_kind": "mobile_clinic",
            "reason": "skin", "triage": "routine"}
    assert post(client, "/api/v1/health/encounters", base).status_code == 201
    assert post(client, "/api/v1/health/encounters",
                {**base, "reason": "cough"}).status_code == 422
    assert post(client, "/api/v1/health/encounters",
                {**base, "date": (date.today() + timedelta(days=3)).isoformat()}
                ).status_code == 422
    assert post(client, "/api/v1/health/encounters",
                {**base, "diagnoses": [{"text": "x", "icd10": "not-icd"}]}).status_code == 422
    assert post(client, "/api/v1/health/encounters",
                {**base, "person": "NOPE"}).status_code == 404
    man = testing.make_person(given_names="Pedro", first_surname="Ruiz", sex="male")
    assert post(client, "/api/v1/health/encounters",
                {**base, "person": man.registration_number, "pregnancy_follow_up": True}
                ).status_code == 422
    vaccine = {"person": person.registration_number, "vaccine": "TD", "dose": 1,
               "lot": "L123"}
    assert post(client, "/api/v1/health/vaccinations", vaccine).status_code == 201
    assert post(client, "/api/v1/health/vaccinations", vaccine).status_code == 409
    assert post(client, "/api/v1/health/vaccinations",
                {**vaccine, "vaccine": "XYZ"}).status_code == 422


def test_fhir_bundle_validates(medic, person):
    _encounter(medic, person, reason="pregnancy_follow_up", triage="routine",
               diagnoses=[{"text": "Embarazo de 20 semanas"}, {"text": SECRET, "icd10": "A15.0"}])
    services.record_vaccination(actor=testing.SYSTEM, user=medic,
                                registration_number=person.registration_number, vaccine="TD",
                                dose=1, date=None, lot="LOT-9")
    services.create_referral(actor=testing.SYSTEM, user=medic,
                             registration_number=person.registration_number,
                             to_facility="Hospital de la Mujer", urgency="urgent",
                             reason="Control")
    response = testing.api_client(medic).get(
        f"/api/v1/people/{person.registration_number}/health/fhir")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate_json(response.content)
    assert bundle.type == "collection"
    kinds = [entry.resource.get_resource_type() for entry in bundle.entry]
    assert sorted(kinds) == ["Condition", "Condition", "Encounter", "Immunization", "Patient",
                             "ServiceRequest"]
    patient = bundle.entry[0].resource
    assert patient.identifier[0].value == person.registration_number
    urls = {entry.fullUrl for entry in bundle.entry}
    for entry in bundle.entry:
        resource = entry.resource
        if resource.get_resource_type() == "Condition":
            assert resource.encounter.reference in urls and resource.subject.reference in urls
    assert AuditEntry.objects.filter(action="health.fhir",
                                     subject=person.registration_number).exists()


def test_stats_are_counts_without_names(medic, person):
    today = date.today()
    _encounter(medic, person, reason="pregnancy_follow_up", triage="routine")
    _encounter(medic, person, reason="respiratory")
    child = testing.make_person(given_names="Dayana", first_surname="Hernández",
                                date_of_birth=(today - timedelta(days=400)).isoformat())
    testing.make_person(given_names="Kevin", first_surname="Hernández",
                        date_of_birth=(today - timedelta(days=20)).isoformat())
    services.create_referral(actor=testing.SYSTEM, user=medic,
                             registration_number=child.registration_number,
                             to_facility="Hospital", urgency="urgent", reason="Fiebre alta")
    for role in ("coordinator", "medical", "admin"):
        response = testing.api_client(testing.make_user(role)).get("/api/v1/stats/health")
        assert response.status_code == 200, (role, response.json())
        body = response.json()
        text = response.content.decode()
        for name in ("Ana", "Mejía", "Dayana", "Kevin", "Hernández", person.registration_number,
                     SECRET):
            assert name not in text
        # small cells (1 to 4) are suppressed, sums made from the raw numbers first
        assert body["encounters_by_reason"] == {"pregnancy_follow_up": "<5",
                                                "respiratory": "<5"}
        assert body["encounters_per_day"] == [{"date": today.isoformat(), "count": "<5"}]
        assert body["pregnant_women_in_follow_up"] == "<5"
        assert body["children_under_5_overdue_vaccinations"] == "<5"
        assert body["open_urgent_referrals"] == "<5"
    for role in ("registration", "caseworker", "shelter", "education"):
        client = testing.api_client(testing.make_user(role))
        assert client.get("/api/v1/stats/health").status_code == 403
