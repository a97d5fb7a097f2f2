"""The dashboard's health and schooling panels read the dashboard's filters."""

from datetime import date, timedelta

import pytest
from django.utils import translation

from acogida import testing
from acogida.health.tests import factories as health
from acogida.reporting import dashboard
from acogida.reporting.filters import Filters
from acogida.schooling.tests.factories import child, enrol, make_school

pytestmark = pytest.mark.django_db


@translation.override("en")
def test_health_and_schooling_panels_follow_the_filters():
    doctor = health.medic()
    tij = testing.make_point("TIJ", "Tijuana", "Baja California", "Tijuana")
    primaria = make_school(seats={3: 20})
    for i in range(5):
        person = health.patient(given_names=f"Ana {i}", point=tij)
        health.encounter(doctor, person, date=date(2018, 11, 10), reason="injury")
        enrol(child(given_names=f"Niño {i}", point=tij), primaria)
    coordinator = testing.make_user("coordinator")
    everything = dashboard._other(coordinator, Filters(date_from=date(2018, 11, 1),
                                                       date_to=date(2018, 11, 30)))
    rows = next(p for p in everything if p.key == "health").rows
    assert ["Encounters per day", "date: 2018-11-10, count: 5"] in rows
    chiapas = dashboard._other(coordinator, Filters(state="Chiapas", date_from=date(2018, 11, 1),
                                                    date_to=date(2018, 11, 30)))
    rows = next(p for p in chiapas if p.key == "health").rows
    assert not [r for r in rows if r[0] == "Encounters per day"]
    schooling = next(p for p in chiapas if p.key == "schooling").rows
    assert ["Levels", "level: primaria, seats: 20, enrolled: 0, attending: 0, waitlisted: 0, "
            "left: 0"] in schooling


def test_the_dashboard_page_passes_its_filters_to_the_panels(client):
    client.force_login(testing.make_user("coordinator"))
    assert client.get("/dashboard/", {"state": "Chiapas", "date_from": "2018-11-01"}
                      ).status_code == 200
    bad = client.get("/dashboard/", {"group": "²"})
    assert bad.status_code == 422


@pytest.mark.parametrize("local", [
    "2018-11-14 23:59:59", "2018-11-15 00:00:00", "2018-11-15 00:14:59", "2018-11-15 05:59:00",
    "2018-11-15 18:00:00", "2018-04-01 01:59:00", "2018-04-01 03:00:00",  # DST starts (-6 → -5)
    "2018-10-28 00:30:00", "2018-10-28 01:30:00", "2018-10-28 23:45:00",  # DST ends
])
def test_registrations_per_local_day_whatever_the_database(local):
    from datetime import datetime

    from django.utils import timezone

    from acogida.registry.models import Person
    from acogida.reporting import selectors

    person = testing.make_person()
    moment = timezone.make_aware(datetime.fromisoformat(local))
    Person.objects.filter(pk=person.pk).update(registered_at=moment)
    rows = selectors.registrations(user=testing.make_user("coordinator"),
                                   filters=Filters())["rows"]
    assert [(r["date"], r["place_code"], r["count"]) for r in rows] == [
        (timezone.localdate(moment), "TAP", "<5")]
    # the date filters take the same local day
    day = timezone.localdate(moment)
    assert selectors.registrations(user=testing.make_user("coordinator"), filters=Filters(
        date_from=day, date_to=day))["total"] == "<5"
    assert selectors.registrations(user=testing.make_user("coordinator"), filters=Filters(
        date_to=day - timedelta(days=1)))["total"] == 0
