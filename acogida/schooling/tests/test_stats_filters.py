"""``GET /stats/schooling`` with the situation picture's filters: enrolments requested from
``date_from`` to ``date_to``, of children registered at the registration point (``state``,
``place``) or in the arrival group (``group``). Children 1–4 stay "<5"; seats and schools
stay whole; a bad filter is a 422 naming the field."""

from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from acogida import testing
from acogida.registry.models import Person
from acogida.reporting.filters import Filters
from acogida.schooling import selectors
from acogida.schooling.models import Enrolment

from .factories import child, enrol, make_school

pytestmark = pytest.mark.django_db


def _at(day: date):
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=23))


@pytest.fixture
def schooling():
    """Primaria with 20 seats: six children from Tapachula (Chiapas) asked on 1 November, five
    from Tijuana (Baja California, in an arrival group) on 12 November (late at night)."""
    primaria = make_school(seats={3: 20})
    tap = testing.make_point()
    tij = testing.make_point("TIJ", "Tijuana", "Baja California", "Tijuana")
    group = testing.make_group()
    south = [child(given_names=f"Niño {i}", point=tap) for i in range(6)]
    north = [child(given_names=f"Niña {i}", point=tij) for i in range(5)]
    for person in south + north:
        enrol(person, primaria)
    Person.objects.filter(pk__in=[p.pk for p in north]).update(arrival_group=group)
    Enrolment.objects.filter(person__in=south).update(requested_at=_at(date(2018, 11, 1)))
    Enrolment.objects.filter(person__in=north).update(requested_at=_at(date(2018, 11, 12)))
    return {"group": group}


def _levels(user=None, **filters) -> dict:
    found = selectors.stats(user=user or testing.make_user("coordinator"),
                            filters=Filters(**filters))
    return {row["level"]: row for row in found["levels"]}


def test_without_filters_everything(schooling):
    primaria = _levels()["primaria"]
    assert primaria["enrolled"] == 11 and primaria["seats"] == 20


def test_the_request_date_bounds_the_enrolments(schooling):
    assert _levels(date_to=date(2018, 11, 5))["primaria"]["enrolled"] == 6
    # the local day of the request: 23:00 on 12 November is the 12th
    assert _levels(date_from=date(2018, 11, 12), date_to=date(2018, 11, 12))[
        "primaria"]["enrolled"] == 5
    assert _levels(date_from=date(2018, 11, 2), date_to=date(2018, 11, 11))[
        "primaria"]["enrolled"] == 0


def test_registration_point_and_group_select_the_children(schooling):
    assert _levels(state="CHIAPAS")["primaria"]["enrolled"] == 6
    assert _levels(place="tij")["primaria"]["enrolled"] == 5
    assert _levels(group=schooling["group"].pk)["primaria"]["enrolled"] == 5
    Enrolment.objects.filter(person__arrival_group=schooling["group"]).update(status="left")
    tij = _levels(place="TIJ")["primaria"]
    assert (tij["enrolled"], tij["left"]) == (0, 5)
    Enrolment.objects.filter(person__arrival_group=schooling["group"]).exclude(
        pk=Enrolment.objects.filter(person__arrival_group=schooling["group"]).first().pk
    ).update(status="attending")
    tij = _levels(place="TIJ")["primaria"]  # four attending, one left: all small
    assert (tij["enrolled"], tij["attending"], tij["left"]) == ("<5", "<5", "<5")
    assert _levels(state="Chiapas")["primaria"]["enrolled"] == 6


def test_small_counts_stay_suppressed_and_seats_whole(schooling):
    primaria = _levels(place="TIJ", date_from=date(2018, 11, 12))["primaria"]
    assert primaria["enrolled"] == 5 and primaria["seats"] == 20
    Enrolment.objects.filter(person__registration_point__code="TIJ").exclude(
        pk=Enrolment.objects.filter(person__registration_point__code="TIJ").first().pk
    ).update(status="waitlisted")
    primaria = _levels(place="TIJ")["primaria"]
    assert (primaria["enrolled"], primaria["waitlisted"]) == ("<5", "<5")


def test_a_filter_matching_nothing_gives_zeros(schooling):
    found = selectors.stats(user=testing.make_user("coordinator"),
                            filters=Filters(place="Nowhere", group=999_999))
    assert all(row[k] == 0 for row in found["levels"]
               for k in ("enrolled", "attending", "waitlisted", "left"))
    assert found["schools"] == 1


def test_one_aggregate_query_whatever_the_number_of_children(schooling):
    coordinator = testing.make_user("coordinator")
    with CaptureQueriesContext(connection) as queries:
        _levels(coordinator, state="Chiapas", date_from=date(2018, 11, 1))
    assert len(queries) <= 4  # counts, seats, schools (and the role check)


def test_the_endpoint_takes_the_filters(schooling):
    client = testing.api_client(testing.make_user("coordinator"))
    body = client.get("/api/v1/stats/schooling", {"date_from": "2018-11-01",
                                                   "date_to": "2018-11-30",
                                                   "group": schooling["group"].pk}).json()
    assert {r["level"]: r for r in body["levels"]}["primaria"]["enrolled"] == 5
    assert body["filters"]["group"] == schooling["group"].pk
    empty = client.get("/api/v1/stats/schooling", {"state": "Nowhere"})
    assert empty.status_code == 200
    assert {r["level"]: r for r in empty.json()["levels"]}["primaria"]["enrolled"] == 0


@pytest.mark.parametrize(("params", "field"), [
    ({"date_from": "2018-02-30"}, "date_from"),
    ({"date_to": "1999-12-31"}, "date_to"),
    ({"date_from": "2018-11-10", "date_to": "2018-11-01"}, "date_to"),
    ({"group": "²"}, "group"),
    ({"state": "x" * 201}, "state"),
])
def test_a_bad_filter_is_a_422_naming_the_field(db, params, field):
    response = testing.api_client(testing.make_user("coordinator")).get(
        "/api/v1/stats/schooling", params)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_access_is_unchanged(db):
    for role, status in (("coordinator", 200), ("registration", 403)):
        response = testing.api_client(testing.make_user(role)).get(
            "/api/v1/stats/schooling", {"state": "Chiapas"})
        assert response.status_code == status, role
