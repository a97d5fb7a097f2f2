"""The demo's plan: applications, offers at the plan's places, a realistic uptake, through the
services (audited), deterministic for a seed."""

import pytest

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.demo.management.commands.demo import caravan_csv, ensure_reference_data
from acogida.plan import demo, stats
from acogida.plan.models import Offer, PetEnrolment, PlanApplication
from acogida.registry import imports
from acogida.shelter.demo import seed_shelters

pytestmark = pytest.mark.django_db


def _caravan(people: int = 900, seed: int = 7) -> None:
    ensure_reference_data()
    imports.import_people(actor=testing.SYSTEM, user=testing.make_user("registration"),
                          data=caravan_csv(people, seed), filename="demo.csv", dry_run=False)
    seed_shelters(testing.SYSTEM, people=people, time_limit_s=2)


def test_the_demo_plan_has_a_realistic_uptake_and_runs_again_as_a_no_op():
    _caravan()
    seeded = demo.seed_plan(testing.SYSTEM, seed=3)
    assert seeded["applications"] == PlanApplication.objects.count() > 0
    assert seeded["offered"] > 0
    figures = stats.figures(user=testing.make_user("coordinator"))
    offered = figures["totals"]["offered"]
    assert offered == seeded["offered"]
    decided = figures["totals"]
    assert decided["declined"] + decided["moved_on"] > offered / 2  # most said no or left
    assert 0 < decided["accepted"] <= 0.2 * offered  # a minority accepted
    assert AuditEntry.objects.filter(action="plan.offer.make").count() == offered
    assert PetEnrolment.objects.count() == seeded["pet"]
    before = Offer.objects.count()
    assert demo.seed_plan(testing.SYSTEM, seed=3)["already"] is True
    assert Offer.objects.count() == before
