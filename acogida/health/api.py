"""Health API. Medical staff read and write; an admin reads one person's record only after
breaking the glass (``POST /people/{n}/health/break-glass`` with a reason, valid one hour);
other roles learn only whether a person has an open urgent referral; aggregates carry no names.
"""

import datetime as dt
import functools
import json

from django.http import HttpRequest
from ninja import Query, Schema, Status
from pydantic import Field

from acogida.accounts import access, audit
from acogida.accounts.api_support import (
    AccessRouter,
    BearerToken,
    Session,
    action,
    actor_of,
    user_of,
)
from acogida.accounts.web_support import client_address
from acogida.core.http import private_file
from acogida.core.paging import PageOut
from acogida.reporting.schemas import FiltersIn, filters_of

from . import fhir, selectors, services
from .models import Encounter, Referral, Vaccination

router = AccessRouter(tags=["health"])


def _reader_only(request: HttpRequest, user):
    """Medical staff or an admin (whose every read still needs a grant for that person); any
    other role is refused here, before the query is read, and the refusal is audited."""
    if user is not None:
        match = getattr(request, "resolver_match", None)
        number = ((match.kwargs.get("registration_number") if match else None)
                  or request.GET.get("person", ""))
        selectors.require_reader(actor=audit.Actor.of(user, client_address(request)), user=user,
                                 what=request.path[:200], registration_number=number)
    return user


class ReaderBearer(BearerToken):
    def authenticate(self, request: HttpRequest, token: str):
        return _reader_only(request, super().authenticate(request, token))


class ReaderSession(Session):
    def authenticate(self, request: HttpRequest, key: str | None):
        return _reader_only(request, super().authenticate(request, key))


READER_AUTH = [ReaderBearer(), ReaderSession()]


def _person_in_body(request: HttpRequest) -> str:
    """The ``person`` a write names in its JSON body, if any (for a refusal's audit entry)."""
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return ""
    person = body.get("person") if isinstance(body, dict) else None
    return person[:40] if isinstance(person, str) else ""


def _writer_only(request: HttpRequest, user):
    """Medical staff only; any other role is refused here, before the body is validated, and
    the refusal is audited (``health.denied``, with the person named if there is one), as the
    web forms' refusals are."""
    if user is not None:
        selectors.require(actor=audit.Actor.of(user, client_address(request)), user=user,
                          action="health.write", what=request.path[:200],
                          registration_number=_person_in_body(request))
    return user


class WriterBearer(BearerToken):
    def authenticate(self, request: HttpRequest, token: str):
        return _writer_only(request, super().authenticate(request, token))


class WriterSession(Session):
    def authenticate(self, request: HttpRequest, key: str | None):
        return _writer_only(request, super().authenticate(request, key))


WRITER_AUTH = [WriterBearer(), WriterSession()]


def health_reader(view):
    """Declares ``health.read`` (the access-matrix test holds it to that policy), but lets an
    admin (``health.break_glass``) through to the selector, which then asks for an active
    break-glass grant for that very person: without one the answer is still 403."""

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        user = user_of(request)
        if not (access.can(user, "health.read") or access.can(user, "health.break_glass")):
            access.require(user, "health.read")
        return view(request, *args, **kwargs)

    guarded.acogida_action = "health.read"
    return guarded


# ---- shapes ------------------------------------------------------------------------------------

class DiagnosisIO(Schema):
    text: str = Field(max_length=500)
    icd10: str | None = Field(None, max_length=10, examples=["J06.9"])


class EncounterIn(Schema):
    person: str = Field(description="registration number")
    date: dt.date | None = Field(None, description="default: today")
    facility_kind: str = Field(examples=["shelter_medical_post"],
                               description="imss_clinic, shelter_medical_post or mobile_clinic")
    facility_name: str = ""
    reason: str = Field(examples=["respiratory"], description="a category, for aggregates")
    triage: str = Field(examples=["routine"], description="emergency, urgent or routine")
    diagnoses: list[DiagnosisIO] = Field(default_factory=list, max_length=20)
    notes: str = Field("", max_length=5000)
    pregnancy_follow_up: bool = False


class EncounterOut(Schema):
    id: int
    person: str
    date: dt.date
    facility_kind: str
    facility_name: str
    clinician: str
    reason: str
    triage: str
    diagnoses: list[DiagnosisIO]
    notes: str
    pregnancy_follow_up: bool


class VaccinationIn(Schema):
    person: str
    vaccine: str = Field(examples=["SRP"])
    dose: int = Field(ge=1, le=10)
    date: dt.date | None = None
    lot: str = ""


class VaccinationOut(Schema):
    id: int
    person: str
    vaccine: str
    dose: int
    date: dt.date
    lot: str


class ReferralIn(Schema):
    person: str
    to_facility: str = Field(examples=["Hospital General de Tapachula"])
    urgency: str = Field(examples=["urgent"], description="emergency, urgent or routine")
    reason: str = Field(max_length=5000)


class ReferralOut(Schema):
    id: int
    person: str
    to_facility: str
    urgency: str
    status: str
    reason: str
    created_at: dt.datetime
    updated_at: dt.datetime


class TransitionIn(Schema):
    status: str = Field(examples=["accepted"],
                        description="accepted, attended, closed or declined")


class ScheduleOut(Schema):
    vaccine: str
    dose: int
    due_date: dt.date
    status: str = Field(description="due, overdue or done")


class HealthOut(Schema):
    person: str
    encounters: list[EncounterOut]
    vaccinations: list[VaccinationOut]
    referrals: list[ReferralOut]
    schedule: list[ScheduleOut]


class EncounterPage(PageOut):
    items: list[EncounterOut]


class VaccinationPage(PageOut):
    items: list[VaccinationOut]
    schedule: list[ScheduleOut] = Field(description="the child schedule's doses whose time has "
                                        "come: due, overdue or done")


class ReferralPage(PageOut):
    items: list[ReferralOut]


class BreakGlassIn(Schema):
    reason: str = Field(max_length=1000)


class BreakGlassOut(Schema):
    person: str
    granted_at: dt.datetime
    expires_at: dt.datetime


class UrgentOut(Schema):
    open_urgent_referral: bool


Count = int | str  # 1 to 4 is "<5" (small-cell suppression)


class DayReasonOut(Schema):
    date: dt.date
    reason: str
    count: Count


class DayOut(Schema):
    date: dt.date
    count: Count = Field(description="encounters that day, all reasons (summed, then "
                                     "suppressed)")


class HealthStatsOut(Schema):
    since: dt.date
    until: dt.date
    encounters_by_day: list[DayReasonOut]
    encounters_per_day: list[DayOut]
    encounters_by_reason: dict[str, Count]
    children_under_5_overdue_vaccinations: Count
    pregnant_women_in_follow_up: Count
    open_urgent_referrals: Count
    vaccinations_given: Count
    filters: dict


def _encounter(e: Encounter, number: str) -> dict:
    return {"id": e.pk, "person": number, "date": e.date, "facility_kind": e.facility_kind,
            "facility_name": e.facility_name, "clinician": e.clinician_name,
            "reason": e.reason, "triage": e.triage, "diagnoses": e.diagnoses or [],
            "notes": e.notes or "", "pregnancy_follow_up": e.pregnancy_follow_up}


def _vaccination(v: Vaccination, number: str) -> dict:
    return {"id": v.pk, "person": number, "vaccine": v.vaccine, "dose": v.dose, "date": v.date,
            "lot": v.lot}


def _referral(r: Referral, number: str) -> dict:
    return {"id": r.pk, "person": number, "to_facility": r.to_facility, "urgency": r.urgency,
            "status": r.status, "reason": r.reason, "created_at": r.created_at,
            "updated_at": r.updated_at}


# ---- writes ------------------------------------------------------------------------------------

@router.post("/health/encounters", response={201: EncounterOut}, auth=WRITER_AUTH)
@action("health.write")
def create_encounter(request: HttpRequest, payload: EncounterIn):
    encounter = services.record_encounter(
        actor=actor_of(request), user=user_of(request), registration_number=payload.person,
        date=payload.date, facility_kind=payload.facility_kind,
        facility_name=payload.facility_name, reason=payload.reason, triage=payload.triage,
        diagnoses=[d.model_dump() for d in payload.diagnoses], notes=payload.notes,
        pregnancy_follow_up=payload.pregnancy_follow_up)
    return Status(201, _encounter(encounter, encounter.person.registration_number))


@router.post("/health/vaccinations", response={201: VaccinationOut}, auth=WRITER_AUTH)
@action("health.write")
def create_vaccination(request: HttpRequest, payload: VaccinationIn):
    vaccination = services.record_vaccination(
        actor=actor_of(request), user=user_of(request), registration_number=payload.person,
        vaccine=payload.vaccine, dose=payload.dose, date=payload.date, lot=payload.lot)
    return Status(201, _vaccination(vaccination, vaccination.person.registration_number))


@router.post("/health/referrals", response={201: ReferralOut}, auth=WRITER_AUTH)
@action("health.write")
def create_referral(request: HttpRequest, payload: ReferralIn):
    referral = services.create_referral(
        actor=actor_of(request), user=user_of(request), registration_number=payload.person,
        to_facility=payload.to_facility, urgency=payload.urgency, reason=payload.reason)
    return Status(201, _referral(referral, referral.person.registration_number))


@router.post("/health/referrals/{id}/transitions", response=ReferralOut, auth=WRITER_AUTH)
@action("health.write")
def transition_referral(request: HttpRequest, id: str, payload: TransitionIn):
    """sent → accepted → attended → closed, or declined (from sent or accepted); else 409."""
    referral = services.transition_referral(actor=actor_of(request), user=user_of(request),
                                            referral_id=id, status=payload.status)
    return _referral(referral, referral.person.registration_number)


# ---- reads -------------------------------------------------------------------------------------

@router.get("/people/{registration_number}/health", response=HealthOut, auth=READER_AUTH)
@health_reader
def person_health(request: HttpRequest, registration_number: str):
    """Medical staff; an admin only within an active break-glass grant for this person."""
    record = selectors.person_health(actor=actor_of(request), user=user_of(request),
                                     registration_number=registration_number)
    number = record["person"].registration_number
    return {"person": number,
            "encounters": [_encounter(e, number) for e in record["encounters"]],
            "vaccinations": [_vaccination(v, number) for v in record["vaccinations"]],
            "referrals": [_referral(r, number) for r in record["referrals"]],
            "schedule": [s._asdict() for s in record["schedule"]]}


def _page(found: selectors.Page, items: list) -> dict:
    return {"count": found.count, "page": found.page, "page_size": found.page_size,
            "has_next": found.has_next, "items": items}


@router.get("/health/encounters", response=EncounterPage, auth=READER_AUTH)
@health_reader
def list_encounters(request: HttpRequest, person: str = "", page: str = "1",
                    page_size: str = str(selectors.PAGE_SIZE)):
    """``?person=<registration number>``: that person's encounters, newest first, paginated
    (``page``, ``page_size`` up to 200). Medical staff; an admin within a break-glass grant."""
    found = selectors.person_encounters(actor=actor_of(request), user=user_of(request),
                                        registration_number=person, page=page,
                                        page_size=page_size)
    number = found.person.registration_number
    return _page(found, [_encounter(e, number) for e in found.items])


@router.get("/health/vaccinations", response=VaccinationPage, auth=READER_AUTH)
@health_reader
def list_vaccinations(request: HttpRequest, person: str = "", page: str = "1",
                      page_size: str = str(selectors.PAGE_SIZE)):
    """``?person=<registration number>``: that person's vaccinations and the child schedule's
    status (due / overdue / done). Medical staff; an admin within a break-glass grant."""
    found = selectors.person_vaccinations(actor=actor_of(request), user=user_of(request),
                                          registration_number=person, page=page,
                                          page_size=page_size)
    number = found.person.registration_number
    return {**_page(found, [_vaccination(v, number) for v in found.items]),
            "schedule": [s._asdict() for s in found.schedule]}


@router.get("/health/referrals", response=ReferralPage, auth=READER_AUTH)
@health_reader
def list_referrals(request: HttpRequest, person: str = "", status: str = "",
                   urgency: str = "", page: str = "1",
                   page_size: str = str(selectors.PAGE_SIZE)):
    """Referrals, most urgent first, then oldest first. ``?person=`` for one person's (medical
    staff, or an admin within a break-glass grant); without it, everyone's (medical staff only).
    ``status`` and ``urgency`` take one value or several separated by commas; ``status=open``
    means sent or accepted: ``?status=open&urgency=emergency,urgent`` is the urgent worklist."""
    found = selectors.referrals(actor=actor_of(request), user=user_of(request),
                                registration_number=person, status=status, urgency=urgency,
                                page=page, page_size=page_size)
    return _page(found, [_referral(r, r.person.registration_number) for r in found.items])


@router.get("/people/{registration_number}/health/fhir", auth=READER_AUTH)
@health_reader
def person_health_fhir(request: HttpRequest, registration_number: str):
    """The record as a FHIR R4(B) Bundle of type collection (application/fhir+json). Medical
    staff only: break-glass is for reading in place, so an admin's grant gets a 403 here."""
    record = selectors.person_health(actor=actor_of(request), user=user_of(request),
                                     registration_number=registration_number, purpose="fhir",
                                     break_glass=False)
    return private_file(fhir.bundle_json(record), "application/fhir+json")


@router.post("/people/{registration_number}/health/break-glass", response={201: BreakGlassOut})
@action("health.break_glass")
def break_glass(request: HttpRequest, registration_number: str, payload: BreakGlassIn):
    """An administrator opens this person's health record for one hour; the reason is kept
    (encrypted) and the act is audited."""
    grant = services.break_glass(actor=actor_of(request), user=user_of(request),
                                 registration_number=registration_number,
                                 reason=payload.reason)
    return Status(201, {"person": grant.person.registration_number,
                        "granted_at": grant.granted_at, "expires_at": grant.expires_at})


@router.get("/people/{registration_number}/health/urgent-referral", response=UrgentOut)
@action("health.urgent_flag")
def urgent_referral(request: HttpRequest, registration_number: str):
    """Only whether the person has an open urgent (or emergency) referral."""
    person = selectors.find_person(registration_number)
    return {"open_urgent_referral": selectors.has_open_urgent_referral(
        user=user_of(request), person=person, actor=actor_of(request))}


@router.get("/stats/health", response=HealthStatsOut)
@action("health.stats")
def health_stats(request: HttpRequest, query: Query[FiltersIn]):
    """Counts only, never names; 1 to 4 is "<5". The filters: ``date_from``..``date_to``
    bound the encounters, doses given and urgent referrals made (default: the last 30 days;
    open urgent referrals: all); ``state``, ``place`` and ``group`` select the people by their
    registration point and arrival group. A bad filter is a 422 naming the field."""
    return selectors.health_stats(user=user_of(request), filters=filters_of(query))
