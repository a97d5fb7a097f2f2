"""Reads on asylum claims: a claim with its deadlines and timeline, the worklist, counts.

Every read of a claim is audited. The narrative and the intake facts reach only roles that
``claim.narrative`` allows (case officers and admins); counts carry no names.
"""

from collections import Counter
from datetime import date, timedelta

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.core.errors import FieldError, InvalidInput, NotFound
from acogida.reporting.filters import Filters, day_q, person_q

from . import deadlines, workflow
from .models import Claim, Jurisdiction, Status
from .services import claim_by_number, dates_of

PAGE_SIZE = 50


def _claims() -> QuerySet[Claim]:
    return Claim.objects.select_related("principal")


def get_claim(*, actor: audit.Actor, user, number: str, with_narrative: bool = False) -> Claim:
    """``with_narrative``: the caller will show the narrative or the interview's facts."""
    access.require(user, "claim.narrative" if with_narrative else "claim.read")
    claim = claim_by_number(number)
    audit.record(actor, "claim.read", "claim", claim.number,
                 subject=claim.principal.registration_number)
    return claim


def list_claims(*, actor: audit.Actor, user, status: str | None = None,
                jurisdiction: str | None = None, person: str | None = None,
                page: int = 1) -> tuple[list[Claim], int]:
    access.require(user, "claim.read")
    errors = []
    if status and status not in workflow.STATES:
        errors.append(FieldError("status", _("One of: %(v)s.") % {"v": ", ".join(workflow.STATES)}))
    if jurisdiction and jurisdiction not in Jurisdiction.values:
        errors.append(FieldError("jurisdiction", _("One of: %(v)s.")
                                 % {"v": ", ".join(Jurisdiction.values)}))
    if errors:
        raise InvalidInput(_("The filters are not valid."), errors)
    queryset = _claims()
    if status:
        queryset = queryset.filter(status=status)
    if jurisdiction:
        queryset = queryset.filter(jurisdiction=jurisdiction)
    number = ""
    if person:
        from acogida.core import ids

        number = ids.normalize(person)
        queryset = queryset.filter(Q(principal__registration_number=number)
                                   | Q(dependants__person__registration_number=number)).distinct()
    total = queryset.count()
    page = max(1, page)
    found = list(queryset.order_by("-created_at", "-pk")[(page - 1) * PAGE_SIZE:page * PAGE_SIZE])
    audit.record(actor, "claim.list", "claim", "", subject=number, count=len(found),
                 filters={"status": status or "", "jurisdiction": jurisdiction or ""})
    return found, total


def worklist(*, actor: audit.Actor, user, today: date | None = None,
             jurisdiction: str | None = None, page: int = 1) -> tuple[list[dict], int]:
    """Open claims: first those whose clock cannot be computed (no entry date: the filing term
    may be running unseen), then the nearest deadline first, the overdue flagged. A page of
    ``PAGE_SIZE`` and the total."""
    access.require(user, "claim.read")
    today = today or timezone.localdate()
    queryset = _claims().filter(open=True)
    if jurisdiction:
        queryset = queryset.filter(jurisdiction=jurisdiction)
    total = queryset.count()
    page = max(1, min(page, 100_000))
    ordered = queryset.order_by(
        Case(When(entered_on__isnull=True, then=0), default=1),
        F("next_deadline").asc(nulls_last=True), "created_at", "pk")
    claims = list(ordered[(page - 1) * PAGE_SIZE:page * PAGE_SIZE])
    rows = []
    for claim in claims:
        nearest = deadlines.next_deadline(deadlines.deadlines(dates_of(claim), today))
        rows.append({"claim": claim, "deadline": nearest,
                     "entry_missing": claim.entered_on is None,
                     "overdue": bool(nearest and nearest.due and nearest.due < today),
                     "days_left": (nearest.due - today).days if nearest and nearest.due else None})
    audit.record(actor, "claim.worklist", "claim", "", count=len(rows), page=page)
    return rows, total


def claim_deadlines(claim: Claim, today: date | None = None) -> list[deadlines.Deadline]:
    return deadlines.deadlines(dates_of(claim), today or timezone.localdate())


def document_effects(claim: Claim, today: date | None = None) -> list[str]:
    """What the claim means for the person's documents (law.md; documents app): a Mexican claim
    is a work-permit basis while it is pending, under appeal or still appealable."""
    effects = []
    recognised = claim.status == workflow.RECOGNISED or (
        claim.status == workflow.APPEAL_DECIDED and claim.appeal_outcome == "overturned")
    if claim.jurisdiction == "MX" and claim.lodged_on and claim.open and not recognised \
            and claim.status != workflow.COMPLEMENTARY_PROTECTION:
        effects.append("work_permit_basis:refugee_application_lodged")
    if recognised:
        effects.append("eligible_for_permanent_documents")
    if claim.status == workflow.COMPLEMENTARY_PROTECTION:
        effects.append("work_permit_basis:humanitarian_status")
    return effects


def possible_dependants(*, actor: audit.Actor, user,
                        registration_number: str) -> list[tuple[str, str]]:
    """The other current members of the applicant's household, to pick dependants from at
    intake (empty while no applicant is chosen)."""
    access.require(user, "claim.write")
    if not registration_number:
        return []
    from acogida.registry import selectors as registry_selectors

    try:
        person = registry_selectors.get_person(actor=actor, user=user,
                                               registration_number=registration_number)
    except NotFound:
        return []
    member = registry_selectors.current_household(person)
    if member is None:
        return []
    return [(m.person.registration_number, f"{m.person.full_name} ({m.get_relationship_display()})")
            for m in member.household.members.select_related("person")
            .filter(left_on__isnull=True).exclude(person=person)]


def claims_as_plan_applications(people, on: date) -> dict:
    """The plan's seam (acogida.plan.facts): a Mexican claim lodged by ``on`` and not withdrawn
    or abandoned by then counts as an application to COMAR, for the principal and each
    dependant."""
    from acogida.plan.eligibility import Application

    from .models import Move

    left = Move.objects.filter(claim=OuterRef("pk"), effective__lte=on,
                               to_status__in=[workflow.WITHDRAWN, workflow.ABANDONED])
    claims = (Claim.objects.filter(jurisdiction="MX", lodged_on__lte=on)
              .exclude(Exists(left)))
    rows = [*claims.filter(principal__in=people).values_list("principal_id", "lodged_on"),
            *claims.filter(dependants__person__in=people)
            .values_list("dependants__person_id", "lodged_on")]
    found: dict[int, list] = {}
    for person_id, lodged_on in rows:
        found.setdefault(person_id, []).append(
            Application("refugee_status", "COMAR", lodged_on, "asylum"))
    return found


def claim_view(user, claim: Claim, today: date | None = None) -> dict:
    """A claim as the claim page and the API show it; the narrative and facts only to those
    who may read them."""
    sees_narrative = access.can(user, "claim.narrative")
    latest = claim.screenings.first()
    return {
        "number": claim.number, "jurisdiction": claim.jurisdiction, "status": claim.status,
        "status_label": Status(claim.status).label,
        "principal": claim.principal.registration_number,
        "principal_name": claim.principal.full_name,
        "dependants": [{"registration_number": d.person.registration_number,
                        "relationship": d.relationship}
                       for d in claim.dependants.select_related("person")],
        "filing_place": claim.filing_place, "entered_on": claim.entered_on,
        "lodged_on": claim.lodged_on, "interview_on": claim.interview_on,
        "decided_on": claim.decided_on, "appeal_lodged_on": claim.appeal_lodged_on,
        "appeal_outcome": claim.appeal_outcome, "late_filing_reason": claim.late_filing_reason,
        "narrative": claim.narrative if sees_narrative else None,
        "facts": claim.facts if sees_narrative else None,
        "deadlines": [{"rule": d.rule, "due": d.due, "status": d.status, "done_on": d.done_on,
                       "citation": d.citation} for d in claim_deadlines(claim, today)],
        "timeline": [{"from_status": m.from_status, "to_status": m.to_status,
                      "effective": m.effective, "at": m.at,
                      "by": m.by.username if m.by else "",
                      "note": m.note if sees_narrative else None}
                     for m in claim.moves.select_related("by")],
        "document_effects": document_effects(claim),
        "latest_screening": ({"as_of": latest.as_of, "at": latest.at,
                              "policies_applied": latest.policies_applied,
                              "result": latest.result if sees_narrative else None}
                             if latest else None),
    }


def stats(*, user, actor: audit.Actor | None = None, today: date | None = None,
          jurisdiction: str | None = None,
          date_from: date | None = None, date_to: date | None = None, state: str = "",
          place: str = "", group: int | None = None) -> dict:
    """Claims by state and jurisdiction, and how many are past a deadline: counts, no names.

    The dates select claims lodged in the range (claims not yet lodged count from their intake);
    state, place and group are the principal applicant's registration point and arrival group.
    """
    access.require(user, "claim.stats")
    today = today or timezone.localdate()
    queryset = Claim.objects.all()
    if jurisdiction:
        queryset = queryset.filter(jurisdiction=jurisdiction)
    # A claim not yet lodged counts from its intake's local day (day_q: bounds on the
    # timestamp, not the day computed row by row); place, state and group are the situation
    # picture's own filters, on the principal applicant.
    filters = Filters(date_from, date_to, state or "", place or "", group)
    queryset = queryset.filter(
        (Q(lodged_on__isnull=False) & day_q(filters, "lodged_on"))
        | (Q(lodged_on__isnull=True) & day_q(filters, "created_at", timestamp=True)),
        person_q(filters, "principal"))
    # one pass over the claims: per jurisdiction and status, how many, how many open ones are
    # past their next deadline and how many fall due within AT_RISK_DAYS
    by, overdue, due_soon = Counter(), Counter(), Counter()
    for row in queryset.order_by().values("jurisdiction", "status").annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=Q(open=True, next_deadline__lt=today)),
            due_soon=Count("pk", filter=Q(open=True, next_deadline__gte=today,
                                          next_deadline__lte=today + timedelta(
                                              days=deadlines.AT_RISK_DAYS)))):
        by[(row["jurisdiction"], row["status"])] = row["n"]
        overdue[row["jurisdiction"]] += row["overdue"]
        due_soon[row["jurisdiction"]] += row["due_soon"]
    if actor is not None:
        audit.record(actor, "stats.claims", "stats", "claims")
    return {
        "total": sum(by.values()),
        "by_status": [{"jurisdiction": j, "status": s, "count": n}
                      for (j, s), n in sorted(by.items())],
        "overdue": {j: n for j, n in sorted(overdue.items()) if n},
        "due_soon": {j: n for j, n in sorted(due_soon.items()) if n},
    }

