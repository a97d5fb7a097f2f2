from datetime import date

import pytest

from acogida import testing
from acogida.reporting import selectors


@pytest.fixture
def caravan(db):
    testing.make_household()
    testing.make_household(members=[{"relationship": "head", "person": testing.person_values(
        given_names="Wilmer", first_surname="Zelaya", sex="male", nationality="SLV",
        date_of_birth="1960-01-01")}])
    testing.make_person(given_names="Kenia", first_surname="Flores", nationality="GTM",
                        date_of_birth="2010-06-01")


def test_summary_counts(caravan):
    figures = selectors.summary(actor=testing.SYSTEM, user=testing.make_user("coordinator"),
                                today=date(2018, 11, 1))
    assert figures["total"] == 7
    # counts of 1 to 4 people are "<5" (small-cell suppression); five and more are exact
    assert figures["sex"] == {"female": "<5", "male": "<5"}
    assert figures["nationality"] == {"HND": 5, "GTM": "<5", "SLV": "<5"}
    assert figures["household_size"] == {"1": "<5", "5": "<5"}
    assert all(n == 0 or n == "<5" for n in figures["age_band"].values())


def test_summary_counts_of_five_and_more_are_exact(caravan):
    for i in range(4):
        testing.make_person(given_names=f"Wendy {i}", first_surname="Zelaya", sex="male",
                            nationality="SLV", date_of_birth="1950-01-01")
    figures = selectors.summary(actor=testing.SYSTEM, user=testing.make_user("admin"))
    assert figures["total"] == 11
    assert figures["nationality"] == {"HND": 5, "SLV": 5, "GTM": "<5"}
    assert figures["age_band"]["60+"] == 5
    assert figures["household_size"] == {"1": "<5", "5": "<5"}


def test_summary_api_has_no_names(caravan):
    coordinator = testing.api_client(testing.make_user("coordinator"))
    response = coordinator.get("/api/v1/stats/summary")
    assert response.status_code == 200
    text = response.content.decode()
    for name in ["Hernández", "Zelaya", "Kenia", "registration_number"]:
        assert name not in text
    assert response.json()["total"] == 7
    assert coordinator.get("/api/v1/people", {"q": "zelaya"}).status_code == 403


def test_band_edges():
    today = date(2020, 6, 15)
    born_after, born_by = selectors._birth_range(today, 5, 11)
    assert born_by == date(2015, 6, 15)  # fifth birthday today: 5
    assert born_after == date(2008, 6, 15)  # twelfth birthday today: no longer 5-11
