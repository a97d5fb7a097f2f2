"""A claim's legal deadlines (shared/domain/law.md), from its dates: plain data, no database.

Mexico (Ley sobre Refugiados, Protección Complementaria y Asilo Político): file within 30 working
days of entry (Art. 18), a decision 45 working days after lodging (COMAR), an appeal within 15
working days of notification. Working days skip weekends and Mexican federal holidays; the
calendar and its overrides are the screening aid's data (``screening.add_working_days``).
United States: file within one year of arrival (INA 208(a)(2)(B)), unless an exception applies.

Each deadline is ``met``, ``missed``, ``due`` (still open), ``at_risk`` (open, at most
``AT_RISK_DAYS`` calendar days left) or ``suspended`` (COMAR suspended its deadlines from
24 March 2020; the end of the suspension is not on record, so such a deadline has no date).
"""

from dataclasses import dataclass
from datetime import date

AT_RISK_DAYS = 10
MX_FILING_DAYS = 30
MX_DECISION_DAYS = 45
MX_APPEAL_DAYS = 15
MX_SUSPENDED_FROM = date(2020, 3, 24)


@dataclass(frozen=True)
class ClaimDates:
    jurisdiction: str
    entered_on: date | None = None
    lodged_on: date | None = None
    decided_on: date | None = None  # the decision's notification
    appeal_lodged_on: date | None = None
    withdrawn: bool = False
    late_filing_reason: str = ""


@dataclass(frozen=True)
class Deadline:
    rule: str
    due: date | None
    status: str
    done_on: date | None = None
    citation: str = ""

    @property
    def pending(self) -> bool:
        return self.status in ("due", "at_risk") or (self.status == "missed"
                                                     and self.done_on is None)


def _add_working_days(start: date, days: int) -> date:
    from acogida.asylum.screening.workdays import add_working_days

    return add_working_days(start, days, country="MX")


def _one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # from 29 February the year ends on 28 February, as the screening aid has it
        return date(day.year + 1, 2, 28)


def _status(due: date, done_on: date | None, today: date) -> str:
    if done_on is not None:
        return "met" if done_on <= due else "missed"
    if today > due:
        return "missed"
    return "at_risk" if (due - today).days <= AT_RISK_DAYS else "due"


def _deadline(rule: str, citation: str, start: date | None, due_of, done_on, today,
              *, stopped: bool = False) -> Deadline | None:
    if start is None:
        return None
    if stopped and done_on is None:
        return None  # the file left the procedure before this step was owed
    due = due_of(start)
    return Deadline(rule, due, _status(due, done_on, today), done_on, citation)


def mexico(dates: ClaimDates, today: date) -> list[Deadline]:
    filing = _deadline("mx.filing_deadline", "Ley sobre Refugiados, Art. 18", dates.entered_on,
                       lambda d: _add_working_days(d, MX_FILING_DAYS), dates.lodged_on, today,
                       stopped=dates.withdrawn)
    decision = _deadline("mx.decision_deadline", "COMAR: 45 working days", dates.lodged_on,
                         lambda d: _add_working_days(d, MX_DECISION_DAYS), dates.decided_on,
                         today, stopped=dates.withdrawn)
    if decision and decision.due and dates.lodged_on <= MX_SUSPENDED_FROM <= decision.due \
            and (dates.decided_on is None or dates.decided_on >= MX_SUSPENDED_FROM):
        decision = Deadline(decision.rule, None, "suspended", dates.decided_on,
                            "COMAR: deadlines suspended from 24 Mar 2020")
    appeal = None
    if dates.decided_on is not None:
        appeal = _deadline("mx.appeal_deadline", "Ley sobre Refugiados: recurso de revisión",
                           dates.decided_on, lambda d: _add_working_days(d, MX_APPEAL_DAYS),
                           dates.appeal_lodged_on, today)
    return [d for d in (filing, decision, appeal) if d is not None]


def united_states(dates: ClaimDates, today: date) -> list[Deadline]:
    deadline = _deadline("us.one_year_deadline", "INA 208(a)(2)(B)", dates.entered_on,
                         _one_year_after, dates.lodged_on, today, stopped=dates.withdrawn)
    if deadline is None:
        return []
    if deadline.status == "missed" and dates.late_filing_reason:
        # 208(a)(2)(D): changed or extraordinary circumstances may excuse a late filing;
        # an officer decides, so the file is flagged, not cleared
        deadline = Deadline(deadline.rule, deadline.due, "missed", deadline.done_on,
                            "INA 208(a)(2)(B); exception claimed under 208(a)(2)(D)")
    return [deadline]


def deadlines(dates: ClaimDates, today: date) -> list[Deadline]:
    return mexico(dates, today) if dates.jurisdiction == "MX" else united_states(dates, today)


def next_deadline(found: list[Deadline]) -> Deadline | None:
    """The nearest deadline still owed: what a caseworker acts on next."""
    owed = [d for d in found if d.done_on is None and d.due is not None
            and d.status in ("due", "at_risk", "missed")
            # a closed appeal window leaves nothing to do
            and not (d.rule == "mx.appeal_deadline" and d.status == "missed")]
    return min(owed, key=lambda d: d.due, default=None)
