from datetime import date

import pytest
from django.utils import translation

from acogida.registry.validation import check_household, clean_person, parse_date

TODAY = date(2018, 10, 26)


def valid(**overrides) -> dict:
    values = {"given_names": "Dayana", "first_surname": "Mejía", "sex": "F",
              "date_of_birth": "2012-01-05", "nationality": "hnd"}
    values.update(overrides)
    return values


def fields(result) -> set[str]:
    return {e.field for e in result.errors}


def test_clean_values():
    result = clean_person(valid(languages="es; cab", specific_needs="sc;cr"), today=TODAY)
    assert result.errors == []
    assert result.values["sex"] == "female" and result.values["nationality"] == "HND"
    assert result.values["languages"] == ["es", "cab"]
    assert result.values["specific_needs"] == ["CR", "SC"]


def test_age_gives_an_estimated_date():
    result = clean_person(valid(date_of_birth="", age="7"), today=TODAY)
    assert result.values["date_of_birth"] == date(2011, 1, 1)
    assert result.values["date_of_birth_estimated"] is True


@pytest.mark.parametrize(("override", "field"), [
    ({"date_of_birth": "2018-10-27"}, "date_of_birth"),
    ({"date_of_birth": "1890-01-01"}, "date_of_birth"),
    ({"date_of_birth": "31/02/2001"}, "date_of_birth"),
    ({"date_of_birth": "", "age": ""}, "date_of_birth"),
    ({"date_of_birth": "", "age": "-3"}, "age"),
    ({"date_of_birth": "", "age": "siete"}, "age"),
    ({"nationality": "ZZZ"}, "nationality"),
    ({"sex": ""}, "sex"),
    ({"given_names": ""}, "given_names"),
    ({"given_names": "1234"}, "given_names"),
    ({"first_surname": "x" * 201}, "first_surname"),
    ({"first_surname": "Ló\tpez"}, "first_surname"),
    ({"languages": "spanish"}, "languages"),
    ({"phone": "call me"}, "phone"),
    ({"specific_needs": "XX"}, "specific_needs"),
])
def test_each_rule(override, field):
    assert field in fields(clean_person(valid(**override), today=TODAY))


def test_all_problems_reported_at_once():
    result = clean_person({"sex": "?", "nationality": "??"}, today=TODAY)
    assert fields(result) >= {"given_names", "first_surname", "date_of_birth", "sex",
                              "nationality"}


def test_partial_checks_only_what_is_given():
    result = clean_person({"phone": "+52 55 1234 5678"}, today=TODAY, partial=True)
    assert result.errors == [] and result.values == {"phone": "+52 55 1234 5678"}


def test_day_first_dates():
    assert parse_date("05/01/2012") == date(2012, 1, 5)
    assert parse_date("2012-1-5") == date(2012, 1, 5)
    assert parse_date("2012/01/05") is None


def test_household_heads():
    assert check_household(["head", "child"]) == []
    assert check_household(["child"])[0].field == "members"
    assert len(check_household(["head", "head", "cousin"])) == 2


def test_a_consent_given_twice_for_one_purpose_is_refused():
    consents = [{"purpose": "registration", "given_on": "2018-10-20"},
                {"purpose": "registration", "given_on": "2018-10-21"}]
    with translation.override("en"):
        result = clean_person(valid(consents=consents), today=TODAY)
        assert fields(result) == {"consents"}
        assert "given twice" in str(result.errors[0].message)
