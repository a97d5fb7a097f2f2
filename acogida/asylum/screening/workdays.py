"""Working days: Monday to Friday, less federal holidays (``holidays`` package) and overrides.

Overrides are data (``policies/working_days_<cc>.yaml``): days the authority declares non-working
(``add``) or holidays it works (``remove``). The calendar is precomputed once per country as a
sorted array of working-day ordinals, so adding n working days is one binary search.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date
from functools import lru_cache
from pathlib import Path

import holidays
import numpy as np
import yaml

POLICY_DIR = Path(__file__).parent / "policies"
FIRST_YEAR, LAST_YEAR = 1900, 2100  # covers facts.MIN_DATE..MAX_DATE plus a year of deadlines
ISO2 = {"MEX": "MX", "USA": "US"}


def load_overrides(country: str) -> dict:
    path = POLICY_DIR / f"working_days_{country.lower()}.yaml"
    if not path.exists():
        return {"add": [], "remove": []}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {"add": data.get("add") or [], "remove": data.get("remove") or [],
            "note": data.get("note", "")}


@lru_cache(maxsize=8)
def calendar(country: str = "MX") -> tuple[int, ...]:
    """Sorted ordinals of every working day in the supported span."""
    country = ISO2.get(country, country)
    feriados = set(holidays.country_holidays(country, years=range(FIRST_YEAR, LAST_YEAR + 1)))
    over = load_overrides(country)
    feriados |= {item["date"] for item in over["add"]}
    feriados -= {item["date"] for item in over["remove"]}
    start, end = date(FIRST_YEAR, 1, 1).toordinal(), date(LAST_YEAR, 12, 31).toordinal()
    return tuple(o for o in range(start, end + 1)
                 if (o - 1) % 7 < 5 and date.fromordinal(o) not in feriados)  # ordinal 1 = Monday


@lru_cache(maxsize=8)
def calendar_array(country: str = "MX") -> np.ndarray:
    return np.asarray(calendar(country), dtype=np.int64)


@lru_cache(maxsize=65536)
def add_working_days(start: date, n: int, country: str = "MX") -> date:
    """The date ``n`` working days after ``start`` (``start`` itself not counted).

    Mexican terms run "from the working day after" the event, so day 1 is the first working day
    after ``start``. ``n`` may be negative (working days before ``start``); 0 returns ``start``.
    """
    if n == 0:
        return start
    days = calendar(country)
    o = start.toordinal()
    i = bisect_right(days, o) + n - 1 if n > 0 else bisect_left(days, o) + n
    if not 0 <= i < len(days):
        raise ValueError(f"{start} + {n} working days is outside the calendar")
    return date.fromordinal(days[i])


def working_days_between(a: date, b: date, country: str = "MX") -> int:
    """Working days in (a, b]; negative when b is before a."""
    days = calendar(country)
    return bisect_right(days, b.toordinal()) - bisect_right(days, a.toordinal())


def add_working_days_array(ordinals: np.ndarray, n: int, country: str = "MX") -> np.ndarray:
    """Vectorised :func:`add_working_days` over date ordinals (n > 0), for the batch path."""
    days = calendar_array(country)
    return days[np.searchsorted(days, ordinals, side="right") + n - 1]


def working_days_between_array(a: np.ndarray, b: np.ndarray, country: str = "MX") -> np.ndarray:
    days = calendar_array(country)
    return np.searchsorted(days, b, side="right") - np.searchsorted(days, a, side="right")
