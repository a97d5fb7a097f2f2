"""The demo's health records (``seed_health``) and the bulk path it uses (``record_many``)."""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from acogida.health import selectors, services
from acogida.health.demo import seed_health
from acogida.health.models import Encounter, Referral, Vaccination
from acogida.registry import imports
from acogida.registry.models import Person
from acogida.reporting.suppression import suppress

from . import factories as f

pytestmark = pytest.mark.django_db


def _caravan(people: int) -> None:
    from acogida.demo.management.commands.demo import caravan_csv, ensure_reference_data

    ensure_reference_data()
    imports.import_people(actor=testing.SYSTEM, user=testing.make_user("registration"),
                          data=caravan_csv(people, 2018), filename="demo.csv", dry_run=False)


def test_seed_health_gives_a_doctor_a_realistic_day():
    _caravan(1200)
    counts = seed_health(testing.SYSTEM, seed=7)
    people = Person.objects.count()
    assert counts["encounters"] == Encounter.objects.count()
    assert 0.10 * people <= counts["people_seen"] <= 0.25 * people
    assert Encounter.objects.filter(pregnancy_follow_up=True).exists()
    assert counts["vaccinations"] == Vaccination.objects.count() > 0
    # young children: some complete, some with a dose due, some overdue
    today = timezone.localdate()
    young = Person.objects.filter(date_of_birth__gt=today - timedelta(days=6 * 365))
    states = Counter()
    for child in young.prefetch_related("vaccinations"):
        for dose in selectors.child_schedule(child, child.vaccinations.all(), today):
            states[dose.status] += 1
    assert states["done"] and states["overdue"] and states["due"], states
    open_urgent = Referral.objects.filter(status__in=["sent", "accepted"],
                                          urgency__in=["emergency", "urgent"]).count()
    assert open_urgent == counts["open_urgent_referrals"] >= 1
    # encrypted at rest like any other record, and audited one entry per record
    with connection.cursor() as cursor:
        cursor.execute("SELECT diagnoses, notes FROM health_encounter LIMIT 1")
        assert all(value.startswith("v1:") for value in cursor.fetchone() if value)
    assert AuditEntry.objects.filter(action="health.encounter.create").count() == \
        counts["encounters"]
    # the stats page has something to show
    stats = selectors.health_stats(user=testing.make_user("coordinator"))
    assert stats["children_under_5_overdue_vaccinations"] not in (0, None)
    assert stats["open_urgent_referrals"] == suppress(open_urgent)
    # a second run adds nothing
    again = seed_health(testing.SYSTEM, seed=7)
    assert again["encounters"] == 0 and Encounter.objects.count() == counts["encounters"]


def test_seed_health_is_deterministic():
    _caravan(300)
    first = seed_health(testing.SYSTEM, seed=3)
    rows = sorted(Encounter.objects.values_list("person__registration_number", "reason",
                                                "triage", "date"))
    Referral.objects.all().delete()
    Encounter.objects.all().delete()
    Vaccination.objects.all().delete()
    assert seed_health(testing.SYSTEM, seed=3) == first
    assert sorted(Encounter.objects.values_list("person__registration_number", "reason",
                                                "triage", "date")) == rows


def test_record_many_keeps_the_rules_and_names_the_row():
    medic = f.medic()
    baby = f.child(date.today() - timedelta(days=100))
    good = {"registration_number": baby.registration_number, "vaccine": "BCG", "dose": 1,
            "date": baby.date_of_birth}
    with pytest.raises(InvalidInput) as refused:
        services.record_many(actor=testing.SYSTEM, user=medic, vaccinations=[
            good, {**good, "vaccine": "HEPB", "date": baby.date_of_birth - timedelta(days=1)}])
    assert refused.value.errors[0].row == 1 and refused.value.errors[0].field == "date"
    with pytest.raises(NotFound):
        services.record_many(actor=testing.SYSTEM, user=medic,
                             encounters=[{"registration_number": "NOPE", "date": None,
                                          "facility_kind": "mobile_clinic", "reason": "skin",
                                          "triage": "routine"}])
    assert not Vaccination.objects.exists() and not Encounter.objects.exists()
    with pytest.raises(Conflict):  # the same dose twice in one batch
        services.record_many(actor=testing.SYSTEM, user=medic, vaccinations=[good, good])
    with pytest.raises(Forbidden):
        services.record_many(actor=testing.SYSTEM, user=testing.make_user("admin"),
                             vaccinations=[good])
