"""Export tables as CSV, HXL-tagged CSV and XLSX. Pure: no Django (openpyxl only).

A ``Table`` names its columns with a label (first header row) and an HXL hashtag (the second
header row of the .hxl.csv). Values come in already suppressed (``suppression``): HXL is for
aggregates only (the person-level export uses ``to_csv`` alone, behind its own access).

Formula injection: text a spreadsheet could run as a formula (starting with ``= + - @``, a tab,
a carriage return or a newline, or with spaces before any of those) is kept as text: in XLSX the
cell's type is set to string, unchanged; in CSV, which has no types, it is prefixed with ``'``.
"""

import csv
import io
from dataclasses import dataclass, field

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) or text.lstrip(" \t\r\n").startswith(
        FORMULA_STARTS[:4])


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    hxl: str


@dataclass
class Table:
    name: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    title: str = ""


def value_of(value) -> str | int | float:
    """A cell's value as written: numbers stay numbers, the rest is text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    return str(value)


def cell(value) -> str | int | float:
    """A CSV cell: text that could run as a formula is prefixed with ``'``."""
    value = value_of(value)
    return "'" + value if isinstance(value, str) and looks_like_formula(value) else value


def header(table: Table) -> list[str]:
    return [column.label for column in table.columns]


def hashtags(table: Table) -> list[str]:
    return [column.hxl for column in table.columns]


def body(table: Table) -> list[list]:
    return [[cell(row.get(column.key)) for column in table.columns] for row in table.rows]


def hxl_rows(table: Table) -> list[list]:
    """Header, hashtags, then the data rows."""
    return [header(table), hashtags(table), *body(table)]


def _csv(rows: list[list]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def to_csv(table: Table) -> bytes:
    return _csv([header(table), *body(table)])


def to_hxl_csv(table: Table) -> bytes:
    return _csv(hxl_rows(table))


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.name[:31] or "data"
    sheet.append(header(table))
    for cell_ in sheet[1]:
        cell_.font = Font(bold=True)
    for row in table.rows:
        sheet.append([value_of(row.get(column.key)) for column in table.columns])
        for cell_ in sheet[sheet.max_row]:
            if isinstance(cell_.value, str) and looks_like_formula(cell_.value):
                cell_.data_type = "s"  # text, never a formula
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns, start=1):
        width = max([len(column.label)] + [len(str(r.get(column.key) or "")) for r in table.rows])
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(60, width + 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
