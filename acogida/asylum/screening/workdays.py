"""Working days: Monday to Friday, less federal holidays (``holidays`` package) and overrides.

Overrides are data (``policies/working_days_<cc>.yaml``): days the authority declares non-working
(``add``) or holidays it works (``remove``). The calendar is precomputed once per country as a
sorted array of working-day ordinals, built lazily a decade at a time (a case needs the decade
around its dates and its neighbours), so adding n working days is one binary search.
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


def _decade(o: int) -> int:
    return date.fromordinal(o).year // 10


@lru_cache(maxsize=256)
def decade_days(country: str, decade: int) -> tuple[int, ...]:
    """Sorted ordinals of the working days of one decade (``decade`` = year // 10), built on
    first use: a case only ever needs the decade or two around its dates."""
    country = ISO2.get(country, country)
    first, last = max(decade * 10, FIRST_YEAR), min(decade * 10 + 9, LAST_YEAR)
    if first > last:
        return ()
    feriados = set(holidays.country_holidays(country, years=range(first, last + 1)))
    over = load_overrides(country)
    feriados |= {item["date"] for item in over["add"]}
    feriados -= {item["date"] for item in over["remove"]}
    start, end = date(first, 1, 1).toordinal(), date(last, 12, 31).toordinal()
    return tuple(o for o in range(start, end + 1)
                 if (o - 1) % 7 < 5 and date.fromordinal(o) not in feriados)  # ordinal 1 = Monday


@lru_cache(maxsize=64)
def span_days(country: str, lo: int, hi: int) -> tuple[int, ...]:
    """Working-day ordinals of decades ``lo``..``hi`` (inclusive), clipped to the calendar."""
    lo, hi = max(lo, FIRST_YEAR // 10), min(hi, LAST_YEAR // 10)
    return tuple(o for d in range(lo, hi + 1) for o in decade_days(country, d))


def calendar(country: str = "MX") -> tuple[int, ...]:
    """Sorted ordinals of every working day in the supported span (builds all decades)."""
    return span_days(country, FIRST_YEAR // 10, LAST_YEAR // 10)


@lru_cache(maxsize=64)
def _span_array(country: str, lo: int, hi: int) -> np.ndarray:
    return np.asarray(span_days(country, lo, hi), dtype=np.int64)


def _days_around(country: str, lo_ord: int, hi_ord: int) -> tuple[int, ...]:
    """Working days of the decades from the one before ``lo_ord`` to the one after ``hi_ord``:
    a term of up to a few hundred working days from a date in between stays inside them."""
    return span_days(country, _decade(lo_ord) - 1, _decade(hi_ord) + 1)


@lru_cache(maxsize=65536)
def add_working_days(start: date, n: int, country: str = "MX") -> date:
    """The date ``n`` working days after ``start`` (``start`` itself not counted).

    Mexican terms run "from the working day after" the event, so day 1 is the first working day
    after ``start``. ``n`` may be negative (working days before ``start``); 0 returns ``start``.
    """
    if n == 0:
        return start
    o = start.toordinal()
    # The decades either side hold over 2,000 working days each way; longer terms use them all.
    days = _days_around(country, o, o) if abs(n) <= 2000 else calendar(country)
    i = bisect_right(days, o) + n - 1 if n > 0 else bisect_left(days, o) + n
    if not 0 <= i < len(days):
        raise ValueError(f"{start} + {n} working days is outside the calendar")
    return date.fromordinal(days[i])


def working_days_between(a: date, b: date, country: str = "MX") -> int:
    """Working days in (a, b]; negative when b is before a."""
    oa, ob = a.toordinal(), b.toordinal()
    days = _days_around(country, min(oa, ob), max(oa, ob))
    return bisect_right(days, ob) - bisect_right(days, oa)


def calendar_array(country: str, lo_ord: int, hi_ord: int) -> np.ndarray:
    """Working-day ordinals as an array, for the decades around ``lo_ord``..``hi_ord``."""
    return _span_array(country, _decade(lo_ord) - 1, _decade(hi_ord) + 1)


def warm_up(country: str = "MX", since: int = 2000) -> None:
    """Build the working-day calendar from ``since`` to the decade after today's (the span live
    claims fall in; other decades are built on first use)."""
    for d in range(since // 10 - 1, date.today().year // 10 + 2):
        decade_days(country, d)


def add_working_days_array(ordinals: np.ndarray, n: int, country: str = "MX") -> np.ndarray:
    """Vectorised :func:`add_working_days` over date ordinals (0 < n < 2000), for the batch."""
    days = calendar_array(country, int(ordinals.min()), int(ordinals.max()))
    return days[np.searchsorted(days, ordinals, side="right") + n - 1]


def working_days_between_array(a: np.ndarray, b: np.ndarray, country: str = "MX") -> np.ndarray:
    days = calendar_array(country, int(min(a.min(), b.min())), int(max(a.max(), b.max())))
    return np.searchsorted(days, b, side="right") - np.searchsorted(days, a, side="right")
