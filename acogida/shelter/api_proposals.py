"""Placement API: propose (the optimiser), change a line, confirm (everyone checked in at once,
every hard rule checked again). Explanations never show sensitive needs to a role that may not
see them (``proposals.proposal_view``)."""

from datetime import datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Schema, Status
from pydantic import Field

from acogida.accounts.api_support import AccessRouter, action, actor_of, user_of

from . import proposals

router = AccessRouter(tags=["placement"])


class ProposalIn(Schema):
    households: list[Annotated[str, Field(max_length=20)]] | Literal["waiting"] = Field(
        "waiting", max_length=20_000,
        description='household numbers, or "waiting": every household member with no active stay')
    shelters: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(
        None, max_length=1_000, description="shelter ids; default: all open")
    time_limit_s: float = Field(10, gt=0, le=120)


class GroupOut(Schema):
    section: int
    section_name: str
    shelter: int | None = None
    shelter_name: str
    people: int


class LineOut(Schema):
    line: int
    household: str
    size: int
    groups: list[GroupOut]
    explanation: str
    edited_by: str | None = None


class UnplacedOut(Schema):
    household: str
    size: int
    reason: str


class ProposalOut(Schema):
    id: int
    status: str
    method: str
    gap: float | None = None
    created_at: datetime
    confirmed_at: datetime | None = None
    placed_people: int
    unplaced_people: int
    assignments: list[LineOut]
    unplaced: list[UnplacedOut]
    stats: dict


class LineIn(Schema):
    household: str
    section: int | None = Field(None, description="a section for the whole household; null "
                                                  "takes it out of the proposal")


@router.post("/placement/proposals", response={201: ProposalOut})
@action("placement.propose")
def propose(request: HttpRequest, payload: ProposalIn):
    """Ask the optimiser: every feasible placement, and the unplaced with their reasons."""
    proposal = proposals.create_proposal(
        actor=actor_of(request), user=user_of(request), households=payload.households,
        shelters=payload.shelters, time_limit_s=payload.time_limit_s)
    return Status(201, proposals.proposal_view(user_of(request), proposal))


@router.get("/placement/proposals/{proposal_id}", response=ProposalOut)
@action("placement.propose")
def read_proposal(request: HttpRequest, proposal_id: str):
    proposal = proposals.get_proposal(user=user_of(request), proposal_id=proposal_id)
    return proposals.proposal_view(user_of(request), proposal)


@router.post("/placement/proposals/{proposal_id}/lines", response=ProposalOut)
@action("placement.confirm")
def change_line(request: HttpRequest, proposal_id: int, payload: LineIn):
    proposal = proposals.change_line(actor=actor_of(request), user=user_of(request),
                                     proposal_id=proposal_id, household=payload.household,
                                     section_id=payload.section)
    return proposals.proposal_view(user_of(request), proposal)


@router.post("/placement/proposals/{proposal_id}/confirm", response=ProposalOut)
@action("placement.confirm")
def confirm(request: HttpRequest, proposal_id: int):
    """Check everyone in, in one transaction; one line that breaks a rule now: nothing."""
    proposal = proposals.confirm_proposal(actor=actor_of(request), user=user_of(request),
                                          proposal_id=proposal_id)
    return proposals.proposal_view(user_of(request), proposal)
