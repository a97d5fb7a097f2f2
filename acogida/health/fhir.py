"""A person's health record as a FHIR Bundle (type ``collection``).

Built and validated with ``fhir.resources``' **R4B** models (FHIR 4.3): fhir.resources ≥ 7 has
R5 at its top level and R4B as a subpackage; the last releases with plain R4 (6.x) need pydantic
1, which this project (django-ninja) cannot use. Patient, Encounter, Condition, Immunization and
ServiceRequest are the same in R4 and R4B for every element used here, so an R4 consumer reads the
bundle as it is. Codes of our own (reason categories, vaccine codes) use ``urn:acogida:*``
systems; ICD-10 diagnoses use http://hl7.org/fhir/sid/icd-10.
"""

import json
import uuid

from fhir.resources.R4B.bundle import Bundle

NAMESPACE = uuid.UUID("6f1f7a52-5d0e-4b8e-9a39-0c6f1b0a4c11")
ENCOUNTER_STATUS = "finished"
PRIORITY = {"emergency": "stat", "urgent": "urgent", "routine": "routine"}
REQUEST_STATUS = {"sent": "active", "accepted": "active", "attended": "completed",
                  "closed": "completed", "declined": "revoked"}
GENDER = {"female": "female", "male": "male", "other": "other"}


def _urn(kind: str, key) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}:{key}')}"


def bundle(record: dict) -> Bundle:
    """``record`` as ``selectors.person_health`` returns it, as a validated ``Bundle``."""
    return Bundle.model_validate(bundle_data(record))


def bundle_json(record: dict) -> str:
    """The bundle as JSON: validated by the R4B models, then written from the plain data (the
    models' own serialiser takes as long again as the validation, for the same content)."""
    data = bundle_data(record)
    Bundle.model_validate(data)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def bundle_data(record: dict) -> dict:
    """The bundle as plain JSON-ready data (not yet validated)."""
    person = record["person"]
    patient_ref = _urn("patient", person.registration_number)
    entries = [{"fullUrl": patient_ref, "resource": {
        "resourceType": "Patient",
        "identifier": [{"system": "urn:acogida:registration-number",
                        "value": person.registration_number}],
        "name": [{"family": " ".join(p for p in (person.first_surname, person.second_surname)
                                     if p),
                  "given": person.given_names.split()}],
        "gender": GENDER.get(person.sex, "unknown"),
        "birthDate": person.date_of_birth.isoformat()}}]
    subject = {"reference": patient_ref}
    for enc in record["encounters"]:
        enc_ref = _urn("encounter", enc.pk)
        entries.append({"fullUrl": enc_ref, "resource": {
            "resourceType": "Encounter", "status": ENCOUNTER_STATUS,
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                      "code": "AMB", "display": "ambulatory"},
            "subject": subject,
            "period": {"start": enc.date.isoformat(), "end": enc.date.isoformat()},
            "reasonCode": [{"coding": [{"system": "urn:acogida:encounter-reason",
                                        "code": enc.reason}]}],
            "priority": {"coding": [{"system": "urn:acogida:triage", "code": enc.triage}]},
            "serviceProvider": {"display": enc.facility_name or enc.facility_kind}}})
        for i, diagnosis in enumerate(enc.diagnoses or []):
            code = {"text": diagnosis["text"]}
            if diagnosis.get("icd10"):
                code["coding"] = [{"system": "http://hl7.org/fhir/sid/icd-10",
                                   "code": diagnosis["icd10"]}]
            entries.append({"fullUrl": _urn("condition", f"{enc.pk}:{i}"), "resource": {
                "resourceType": "Condition", "subject": subject,
                "encounter": {"reference": enc_ref}, "code": code,
                "category": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                    "code": "encounter-diagnosis"}]}],
                "recordedDate": enc.date.isoformat()}})
    for vac in record["vaccinations"]:
        resource = {"resourceType": "Immunization", "status": "completed",
                    "vaccineCode": {"coding": [{"system": "urn:acogida:vaccine",
                                                "code": vac.vaccine}]},
                    "patient": subject, "occurrenceDateTime": vac.date.isoformat(),
                    "protocolApplied": [{"doseNumberPositiveInt": vac.dose}]}
        if vac.lot:
            resource["lotNumber"] = vac.lot
        entries.append({"fullUrl": _urn("immunization", vac.pk), "resource": resource})
    for ref in record["referrals"]:
        entries.append({"fullUrl": _urn("servicerequest", ref.pk), "resource": {
            "resourceType": "ServiceRequest", "status": REQUEST_STATUS[ref.status],
            "intent": "order", "priority": PRIORITY[ref.urgency], "subject": subject,
            "authoredOn": ref.created_at.isoformat(),
            "performer": [{"display": ref.to_facility}],
            "reasonCode": [{"text": ref.reason}],
            "code": {"text": "referral"}}})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}
