"""Search as a clerk types it: accents and case ignored, partial words, either surname."""

import pytest
from django.db import connection

from acogida import testing
from acogida.registry import selectors


@pytest.fixture
def registry(db):
    user = testing.make_user("registration")
    people = {
        "maria": testing.make_person(user, given_names="María José", first_surname="López",
                                     second_surname="Díaz", date_of_birth="1990-05-01"),
        "jose": testing.make_person(user, given_names="José", first_surname="Hernández",
                                    second_surname="Cruz", date_of_birth="1985-03-12", sex="male"),
        "ana": testing.make_person(user, given_names="Ana", first_surname="Cruz",
                                   second_surname="Hernández", date_of_birth="2001-12-24"),
        "angeles": testing.make_person(user, given_names="María de los Ángeles",
                                       first_surname="de la Cruz", second_surname="",
                                       date_of_birth="1979-01-01"),
    }
    return user, people


def found(user, q):
    page = selectors.search_people(actor=testing.SYSTEM, user=user, q=q)
    return {p.registration_number for p in page.items}


def numbers(people, *keys):
    return {people[k].registration_number for k in keys}


@pytest.mark.parametrize(("q", "expected"), [
    ("hernandez", ("jose", "ana")),
    ("HERNÁNDEZ", ("jose", "ana")),
    ("hern", ("jose", "ana")),
    ("maria jose lopez", ("maria",)),
    ("lopez maria", ("maria",)),
    ("díaz", ("maria",)),
    ("cruz", ("jose", "ana", "angeles")),
    ("angeles", ("angeles",)),
    ("maria de los angeles", ("angeles",)),
    ("1985-03-12", ("jose",)),
    ("12/03/1985", ("jose",)),
    ("cruz 2001-12-24", ("ana",)),
    ("zelaya", ()),
])
def test_search(registry, q, expected):
    user, people = registry
    assert found(user, q) == numbers(people, *expected)


def test_search_by_registration_number_as_typed(registry):
    user, people = registry
    number = people["ana"].registration_number
    assert found(user, number.lower().replace("-", "")) == {number}


def test_search_ignores_hostile_input(registry):
    user, _people = registry
    for q in ['"', "*", "a AND OR NOT", "'); DROP TABLE registry_person; --", "%", "_", "\x00"]:
        selectors.search_people(actor=testing.SYSTEM, user=user, q=q)
    assert found(user, "hernandez")


def test_empty_query_finds_nobody(registry):
    user, _people = registry
    assert found(user, "   ") == set()


def test_results_come_in_surname_order_and_page(registry):
    user, _people = registry
    page = selectors.search_people(actor=testing.SYSTEM, user=user, q="cruz", page_size=2)
    assert page.count == 3 and page.has_next
    # "de la" is not indexed: both sort as "cruz"; no second surname sorts first.
    assert [p.first_surname for p in page.items] == ["de la Cruz", "Cruz"]
    second = selectors.search_people(actor=testing.SYSTEM, user=user, q="cruz", page=2,
                                     page_size=2)
    assert [p.first_surname for p in second.items] == ["Hernández"]


def test_renamed_person_is_found_by_new_name_only(registry):
    from acogida.registry import services

    user, people = registry
    services.update_person(actor=testing.SYSTEM, user=user,
                           registration_number=people["ana"].registration_number,
                           changes={"first_surname": "Zelaya"})
    assert found(user, "zelaya") == numbers(people, "ana")
    assert found(user, "hernandez") == numbers(people, "jose", "ana")  # second surname stays
    assert found(user, "cruz ana") == set()


def _people_named(user, given: str, surname: str, *births: str) -> set[str]:
    return {testing.make_person(user, given_names=given, first_surname=surname,
                                date_of_birth=born).registration_number for born in births}


def test_a_capped_search_shows_whole_word_matches_first(db, monkeypatch):
    """Past the cap ("1000+") the clerk must narrow the search anyway; the people whose names
    have the words whole come first, even when people whose name only starts with one of them
    were registered earlier."""
    user = testing.make_user("registration")
    longer = _people_named(user, "Rosa", "Zelayas", "1970-01-01", "1970-01-02")
    whole = _people_named(user, "Rosa", "Zelaya", "1971-01-01", "1971-01-02")
    monkeypatch.setattr(selectors, "MAX_COUNT", 1)
    page = selectors.search_people(actor=testing.SYSTEM, user=user, q="rosa zelaya")
    assert page.count_capped
    assert {p.registration_number for p in page.items} <= whole
    # Under the cap, every word is a prefix again: everyone it starts is found.
    monkeypatch.setattr(selectors, "MAX_COUNT", 1000)
    assert found(user, "rosa zelaya") == whole | longer
    assert found(user, "rosa zelayas") == longer


sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite",
                                 reason="PostgreSQL asks whole words first for 2 or more words")


@sqlite_only
def test_a_capped_single_long_word_is_whole_first(db, monkeypatch):
    user = testing.make_user("registration")
    _people_named(user, "Pedro", "Zelayas", "1970-01-01", "1970-01-02")
    whole = _people_named(user, "Rosa", "Zelaya", "1971-01-01", "1971-01-02")
    monkeypatch.setattr(selectors, "MAX_COUNT", 1)
    page = selectors.search_people(actor=testing.SYSTEM, user=user, q="zelaya")
    assert {p.registration_number for p in page.items} <= whole


@sqlite_only
def test_short_words_stay_prefixes_with_the_whole_words(db, monkeypatch):
    user = testing.make_user("registration")
    _people_named(user, "Rosa", "Zelayas", "1970-01-01")
    whole = (_people_named(user, "Rosa", "Zelaya", "1971-01-01")
             | _people_named(user, "Rosalía", "Zelaya", "1971-01-01"))
    monkeypatch.setattr(selectors, "MAX_COUNT", 1)
    page = selectors.search_people(actor=testing.SYSTEM, user=user, q="ros zelaya")
    assert {p.registration_number for p in page.items} <= whole


def test_whole_word_matches_stay_in_a_capped_result(db, monkeypatch):
    """Fewer whole-word matches than the cap, more prefix matches than it: the whole-word ones
    are among the results, even when the others were registered earlier."""
    user = testing.make_user("registration")
    _people_named(user, "Rosa", "Zelayas", "1970-01-01", "1970-01-02", "1970-01-03")
    whole = _people_named(user, "Rosa", "Zelaya", "1971-01-01")
    monkeypatch.setattr(selectors, "MAX_COUNT", 2)
    page = selectors.search_people(actor=testing.SYSTEM, user=user, q="rosa zelaya")
    assert page.count_capped and page.count == 2
    assert whole <= {p.registration_number for p in page.items}


def test_a_word_no_name_can_hold_finds_nobody(db, monkeypatch):
    """PostgreSQL's text search drops a word over 2,047 characters; the search must not then
    answer as if it had not been typed."""
    user = testing.make_user("registration")
    _people_named(user, "Luis", "Cruz", "1970-01-01", "1970-01-02")
    monkeypatch.setattr(selectors, "MAX_COUNT", 1)
    assert found(user, "luis " + "x" * 2100) == set()
    assert found(user, "luis cruz")
