"""Charts as SVG strings, drawn on the server: the app works offline, with no JavaScript.

Pure: no Django. Every chart has a ``<title>`` and a ``<desc>`` (read by screen readers); the
page puts the table behind the chart next to it. Values may be suppressed counts (``"<5"``):
they are drawn as nothing and labelled as they are. All text is escaped here.
"""

from dataclasses import dataclass
from html import escape
from itertools import count

from .suppression import as_number

_ids = count(1)
FONT = 'font-family="sans-serif" font-size="11"'


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | str
    highlight: bool = False
    note: str = ""  # shown after the value, e.g. "/ 3,000"


def _fmt(value) -> str:
    return f"{value:,}" if isinstance(value, int) else escape(str(value))


def _open(width: int, height: int, title: str, desc: str) -> tuple[str, str]:
    n = next(_ids)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'viewBox="0 0 {width} {height}" width="100%" '
            f'aria-labelledby="chart-{n}-title chart-{n}-desc">'
            f'<title id="chart-{n}-title">{escape(title)}</title>'
            f'<desc id="chart-{n}-desc">{escape(desc)}</desc>')
    return head, "</svg>"


def bar_chart(title: str, bars: list[Bar], *, desc: str = "", width: int = 560,
              label_width: int = 190) -> str:
    """Horizontal bars, one per row; highlighted bars (e.g. over capacity) in the alert class."""
    row, top = 22, 8
    height = top * 2 + row * max(1, len(bars))
    head, tail = _open(width, height, title, desc or title)
    largest = max((as_number(b.value) for b in bars), default=0) or 1
    room = width - label_width - 90
    parts = [head]
    if not bars:
        parts.append(f'<text x="8" y="22" {FONT}>—</text>')
    for i, bar in enumerate(bars):
        y = top + i * row
        length = round(room * as_number(bar.value) / largest)
        css = "bar alert" if bar.highlight else "bar"
        parts.append(
            f'<g><text x="{label_width - 6}" y="{y + 15}" text-anchor="end" {FONT}>'
            f'{escape(bar.label)}</text>'
            f'<rect class="{css}" x="{label_width}" y="{y + 4}" width="{length}" height="14">'
            f'<title>{escape(bar.label)}: {_fmt(bar.value)}</title></rect>'
            f'<text x="{label_width + length + 4}" y="{y + 15}" {FONT}>{_fmt(bar.value)}'
            f'{escape(bar.note)}</text></g>')
    parts.append(tail)
    return "".join(parts)


def column_chart(title: str, bars: list[Bar], *, desc: str = "", width: int = 560,
                 height: int = 200) -> str:
    """Vertical columns (days); labels under the first, last and every few columns."""
    head, tail = _open(width, height, title, desc or title)
    left, bottom, top = 40, 28, 10
    plot_h = height - bottom - top
    peak = max((as_number(b.value) for b in bars), default=0)
    largest = peak or 1  # an empty chart: no bar, and no scale that suggests one
    step = (width - left - 10) / max(1, len(bars))
    every = max(1, len(bars) // 6)
    parts = [head, f'<text x="4" y="{top + 10}" {FONT}>{peak:,}</text>',
             f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width - 10}" '
             f'y2="{height - bottom}"/>']
    for i, bar in enumerate(bars):
        h = round(plot_h * as_number(bar.value) / largest)
        x = left + i * step
        css = "bar alert" if bar.highlight else "bar"
        parts.append(f'<rect class="{css}" x="{x + 1:.1f}" y="{height - bottom - h}" '
                     f'width="{max(1.0, step - 2):.1f}" height="{h}"><title>'
                     f'{escape(bar.label)}: {_fmt(bar.value)}</title></rect>')
        if i % every == 0 or i == len(bars) - 1:
            parts.append(f'<text x="{x + step / 2:.1f}" y="{height - 10}" text-anchor="middle" '
                         f'{FONT}>{escape(bar.label)}</text>')
    parts.append(tail)
    return "".join(parts)


@dataclass(frozen=True)
class Point:
    label: str
    low: int | None = None  # the range of sources' figures for the day
    high: int | None = None
    value: int | None = None  # the line (e.g. a forecast), dashed when ``forecast``
    forecast: bool = False


def range_chart(title: str, points: list[Point], *, desc: str = "", note: str = "",
                width: int = 560, height: int = 220) -> str:
    """Per day a vertical bar from the lowest to the highest figure, and a line of values
    (dashed where it is a forecast). ``note`` (e.g. the forecast method) is printed below."""
    extra = 16 if note else 0
    head, tail = _open(width, height + extra, title, desc or title)
    left, bottom, top = 48, 28, 10
    plot_h = height - bottom - top
    peak = max([p.high or 0 for p in points] + [p.value or 0 for p in points] + [0])
    largest = peak or 1
    step = (width - left - 10) / max(1, len(points))
    every = max(1, len(points) // 6)

    def y(v: int) -> float:
        return height - bottom - plot_h * v / largest

    parts = [head, f'<text x="4" y="{top + 10}" {FONT}>{peak:,}</text>',
             f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width - 10}" '
             f'y2="{height - bottom}"/>']
    line, dashed = [], []
    for i, p in enumerate(points):
        x = left + i * step + step / 2
        if p.low is not None and p.high is not None:
            parts.append(f'<rect class="range" x="{x - 3:.1f}" y="{y(p.high):.1f}" width="6" '
                         f'height="{max(2.0, y(p.low) - y(p.high)):.1f}"><title>'
                         f'{escape(p.label)}: {p.low:,}–{p.high:,}</title></rect>')
        if p.value is not None:
            (dashed if p.forecast else line).append(f"{x:.1f},{y(p.value):.1f}")
            if p.forecast and len(dashed) == 1 and line:
                dashed.insert(0, line[-1])
        if i % every == 0 or i == len(points) - 1:
            parts.append(f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle" {FONT}>'
                         f'{escape(p.label)}</text>')
    if len(line) > 1:
        parts.append(f'<polyline class="line" fill="none" points="{" ".join(line)}"/>')
    if len(dashed) > 1:
        parts.append(f'<polyline class="line forecast" fill="none" stroke-dasharray="4 3" '
                     f'points="{" ".join(dashed)}"/>')
    if note:
        parts.append(f'<text x="4" y="{height + 10}" {FONT}>{escape(note)}</text>')
    parts.append(tail)
    return "".join(parts)


def pyramid(title: str, bands: list[str], left: list[int | str], right: list[int | str], *,
            left_label: str, right_label: str, desc: str = "", width: int = 560) -> str:
    """Age–sex pyramid: oldest band on top, ``left`` (men) and ``right`` (women) bars."""
    row, top = 22, 26
    height = top + row * max(1, len(bands)) + 8
    head, tail = _open(width, height, title, desc or title)
    middle, half = width // 2, width // 2 - 70
    largest = max([as_number(v) for v in left + right] + [1])
    parts = [head,
             f'<text x="{middle - 30}" y="14" text-anchor="end" {FONT}>{escape(left_label)}</text>',
             f'<text x="{middle + 30}" y="14" {FONT}>{escape(right_label)}</text>']
    for i, band in enumerate(reversed(bands)):
        k = len(bands) - 1 - i
        yy = top + i * row
        lw = round(half * as_number(left[k]) / largest)
        rw = round(half * as_number(right[k]) / largest)
        parts.append(
            f'<g><rect class="bar male" x="{middle - 25 - lw}" y="{yy}" width="{lw}" '
            f'height="16"><title>{escape(left_label)} {escape(band)}: {_fmt(left[k])}</title>'
            f'</rect><rect class="bar female" x="{middle + 25}" y="{yy}" width="{rw}" '
            f'height="16"><title>{escape(right_label)} {escape(band)}: {_fmt(right[k])}</title>'
            f'</rect><text x="{middle}" y="{yy + 12}" text-anchor="middle" {FONT}>'
            f'{escape(band)}</text>'
            f'<text x="{middle - 29 - lw}" y="{yy + 12}" text-anchor="end" {FONT}>'
            f'{_fmt(left[k])}</text>'
            f'<text x="{middle + 29 + rw}" y="{yy + 12}" {FONT}>{_fmt(right[k])}</text></g>')
    parts.append(tail)
    return "".join(parts)
