"""Reading an import file into rows of cells: the template's columns, a CSV's encoding and
delimiter, a workbook's first sheet, the header row, and how many rows a file can hold at most.
What the cells say is checked in ``imports``. A file that cannot be read as a table is refused
with a ``BadRequest`` that says how to fix it."""

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from django.utils.translation import gettext as _

from acogida.core.errors import BadRequest, FieldError

TEMPLATE_COLUMNS = (
    "household_ref", "relationship", "given_names", "first_surname", "second_surname", "sex",
    "date_of_birth", "age", "nationality", "place_of_birth", "languages", "phone",
    "specific_needs", "consent_purposes", "consent_date", "registration_point", "arrival_group",
    "external_id",
)
REQUIRED_COLUMNS = ("given_names", "first_surname", "sex", "nationality", "registration_point")
LIST_SEPARATOR = ";"
EXTENSIONS = (".csv", ".xlsx")

_COLUMN_INDEX = {name: i for i, name in enumerate(TEMPLATE_COLUMNS)}


def bad_file(detail: str, errors: list[FieldError] | None = None) -> BadRequest:
    """The refusal of a file that cannot be read as the template's table."""
    return BadRequest(detail, errors or [])


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise bad_file(_("The file is not UTF-8; it is UTF-16 (\"Unicode text\"). Save it as "
                         "'CSV UTF-8' and upload again."))
    if data.startswith(b"PK\x03\x04"):
        raise bad_file(_("This is an Excel workbook, not a CSV file: name it .xlsx, or save it as "
                         "'CSV UTF-8' and upload again."))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        # Never decode as Latin-1 silently: "Peña" would be stored as "PeÃ±a" or "Pe?a".
        try:
            data.decode("cp1252")
            looks = _("it looks like Latin-1 (Windows) text")
        except UnicodeDecodeError:
            looks = _("its encoding is unknown")
        raise bad_file(_("The file is not UTF-8; %(looks)s. Save it as 'CSV UTF-8' and upload "
                         "again.") % {"looks": looks},
                       [FieldError("file", _("The first character that is not UTF-8 is on line "
                                             "%(line)d.") % {"line": line}, row=line)]) from None


def _delimiter(first_line: str) -> str:
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _csv_rows(data: bytes) -> Iterator[list]:
    text = _decode(data)
    end = text.find("\n")
    delimiter = _delimiter(text if end < 0 else text[:end])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows():
        try:
            yield from reader
        except csv.Error as exc:  # e.g. a cell over 128 KB, a stray quote at the very end
            raise bad_file(_("Row %(row)d cannot be read as CSV (%(why)s). Check that row in a "
                             "spreadsheet program and save the file again.")
                           % {"row": reader.line_num, "why": exc}) from None

    return rows()


def _xlsx_cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date | str):
        return value
    return str(value)


def _xlsx_rows(data: bytes) -> Iterator[list]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError,
            IndexError):
        raise bad_file(_("The file is not an Excel .xlsx workbook. Save it as 'Excel Workbook "
                         "(.xlsx)' or as 'CSV UTF-8' and upload again.")) from None

    def rows():
        try:
            for values in sheet.iter_rows(values_only=True):
                yield [_xlsx_cell(v) for v in values]
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
            raise bad_file(_("The workbook is damaged and its rows cannot be read (%(why)s). Open "
                             "it in a spreadsheet program and save it again.")
                           % {"why": type(exc).__name__}) from None
        finally:
            book.close()

    return rows()


def rows_of(data: bytes, filename: str) -> Iterator[list]:
    """The file's rows of cells, the header first, read as they are asked for."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in EXTENSIONS:
        raise bad_file(_("Upload a .csv or .xlsx file (this one is %(name)r).")
                       % {"name": filename or ""})
    if not data:
        raise bad_file(_("The file is empty."))
    return _csv_rows(data) if suffix == ".csv" else _xlsx_rows(data)


def header_names(cells: list) -> list[str | None]:
    """Column names, in the file's order; ``None`` for a blank header cell."""
    names = [str(c).replace("\ufeff", "").strip().lower() or None for c in cells]
    errors = []
    for position, name in enumerate(names, start=1):
        if name is not None and name not in _COLUMN_INDEX:
            errors.append(FieldError(name, _("Unknown column %(name)r (column %(n)d). The "
                                             "columns are: %(all)s.")
                                     % {"name": name, "n": position,
                                        "all": ", ".join(TEMPLATE_COLUMNS)}, row=1))
    seen = set()
    for name in names:
        if name is not None and name in seen:
            errors.append(FieldError(name, _("Column %(name)r appears twice.") % {"name": name},
                                     row=1))
        seen.add(name)
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            errors.append(FieldError(name, _("Required column %(name)r is missing.")
                                     % {"name": name}, row=1))
    if "date_of_birth" not in seen and "age" not in seen:
        errors.append(FieldError("date_of_birth", _("Give a date_of_birth column, an age "
                                                    "column, or both."), row=1))
    if errors:
        raise bad_file(_("The first row is not the import template's header: fix the columns "
                         "named and upload again."), errors)
    return names


# Lines of the delimiter alone: the csv module reads them as rows of empty cells, skipped.
_BLANK_LINES = {sep: re.compile(rb"\n[" + sep.encode() + rb"\r]*(?=\n|\Z)") for sep in ",;"}


def bounded(table: Iterator[list], data: bytes, filename: str) -> tuple[Iterator[list], int]:
    """The rows, and at least as many as there are: a CSV has no more rows than lines (a quoted
    cell may span lines, a blank row is skipped: fewer, never more); a workbook's rows are read
    first and counted."""
    if Path(filename).suffix.lower() == ".csv":  # a line ends in "\n", "\r\n" or "\r"
        lines = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n") + 1
        # A row starts on a line with something besides delimiters (a quoted cell has its
        # quote; a space is a cell): lines of delimiters alone are no rows, and a file padded
        # with them must not reserve numbers for them.
        end = data.find(b"\n")
        separator = _delimiter(data[:end if end >= 0 else len(data)].decode("utf-8", "replace"))
        return table, max(1, lines - len(_BLANK_LINES[separator].findall(data)))
    rows = list(table)
    return iter(rows), sum(1 for row in rows if any(cell not in ("", None) for cell in row))
