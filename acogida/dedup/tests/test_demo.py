"""The demo run finds the synthetic caravan's deliberate near-duplicates."""

import pytest

from acogida import testing
from acogida.dedup.demo import seed_dedup
from acogida.dedup.models import CandidatePair
from acogida.registry.models import Person
from acogida.registry.synthetic import DUPLICATE_RATE, caravan_rows

from .factories import caravan

pytestmark = pytest.mark.django_db


def test_the_demo_run_queues_the_deliberate_near_duplicates():
    people, seed = 1500, 5
    caravan(people, seed=seed)
    seeded = seed_dedup(testing.SYSTEM)
    assert seeded["people"] == people, seeded
    # the generator writes the near-duplicates last, each registered on their own
    rows = list(caravan_rows(people, seed))[-int(people * DUPLICATE_RATE):]
    numbers = set()
    for row in rows:
        numbers |= set(Person.objects.filter(
            given_names=row["given_names"], first_surname=row["first_surname"],
            second_surname=row["second_surname"], memberships__isnull=True,
        ).values_list("registration_number", flat=True))
    queued = set(CandidatePair.objects.values_list("left_number", flat=True)) | set(
        CandidatePair.objects.values_list("right_number", flat=True))
    found = len(numbers & queued)
    assert found >= 0.8 * len(numbers), (found, len(numbers))
