"""The printed card: ID-1 size (85.60 × 53.98 mm, ISO/IEC 7810), Spanish with English subtitles.

Front: title, photo, name, date of birth, nationality, number, validity, issuing office, legal
status (and a child's guardian). Back: the signed QR code (about 30 mm, error correction M,
drawn as vector runs so it stays sharp at any printer resolution) and the conditions.

``render_card`` gives one card on two pages of card size (front, back); ``render_sheets`` lays
cards on A4 sheets, ten to a sheet, fronts on one page and the backs on the next, mirrored
left-right for long-edge duplex printing. Only reportlab's built-in Helvetica is used: it
covers Latin-1 (ñ, accents) and every PDF reader has it.
"""

import io
from collections.abc import Iterable
from functools import lru_cache

import segno
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from . import card_data, keys
from .models import Document

CARD_W, CARD_H = 85.60 * mm, 53.98 * mm
QR_SIZE = 30 * mm  # the code's modules, quiet zone not included (the card around it is white)
COLUMNS, ROWS = 2, 5
BLUE = (0.07, 0.22, 0.42)
GREY = (0.35, 0.35, 0.35)
FONT, BOLD = "Helvetica", "Helvetica-Bold"
PHOTO_W, PHOTO_H = 20 * mm, 25 * mm
# Binary streams: photos stay as they are instead of growing a quarter in ASCII85 (and encoding
# them in Python was a third of a print batch's time). Every PDF reader takes binary streams.
rl_config.useA85 = 0


def qr_code(payload: str, mask: int | None = None) -> segno.QRCode:
    """Error correction M, never boosted (the version stays as small as the data allows).
    Choosing the mask is most of segno's work; the services keep the chosen one on the
    document (``qr_mask``) so printing makes exactly the same code without searching again."""
    return segno.make(payload, error="m", boost_error=False, mask=mask, micro=False)


@lru_cache(maxsize=2048)
def qr_outline(payload: str, mask: int | None = None) -> tuple[int, str]:
    """The QR code as (modules per side, PDF path operators in module units, y down).

    Outlines, not one square per module: abutting squares leave hairline seams where a viewer
    anti-aliases each edge, and a union has none. Every dark module contributes its sides that
    face a light one, all running clockwise, so the outer borders and the holes chain into
    closed loops that fill correctly with the non-zero rule. Cached per payload: a card's code is
    traced once, however often it is drawn."""
    matrix = qr_code(payload, mask).matrix
    size = len(matrix)
    dark = [[bool(v & 1) for v in row] + [False] for row in matrix] + [[False] * (size + 1)]
    following: dict[tuple[int, int], list[tuple[int, int]]] = {}
    add = following.setdefault
    for r in range(size):
        above, row, below = dark[r - 1] if r else dark[size], dark[r], dark[r + 1]
        for c in range(size):
            if not row[c]:
                continue
            if not above[c]:
                add((c, r), []).append((c + 1, r))
            if not row[c + 1]:
                add((c + 1, r), []).append((c + 1, r + 1))
            if not below[c]:
                add((c + 1, r + 1), []).append((c, r + 1))
            if not row[c - 1]:  # row[-1] is the padding column: light
                add((c, r + 1), []).append((c, r))
    ops = []
    while following:
        start = next(iter(following))
        points, point = [start], start
        while True:
            ends = following[point]
            nxt = ends.pop()
            if not ends:
                del following[point]
            if nxt == start:
                break
            # keep only corners: drop a point in line with the one before and the one after
            if len(points) >= 2 and (points[-2][0] == points[-1][0] == nxt[0]
                                     or points[-2][1] == points[-1][1] == nxt[1]):
                points[-1] = nxt
            else:
                points.append(nxt)
            point = nxt
        (c, r), *rest = points
        ops.append(f"{c} {r} m " + " ".join(f"{c} {r} l" for c, r in rest) + " h")
    return size, "\n".join(ops)


def draw_qr(canvas: Canvas, payload: str, x: float, y: float, size: float = QR_SIZE,
            mask: int | None = None) -> None:
    modules, ops = qr_outline(payload, mask)
    unit = size / modules
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.transform(unit, 0, 0, -unit, x, y + size)  # module units, rows counted downwards
    canvas.addLiteral(ops + "\nf")  # one path, filled with the non-zero rule
    canvas.restoreState()


def _fit(text: str, font: str, size: float, width: float, smallest: float = 4.5) -> float:
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 0.25
    return size


def _text(canvas: Canvas, x: float, y: float, text: str, font: str = FONT, size: float = 7,
          width: float | None = None, color=(0, 0, 0)) -> None:
    if width:
        size = _fit(text, font, size, width)
    canvas.setFillColorRGB(*color)
    canvas.setFont(font, size)
    canvas.drawString(x, y, text)


def _field(canvas: Canvas, x: float, y: float, label_es: str, label_en: str, value: str,
           width: float, bold: bool = False, size: float = 7.0) -> None:
    # the label sits above the value, clear of its accents (Ñ, É)
    _text(canvas, x, y + (size * 0.27 + 0.9) * mm, f"{label_es} / {label_en}", size=4.4,
          color=GREY)
    _text(canvas, x, y, value, BOLD if bold else FONT, size, width)


def _photo(document: Document) -> ImageReader | None:
    data = card_data.person_photo(document.holder)
    if not data:
        return None
    try:
        return ImageReader(io.BytesIO(data))
    except (OSError, ValueError):  # an unreadable photo leaves the box empty, not the card
        return None


def _header(canvas: Canvas, document: Document) -> None:
    title_es, title_en = card_data.TITLES[document.doc_type]
    canvas.setFillColorRGB(*BLUE)
    canvas.rect(0, CARD_H - 9 * mm, CARD_W, 9 * mm, stroke=0, fill=1)
    _text(canvas, 3 * mm, CARD_H - 4.6 * mm, title_es.upper(), BOLD, 9, color=(1, 1, 1))
    _text(canvas, 3 * mm, CARD_H - 7.6 * mm, f"{title_en} · México", size=5.5,
          color=(0.85, 0.9, 1))
    _text(canvas, CARD_W - 33 * mm, CARD_H - 4.6 * mm, document.number, BOLD, 8.5,
          color=(1, 1, 1))
    _text(canvas, CARD_W - 33 * mm, CARD_H - 7.6 * mm, "Núm. / No.", size=5.5,
          color=(0.85, 0.9, 1))


def draw_front(canvas: Canvas, document: Document, photo: ImageReader | None) -> None:
    card = document.card
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(0, 0, CARD_W, CARD_H, stroke=0, fill=1)
    _header(canvas, document)
    px, py = 3 * mm, CARD_H - 9 * mm - 2 * mm - PHOTO_H
    canvas.setStrokeColorRGB(*GREY)
    canvas.setLineWidth(0.4)
    canvas.rect(px, py, PHOTO_W, PHOTO_H, stroke=1, fill=0)
    if photo is not None:
        canvas.drawImage(photo, px, py, PHOTO_W, PHOTO_H, preserveAspectRatio=True,
                         anchor="c")
    else:
        _text(canvas, px + 4.5 * mm, py + PHOTO_H / 2, "Sin foto", size=5, color=GREY)
        _text(canvas, px + 4.5 * mm, py + PHOTO_H / 2 - 2 * mm, "No photo", size=4.4,
              color=GREY)
    x, width = 26 * mm, CARD_W - 26 * mm - 3 * mm
    y = CARD_H - 14.2 * mm
    _field(canvas, x, y, "Nombre(s)", "Given names", card["given_names"], width, True, 8)
    surnames = " ".join(s for s in (card["first_surname"], card["second_surname"]) if s)
    y -= 6.2 * mm
    _field(canvas, x, y, "Apellidos", "Surnames", surnames, width, True, 8)
    y -= 6.2 * mm
    birth = card["date_of_birth"] + (" (aprox. / approx.)" if card.get(
        "date_of_birth_estimated") else "")
    _field(canvas, x, y, "Fecha de nacimiento", "Date of birth", birth, 33 * mm)
    _field(canvas, x + 35 * mm, y, "Nacionalidad", "Nationality", card["nationality"], 20 * mm)
    y -= 6.2 * mm
    validity = f"{document.valid_from.isoformat()} — {document.valid_until.isoformat()}"
    _field(canvas, x, y, "Vigencia", "Valid from — until", validity, 33 * mm)
    _field(canvas, x + 35 * mm, y, "Expedición", "Issued", document.issue_date.isoformat(),
           20 * mm)
    # Lower band: office (and a child's guardian), then the legal status.
    y = py - 5.2 * mm
    office = f"{card['office_name']} ({card['office_place']})"
    _field(canvas, 3 * mm, y, "Oficina expedidora", "Issuing office", office, 48 * mm, size=6)
    if card.get("guardian_name"):
        _field(canvas, 53 * mm, y, "Tutor(a)", "Guardian", card["guardian_name"], 30 * mm,
               size=6)
    canvas.setFillColorRGB(*BLUE)
    canvas.rect(0, 0, CARD_W, 7.2 * mm, stroke=0, fill=1)
    _text(canvas, 3 * mm, 4.0 * mm, card["legal_status"], BOLD, 6.8, CARD_W - 6 * mm,
          color=(1, 1, 1))
    _text(canvas, 3 * mm, 1.5 * mm, card.get("legal_status_en", ""), FONT, 5.2,
          CARD_W - 6 * mm, color=(0.85, 0.9, 1))


def _conditions(document: Document) -> list[tuple[str, str, str]]:
    card = document.card
    if document.doc_type == "work_permit":
        employer = document.employer or "Cualquier empleador / Any employer"
        states = ", ".join(document.valid_states) or "Todo México / All of Mexico"
        return [("Empleador", "Employer", employer),
                ("Estados donde es válido", "Valid in", states),
                ("Registro", "Registration no.", card["registration_number"])]
    return [("Registro", "Registration no.", card["registration_number"]),
            ("Uso", "Use", "Identificación ante autoridades y servicios")]


def draw_back(canvas: Canvas, document: Document) -> None:
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(0, 0, CARD_W, CARD_H, stroke=0, fill=1)
    qx, qy = 3 * mm, (CARD_H - QR_SIZE) / 2 + 2 * mm
    draw_qr(canvas, document.qr_payload, qx, qy, mask=document.qr_mask)
    _text(canvas, qx, qy - 3 * mm, "Verifique con el código QR", size=5.2, color=GREY)
    _text(canvas, qx, qy - 5.2 * mm, "Verify with the QR code (ID Claim 169)", size=4.4,
          color=GREY)
    x, width = 36 * mm, CARD_W - 36 * mm - 3 * mm
    y = CARD_H - 8 * mm
    heading = ("Condiciones / Conditions" if document.doc_type == "work_permit"
               else "Datos / Details")
    _text(canvas, x, y, heading, BOLD, 7, width, color=BLUE)
    for label_es, label_en, value in _conditions(document):
        y -= 6.6 * mm
        _field(canvas, x, y, label_es, label_en, value, width, size=6.2)
    y -= 6.6 * mm
    _field(canvas, x, y, "Emitido por", "Issued by", keys.issuer_name(), width, size=6.2)
    y -= 6.6 * mm
    _field(canvas, x, y, "Número de documento", "Document number", document.number, width,
           True, 7)
    _text(canvas, x, 3 * mm, "Documento personal e intransferible.", size=4.8, color=GREY)
    _text(canvas, x, 1.3 * mm, "Personal and not transferable.", size=4.4, color=GREY)


def _canvas(buffer: io.BytesIO, pagesize, title: str) -> Canvas:
    canvas = Canvas(buffer, pagesize=pagesize, pageCompression=1, invariant=1)
    canvas.setTitle(title)
    canvas.setAuthor(keys.issuer_name())
    return canvas


def render_card(document: Document) -> bytes:
    """One card: the front on page 1 and the back on page 2, each the size of the card."""
    buffer = io.BytesIO()
    canvas = _canvas(buffer, (CARD_W, CARD_H), f"{document.number}")
    draw_front(canvas, document, _photo(document))
    canvas.showPage()
    draw_back(canvas, document)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _slot(index: int, mirrored: bool) -> tuple[float, float]:
    page_w, page_h = A4
    margin_x = (page_w - COLUMNS * CARD_W) / 2
    margin_y = (page_h - ROWS * CARD_H) / 2
    row, column = divmod(index, COLUMNS)
    if mirrored:
        column = COLUMNS - 1 - column
    return margin_x + column * CARD_W, page_h - margin_y - (row + 1) * CARD_H


def _cut_marks(canvas: Canvas, count: int, mirrored: bool) -> None:
    canvas.setStrokeColorRGB(0.75, 0.75, 0.75)
    canvas.setLineWidth(0.2)
    for index in range(count):
        x, y = _slot(index, mirrored)
        canvas.rect(x, y, CARD_W, CARD_H, stroke=1, fill=0)


def render_sheets(documents: Iterable[Document], title: str = "Acogida") -> bytes:
    """A4 sheets, ten cards each: fronts on one page, their backs mirrored on the next."""
    documents = list(documents)
    buffer = io.BytesIO()
    canvas = _canvas(buffer, A4, title)
    per_sheet = COLUMNS * ROWS
    for start in range(0, len(documents), per_sheet):
        sheet = documents[start:start + per_sheet]
        for index, document in enumerate(sheet):
            x, y = _slot(index, mirrored=False)
            canvas.saveState()
            canvas.translate(x, y)
            draw_front(canvas, document, _photo(document))
            canvas.restoreState()
        _cut_marks(canvas, len(sheet), mirrored=False)
        canvas.showPage()
        for index, document in enumerate(sheet):
            x, y = _slot(index, mirrored=True)
            canvas.saveState()
            canvas.translate(x, y)
            draw_back(canvas, document)
            canvas.restoreState()
        _cut_marks(canvas, len(sheet), mirrored=True)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
