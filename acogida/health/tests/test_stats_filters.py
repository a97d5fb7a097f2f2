"""``GET /stats/health`` with the situation picture's filters: dates bound the encounters,
doses given and urgent referrals; state, place and group select people by their registration
point and arrival group. Counts stay suppressed; a bad filter is a 422 naming the field."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from acogida import testing
from acogida.health import selectors
from acogida.health.models import Encounter, Referral, Vaccination
from acogida.registry.models import Person
from acogida.reporting.filters import Filters

from . import factories as f

pytestmark = pytest.mark.django_db
DAY = date(2018, 11, 10)


@pytest.fixture
def clinic():
    """Six people at Tapachula (Chiapas), two in an arrival group at Tijuana (Baja
    California); an encounter each on DAY, two more on DAY - 20 at Tapachula."""
    doctor = f.medic()
    tap = testing.make_point()
    tij = testing.make_point("TIJ", "Tijuana", "Baja California", "Tijuana")
    group = testing.make_group()
    south = [f.patient(given_names=f"Ana {i}", point=tap) for i in range(6)]
    north = [f.patient(given_names=f"Rosa {i}", point=tij) for i in range(2)]
    Person.objects.filter(pk__in=[p.pk for p in north]).update(arrival_group=group)
    for person in south + north:
        f.encounter(doctor, person, date=DAY, reason="respiratory")
    for person in south[:2]:
        f.encounter(doctor, person, date=DAY - timedelta(days=20), reason="injury")
    f.vaccination(doctor, north[0], vaccine="TD", dose=1, day=DAY)
    f.referral(doctor, north[1], urgency="urgent")
    Referral.objects.update(created_at=timezone.make_aware(
        timezone.datetime(2018, 11, 10, 12)))
    return {"doctor": doctor, "group": group, "south": south, "north": north}


def _stats(user=None, **filters):
    return selectors.health_stats(user=user or testing.make_user("coordinator"), today=DAY,
                                  filters=Filters(**filters))


def test_without_filters_the_last_30_days_of_everyone(clinic):
    stats = _stats()
    assert (stats["since"], stats["until"]) == (DAY - timedelta(days=29), DAY)
    assert stats["encounters_by_reason"] == {"injury": "<5", "respiratory": 8}
    assert stats["open_urgent_referrals"] == "<5"
    assert stats["vaccinations_given"] == "<5"


def test_the_date_range_bounds_the_encounters(clinic):
    stats = _stats(date_from=DAY - timedelta(days=25), date_to=DAY - timedelta(days=5))
    assert (stats["since"], stats["until"]) == (DAY - timedelta(days=25),
                                                DAY - timedelta(days=5))
    assert stats["encounters_by_reason"] == {"injury": "<5"}
    assert stats["encounters_per_day"] == [{"date": DAY - timedelta(days=20), "count": "<5"}]
    # the referral and the dose were made on DAY: outside the range
    assert stats["open_urgent_referrals"] == 0
    assert stats["vaccinations_given"] == 0


def test_state_place_and_group_select_people_by_registration_point(clinic):
    chiapas = _stats(state="chiapas")  # any case
    assert chiapas["encounters_by_reason"] == {"injury": "<5", "respiratory": 6}
    assert chiapas["open_urgent_referrals"] == 0
    assert chiapas["vaccinations_given"] == 0
    for filters in ({"place": "TIJ"}, {"place": "tijua"}, {"group": clinic["group"].pk}):
        north = _stats(**filters)
        assert north["encounters_by_reason"] == {"respiratory": "<5"}, filters
        assert north["open_urgent_referrals"] == "<5"
        assert north["vaccinations_given"] == "<5"


def test_overdue_children_and_pregnancies_follow_the_filters(clinic):
    doctor = clinic["doctor"]
    tij = testing.make_point("TIJ")
    for i in range(5):  # five babies at Tijuana, none vaccinated: overdue by DAY
        f.child(date(2018, 1, 1), given_names=f"Bebé {i}", point=tij)
    assert _stats()["children_under_5_overdue_vaccinations"] == 5
    assert _stats(place="TIJ")["children_under_5_overdue_vaccinations"] == 5
    assert _stats(state="Chiapas")["children_under_5_overdue_vaccinations"] == 0
    # as of the end of the range: the day after birth nothing is overdue yet
    assert _stats(date_to=date(2018, 1, 2))["children_under_5_overdue_vaccinations"] == 0
    f.encounter(doctor, clinic["north"][0], date=DAY, reason="pregnancy_follow_up",
                pregnancy_follow_up=True)
    assert _stats(group=clinic["group"].pk)["pregnant_women_in_follow_up"] == "<5"
    assert _stats(state="Chiapas")["pregnant_women_in_follow_up"] == 0
    assert _stats(date_to=DAY - timedelta(days=1))["pregnant_women_in_follow_up"] == 0


def test_a_filter_matching_nothing_gives_zeros(clinic):
    stats = _stats(place="Nowhere at all", date_from=date(2001, 1, 1),
                   date_to=date(2001, 1, 31))
    assert stats["encounters_by_day"] == [] and stats["encounters_by_reason"] == {}
    assert all(stats[k] == 0 for k in ("children_under_5_overdue_vaccinations",
                                       "pregnant_women_in_follow_up", "open_urgent_referrals",
                                       "vaccinations_given"))


def test_counts_are_aggregates_a_few_queries_whatever_the_size(clinic):
    for i in range(10):
        f.encounter(clinic["doctor"], clinic["south"][i % 6], date=DAY - timedelta(days=i))
    coordinator = testing.make_user("coordinator")
    with CaptureQueriesContext(connection) as few:
        _stats(coordinator, state="Chiapas", date_from=DAY - timedelta(days=29), date_to=DAY)
    assert len(few) <= 6
    Encounter.objects.update(date=DAY)  # more rows, same queries
    Vaccination.objects.update(date=DAY)
    with CaptureQueriesContext(connection) as again:
        _stats(coordinator, state="Chiapas", date_from=DAY - timedelta(days=29), date_to=DAY)
    assert len(again) == len(few)


def test_the_endpoint_takes_the_filters(clinic):
    client = testing.api_client(testing.make_user("coordinator"))
    body = client.get("/api/v1/stats/health", {"date_from": "2018-11-01",
                                                "date_to": "2018-11-10",
                                                "group": clinic["group"].pk}).json()
    assert body["encounters_by_reason"] == {"respiratory": "<5"}
    assert body["filters"]["group"] == clinic["group"].pk
    assert (body["since"], body["until"]) == ("2018-11-01", "2018-11-10")
    empty = client.get("/api/v1/stats/health", {"state": "Nowhere"})
    assert empty.status_code == 200
    assert empty.json()["encounters_by_reason"] == {}


@pytest.mark.parametrize(("params", "field"), [
    ({"date_from": "2018-13-01"}, "date_from"),
    ({"date_to": "1999-12-31"}, "date_to"),
    ({"date_from": "2018-11-10", "date_to": "2018-11-01"}, "date_to"),
    ({"group": "²"}, "group"),
    ({"group": "-3"}, "group"),
    ({"place": "x" * 201}, "place"),
])
def test_a_bad_filter_is_a_422_naming_the_field(db, params, field):
    response = testing.api_client(testing.make_user("coordinator")).get(
        "/api/v1/stats/health", params)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_access_is_unchanged(db):
    for role, status in (("coordinator", 200), ("registration", 403), ("shelter", 403)):
        response = testing.api_client(testing.make_user(role)).get(
            "/api/v1/stats/health", {"state": "Chiapas"})
        assert response.status_code == status, role
    # a refused role gets its 403 even with a bad filter: access first
    assert testing.api_client(testing.make_user("registration")).get(
        "/api/v1/stats/health", {"group": "x"}).status_code == 403
