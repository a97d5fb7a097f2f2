"""The explanation of a pair as a server-side SVG waterfall: one bar per comparison, from the
running total before it to the total after it (log2 Bayes factors, "match weights"). Every text
is escaped; no script, no external resource."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ROW, LABEL_W, PLOT_W, PAD = 22, 190, 360, 8


def waterfall(explanation: list[dict], title: str = "") -> SafeString:
    rows = [(str(e.get("comparison", "")), str(e.get("level", "")),
             float(e.get("match_weight") or 0.0)) for e in explanation]
    totals, running = [], 0.0
    for _name, _level, weight in rows:
        totals.append((running, running + weight))
        running += weight
    values = [0.0] + [v for pair in totals for v in pair]
    low, high = min(values), max(values)
    span = (high - low) or 1.0

    def x(value: float) -> float:
        return LABEL_W + PAD + (value - low) / span * (PLOT_W - 2 * PAD)

    height = ROW * (len(rows) + 1) + PAD * 2
    width = LABEL_W + PLOT_W
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="waterfall" role="img" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'aria-labelledby="waterfall-title">',
             f'<title id="waterfall-title">{escape(title)}</title>',
             f'<line x1="{x(0):.1f}" y1="0" x2="{x(0):.1f}" y2="{height}" stroke="#888" '
             f'stroke-dasharray="3 3"/>']
    for i, ((name, level, weight), (start, end)) in enumerate(zip(rows, totals, strict=True)):
        y = PAD + i * ROW
        left, right = sorted((x(start), x(end)))
        colour = "#2e7d32" if weight >= 0 else "#c62828"
        parts.append(f'<text x="{LABEL_W - 4}" y="{y + 15}" text-anchor="end" '
                     f'font-size="12">{escape(name.replace("_", " "))}</text>')
        parts.append(f'<rect x="{left:.1f}" y="{y + 3}" width="{max(right - left, 1.0):.1f}" '
                     f'height="{ROW - 6}" fill="{colour}"><title>{escape(level)}: '
                     f'{weight:+.2f}</title></rect>')
        parts.append(f'<text x="{right + 3:.1f}" y="{y + 15}" font-size="11">'
                     f'{weight:+.1f}</text>')
    y = PAD + len(rows) * ROW
    left, right = sorted((x(0), x(running)))
    parts.append(f'<text x="{LABEL_W - 4}" y="{y + 15}" text-anchor="end" font-size="12" '
                 f'font-weight="bold">{escape("total")}</text>')
    parts.append(f'<rect x="{left:.1f}" y="{y + 3}" width="{max(right - left, 1.0):.1f}" '
                 f'height="{ROW - 6}" fill="#1565c0"/>')
    parts.append(f'<text x="{right + 3:.1f}" y="{y + 15}" font-size="11" font-weight="bold">'
                 f'{running:+.1f}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
