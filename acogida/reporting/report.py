"""The daily situation report as a PDF (Spanish or English): key figures, the main charts,
shelter gaps against Sphere, and asylum deadlines: per jurisdiction, how many open claims are
past their next deadline and how many fall due within 10 days (counts only, "<5" below five;
no claim-level row ever reaches the PDF).

Drawn with reportlab (Helvetica only, like the ID cards), from the same selectors as the API,
so counts 1–4 are "<5" here too.
"""

import io
from datetime import date, timedelta

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from acogida.accounts import audit
from acogida.core.errors import DomainError, FieldError, InvalidInput

from . import exports, flows, planning, selectors
from .filters import Filters, bounded_date
from .suppression import as_number, suppress

LANGUAGES = ("es", "en")


def parse_options(day: str | None, lang: str | None) -> tuple[date, str]:
    errors: list[FieldError] = []
    parsed = bounded_date(day, "date", errors) or timezone.localdate()
    lang = (lang or "es").lower()
    if lang not in LANGUAGES:
        errors.append(FieldError("lang", _("Use es or en.")))
    if errors:
        raise InvalidInput(_("The report options are not valid."), errors)
    return parsed, lang


def long_date(day: date) -> str:
    """"15 de noviembre de 2018" or "November 15, 2018", in the active language."""
    spanish = (translation.get_language() or "es").startswith("es")
    return date_format(day, r"j \d\e F \d\e Y" if spanish else "F j, Y")


def deadlines(day: date, user) -> list[tuple[str, str, str]] | None:
    """Per jurisdiction: open claims past their next deadline on ``day`` and due within 10
    days, suppressed; None when the asylum app's figures cannot be read (or the role may not)."""
    try:
        read = exports._other_app("acogida.asylum.selectors", "stats")
        data = read(user=user, today=day)
    except (DomainError, ImportError):
        return None
    return [(jurisdiction, str(suppress(data["overdue"].get(jurisdiction, 0))),
             str(suppress(data["due_soon"].get(jurisdiction, 0))))
            for jurisdiction in sorted({*data["overdue"], *data["due_soon"]})]


def _bar_drawing(labels: list[str], values: list[int], width: float, height: float):
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 30, width - 60, height - 45
    chart.data = [values or [0]]
    chart.categoryAxis.categoryNames = labels or [""]
    chart.categoryAxis.labels.fontSize = 6
    chart.categoryAxis.labels.angle = 30 if len(labels) > 8 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(labels) > 8 else "n"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = colors.HexColor("#2f6f9f")
    drawing.add(chart)
    return drawing


def _story(day: date, user) -> list:
    from reportlab.lib import colors
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    on_day = Filters(date_from=day, date_to=day)
    upto = Filters(date_to=day)
    registered_today = selectors.registrations(user=user, filters=on_day)["total"]
    registered = selectors.registrations(user=user, filters=upto)
    occupancy = selectors.shelters(user=user, filters=upto)
    shelters = occupancy["rows"]
    documents = selectors.documents(user=user, filters=on_day)
    flow = flows.flow_stats(user=user, filters=Filters(date_from=day - timedelta(days=13),
                                                       date_to=day))
    sites = planning.site_gaps(user=user, filters=upto)["sites"]
    over = [s["shelter"] for s in shelters if s["over_capacity"]]

    def table(rows, widths=None, alert_rows=()):
        t = Table(rows, colWidths=widths, repeatRows=1)
        style = [("FONT", (0, 0), (-1, -1), "Helvetica", 8),
                 ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
                 ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                 ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef3"))]
        style += [("TEXTCOLOR", (0, r), (-1, r), colors.HexColor("#a4161a")) for r in alert_rows]
        t.setStyle(TableStyle(style))
        return t

    def fmt(value) -> str:
        return f"{value:,}" if isinstance(value, int) else str(value)

    story = [Paragraph(_("Daily situation report"), styles["Title"]),
             Paragraph(long_date(day), styles["Heading2"]),
             Paragraph(_("Aggregates only: counts from 1 to 4 are shown as \"<5\"."),
                       styles["Italic"]),
             Paragraph(_("Key figures"), styles["Heading2"])]
    latest = flow["size"][-1] if flow["size"] else None
    figures = [[_("Figure"), _("Value")],
               [_("Registered on this day"), fmt(registered_today)],
               [_("Registered up to this day"), fmt(registered["total"])],
               [_("People in shelters"), fmt(occupancy["total_occupied"])],
               [_("Shelter places"), fmt(occupancy["total_capacity"])],
               [_("Shelters over capacity"), ", ".join(over) or "0"],
               [_("Documents handed over on this day"), fmt(documents["totals"]["issued"])],
               [_("Latest caravan count (range of sources)"),
                f"{latest['low']:,}-{latest['high']:,} ({latest['date']})" if latest else "-"],
               [_("Forecast arrivals, next 7 days"), fmt(flow["forecast"]["total"])]]
    story += [table(figures, [90 * mm, 80 * mm]), Spacer(1, 4 * mm),
              Paragraph(_("Registrations per day (last 14 days)"), styles["Heading2"])]
    last = registered["by_day"][-14:] if registered["by_day"] else []
    story.append(_bar_drawing([d["date"].strftime("%d/%m") for d in last],
                              [as_number(d["count"]) for d in last], 170 * mm, 55 * mm))
    story.append(Paragraph(_("Shelter occupancy against capacity"), styles["Heading2"]))
    rows = [[_("Shelter"), _("State"), _("Capacity"), _("People staying"), _("Over capacity")]]
    rows += [[s["shelter"], s["state"], fmt(s["capacity"]), fmt(s["occupied"]),
              _("yes") if s["over_capacity"] else ""] for s in shelters]
    story.append(table(rows, alert_rows=[i + 1 for i, s in enumerate(shelters)
                                         if s["over_capacity"]]))
    story.append(Paragraph(_("Gaps against the Sphere standards"), styles["Heading2"]))
    gap_rows = [[_("Shelter"), _("Need"), _("Required"), _("Available"), _("Shortfall")]]
    for site in sites:
        for gap in site["gaps"]:
            if gap["shortfall"]:  # None where the population is under five: not listed
                gap_rows.append([site["shelter"], gap["label"], fmt(gap["required"]),
                                 fmt(gap["available"]), fmt(gap["shortfall"])])
    if len(gap_rows) == 1:
        story.append(Paragraph(_("No shortfall against the recorded facilities."),
                               styles["Normal"]))
    else:
        story.append(table(gap_rows, alert_rows=range(1, len(gap_rows))))
    story.append(Paragraph(_("Method: %(method)s.") % {"method": flow["forecast"]["method"]},
                           styles["Italic"]))
    story.append(Paragraph(_("Asylum deadlines"), styles["Heading2"]))
    due = deadlines(day, user)
    if due is None:
        story.append(Paragraph(_("Asylum claims and their deadlines are not available to this "
                                 "report."), styles["Normal"]))
    elif due:
        story.append(table([[_("Jurisdiction"), _("Open claims past the deadline"),
                             _("Due within 10 days")], *[list(r) for r in due]],
                           alert_rows=[i + 1 for i, r in enumerate(due) if r[1] != "0"]))
    else:
        story.append(Paragraph(_("No open claim is past or near its next deadline."),
                               styles["Normal"]))
    return story


def daily_pdf(*, actor: audit.Actor, user, day: date, lang: str = "es") -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    with translation.override(lang):
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                                topMargin=15 * mm, bottomMargin=15 * mm,
                                title=f"Acogida {_('Daily situation report')} {day}",
                                author="Acogida", lang=lang)
        doc.build(_story(day, user))
    selectors.record_read(actor, "report.daily", Filters(date_to=day), lang=lang)
    return buffer.getvalue()
