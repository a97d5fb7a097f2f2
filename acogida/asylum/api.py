"""Asylum API: claims (intake, workflow moves, screening, worklist), the screening aid on its own,
and its facts schema. The paths and the screening JSON are a public contract."""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Schema, Status
from pydantic import Field

from acogida.accounts.api_support import AccessRouter, action, actor_of, user_of

from . import selectors, services, workflow
from .screening import Facts

router = AccessRouter(tags=["asylum"])


class ClaimIn(Schema):
    registration_number: str = Field(description="the principal applicant")
    jurisdiction: Literal["MX", "US"]
    entered_on: date | None = Field(None, description="entry into the claim's country")
    filing_place: str = Field("", max_length=200)
    dependants: list[str] = Field(default_factory=list, max_length=30,
                                  description="registration numbers from the household")
    narrative: str = Field("", max_length=services.NARRATIVE_LIMIT)
    facts: dict[str, Any] | None = Field(None, description="intake facts: the screening schema")
    late_filing_reason: str = ""


class IntakeIn(Schema):
    narrative: str | None = Field(None, max_length=services.NARRATIVE_LIMIT)
    facts: dict[str, Any] | None = None
    entered_on: date | None = None
    filing_place: str | None = Field(None, max_length=200)
    late_filing_reason: str | None = None


class MoveIn(Schema):
    to: str = Field(description=", ".join(workflow.STATES))
    effective: date = Field(description="the date the step took legal effect")
    note: str = Field("", max_length=services.NOTE_LIMIT)
    interview_on: date | None = None
    appeal_outcome: str | None = Field(None, description=", ".join(workflow.APPEAL_OUTCOMES))


class ScreenIn(Schema):
    as_of: date | None = None
    lang: Literal["es", "en"] = "en"


class DeadlineOut(Schema):
    rule: str
    due: date | None
    status: str
    done_on: date | None = None
    citation: str = ""


class DependantOut(Schema):
    registration_number: str
    relationship: str


class MoveOut(Schema):
    from_status: str
    to_status: str
    effective: date
    at: datetime
    by: str
    note: str | None = None


class LatestScreeningOut(Schema):
    as_of: date
    at: datetime
    policies_applied: list[str]
    result: dict[str, Any] | None = None


class ClaimOut(Schema):
    number: str
    jurisdiction: str
    status: str
    principal: str
    dependants: list[DependantOut]
    filing_place: str
    entered_on: date | None = None
    lodged_on: date | None = None
    interview_on: date | None = None
    decided_on: date | None = None
    appeal_lodged_on: date | None = None
    appeal_outcome: str = ""
    late_filing_reason: str = ""
    narrative: str | None = None
    facts: dict[str, Any] | None = None
    deadlines: list[DeadlineOut]
    timeline: list[MoveOut]
    document_effects: list[str]
    latest_screening: LatestScreeningOut | None = None


class ClaimRowOut(Schema):
    number: str
    jurisdiction: str
    status: str
    principal: str
    next_deadline: date | None = None
    next_deadline_rule: str = ""


class ClaimPageOut(Schema):
    total: int
    page: int
    results: list[ClaimRowOut]


class ClaimListQuery(Schema):
    status: str | None = None
    jurisdiction: str | None = None
    person: str | None = None
    page: int = Field(1, ge=1, le=100_000)


class WorkRowOut(Schema):
    number: str
    jurisdiction: str
    status: str
    principal: str
    entry_missing: bool = Field(description="no entry date: the filing clock cannot be computed")
    deadline_rule: str | None = None
    due: date | None = None
    deadline_status: str | None = None
    days_left: int | None = None
    overdue: bool


class WorkPageOut(Schema):
    total: int
    page: int
    results: list[WorkRowOut]


class ScreeningOut(Schema):
    claim: str
    as_of: date
    at: datetime
    policies_applied: list[str]
    result: dict[str, Any]
    changes: dict[str, Any] | None = Field(
        None, description="what changed since the claim's previous screening (none: the first)")


class ClaimStatsOut(Schema):
    total: int | str
    by_status: list[dict[str, Any]]
    overdue: dict[str, int | str]
    due_soon: dict[str, int | str] = Field(
        description="open claims whose next deadline is within 10 days")


class ClaimStatsQuery(Schema):
    jurisdiction: Literal["MX", "US"] | None = None
    date_from: date | None = None
    date_to: date | None = None
    state: str = Field("", max_length=200)
    place: str = Field("", max_length=200)
    group: int | None = Field(None, ge=1, le=2_000_000_000)


def _claim_out(request: HttpRequest, claim) -> dict:
    return selectors.claim_view(user_of(request), claim)


def _row(claim) -> dict:
    return {"number": claim.number, "jurisdiction": claim.jurisdiction, "status": claim.status,
            "principal": claim.principal.registration_number,
            "next_deadline": claim.next_deadline, "next_deadline_rule": claim.next_deadline_rule}


@router.post("/claims", response={201: ClaimOut})
@action("claim.write")
def open_claim(request: HttpRequest, payload: ClaimIn):
    claim = services.open_claim(actor=actor_of(request), user=user_of(request),
                                **payload.model_dump())
    return Status(201, _claim_out(request, claim))


@router.get("/claims", response=ClaimPageOut)
@action("claim.read")
def list_claims(request: HttpRequest, query: Query[ClaimListQuery]):
    found, total = selectors.list_claims(actor=actor_of(request), user=user_of(request),
                                         **query.model_dump())
    return {"total": total, "page": query.page, "results": [_row(c) for c in found]}


@router.get("/claims/worklist", response=WorkPageOut)
@action("claim.read")
def claim_worklist(request: HttpRequest, jurisdiction: Literal["MX", "US"] | None = None,
                   page: int = Query(1, ge=1, le=100_000)):
    """Open claims: those without an entry date first, then the nearest deadline first."""
    rows, total = selectors.worklist(actor=actor_of(request), user=user_of(request),
                                     jurisdiction=jurisdiction, page=page)
    return {"total": total, "page": page, "results": [
        {**{k: v for k, v in _row(r["claim"]).items() if not k.startswith("next_")},
         "entry_missing": r["entry_missing"],
         "deadline_rule": r["deadline"].rule if r["deadline"] else None,
         "due": r["deadline"].due if r["deadline"] else None,
         "deadline_status": r["deadline"].status if r["deadline"] else None,
         "days_left": r["days_left"], "overdue": r["overdue"]} for r in rows]}


@router.get("/claims/{claim_number}", response=ClaimOut)
@action("claim.read")
def read_claim(request: HttpRequest, claim_number: str):
    claim = selectors.get_claim(actor=actor_of(request), user=user_of(request),
                                number=claim_number)
    return _claim_out(request, claim)


@router.patch("/claims/{claim_number}", response=ClaimOut)
@action("claim.write")
def update_intake(request: HttpRequest, claim_number: str, payload: IntakeIn):
    claim = services.update_intake(actor=actor_of(request), user=user_of(request),
                                   number=claim_number, **payload.model_dump(exclude_unset=True))
    return _claim_out(request, claim)


@router.post("/claims/{claim_number}/transitions", response=ClaimOut)
@action("claim.write")
def move_claim(request: HttpRequest, claim_number: str, payload: MoveIn):
    claim = services.move_claim(actor=actor_of(request), user=user_of(request),
                                number=claim_number, **payload.model_dump())
    return _claim_out(request, claim)


def screening_out(screening, previous=None) -> dict:
    from acogida.asylum.screening import diff_results

    changes = diff_results(previous.result, screening.result) if previous else None
    return {"claim": screening.claim.number, "as_of": screening.as_of, "at": screening.at,
            "policies_applied": screening.policies_applied, "result": screening.result,
            "changes": changes}


@router.post("/claims/{claim_number}/screen", response={201: ScreeningOut})
@action("claim.screen")
def screen_claim(request: HttpRequest, claim_number: str, payload: ScreenIn):
    screening = services.screen_claim(actor=actor_of(request), user=user_of(request),
                                      number=claim_number, as_of=payload.as_of, lang=payload.lang)
    previous = screening.claim.screenings.exclude(pk=screening.pk).first()
    return Status(201, screening_out(screening, previous))


@router.get("/stats/claims", response=ClaimStatsOut)
@action("claim.stats")
def claim_stats(request: HttpRequest, query: Query[ClaimStatsQuery]):
    """Counts of 1 to 4 claims are shown as "<5" (small-cell suppression)."""
    from acogida.reporting.suppression import suppress, suppress_mapping

    found = selectors.stats(user=user_of(request), actor=actor_of(request),
                            **query.model_dump())
    return {"total": suppress(found["total"]),
            "by_status": [{**row, "count": suppress(row["count"])} for row in found["by_status"]],
            "overdue": suppress_mapping(found["overdue"]),
            "due_soon": suppress_mapping(found["due_soon"])}


@router.post("/screening")
@action("screening.run")
def run_screening(request: HttpRequest, payload: Facts, lang: Literal["es", "en"] = "en"):
    """The screening aid on facts alone (nothing stored): a pre-screening, not a legal
    determination. Bad facts come back as 422 with the JSON path of each problem."""
    return services.run_screening(actor=actor_of(request), user=user_of(request), facts=payload,
                                  lang=lang)


@router.get("/screening/schema")
@action("screening.schema")
def screening_schema(request: HttpRequest):
    from acogida.asylum.screening import facts_schema

    return facts_schema()
