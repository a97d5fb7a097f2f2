"""Health records for tests, made through the services (as a doctor would record them)."""

from datetime import date

from acogida import testing
from acogida.health import services

DIAGNOSIS = "Tuberculosis pulmonar sospechosa"
NOTE = "Refiere tos de tres semanas y sudoración nocturna"


def medic():
    return testing.make_user("medical")


def patient(**overrides):
    values = {"given_names": "Ana Yolanda", "first_surname": "Mejía", "sex": "female",
              "date_of_birth": "1990-05-01"}
    values.update(overrides)
    return testing.make_person(**values)


def child(born: date, **overrides):
    return patient(given_names=overrides.pop("given_names", "Dayana"),
                   first_surname="Hernández", date_of_birth=born.isoformat(), **overrides)


def encounter(user, person, **overrides):
    values = {"registration_number": person.registration_number, "date": None,
              "facility_kind": "shelter_medical_post", "facility_name": "Puesto médico",
              "reason": "respiratory", "triage": "urgent",
              "diagnoses": [{"text": DIAGNOSIS, "icd10": "A15.0"}], "notes": NOTE}
    values.update(overrides)
    return services.record_encounter(actor=testing.SYSTEM, user=user, **values)


def vaccination(user, person, vaccine="TD", dose=1, day=None, lot="L1"):
    return services.record_vaccination(actor=testing.SYSTEM, user=user,
                                       registration_number=person.registration_number,
                                       vaccine=vaccine, dose=dose, date=day, lot=lot)


def referral(user, person, urgency="urgent", status="sent", to="Hospital General",
             reason="Fiebre persistente de cinco días"):
    made = services.create_referral(actor=testing.SYSTEM, user=user,
                                    registration_number=person.registration_number,
                                    to_facility=to, urgency=urgency, reason=reason)
    steps = {"sent": [], "accepted": ["accepted"], "attended": ["accepted", "attended"],
             "closed": ["accepted", "attended", "closed"], "declined": ["declined"]}[status]
    for step in steps:
        made = services.transition_referral(actor=testing.SYSTEM, user=user,
                                            referral_id=made.pk, status=step)
    return made
