"""The legal clocks: Mexico's working days, the US year, statuses around the boundaries."""

from datetime import date

from acogida.asylum import deadlines
from acogida.asylum.deadlines import ClaimDates


def _by_rule(found):
    return {d.rule: d for d in found}


def test_mexican_filing_deadline_counts_thirty_working_days_from_entry():
    # Entered Friday 19 Oct 2018: 30 working days, no federal holiday in between except
    # 19 Nov 2018 (Revolution Day, third Monday of November)
    found = _by_rule(deadlines.mexico(ClaimDates("MX", entered_on=date(2018, 10, 19)),
                                      today=date(2018, 10, 22)))
    assert found["mx.filing_deadline"].due == date(2018, 12, 3)
    assert found["mx.filing_deadline"].status == "due"


def test_filing_on_the_last_day_meets_it_and_a_day_later_misses_it():
    entered = date(2018, 10, 19)
    on_time = deadlines.mexico(ClaimDates("MX", entered_on=entered, lodged_on=date(2018, 12, 3)),
                               today=date(2019, 1, 10))
    late = deadlines.mexico(ClaimDates("MX", entered_on=entered, lodged_on=date(2018, 12, 4)),
                            today=date(2019, 1, 10))
    assert _by_rule(on_time)["mx.filing_deadline"].status == "met"
    assert _by_rule(late)["mx.filing_deadline"].status == "missed"


def test_a_deadline_within_ten_days_is_at_risk_and_past_it_is_missed():
    dates = ClaimDates("MX", entered_on=date(2018, 10, 19))
    assert _by_rule(deadlines.mexico(dates, date(2018, 11, 23)))["mx.filing_deadline"].status \
        == "at_risk"
    assert _by_rule(deadlines.mexico(dates, date(2018, 12, 4)))["mx.filing_deadline"].status \
        == "missed"


def test_decision_and_appeal_windows_follow_lodging_and_notification():
    dates = ClaimDates("MX", entered_on=date(2018, 10, 19), lodged_on=date(2018, 10, 25),
                       decided_on=date(2019, 1, 10))
    found = _by_rule(deadlines.mexico(dates, today=date(2019, 1, 11)))
    assert found["mx.decision_deadline"].status in ("met", "missed")
    appeal = found["mx.appeal_deadline"]
    assert appeal.due > date(2019, 1, 10 + 15)  # weekends skipped
    assert appeal.status in ("due", "at_risk")


def test_decision_window_open_on_24_march_2020_is_suspended():
    dates = ClaimDates("MX", entered_on=date(2020, 2, 1), lodged_on=date(2020, 2, 20))
    found = _by_rule(deadlines.mexico(dates, today=date(2020, 6, 1)))
    assert found["mx.decision_deadline"].status == "suspended"
    assert found["mx.decision_deadline"].due is None


def test_us_one_year_deadline_and_a_late_filing_reason_is_flagged_not_cleared():
    dates = ClaimDates("US", entered_on=date(2018, 11, 25))
    found = _by_rule(deadlines.united_states(dates, today=date(2019, 2, 1)))
    assert found["us.one_year_deadline"].due == date(2019, 11, 25)
    late = ClaimDates("US", entered_on=date(2018, 11, 25), lodged_on=date(2019, 12, 1),
                      late_filing_reason="changed_circumstances")
    flagged = _by_rule(deadlines.united_states(late, today=date(2020, 1, 1)))
    assert flagged["us.one_year_deadline"].status == "missed"
    assert "208(a)(2)(D)" in flagged["us.one_year_deadline"].citation


def test_the_next_deadline_is_the_nearest_still_owed():
    dates = ClaimDates("MX", entered_on=date(2018, 10, 19), lodged_on=date(2018, 10, 25))
    nearest = deadlines.next_deadline(deadlines.mexico(dates, today=date(2018, 11, 1)))
    assert nearest.rule == "mx.decision_deadline"


def test_a_withdrawn_claim_owes_nothing():
    dates = ClaimDates("MX", entered_on=date(2018, 10, 19), withdrawn=True)
    assert deadlines.next_deadline(deadlines.mexico(dates, today=date(2019, 1, 1))) is None
