"""Documents for tests, made through the services as a clerk would."""

import io

import pypdfium2
import zxingcpp
from PIL import Image

from acogida import testing
from acogida.documents import services
from acogida.documents.models import Document

SYSTEM = testing.SYSTEM


def caseworker():
    return testing.make_user("caseworker")


def request(person, doc_type: str = "temporary_id", user=None, **kwargs) -> Document:
    return services.request_document(actor=SYSTEM, user=user or caseworker(),
                                     registration_number=person.registration_number,
                                     doc_type=doc_type, **kwargs)


def work_permit(person, user=None, **kwargs) -> Document:
    kwargs.setdefault("legal_basis", "refugee_application_lodged")
    return request(person, "work_permit", user=user, **kwargs)


def printed(document: Document, user=None) -> Document:
    user = user or caseworker()
    batch = services.create_print_batch(actor=SYSTEM, user=user, numbers=[document.number])
    services.mark_batch_printed(actor=SYSTEM, user=user, batch=batch.number)
    document.refresh_from_db()
    return document


def issued(document: Document, user=None, received_by: str = "holder") -> Document:
    printed(document, user)
    return services.hand_over(actor=SYSTEM, user=user or caseworker(), number=document.number,
                              received_by=received_by)


def decode_qr_codes(pdf: bytes, scale: float = 300 / 72) -> list[list[str]]:
    """Every page rendered at 300 dpi, and the text of each QR code found on it."""
    pages = []
    document = pypdfium2.PdfDocument(pdf)
    try:
        for page in document:
            image = page.render(scale=scale).to_pil()
            found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
            pages.append([result.text for result in found])
    finally:
        document.close()
    return pages


def page_sizes_mm(pdf: bytes) -> list[tuple[float, float]]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [(round(p.get_width() * 25.4 / 72, 2), round(p.get_height() * 25.4 / 72, 2))
                for p in document]
    finally:
        document.close()


def jpeg(color=(120, 80, 60), size=(300, 375)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG")
    return out.getvalue()
