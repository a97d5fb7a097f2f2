"""Forecast of daily arrivals by a moving average. Pure: no Django.

The series is the daily figure from the first to the last day with a count (days without a
count inside it are 0). Each forecast day is the mean of the ``window`` days before it, the
forecast days themselves included once reached (a rolling simple moving average), so the line
flattens towards the recent mean. It is a plain baseline: it sees no events (buses, a caravan
leaving), and says so on every chart.
"""

from dataclasses import dataclass
from datetime import date, timedelta

METHOD = "simple moving average of the last {window} days, rolled forward {days} days"


@dataclass(frozen=True)
class Forecast:
    method: str
    window: int
    start: date | None  # first forecast day
    points: list[tuple[date, int]]

    @property
    def total(self) -> int:
        return sum(n for _d, n in self.points)


def daily_series(counts: dict[date, int]) -> list[tuple[date, int]]:
    """Every day from the first to the last counted one; missing days are 0."""
    if not counts:
        return []
    first, last = min(counts), max(counts)
    return [(first + timedelta(days=i), counts.get(first + timedelta(days=i), 0))
            for i in range((last - first).days + 1)]


def moving_average(counts: dict[date, int], *, days: int = 7, window: int = 7) -> Forecast:
    if days < 1 or window < 1:
        raise ValueError("days and window must be 1 or more")
    method = METHOD.format(window=window, days=days)
    series = daily_series(counts)
    if not series:
        return Forecast(method, window, None, [])
    values = [float(n) for _d, n in series]
    start = series[-1][0] + timedelta(days=1)
    points = []
    for i in range(days):
        recent = values[-window:]
        value = sum(recent) / len(recent)
        values.append(value)
        points.append((start + timedelta(days=i), round(value)))
    return Forecast(method, window, start, points)
