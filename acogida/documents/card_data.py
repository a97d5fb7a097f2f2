"""What a card says, taken from the registry once, at request time.

The services keep this on the document (``Document.card``) beside the signed QR payload, so the
printed card, the API and the QR code agree even if the person's record changes later.
"""

from datetime import date, datetime

from PIL import UnidentifiedImageError

from acogida.core.ages import age_on  # noqa: F401  (card_data.age_on for callers)
from acogida.registry.models import Person, RegistrationPoint

from . import conf, credentials
from .credentials import CardData

# (type, legal basis) → (Spanish, English subtitle). The Spanish text goes into the QR code.
LEGAL_STATUS: dict[tuple[str, str], tuple[str, str]] = {
    ("temporary_id", ""): ("Persona registrada — identificación temporal",
                           "Registered person — temporary identification"),
    ("work_permit", "refugee_application_lodged"): (
        "Solicitante de refugio — autorizado para trabajar",
        "Asylum applicant — authorised to work"),
    ("work_permit", "humanitarian_status"): (
        "Visitante por razones humanitarias — autorizado para trabajar",
        "Humanitarian visitor — authorised to work"),
    ("work_permit", "plan_enrolment"): (
        "Inscrito en el plan de atención — autorizado para trabajar",
        "Enrolled in the reception plan — authorised to work"),
}

TITLES = {
    "temporary_id": ("Identificación temporal", "Temporary ID card"),
    "work_permit": ("Permiso de trabajo", "Work permit"),
}


def legal_status(doc_type: str, legal_basis: str) -> tuple[str, str]:
    return LEGAL_STATUS[(doc_type, legal_basis if doc_type == "work_permit" else "")]


def _photo_bytes(person: Person) -> bytes | None:
    if not person.photo:
        return None
    try:
        with person.photo.open("rb") as handle:
            return handle.read()
    except OSError:
        return None


def snapshot(*, person: Person, doc_type: str, legal_basis: str, office: RegistrationPoint,
             guardian: Person | None, employer: str, valid_states: list[str]) -> dict:
    """The card's printed text (JSON-ready), as the registry holds it now."""
    status_es, status_en = legal_status(doc_type, legal_basis)
    return {
        "given_names": person.given_names,
        "first_surname": person.first_surname,
        "second_surname": person.second_surname,
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth.isoformat(),
        "date_of_birth_estimated": person.date_of_birth_estimated,
        "sex": person.sex,
        "nationality": person.nationality,
        "registration_number": person.registration_number,
        "legal_status": status_es,
        "legal_status_en": status_en,
        "office_code": office.code,
        "office_name": office.name,
        "office_place": f"{office.municipality}, {office.state}",
        "guardian_name": guardian.full_name if guardian else "",
        "guardian_number": guardian.registration_number if guardian else "",
        "employer": employer,
        "valid_states": list(valid_states),
    }


def card_data(*, number: str, doc_type: str, card: dict, photo: bytes | None, valid_from: date,
              valid_until: date, issued_at: datetime, issuer: str) -> CardData:
    return CardData(
        number=number, doc_type=doc_type, full_name=card["full_name"],
        given_names=card["given_names"], first_surname=card["first_surname"],
        second_surname=card["second_surname"],
        date_of_birth=date.fromisoformat(card["date_of_birth"]), sex=card["sex"],
        nationality=card["nationality"], legal_status=card["legal_status"],
        location_code=card["office_code"], photo=photo, valid_from=valid_from,
        valid_until=valid_until, issued_at=issued_at, issuer=issuer)


def person_photo(person: Person) -> bytes | None:
    return _photo_bytes(person)


def photo_for_qr(person: Person) -> bytes | None:
    """The small greyscale copy of the photo for the QR code, or None (no photo, or none fits)."""
    data, limit = _photo_bytes(person), conf.qr_photo_max_bytes()
    if not data or limit <= 0:
        return None
    try:
        return credentials.qr_photo(data, min(limit, credentials.MAX_PHOTO_BYTES))
    except (UnidentifiedImageError, OSError, ValueError):
        return None
