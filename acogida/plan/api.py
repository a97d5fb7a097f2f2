"""Plan API ("Estás en tu casa"): eligibility, offers and a person's benefits.

The paths are a public contract (docs/plan.md); every endpoint declares its action. Figures
(``/stats/plan``) are aggregates for coordinators: never names.
"""

from datetime import date

from django.http import HttpRequest
from ninja import Query, Schema, Status
from pydantic import Field

from acogida.accounts.api_support import AccessRouter, action, actor_of, user_of
from acogida.core.paging import PageOut

from . import selectors, services, stats
from .models import OfferStatus

router = AccessRouter(tags=["plan"])


class RuleOut(Schema):
    rule: str
    title: str
    status: str = Field(description="passed, failed or unknown")
    why: str
    source: str
    version: str | None = None
    in_force_from: date | None = None
    in_force_to: date | None = None


class EligibilityOut(Schema):
    registration_number: str
    on: date
    result: str = Field(description="eligible, not_eligible or unknown")
    eligible: bool
    rules: list[RuleOut]


class OnParams(Schema):
    on: date | None = Field(None, description="default: today")


class ApplicationIn(Schema):
    person: str = Field(description="a registration number")
    kind: str = Field(examples=["refugee_status"], description="refugee_status (COMAR) or "
                                                               "regular_entry (INM)")
    authority: str = Field("", description="COMAR or INM (follows from the kind)")
    filed_on: date
    reference: str = Field("", max_length=100)


class ApplicationOut(Schema):
    id: int
    registration_number: str
    kind: str
    authority: str
    filed_on: date
    reference: str | None = None


class OfferIn(Schema):
    person: str | None = Field(None, description="a registration number")
    household: str | None = Field(None, description="a household number: all its members")
    place: str = Field(examples=["point:TAP"], description="point:CODE, shelter:ID or a name")
    offered_on: date | None = Field(None, description="default: today")


class BulkIn(Schema):
    place: str = Field(examples=["point:TAP"])
    on: date | None = Field(None, description="default: today")
    dry_run: bool = False


class BulkOut(Schema):
    place: dict
    on: date
    dry_run: bool
    offers: int
    offered: int = Field(description="people offered the plan")
    skipped: int = Field(description="people skipped")
    skipped_why: dict[str, int] = Field(description="already_offered, or the first rule that "
                                                    "did not pass (rules.<id>): people")


class MemberOut(Schema):
    registration_number: str
    full_name: str


class PlaceOut(Schema):
    kind: str
    key: str
    id: int
    name: str
    state: str


class OfferOut(Schema):
    id: int
    status: str
    person: str | None = None
    household: str | None = None
    name: str
    members: list[MemberOut]
    people: int
    place: PlaceOut
    offered_on: date
    offered_by: str
    decided_on: date | None = None
    decided_by: str | None = None
    reason: str | None = None
    rules_applied: dict


class OfferPage(PageOut):
    items: list[OfferOut]


class OfferParams(Schema):
    status: str | None = Field(None, description=", ".join(OfferStatus.values))
    place: str | None = None
    person: str | None = Field(None, description="a registration number")
    date_from: date | None = None
    date_to: date | None = None
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(selectors.PAGE_SIZE, ge=1, le=selectors.MAX_PAGE_SIZE)


class DecisionIn(Schema):
    on: date | None = Field(None, description="default: today")
    reason: str = Field("", max_length=300, description="declined: why (optional)")


class PetIn(Schema):
    person: str
    employer: str = Field(max_length=200)
    starts_on: date
    ends_on: date | None = None


class PetOut(Schema):
    id: int
    registration_number: str
    employer: str
    starts_on: date
    ends_on: date | None = None


class BenefitOut(Schema):
    benefit: str
    status: str = Field(description="offered, pending, received, closed or not_offered")
    detail: str | None = None
    confidential: bool = Field(description="medical care for a role without health.read: "
                                           "whether care was received is not shown")


class PersonPlanOut(Schema):
    registration_number: str
    eligibility: EligibilityOut
    status: str | None = Field(None, description="the latest offer's status")
    applications: list[ApplicationOut]
    offers: list[OfferOut]
    benefits: list[BenefitOut]
    pet_enrolments: list[PetOut]


class StatsParams(Schema):
    date_from: date | None = None
    date_to: date | None = None
    state: str | None = Field(None, max_length=100)
    place: str | None = Field(None, max_length=200)


Count = int | str  # people; 1 to 4 is "<5" (small-cell suppression)


class Counts(Schema):
    offered: Count
    accepted: Count
    declined: Count
    withdrawn: Count
    moved_on: Count


class DayOut(Counts):
    date: date


class PlaceCounts(Counts):
    kind: str
    key: str
    name: str
    state: str


class StatsOut(Schema):
    unit: str = Field(description="people (a household offer counts its members)")
    totals: Counts
    accepted_mexicos_offer: Count = Field(description="people whose offer is accepted "
                                                      "(1 to 4: \"<5\")")
    by_day: list[DayOut]
    by_place: list[PlaceCounts]


@router.get("/plan/eligibility/{registration_number}", response=EligibilityOut)
@action("plan.read")
def eligibility(request: HttpRequest, registration_number: str, params: Query[OnParams]):
    """Rule by rule: passed, failed or unknown, why, the source and the version applied."""
    return selectors.eligibility_of(actor=actor_of(request), user=user_of(request),
                                    registration_number=registration_number, on=params.on)


@router.post("/plan/applications", response={201: ApplicationOut})
@action("plan.record_application")
def record_application(request: HttpRequest, payload: ApplicationIn):
    application = services.record_application(
        actor=actor_of(request), user=user_of(request), registration_number=payload.person,
        kind=payload.kind, authority=payload.authority, filed_on=payload.filed_on,
        reference=payload.reference)
    return Status(201, selectors.application_view(application))


@router.post("/plan/offers", response={201: OfferOut})
@action("plan.offer")
def make_offer(request: HttpRequest, payload: OfferIn):
    """To a person or a household; the ineligible are refused (422) with the failing rules."""
    offer = services.make_offer(actor=actor_of(request), user=user_of(request),
                                place=payload.place,
                                registration_number=payload.person or "",
                                household_number=payload.household or "",
                                offered_on=payload.offered_on)
    return Status(201, selectors.offer_view(selectors.get_offer(
        actor=actor_of(request), user=user_of(request), offer_id=offer.pk)))


@router.post("/plan/offers/bulk", response=BulkOut)
@action("plan.offer")
def bulk_offer(request: HttpRequest, payload: BulkIn):
    """Everyone eligible at a registration point or shelter who has not been offered yet."""
    result = services.bulk_offer(actor=actor_of(request), user=user_of(request),
                                 place=payload.place, on=payload.on, dry_run=payload.dry_run)
    return {"place": result.place.as_dict(), "on": result.on, "dry_run": result.dry_run,
            "offers": result.offers, "offered": result.offered,
            "skipped": result.skipped_total, "skipped_why": result.skipped}


@router.get("/plan/offers", response=OfferPage)
@action("plan.read")
def list_offers(request: HttpRequest, params: Query[OfferParams]):
    page = selectors.list_offers(actor=actor_of(request), user=user_of(request),
                                 status=params.status, place=params.place, person=params.person,
                                 date_from=params.date_from, date_to=params.date_to,
                                 page=params.page, page_size=params.page_size)
    return {"count": page.count, "page": page.page, "page_size": page.page_size,
            "has_next": page.has_next, "items": [selectors.offer_view(o) for o in page.items]}


def _decide(request: HttpRequest, offer_id: int, to: str, payload: DecisionIn) -> dict:
    services.decide(actor=actor_of(request), user=user_of(request), offer_id=offer_id, to=to,
                    on=payload.on, reason=payload.reason)
    return selectors.offer_view(selectors.get_offer(actor=actor_of(request),
                                                    user=user_of(request), offer_id=offer_id))


@router.post("/plan/offers/{offer_id}/accept", response=OfferOut)
@action("plan.offer")
def accept(request: HttpRequest, offer_id: int, payload: DecisionIn):
    """Accepted (for everyone the offer names). Twice: 409, nothing changed."""
    return _decide(request, offer_id, OfferStatus.ACCEPTED, payload)


@router.post("/plan/offers/{offer_id}/decline", response=OfferOut)
@action("plan.offer")
def decline(request: HttpRequest, offer_id: int, payload: DecisionIn):
    return _decide(request, offer_id, OfferStatus.DECLINED, payload)


@router.post("/plan/offers/{offer_id}/withdraw", response=OfferOut)
@action("plan.offer")
def withdraw(request: HttpRequest, offer_id: int, payload: DecisionIn):
    return _decide(request, offer_id, OfferStatus.WITHDRAWN, payload)


@router.post("/plan/offers/{offer_id}/moved-on", response=OfferOut)
@action("plan.offer")
def moved_on(request: HttpRequest, offer_id: int, payload: DecisionIn):
    """The people left the area before answering."""
    return _decide(request, offer_id, OfferStatus.MOVED_ON, payload)


@router.post("/plan/pet-enrolments", response={201: PetOut})
@action("plan.pet")
def enrol_pet(request: HttpRequest, payload: PetIn):
    enrolment = services.enrol_pet(actor=actor_of(request), user=user_of(request),
                                   registration_number=payload.person, employer=payload.employer,
                                   starts_on=payload.starts_on, ends_on=payload.ends_on)
    return Status(201, selectors.pet_view(enrolment))


@router.get("/people/{registration_number}/plan", response=PersonPlanOut)
@action("plan.read")
def person_plan(request: HttpRequest, registration_number: str):
    """Eligibility today, applications, offers, and per benefit offered / pending / received
    (medical care: received only for roles with health.read)."""
    return selectors.person_plan(actor=actor_of(request), user=user_of(request),
                                 registration_number=registration_number)


@router.get("/stats/plan", response=StatsOut)
@action("plan.stats")
def plan_stats(request: HttpRequest, params: Query[StatsParams]):
    """Offered, accepted, declined, withdrawn and moved on, in people, by day and by place;
    every count of 1 to 4 people is "<5"."""
    return stats.suppressed_figures(user=user_of(request), date_from=params.date_from,
                         date_to=params.date_to, state=params.state, place=params.place)
