"""The demo's schools: near every shelter, seats fewer than children so that waiting lists
appear, children of two shelters enrolled through confirmed bulk proposals."""

import pytest

from acogida.accounts.models import AuditEntry
from acogida.schooling import demo
from acogida.schooling.models import BulkProposal, Enrolment, School
from acogida.shelter.demo import ROUTE, seed_shelters
from acogida.testing import SYSTEM

from .factories import TODAY, family

pytestmark = pytest.mark.django_db


def test_seed_schools_enrols_two_shelters_through_bulk_proposals_with_waitlists():
    for index in range(12):
        family(f"Familia{index}", 4, 8, 8, 13, 16)
    seed_shelters(SYSTEM, people=300, time_limit_s=2)
    figures = demo.seed_schools(SYSTEM, today=TODAY)
    assert figures["schools"] == School.objects.count() == len(ROUTE) * len(demo.SCHOOLS)
    assert 1 <= len(figures["shelters"]) <= 2
    assert figures["enrolled"] > 0 and figures["waitlisted"] > 0
    assert BulkProposal.objects.filter(status="confirmed").count() == len(figures["shelters"])
    assert Enrolment.objects.filter(status="attending").count() == figures["attending"] > 0
    assert AuditEntry.objects.filter(action="school.proposal.confirm").exists()
    again = demo.seed_schools(SYSTEM, today=TODAY)  # seeded once
    assert again["note"] == "already seeded" and School.objects.count() == figures["schools"]
