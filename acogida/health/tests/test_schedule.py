"""The vaccination schedule: pure, no database."""

from datetime import date, timedelta

from acogida.health import schedule
from acogida.health.schedule import add_months, schedule_status

BIRTH = date(2018, 1, 31)


def _status(result, vaccine, dose):
    return next((s for s in result if s.vaccine == vaccine and s.dose == dose), None)


def test_add_months_keeps_the_month_end():
    assert add_months(BIRTH, 1) == date(2018, 2, 28)
    assert add_months(BIRTH, 12) == date(2019, 1, 31)
    assert add_months(date(2018, 5, 1), -60) == date(2013, 5, 1)


def test_at_birth_bcg_and_hepatitis_b_are_due_nothing_else():
    result = schedule_status(BIRTH, [], BIRTH)
    assert {(s.vaccine, s.dose, s.status) for s in result} == {("BCG", 1, "due"),
                                                               ("HEPB", 1, "due")}


def test_due_until_the_grace_period_ends_then_overdue():
    due = add_months(BIRTH, 2)  # HEXA 1
    assert _status(schedule_status(BIRTH, [], due - timedelta(days=1)), "HEXA", 1) is None
    assert _status(schedule_status(BIRTH, [], due), "HEXA", 1).status == "due"
    last = due + timedelta(days=schedule.GRACE_DAYS)
    assert _status(schedule_status(BIRTH, [], last), "HEXA", 1).status == "due"
    after = _status(schedule_status(BIRTH, [], last + timedelta(days=1)), "HEXA", 1)
    assert after.status == "overdue" and after.due_date == due


def test_given_doses_are_done_even_when_early():
    given = [("BCG", 1), ("SRP", 1)]
    result = schedule_status(BIRTH, given, BIRTH + timedelta(days=5))
    assert _status(result, "BCG", 1).status == "done"
    assert _status(result, "SRP", 1).status == "done"  # given early, still counts
    assert _status(result, "HEPB", 1).status == "due"


def test_school_age_boosters():
    at_six = add_months(BIRTH, 72)
    result = schedule_status(BIRTH, [], at_six)
    assert _status(result, "SRP", 2).status == "due"
    assert _status(result, "DPT", 1).status == "overdue"
    assert schedule.has_overdue(BIRTH, [], at_six)
    everything = [(e.vaccine, e.dose) for e in schedule.SCHEDULE]
    assert not schedule.has_overdue(BIRTH, everything, at_six)
