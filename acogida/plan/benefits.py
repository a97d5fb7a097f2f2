"""A person's benefits under the plan: per benefit, offered / pending / received.

The offer sets the base: ``offered`` while it is open, ``pending`` once accepted, ``closed``
when declined, withdrawn or moved on, ``not_offered`` without one. A benefit is ``received``
when the app that owns it says so, read through that app's selectors and only for roles that may
read it there; other roles see the base only.

Medical care is confidential: only roles with ``health.read`` learn whether care was received
("received, n encounters at IMSS clinics" since the offer: the plan's medical care is IMSS's);
they get a count from the health app (``encounters_since``, audited ``health.plan``), never the
record itself. Everyone else learns only that medical care is part of the offer, never whether
or what was received.
"""

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from acogida.accounts import access, audit
from acogida.core.ages import ADULT_AGE, age_on
from acogida.documents import selectors as documents
from acogida.health import selectors as health
from acogida.health.models import FacilityKind
from acogida.registry.models import Person
from acogida.schooling import grades
from acogida.schooling import selectors as schooling
from acogida.shelter import selectors as shelter_selectors

from .models import Offer, OfferStatus, PetEnrolment

OFFERED, PENDING, RECEIVED, CLOSED, NOT_OFFERED = (
    "offered", "pending", "received", "closed", "not_offered")
BENEFITS = ("temporary_id", "work_permit", "medical_care", "schooling", "shelter", "pet")


def _labels() -> dict[str, str]:
    return {"temporary_id": _("Temporary ID (CURP for foreigners)"),
            "work_permit": _("Work permit"), "medical_care": _("Medical care (IMSS)"),
            "schooling": _("Schooling"), "shelter": _("Shelter"),
            "pet": _("Temporary Employment Programme (PET)"),
            OFFERED: _("offered"), PENDING: _("pending"), RECEIVED: _("received"),
            CLOSED: _("offer closed"), NOT_OFFERED: _("not offered")}


def base_status(offer: Offer | None) -> str:
    if offer is None:
        return NOT_OFFERED
    return {OfferStatus.OFFERED: OFFERED, OfferStatus.ACCEPTED: PENDING}.get(offer.status,
                                                                          CLOSED)


def _document(user, person: Person, kind: str, today: date) -> tuple[bool | None, str]:
    if not access.can(user, "document.status"):
        return None, ""
    held = documents.person_has_valid_document(user=user, person=person, doc_type=kind,
                                               today=today)
    return held, _("holds a valid one") if held else ""


def _medical(actor, user, person: Person, offer: Offer | None, today: date
             ) -> tuple[bool | None, str]:
    if not access.can(user, "health.read"):
        return None, ""  # never whether or what: only that care is part of the offer
    since = offer.offered_on if offer else None
    n = health.encounters_since(actor=actor, user=user, person=person, since=since,
                                facility_kind=FacilityKind.IMSS_CLINIC)
    return n > 0, (ngettext("%(n)s encounter at an IMSS clinic",
                            "%(n)s encounters at IMSS clinics", n) % {"n": n}) if n else ""


def _schooling(actor, user, person: Person, today: date) -> tuple[bool | None, str]:
    if not access.can(user, "school.read"):
        return None, ""
    found = schooling.schooling_of_person(actor=actor, user=user,
                                          registration_number=person.registration_number,
                                          today=today)
    seats = [e for e, _position in found["enrolments"] if e.status in ("enrolled", "attending")]
    if seats:
        return True, seats[0].school.name
    waiting = [e for e, _position in found["enrolments"] if e.status == "waitlisted"]
    return False, _("on a waiting list") if waiting else ""


def _shelter(user, person: Person) -> tuple[bool | None, str]:
    if not access.can(user, "stay.read"):
        return None, ""
    stays = shelter_selectors.stays_of(person)
    current = next((s for s in stays if s.checked_out_at is None), None)
    if current:
        return True, _("staying at %(shelter)s") % {"shelter": current.section.shelter.name}
    if stays:
        return True, ngettext("%(n)s past stay", "%(n)s past stays", len(stays)) % {
            "n": len(stays)}
    return False, ""


def _pet(pet: list[PetEnrolment]) -> tuple[bool | None, str]:
    if not pet:
        return False, ""
    last = pet[-1]
    until = last.ends_on.isoformat() if last.ends_on else "…"
    return True, f"{last.employer}, {last.starts_on.isoformat()} – {until}"


def ledger(*, actor: audit.Actor, user, person: Person, offer: Offer | None,
           pet: list[PetEnrolment], today: date) -> list[dict]:
    """One line per benefit that applies to the person (schooling for school-age children,
    work for adults)."""
    labels, base = _labels(), base_status(offer)
    adult = age_on(person.date_of_birth, today) >= ADULT_AGE
    school_age = grades.suggested_placement(person.date_of_birth,
                                            grades.school_year_start(today)) is not None
    lines = {"temporary_id": _document(user, person, "temporary_id", today),
             "medical_care": _medical(actor, user, person, offer, today),
             "shelter": _shelter(user, person)}
    if adult:
        lines["work_permit"] = _document(user, person, "work_permit", today)
        lines["pet"] = _pet(pet)
    if school_age:
        lines["schooling"] = _schooling(actor, user, person, today)
    out = []
    for benefit in BENEFITS:
        if benefit not in lines:
            continue
        received, detail = lines[benefit]
        status = RECEIVED if received else base
        out.append({"benefit": benefit, "label": labels[benefit], "status": status,
                    "status_label": labels[status], "detail": detail or None,
                    "confidential": benefit == "medical_care" and received is None})
    return out
