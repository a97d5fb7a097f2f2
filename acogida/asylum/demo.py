"""Asylum claims for the demo caravan (shared/domain/caravan-2018.md): about a quarter of the
households registered in Chiapas or Oaxaca lodge a claim with COMAR (1,699–1,743 applications
for about 7,000 people in October 2018), a smaller share of those who reached Tijuana file in the
United States. Mexican files are taken through the workflow to a realistic spread of outcomes;
some are left waiting past COMAR's 45 working days, as its backlog did, so the worklist shows
overdue files. Each claim carries interview facts from a few typical accounts, so screening works.

The claims are written in bulk for speed, but every step is checked by the same workflow
(``workflow.allowed``) and every deadline computed by the same function as a case officer's.
"""

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from acogida.accounts import audit
from acogida.core import ids
from acogida.registry.models import HouseholdMember

from . import services, workflow
from .models import Claim, Dependant, Move
from .screening.facts import EXCLUSION_FLAGS

NO = dict.fromkeys(EXCLUSION_FLAGS, False)
# (kind, actor, grounds, narrative): typical accounts of the 2018 caravan
ACCOUNTS = [
    ("gang_recruitment_refusal", "non_state", ["political_opinion"],
     "La pandilla quiso reclutar a mi hijo; al negarnos nos amenazaron de muerte."),
    ("extortion", "non_state", [],
     "Cobraban renta a nuestro negocio; cuando no pudimos pagar quemaron el local."),
    ("domestic_violence", "non_state", ["gender", "particular_social_group"],
     "Mi pareja me golpeaba; denuncié y la policía no hizo nada."),
    ("threats_to_family", "non_state", ["particular_social_group"],
     "Mataron a mi hermano y después amenazaron a toda la familia."),
    ("political_persecution", "state", ["political_opinion"],
     "Participé en protestas tras las elecciones y la policía militar me detuvo y golpeó."),
    ("generalized_violence", "non_state", [],
     "En la colonia hay balaceras a diario; no podíamos salir de casa."),
    ("poverty", "non_state", [], "No había trabajo y no alcanzaba para comer."),
]
CROSSED_INTO_MEXICO = date(2018, 10, 19)
# outcome of a Mexican file, with its weight (the demo's assumption, not a statistic)
MX_OUTCOMES = [("recognised", 30), ("complementary_protection", 12), ("rejected", 14),
               ("appeal", 5), ("abandoned", 22), ("withdrawn", 5), ("pending", 12)]


def _working_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _facts(rng: random.Random, entered: date, us_entry: date | None) -> tuple[dict, str]:
    kind, actor, grounds, narrative = rng.choice(ACCOUNTS)
    entries = [{"country": "MEX", "date": entered.isoformat(), "manner": "port_of_entry"}]
    if us_entry:
        entries.append({"country": "USA", "date": us_entry.isoformat(),
                        "manner": rng.choice(["port_of_entry", "between_ports"])})
    harm = {"kind": kind, "actor": actor, "grounds": grounds, "past": rng.random() < 0.7,
            "feared": True, "state_protection_available": False,
            "internal_relocation_reasonable": rng.random() < 0.2, "torture_risk": False}
    return {"journey": {"entries": entries, "protection_sought": []}, "harms": [harm],
            "exclusion": dict(NO)}, narrative


def _path(outcome: str) -> list[str]:
    base = [workflow.LODGED, workflow.INTERVIEW_SCHEDULED, workflow.INTERVIEWED,
            workflow.DECISION_PENDING]
    return {"recognised": [*base, workflow.RECOGNISED],
            "complementary_protection": [*base, workflow.COMPLEMENTARY_PROTECTION],
            "rejected": [*base, workflow.REJECTED],
            "appeal": [*base, workflow.REJECTED, workflow.APPEAL_LODGED,
                       workflow.APPEAL_DECIDED],
            "abandoned": [workflow.LODGED, workflow.ABANDONED],
            "withdrawn": [workflow.LODGED, workflow.WITHDRAWN],
            "pending": [workflow.LODGED, workflow.INTERVIEW_SCHEDULED, workflow.INTERVIEWED,
                        workflow.DECISION_PENDING]}[outcome]


def _walk(claim: Claim, steps: list[str], start: date, rng: random.Random) -> list[Move]:
    """Take the claim along ``steps``, each later than the one before, by the workflow's rules."""
    moves, day, now = [], start, timezone.now()
    for step in steps:
        if not workflow.allowed(claim.status, step):
            raise ValueError(f"demo path breaks the workflow: {claim.status} → {step}")
        if step == workflow.INTERVIEW_SCHEDULED:
            claim.interview_on = _working_day(day + timedelta(days=rng.randint(10, 30)))
        elif step == workflow.INTERVIEWED:
            day = claim.interview_on
        elif step == workflow.LODGED:
            claim.lodged_on = day
        elif step in workflow.DECISIONS:
            day = _working_day(day + timedelta(days=rng.randint(20, 70)))
            claim.decided_on = day
        elif step == workflow.APPEAL_LODGED:
            day = _working_day(day + timedelta(days=rng.randint(3, 14)))
            claim.appeal_lodged_on = day
        elif step == workflow.APPEAL_DECIDED:
            day = _working_day(day + timedelta(days=rng.randint(40, 90)))
            claim.appeal_outcome = rng.choice(workflow.APPEAL_OUTCOMES)
        else:
            day = _working_day(day + timedelta(days=rng.randint(1, 5)))
        moves.append(Move(claim=claim, from_status=claim.status, to_status=step, effective=day,
                          at=now))
        claim.status = step
    return moves


def _households(state_in: tuple[str, ...], share: float, rng: random.Random):
    heads = (HouseholdMember.objects.filter(relationship="head", left_on__isnull=True,
                                            person__registration_point__state__in=state_in)
             .select_related("person", "person__registration_point").order_by("household_id"))
    return [h for h in heads if rng.random() < share]


@transaction.atomic
def seed_claims(actor: audit.Actor, *, seed: int = 2018) -> dict:
    if Claim.objects.exists():
        return {"claims": Claim.objects.count(), "method": "already seeded"}
    rng, now = random.Random(seed), timezone.now()
    claims, moves, dependants, events = [], [], [], []
    members = {}
    for m in HouseholdMember.objects.filter(left_on__isnull=True).exclude(relationship="head"):
        members.setdefault(m.household_id, []).append(m)
    plan_area = _households(("Chiapas", "Oaxaca"), 0.25, rng)
    border = _households(("Baja California",), 0.12, rng)
    for head, jurisdiction in [(h, "MX") for h in plan_area] + [(h, "US") for h in border]:
        person = head.person
        # the demo registers people today; the claims follow the 2018 caravan's dates
        if jurisdiction == "MX":
            entered = CROSSED_INTO_MEXICO
            opened = _working_day(entered + timedelta(days=rng.randint(3, 17)))
        else:
            entered = date(2018, 11, 14) + timedelta(days=rng.randint(0, 25))
            opened = entered + timedelta(days=rng.randint(1, 10))
        facts, narrative = _facts(rng, CROSSED_INTO_MEXICO,
                                  entered if jurisdiction == "US" else None)
        claim = Claim(number=ids.new_number(), principal=person, jurisdiction=jurisdiction,
                      status=workflow.INTAKE, entered_on=entered,
                      filing_place=person.registration_point.municipality, narrative=narrative,
                      facts=facts, created_at=now, updated_at=now)
        moves.append(Move(claim=claim, from_status="", to_status=workflow.INTAKE,
                          effective=opened, at=now))
        if jurisdiction == "MX":
            outcome = rng.choices([o for o, _w in MX_OUTCOMES], [w for _o, w in MX_OUTCOMES])[0]
            moves += _walk(claim, _path(outcome), opened, rng)
        else:
            lodged = opened + timedelta(days=rng.randint(20, 400))
            moves += _walk(claim, [workflow.LODGED], lodged, rng)
        services.refresh_claim_deadline(claim)
        claims.append(claim)
        dependants += [Dependant(claim=claim, person_id=m.person_id,
                                 relationship=m.relationship)
                       for m in members.get(head.household_id, [])]
        events.append(audit.Event("claim.open", "claim", claim.number, {
            "jurisdiction": jurisdiction, "status": claim.status, "seeded": True},
            person.registration_number))
    Claim.objects.bulk_create(claims, batch_size=500)
    Move.objects.bulk_create(moves, batch_size=2000)
    Dependant.objects.bulk_create(dependants, batch_size=2000)
    audit.record_many(actor, events)
    return {"claims": len(claims), "mx": sum(c.jurisdiction == "MX" for c in claims),
            "us": sum(c.jurisdiction == "US" for c in claims),
            "open": sum(c.open for c in claims)}
