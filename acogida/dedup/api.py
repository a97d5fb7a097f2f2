"""Identity resolution API: runs, the review queue, decisions, bulk acceptance, unmerge.

The paths are a public contract (docs/duplicates.md); every endpoint declares its action.
"""

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Schema, Status
from pydantic import Field

from acogida.accounts.api_support import AccessRouter, action, actor_of, user_of
from acogida.core.paging import PageOut

from . import selectors, services

router = AccessRouter(tags=["dedup"])


class RunIn(Schema):
    threshold: float | None = Field(None, description="probability at or above which a pair is "
                                    f"queued (default {services.DEFAULT_THRESHOLD})")
    retrain: bool = Field(False, description="train a new model on the registry first")


class RunOut(Schema):
    id: int
    started_at: datetime
    finished_at: datetime | None = None
    threshold: float
    model_version: str
    retrained: bool
    people: int
    pairs: int
    clusters: int
    new_pairs: int
    updated_pairs: int
    skipped_decided: int
    seconds: float


class PairParams(Schema):
    status: str | None = Field("pending", description="pending, merged, not_duplicate, deferred")
    min_probability: float | None = Field(None, ge=0, le=1)
    page: int = Field(1, ge=1, le=100_000)


class ExplanationOut(Schema):
    comparison: str
    level: str
    gamma: int | None = None
    match_weight: float
    m: float | None = None
    u: float | None = None


class PairOut(Schema):
    id: int
    left: str
    right: str
    left_name: str | None = None
    right_name: str | None = None
    probability: float
    match_weight: float
    status: str
    cluster_id: str
    explanation: list[ExplanationOut]
    reason: str = ""
    decided_by: str | None = None
    decided_at: datetime | None = None


class PairPage(PageOut):
    items: list[PairOut]


class DecisionIn(Schema):
    decision: str = Field(description="merge, not_duplicate or defer")
    survivor: str = Field("", description="registration number that survives a merge "
                                          "(default: the pair's left one)")
    reason: str = Field("", max_length=300)


class BulkIn(Schema):
    min_probability: float = Field(0.99, description="at least "
                                   f"{services.BULK_MIN_PROBABILITY}")


class SkippedOut(Schema):
    pair: int
    reason: str


class BulkOut(Schema):
    merged: list[int]
    skipped: list[SkippedOut]


class ReissueOut(Schema):
    document: str
    holder: str


class UnmergeOut(Schema):
    registration_number: str
    survivor: str
    merged_at: datetime
    unmerged_at: datetime
    # documents revoked as duplicates by the merge stay revoked: their holders need new ones
    new_documents_needed: list[ReissueOut] = []
    # the survivor's fields edited after the merge: kept as they are now
    kept_survivor_fields: list[str] = []


def run_out(result: services.RunResult) -> dict:
    run = result.run
    return {"id": run.pk, "started_at": run.started_at, "finished_at": run.finished_at,
            "threshold": run.threshold, "model_version": result.model_version,
            "retrained": run.retrained, "people": run.people, "pairs": run.pairs,
            "clusters": run.clusters, "new_pairs": run.new_pairs,
            "updated_pairs": run.updated_pairs, "skipped_decided": run.skipped_decided,
            "seconds": run.seconds}


@router.post("/dedup/runs", response={201: RunOut})
@action("dedup.run")
def start_run(request: HttpRequest, payload: RunIn):
    """Score the whole registry now (synchronously) and fill the review queue. (The pairs as
    CSV are the command line's only: the file holds registration numbers in clear.)"""
    result = services.run(actor=actor_of(request), user=user_of(request),
                          threshold=payload.threshold, retrain=payload.retrain)
    return Status(201, run_out(result))


@router.get("/dedup/pairs", response=PairPage)
@action("dedup.review")
def list_pairs(request: HttpRequest, params: Query[PairParams]):
    page = selectors.list_pairs(actor=actor_of(request), user=user_of(request),
                                status=params.status or None,
                                min_probability=params.min_probability, page=params.page)
    people = selectors.pair_people(page.items)
    return {"count": page.count, "page": page.page, "page_size": page.page_size,
            "has_next": page.has_next,
            "items": [selectors.pair_view(user_of(request), p, people, with_counts=False)
                      for p in page.items]}


@router.post("/dedup/pairs/bulk-accept", response=BulkOut)
@action("dedup.bulk_accept")
def bulk_accept(request: HttpRequest, payload: BulkIn):
    """Merge every pending pair at or above a high probability; conflicts are skipped."""
    report = services.bulk_accept(actor=actor_of(request), user=user_of(request),
                                  min_probability=payload.min_probability)
    return {"merged": report.merged, "skipped": report.skipped}


@router.post("/dedup/pairs/{pair_id}/decision", response=PairOut)
@action("dedup.decide")
def decide(request: HttpRequest, pair_id: int, payload: DecisionIn):
    pair = services.decide(actor=actor_of(request), user=user_of(request), pair_id=pair_id,
                           decision=payload.decision, survivor=payload.survivor,
                           reason=payload.reason)
    return selectors.pair_view(user_of(request), pair)


@router.post("/people/{registration_number}/unmerge", response=UnmergeOut)
@action("person.unmerge")
def unmerge(request: HttpRequest, registration_number: str):
    """Undo a merge: the merged record's number comes back with everything it held."""
    record = services.unmerge(actor=actor_of(request), user=user_of(request),
                              registration_number=registration_number)
    return {"registration_number": record.merged_number, "survivor": record.survivor_number,
            "merged_at": record.merged_at, "unmerged_at": record.unmerged_at,
            "new_documents_needed": record.revoked_documents,
            "kept_survivor_fields": record.kept_fields}
