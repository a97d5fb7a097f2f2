"""Grades by age on 31 December of the school year's start: every boundary."""

from datetime import date

import pytest

from acogida.schooling.grades import (
    GRADES,
    LEVELS,
    Suggestion,
    school_year_start,
    suggested_placement,
)

YEAR = 2018

# (age on 31 Dec 2018, level, grade) for every age 3–17
TABLE = [(age, level, age - low + 1) for level, low, high in LEVELS
         for age in range(low, high + 1)]


def test_the_table_covers_every_age_from_3_to_17_once():
    assert [age for age, _l, _g in TABLE] == list(range(3, 18))
    assert GRADES == {"preescolar": 3, "primaria": 6, "secundaria": 3, "media_superior": 3}


@pytest.mark.parametrize(("age", "level", "grade"), TABLE)
def test_born_on_31_december_counts_that_year(age, level, grade):
    # turns ``age`` on the cut-off day itself
    assert suggested_placement(date(YEAR - age, 12, 31), YEAR) == Suggestion(level, grade)


@pytest.mark.parametrize(("age", "level", "grade"), TABLE)
def test_born_on_1_january_counts_that_year(age, level, grade):
    assert suggested_placement(date(YEAR - age, 1, 1), YEAR) == Suggestion(level, grade)


def _expected(age: int) -> Suggestion | None:
    return next((Suggestion(level, grade) for a, level, grade in TABLE if a == age), None)


@pytest.mark.parametrize("age", range(2, 19))
def test_born_a_day_after_31_december_is_a_year_younger(age):
    # 1 January of the next year: ``age - 1`` on the cut-off
    assert suggested_placement(date(YEAR - age + 1, 1, 1), YEAR) == _expected(age - 1)


@pytest.mark.parametrize("age", range(2, 19))
def test_born_a_day_before_1_january_is_a_year_older(age):
    # 31 December of the year before: already ``age + 1``
    assert suggested_placement(date(YEAR - age - 1, 12, 31), YEAR) == _expected(age + 1)


def test_primaria_grade_1_starts_at_6_by_31_december():
    assert suggested_placement(date(2012, 12, 31), 2018) == Suggestion("primaria", 1)
    assert suggested_placement(date(2013, 1, 1), 2018) == Suggestion("preescolar", 3)


@pytest.mark.parametrize(("born", "expected"), [
    (date(2015, 12, 31), Suggestion("preescolar", 1)),  # 3: youngest
    (date(2016, 1, 1), None),                            # 2 on the cut-off
    (date(2001, 1, 1), Suggestion("media_superior", 3)),  # 17: oldest
    (date(2000, 12, 31), None),                          # 18
    (date(1985, 3, 12), None),
    (date(2018, 6, 1), None),
])
def test_outside_3_to_17_there_is_no_suggestion(born, expected):
    assert suggested_placement(born, 2018) == expected


def test_level_edges():
    assert suggested_placement(date(2013, 1, 1), 2018) == Suggestion("preescolar", 3)   # 5
    assert suggested_placement(date(2007, 12, 31), 2018) == Suggestion("primaria", 6)   # 11
    assert suggested_placement(date(2006, 12, 31), 2018) == Suggestion("secundaria", 1)  # 12
    assert suggested_placement(date(2004, 1, 1), 2018) == Suggestion("secundaria", 3)   # 14
    assert suggested_placement(date(2003, 12, 31), 2018) == Suggestion("media_superior", 1)


def test_leap_day_birthday():
    assert suggested_placement(date(2012, 2, 29), 2018) == Suggestion("primaria", 1)


@pytest.mark.parametrize(("today", "year"), [
    (date(2018, 7, 31), 2017),
    (date(2018, 8, 1), 2018),
    (date(2018, 12, 31), 2018),
    (date(2019, 1, 1), 2018),
    (date(2019, 7, 31), 2018),
    (date(2019, 8, 1), 2019),
])
def test_school_year_start(today, year):
    assert school_year_start(today) == year
