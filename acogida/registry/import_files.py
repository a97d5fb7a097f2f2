"""The files around an import: the downloadable template (CSV and XLSX, with instructions in
Spanish and English) and the private staging of an upload between "check" and "import" on the web
page. The import itself is ``imports.import_people``."""

import codecs
import csv
import io
import os
import re
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from acogida.core.errors import NotFound
from acogida.core.reference import SPECIFIC_NEEDS

from .import_tables import TEMPLATE_COLUMNS
from .models import ConsentPurpose, Relationship

STAGED_MAX_AGE = 24 * 60 * 60  # seconds


# ---- staging an upload between "check" and "import" (the web page) ----------------------------

_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _staging_dir() -> Path:
    path = Path(settings.PRIVATE_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _staged_paths(token: str) -> tuple[Path, Path]:
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise NotFound(_("That upload is gone; upload the file again."))
    directory = _staging_dir()
    return directory / f"{token}.upload", directory / f"{token}.name"


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _discard_old() -> None:
    cutoff = time.time() - STAGED_MAX_AGE
    for path in _staging_dir().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass


def stage_file(*, data: bytes, filename: str) -> str:
    """Keep an upload for a day, readable only by this process's user; returns its token."""
    _discard_old()
    token = secrets.token_hex(16)
    upload, name = _staged_paths(token)
    _write_private(upload, data)
    _write_private(name, Path(filename or "").name.encode())
    return token


def read_staged(token: str) -> tuple[bytes, str]:
    upload, name = _staged_paths(token)
    try:
        return upload.read_bytes(), name.read_text()
    except FileNotFoundError:
        raise NotFound(_("That upload is gone; upload the file again.")) from None


def discard_staged(token: str) -> None:
    upload, name = _staged_paths(token)
    upload.unlink(missing_ok=True)
    name.unlink(missing_ok=True)


# ---- the template ------------------------------------------------------------------------------

EXAMPLE_ROWS = (
    {"household_ref": "H1", "relationship": "head", "given_names": "María José",
     "first_surname": "López", "second_surname": "Hernández", "sex": "female",
     "date_of_birth": "1990-05-01", "age": "", "nationality": "HND",
     "place_of_birth": "San Pedro Sula, Cortés", "languages": "es", "phone": "+504 9999 1234",
     "specific_needs": "SP", "consent_purposes": "registration;contact",
     "consent_date": "2018-10-21", "registration_point": "TAP", "arrival_group": "",
     "external_id": ""},
    {"household_ref": "H1", "relationship": "child", "given_names": "Kevin Josué",
     "first_surname": "Mejía", "second_surname": "López", "sex": "male",
     "date_of_birth": "", "age": "9", "nationality": "HND", "place_of_birth": "",
     "languages": "es", "phone": "", "specific_needs": "", "consent_purposes": "registration",
     "consent_date": "2018-10-21", "registration_point": "TAP", "arrival_group": "",
     "external_id": ""},
)

# (required, Spanish, English) for each column; docs/import.md says the same at length.
COLUMN_HELP = {
    "household_ref": (
        "", "Referencia del hogar dentro del archivo (p. ej. H1). Las filas con la misma "
        "referencia forman un hogar. Vacía: persona sin hogar.",
        "The household's reference within this file (e.g. H1). Rows sharing it form one "
        "household. Empty: a person without a household."),
    "relationship": (
        "household_ref", "Parentesco con el jefe o la jefa del hogar: " +
        ", ".join(Relationship.values) + ". Exactamente un head por hogar.",
        "Relationship to the head of household: " + ", ".join(Relationship.values) +
        ". Exactly one head per household."),
    "given_names": ("✔", "Nombre(s), tal como los da la persona.",
                    "Given name(s), exactly as the person gives them."),
    "first_surname": ("✔", "Primer apellido (paterno).", "First (paternal) surname."),
    "second_surname": ("", "Segundo apellido (materno).", "Second (maternal) surname."),
    "sex": ("✔", "female / male / other (también F, M, mujer, hombre).",
            "female / male / other (also F, M, mujer, hombre)."),
    "date_of_birth": ("date_of_birth / age", "Fecha de nacimiento AAAA-MM-DD (o DD/MM/AAAA).",
                      "Date of birth YYYY-MM-DD (or DD/MM/YYYY)."),
    "age": ("date_of_birth / age", "Edad en años si no se sabe la fecha (se estima el 1 de "
            "enero).", "Age in years when the date is not known (estimated as 1 January)."),
    "nationality": ("✔", "Código ISO 3166-1 alfa-3: HND, SLV, GTM, NIC… XXA apátrida, XXX "
                    "desconocida.", "ISO 3166-1 alpha-3 code: HND, SLV, GTM, NIC… XXA "
                    "stateless, XXX unknown."),
    "place_of_birth": ("", "Lugar de nacimiento.", "Place of birth."),
    "languages": ("", "Códigos ISO 639 separados por ; (es;mam).",
                  "ISO 639 codes separated by ; (es;mam)."),
    "phone": ("", "Teléfono: dígitos, espacios y un + inicial.",
              "Phone: digits, spaces and a leading +."),
    "specific_needs": ("", "Necesidades específicas (códigos ACNUR) separadas por ;: " +
                       ", ".join(SPECIFIC_NEEDS) + ".",
                       "Specific needs (UNHCR codes) separated by ;: " +
                       ", ".join(SPECIFIC_NEEDS) + "."),
    "consent_purposes": ("", "Fines consentidos separados por ;: " +
                         ", ".join(ConsentPurpose.values) + ".",
                         "Purposes consented to, separated by ;: " +
                         ", ".join(ConsentPurpose.values) + "."),
    "consent_date": ("", "Fecha del consentimiento AAAA-MM-DD (vacía: la fecha de la "
                     "importación).", "Date of consent YYYY-MM-DD (empty: the import date)."),
    "registration_point": ("✔", "Código del punto de registro (p. ej. TAP).",
                           "Registration point code (e.g. TAP)."),
    "arrival_group": ("", "Nombre exacto del grupo o caravana de llegada.",
                      "Exact name of the arrival group or caravan."),
    "external_id": ("", "Número de la persona en otro sistema (se guarda tal cual).",
                    "The person's id in another system (kept as given)."),
}


def template_csv() -> bytes:
    """The header and two example rows, UTF-8 with a BOM so that Excel shows the accents."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(TEMPLATE_COLUMNS)
    for row in EXAMPLE_ROWS:
        writer.writerow([row[name] for name in TEMPLATE_COLUMNS])
    return codecs.BOM_UTF8 + buffer.getvalue().encode()


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Personas - People"
    sheet.append(list(TEMPLATE_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in EXAMPLE_ROWS:
        sheet.append([row[name] for name in TEMPLATE_COLUMNS])
    # Text cells: Excel must not turn "+504 …" into a number or "2018-10-21" into a local date.
    for column in sheet.iter_cols(min_row=2, max_row=1 + len(EXAMPLE_ROWS)):
        for cell in column:
            cell.number_format = "@"
    for index, name in enumerate(TEMPLATE_COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(12, len(name) + 2)
    sheet.freeze_panes = "A2"

    notes = book.create_sheet("Instrucciones - Instructions")
    notes.append(["columna / column", "obligatoria / required", "Español", "English",
                  "ejemplo / example"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for name in TEMPLATE_COLUMNS:
        required, spanish, english = COLUMN_HELP[name]
        notes.append([name, required, spanish, english, EXAMPLE_ROWS[0][name]])
    notes.append([])
    notes.append(["", "", "Una fila por persona; la primera fila es el encabezado. Guarde como "
                  "Excel (.xlsx) o 'CSV UTF-8'. Si una fila tiene un error no se importa nada: "
                  "se listan todos los errores con su número de fila.",
                  "One row per person; the first row is the header. Save as Excel (.xlsx) or "
                  "'CSV UTF-8'. If any row is wrong nothing is imported: every error is listed "
                  "with its row number."])
    for width, letter in zip((20, 22, 60, 60, 24), "ABCDE", strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
