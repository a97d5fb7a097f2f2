"""A claim's legal deadlines (shared/domain/law.md), from its dates: plain data, no database.

The terms are not written here: each comes from the screening aid's dated policy file in force
on the day the term starts (``mx.filing_deadline``: 30 working days from entry,
``mx.decision_deadline``: 45 working days from lodging, ``mx.appeal_deadline``: 15 working days
from notification, ``us.one_year_deadline``: one year from arrival), so a change of law is a new
policy version, and the claim's worklist and the screening agree. Working days skip weekends and
Mexican federal holidays (``screening.add_working_days``, overrides kept as data).

Each deadline is ``met``, ``missed``, ``due`` (still open), ``at_risk`` (open, with at most the
policy's ``at_risk_within`` days left, counted in the term's own unit) or ``suspended`` (a
suspension policy — COMAR's from 24 March 2020 — starts inside the term; its end is not on
record, so such a deadline has no date).
"""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

AT_RISK_DAYS = 10  # the worklist's "due soon" window, in calendar days


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
    version: str = ""

    @property
    def pending(self) -> bool:
        return self.status in ("due", "at_risk") or (self.status == "missed"
                                                     and self.done_on is None)


@dataclass(frozen=True)
class Term:
    count: int
    unit: str  # "working_days" or "years"
    at_risk_within: int
    citation: str
    version: str


@lru_cache(maxsize=1)
def _policies() -> dict:
    from acogida.asylum.screening import load_policies

    return {p.id: p for p in load_policies()}


def term(rule: str, start: date) -> Term | None:
    """The term of ``rule`` in force on ``start``, from its policy file."""
    policy = _policies().get(rule)
    if policy is None:
        return None
    version = next((v for v in policy.versions if v.covers(start)), None)
    if version is None:
        return None
    effect = next((e for e in version.effects if e.type in ("deadline", "clock")), None)
    if effect is None:
        return None
    return Term(effect.count, effect.unit, getattr(effect, "at_risk_within", 10),
                version.citation or policy.citation, version.tag)


def _add(start: date, t: Term) -> date:
    if t.unit == "working_days":
        from acogida.asylum.screening import add_working_days

        return add_working_days(start, t.count, country="MX")
    try:
        return start.replace(year=start.year + t.count)
    except ValueError:  # from 29 February the year ends on 28 February, as the screening aid has it
        return date(start.year + t.count, 2, 28)


def _left(today: date, due: date, t: Term) -> int:
    if t.unit == "working_days":
        from acogida.asylum.screening import working_days_between

        return working_days_between(today, due, country="MX")
    return (due - today).days


def _suspended(rule: str, start: date, due: date) -> bool:
    """A suspension that begins inside the term (the screening aid's suspension policies)."""
    for policy in _policies().values():
        for version in policy.versions:
            for effect in version.effects:
                if effect.type == "suspend" and rule in effect.rules and (
                        start <= effect.period_from <= due
                        or (effect.period_to is not None and effect.period_from <= due
                            and effect.period_to >= start)):
                    return True
    return False


def _deadline(rule: str, start: date | None, done_on: date | None, today: date,
              *, stopped: bool = False) -> Deadline | None:
    if start is None or (stopped and done_on is None):
        return None  # no clock yet, or the file left the procedure before this step was owed
    t = term(rule, start)
    if t is None:
        return None
    due = _add(start, t)
    if _suspended(rule, start, due) and (done_on is None or done_on > due):
        return Deadline(rule, None, "suspended", done_on, t.citation, t.version)
    if done_on is not None:
        status = "met" if done_on <= due else "missed"
    elif today > due:
        status = "missed"
    else:
        status = "at_risk" if _left(today, due, t) <= t.at_risk_within else "due"
    return Deadline(rule, due, status, done_on, t.citation, t.version)


def mexico(dates: ClaimDates, today: date) -> list[Deadline]:
    found = [
        _deadline("mx.filing_deadline", dates.entered_on, dates.lodged_on, today,
                  stopped=dates.withdrawn),
        _deadline("mx.decision_deadline", dates.lodged_on, dates.decided_on, today,
                  stopped=dates.withdrawn),
        _deadline("mx.appeal_deadline", dates.decided_on, dates.appeal_lodged_on, today)
        if dates.decided_on else None,
    ]
    return [d for d in found if d is not None]


def united_states(dates: ClaimDates, today: date) -> list[Deadline]:
    found = _deadline("us.one_year_deadline", dates.entered_on, dates.lodged_on, today,
                      stopped=dates.withdrawn)
    return [found] if found else []


def deadlines(dates: ClaimDates, today: date) -> list[Deadline]:
    return mexico(dates, today) if dates.jurisdiction == "MX" else united_states(dates, today)


def appeal_window_closed(dates: ClaimDates, today: date) -> bool:
    """A refusal that was not appealed in time: nothing more is owed on the file."""
    appeal = next((d for d in mexico(dates, today) if d.rule == "mx.appeal_deadline"), None)
    return appeal is not None and appeal.status == "missed" and appeal.done_on is None


def next_deadline(found: list[Deadline]) -> Deadline | None:
    """The nearest deadline still owed: what a caseworker acts on next."""
    owed = [d for d in found if d.done_on is None and d.due is not None
            and d.status in ("due", "at_risk", "missed")
            # a closed appeal window leaves nothing to do
            and not (d.rule == "mx.appeal_deadline" and d.status == "missed")]
    return min(owed, key=lambda d: d.due, default=None)
