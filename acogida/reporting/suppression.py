"""Small-cell suppression: a count of 1 to 4 people is shown as ``"<5"`` everywhere a figure
leaves the system (API JSON, CSV, XLSX, HXL, dashboard, daily report). Zero stays 0.

Pure: no Django. Totals are suppressed by the same rule when they are themselves small; there is
no secondary suppression (a total minus the other cells can reveal a small cell).
"""

from collections.abc import Iterable, Mapping

THRESHOLD = 5
SUPPRESSED = "<5"

Count = int | str


def suppress(n: int | None) -> Count | None:
    """1–4 → ``"<5"``; 0, 5 and more, and None (unknown) unchanged."""
    if n is None:
        return None
    return SUPPRESSED if 0 < n < THRESHOLD else n


def suppress_fields(row: Mapping, fields: Iterable[str]) -> dict:
    """A copy of ``row`` with the named count fields suppressed."""
    out = dict(row)
    for name in fields:
        if name in out:
            out[name] = suppress(out[name])
    return out


def suppress_mapping(counts: Mapping[str, int]) -> dict[str, Count]:
    return {key: suppress(value) for key, value in counts.items()}


def as_number(value: Count | None) -> int:
    """For drawing: a suppressed cell is drawn as nothing (0), its label says ``"<5"``."""
    return value if isinstance(value, int) else 0
