"""The printed card: rendered to pixels and the QR code read back, as a phone would."""

import io

import pytest
import segno
from django.utils import timezone
from PIL import Image, ImageFilter

from acogida import testing
from acogida.documents import cards, credentials, keys
from acogida.registry import photos

from . import factories as f

A4_MM = (210.0, 297.0)


@pytest.fixture
def family(db):
    household = testing.make_household()
    return [m.person for m in household.members.order_by("id")]


def face_like_jpeg() -> bytes:
    """Not a flat colour: noise blurred into soft shapes compresses about as a face does."""
    image = Image.effect_noise((300, 375), 90).filter(ImageFilter.GaussianBlur(6))
    out = io.BytesIO()
    Image.merge("RGB", (image, image.rotate(90, expand=False), image)).save(out, "JPEG")
    return out.getvalue()


def test_card_qr_decodes_to_exactly_the_stored_payload(family):
    document = f.request(family[0])
    pdf = cards.render_card(document)
    assert pdf.startswith(b"%PDF")
    assert f.page_sizes_mm(pdf) == [(85.6, 53.98), (85.6, 53.98)]
    assert f.decode_qr_codes(pdf) == [[], [document.qr_payload]]


def test_qr_is_large_and_error_corrected_enough(family):
    assert cards.QR_SIZE / cards.mm >= 25
    document = f.request(family[0])
    code = cards.qr_code(document.qr_payload, document.qr_mask)
    assert code.error == "M"
    # the mask kept at request time gives exactly the code segno chooses by itself
    assert code.matrix == segno.make(document.qr_payload, error="m", boost_error=False).matrix


def test_card_with_photo_carries_it_in_the_qr_and_still_scans(family):
    person = family[1]
    photos.set_photo(actor=testing.SYSTEM, user=testing.make_user("registration"),
                     registration_number=person.registration_number, data=face_like_jpeg())
    person.refresh_from_db()
    document = f.request(person)
    result = credentials.verify_credential(document.qr_payload, keys.public_keys(),
                                           now=timezone.now())
    assert result.valid and result.document["photo"], result
    assert result.document["photo_mime"] == "image/webp"
    pdf = cards.render_card(document)
    assert f.decode_qr_codes(pdf)[1] == [document.qr_payload]
    assert len(pdf) > 10_000  # the photo is on the front


def test_work_permit_with_conditions_and_spanish_letters(family):
    child = family[4]  # Ñaqui: ñ must print
    card = f.request(child)
    assert card.card["given_names"] == "Ñaqui"
    permit = f.work_permit(family[0], employer="Panadería Doña Ñeca",
                           valid_states=["Chiapas", "Ciudad de México"])
    for document in (card, permit):
        pdf = cards.render_card(document)
        assert f.decode_qr_codes(pdf)[1] == [document.qr_payload]
    text = _page_text(cards.render_card(permit), 1)
    assert "Panadería Doña Ñeca" in text and "Ciudad de México" in text
    front = _page_text(cards.render_card(card), 0)
    assert "Ñaqui" in front and "Tutor(a) / Guardian" in front


def _page_text(pdf: bytes, index: int) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[index].get_textpage().get_text_range()
    finally:
        document.close()


def test_print_batch_of_three_is_a_duplex_a4_sheet(family):
    documents = [f.request(p) for p in family[:3]]
    pdf = cards.render_sheets(documents)
    assert f.page_sizes_mm(pdf) == [A4_MM, A4_MM]  # fronts, then backs
    pages = f.decode_qr_codes(pdf, scale=400 / 72)
    assert pages[0] == []
    assert sorted(pages[1]) == sorted(d.qr_payload for d in documents)


def test_backs_are_mirrored_for_duplex(family):
    import pypdfium2
    import zxingcpp

    documents = [f.request(p) for p in family[:2]]
    pdf = cards.render_sheets(documents)
    page = pypdfium2.PdfDocument(pdf)[1]
    image = page.render(scale=300 / 72).to_pil()
    found = {r.text: r.position for r in zxingcpp.read_barcodes(image)}
    first, second = (found[d.qr_payload] for d in documents)
    # Card 1 is top-left on the front, so its back is top-right.
    assert first.top_left.x > image.width / 2 > second.top_left.x


def test_eleven_cards_take_two_sheets(family):
    documents = [f.request(p) for p in family[:3]] * 4  # 12 slots
    pdf = cards.render_sheets(documents[:11])
    assert len(f.page_sizes_mm(pdf)) == 4
