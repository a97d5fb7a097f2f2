"""The doctor's pages: what a doctor sees and does, errors beside fields, who is refused (and
that the refusal is audited), and the admin's break-glass page."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.health.models import Encounter, Referral, Vaccination

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctor(client):
    user = f.medic()
    client.force_login(user)
    return user


def test_person_health_page_shows_the_decrypted_record(client, doctor):
    baby = f.child(date.today() - timedelta(days=200))
    f.encounter(doctor, baby, diagnoses=[{"text": "Bronquiolitis", "icd10": "J21.9"}],
                notes="Saturación 95 %")
    f.vaccination(doctor, baby, "BCG", 1, baby.date_of_birth)
    f.referral(doctor, baby, urgency="emergency", to="Hospital Materno Infantil")
    response = client.get(reverse("health-person", args=[baby.registration_number]))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("Bronquiolitis", "J21.9", "Saturación 95 %", "Hospital Materno Infantil",
                 "dose-status-overdue", "dose-status-due", "dose-status-done"):
        assert text in page, text
    # the referral's next steps are buttons
    assert reverse("health-referral-transition", args=[Referral.objects.get().pk]) in page
    assert AuditEntry.objects.filter(action="health.read",
                                     subject=baby.registration_number).count() == 1


def test_the_registry_page_links_to_the_health_record_only_for_those_allowed(client):
    person = f.patient()
    link = reverse("health-person", args=[person.registration_number])
    glass = reverse("health-break-glass", args=[person.registration_number])
    for role, shown in (("medical", link), ("admin", glass)):
        client.force_login(testing.make_user(role))
        page = client.get(reverse("person-detail", args=[person.registration_number]))
        assert shown in page.content.decode(), role
    for role in ("registration", "caseworker", "shelter", "education"):
        client.force_login(testing.make_user(role))
        page = client.get(reverse("person-detail", args=[person.registration_number]))
        assert "/health/" not in page.content.decode(), role


@pytest.mark.parametrize("role", ["registration", "caseworker", "education", "shelter",
                                  "coordinator"])
def test_other_roles_get_403_and_the_attempt_is_audited(client, role):
    medic, person = f.medic(), f.patient()
    f.encounter(medic, person)
    user = testing.make_user(role)
    client.force_login(user)
    number = person.registration_number
    for url in (reverse("health-person", args=[number]), reverse("health-home"),
                reverse("health-encounter-new") + f"?person={number}"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert f.DIAGNOSIS not in response.content.decode()
    response = client.post(reverse("health-encounter-new"), {
        "person": number, "facility_kind": "mobile_clinic", "reason": "skin",
        "triage": "routine"})
    assert response.status_code == 403 and Encounter.objects.count() == 1
    denied = AuditEntry.objects.filter(action="health.denied", actor=user.username)
    assert denied.count() == 4
    assert denied.filter(subject=number).count() == 3  # the worklist names no one


def test_record_an_encounter(client, doctor):
    person = f.patient()
    response = client.get(reverse("health-encounter-new"), {"person": person.registration_number})
    assert response.status_code == 200 and person.full_name in response.content.decode()
    response = client.post(reverse("health-encounter-new"), {
        "person": person.registration_number, "date": "", "facility_kind": "imss_clinic",
        "facility_name": "IMSS UMF 27", "reason": "pregnancy_follow_up", "triage": "routine",
        "diagnosis_0_text": "", "diagnosis_1_text": "Embarazo de 20 semanas",
        "diagnosis_1_icd10": "z34.9", "notes": "Sin signos de alarma",
        "pregnancy_follow_up": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("health-person", args=[person.registration_number])
    encounter = Encounter.objects.get()
    assert encounter.diagnoses == [{"text": "Embarazo de 20 semanas", "icd10": "Z34.9"}]
    assert encounter.pregnancy_follow_up and encounter.clinician == doctor


def test_encounter_errors_come_back_beside_their_fields(client, doctor):
    man = f.patient(given_names="Pedro", first_surname="Ruiz", sex="male")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    base = {"person": man.registration_number, "facility_kind": "mobile_clinic",
            "reason": "skin", "triage": "routine"}
    cases = [({"date": tomorrow}, "f-date-error"), ({"date": "31/02/2018"}, "f-date-error"),
             ({"triage": ""}, "f-triage-error"),
             ({"diagnosis_2_text": "Escabiosis", "diagnosis_2_icd10": "not a code"},
              "f-diagnosis_2_icd10-error"),
             ({"diagnosis_0_icd10": "B86"}, "f-diagnosis_0_text-error"),
             ({"pregnancy_follow_up": "on"}, "f-pregnancy_follow_up-error"),
             ({"person": "NOPE-NOPE"}, "f-person-error")]
    for change, error_id in cases:
        response = client.post(reverse("health-encounter-new"), {**base, **change})
        assert response.status_code == 422, change
        page = response.content.decode()
        assert f'id="{error_id}"' in page, (change, page[page.find("error-summary"):][:400])
        assert 'aria-invalid="true"' in page
    assert not Encounter.objects.exists()
    # what was typed is kept
    response = client.post(reverse("health-encounter-new"),
                           {**base, "date": tomorrow, "notes": "Nota escrita"})
    assert "Nota escrita" in response.content.decode()


def test_record_a_vaccination_and_its_errors(client, doctor):
    baby = f.child(date.today() - timedelta(days=90))
    url = reverse("health-vaccination-new")
    form = client.get(url, {"person": baby.registration_number, "vaccine": "HEPB", "dose": "2"})
    assert 'value="HEPB" selected' in form.content.decode()
    before_birth = (baby.date_of_birth - timedelta(days=1)).isoformat()
    future = (date.today() + timedelta(days=2)).isoformat()
    for values, error_id in (({"date": before_birth}, "f-date-error"),
                             ({"date": future}, "f-date-error"),
                             ({"dose": "x"}, "f-dose-error"),
                             ({"vaccine": "XYZ"}, "f-vaccine-error"),
                             ({"person": "NOPE-NOPE"}, "f-person-error")):
        response = client.post(url, {"person": baby.registration_number, "vaccine": "HEPB",
                                     "dose": "1", "lot": "A1", **values})
        assert response.status_code == 422, values
        assert f'id="{error_id}"' in response.content.decode(), values
    response = client.post(url, {"person": baby.registration_number, "vaccine": "HEPB",
                                 "dose": "1", "date": baby.date_of_birth.isoformat()})
    assert response.status_code == 302 and Vaccination.objects.count() == 1
    again = client.post(url, {"person": baby.registration_number, "vaccine": "HEPB",
                              "dose": "1", "date": baby.date_of_birth.isoformat()})
    assert again.status_code == 409 and 'id="f-dose-error"' in again.content.decode()


def test_send_a_referral_and_move_it_along_from_the_worklist(client, doctor):
    person = f.patient()
    response = client.post(reverse("health-referral-new"), {
        "person": person.registration_number, "to_facility": "", "urgency": "urgent",
        "reason": "Dolor"})
    assert response.status_code == 422 and 'id="f-to_facility-error"' in response.content.decode()
    response = client.post(reverse("health-referral-new"), {
        "person": person.registration_number, "to_facility": "Hospital General de Tijuana",
        "urgency": "urgent", "reason": "Fiebre persistente"})
    assert response.status_code == 302
    referral = Referral.objects.get()
    home = client.get(reverse("health-home"))
    assert "Hospital General de Tijuana" in home.content.decode()
    assert person.full_name in home.content.decode()
    url = reverse("health-referral-transition", args=[referral.pk])
    assert client.post(url, {"status": "accepted"}).status_code == 302
    response = client.post(url, {"status": "closed"}, follow=True)  # accepted → closed: refused
    assert 'class="message error"' in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "accepted"
    response = client.post(url, {"status": "attended", "back": "person",
                                 "person": person.registration_number})
    assert response["Location"].startswith(reverse("health-person",
                                                   args=[person.registration_number]))
    # attended is no longer open: off the default worklist, on the "all" one
    attended = 'class="status status-attended"'
    assert attended not in client.get(reverse("health-home")).content.decode()
    assert attended in client.get(reverse("health-home"), {"status": "all"}).content.decode()
    assert client.get(reverse("health-home"), {"urgency": "soon"}).status_code == 422


def test_open_a_record_by_number(client, doctor):
    person = f.patient()
    response = client.get(reverse("health-home"), {"person": person.registration_number})
    assert response["Location"] == reverse("health-person", args=[person.registration_number])
    response = client.get(reverse("health-home"), {"person": "NOPE-NOPE"})
    assert response.status_code == 422 and 'id="f-person-error"' in response.content.decode()


def test_admin_breaks_the_glass_on_the_web(client):
    medic, person = f.medic(), f.patient()
    f.encounter(medic, person)
    admin = testing.make_user("admin")
    client.force_login(admin)
    record = reverse("health-person", args=[person.registration_number])
    glass = reverse("health-break-glass", args=[person.registration_number])
    response = client.get(record)
    assert response.status_code == 403 and glass in response.content.decode()
    assert f.DIAGNOSIS not in response.content.decode()
    assert AuditEntry.objects.filter(action="health.denied", actor=admin.username,
                                     subject=person.registration_number).exists()
    assert client.get(glass).status_code == 200
    response = client.post(glass, {"reason": "porque"})
    assert response.status_code == 422 and 'id="f-reason-error"' in response.content.decode()
    response = client.post(glass, {"reason": "Emergencia: inconsciente en el albergue"})
    assert response.status_code == 302 and response["Location"] == record
    page = client.get(record).content.decode()
    assert f.DIAGNOSIS in page
    assert AuditEntry.objects.filter(action="health.break_glass", actor=admin.username).exists()
    assert AuditEntry.objects.get(action="health.read", actor=admin.username).details["via"] \
        == "break_glass"
    # an admin still cannot write, nor see the worklist
    assert client.get(reverse("health-encounter-new")).status_code == 403
    assert client.get(reverse("health-home")).status_code == 403


def test_break_glass_page_is_for_admins_only(client, doctor):
    person = f.patient()
    assert client.get(reverse("health-break-glass",
                              args=[person.registration_number])).status_code == 403
    assert AuditEntry.objects.filter(action="health.denied", actor=doctor.username).exists()


def test_coordinators_see_counts_without_names(client):
    medic = f.medic()
    person = f.patient()
    f.encounter(medic, person, reason="pregnancy_follow_up", triage="routine")
    f.referral(medic, person, urgency="emergency")
    client.force_login(testing.make_user("coordinator"))
    response = client.get(reverse("health-stats"))
    assert response.status_code == 200
    page = response.content.decode()
    for secret in (person.full_name, person.registration_number, "Mejía", f.DIAGNOSIS):
        assert secret not in page
    # one open urgent referral, one woman in follow-up: small cells are shown as "<5"
    assert "<dd>&lt;5</dd>" in page and "<dd>1</dd>" not in page
