"""Documents benchmark: the Claim 169 codec against bare Ed25519, on one core.

    python benchmarks/documents.py [--cards 2000] [--seconds 2] [--seed S]

Realistic cards (Spanish names of the caravan, real document numbers, both document types; half of
them with the small greyscale WebP photo the app puts in the QR code) are signed and encoded, then
verified, each in a loop pinned to one CPU. The same machine's bare Ed25519 sign and verify rates
(``cryptography``, a message the size of a card's COSE Sig_structure) are printed beside them, and
the ratio shows what the CBOR, zlib, Base45 and checks cost on top of the signature. Targets:
sign+encode >= 1,000 credentials/s, verify >= 2,000/s.

One function per measurement, each returning table rows; ``main`` runs the functions in
``MEASUREMENTS`` (add one there to time something else, e.g. the print-batch PDF).
"""

import argparse
import io
import os
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from acogida.core import ids  # noqa: E402
from acogida.documents.credentials import (  # noqa: E402
    CardData,
    IssuerKey,
    encode_credential,
    qr_photo,
    verify_credential,
)

TARGETS = {"encode": 1_000, "verify": 2_000}
MEN = ["José", "Carlos", "Luis", "Kevin", "Jorge", "Mario", "Wilmer", "Óscar", "Marvin", "Elvin",
       "Josué", "Brayan", "Juan", "Pedro"]
WOMEN = ["María", "Karla", "Sandra", "Ana", "Dania", "Wendy", "Yolanda", "Suyapa", "Maritza",
         "Yesenia", "Nohemí", "Rosa"]
SURNAMES = ["Hernández", "López", "Martínez", "García", "Rodríguez", "Mejía", "Flores", "Cruz",
            "Reyes", "Ramírez", "Aguilar", "Castillo", "Díaz", "Pérez", "Sánchez", "Velásquez",
            "Zelaya", "Maldonado", "Orellana", "Núñez"]
NATIONALITIES = ["HND", "GTM", "SLV", "VEN", "HTI", "NIC", "CUB", "COL", "ECU"]
STATUS = {"temporary_id": "Persona registrada — identificación temporal",
          "work_permit": "Solicitante de refugio — autorizado para trabajar"}

Row = tuple[str, float, str]  # what, figure, unit / note


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cards", type=int, default=2_000, help="distinct cards in the loop")
    parser.add_argument("--seconds", type=float, default=2.0, help="time each loop at least")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--batch", type=int, default=1_000,
                        help="cards in the timed print batch PDF")
    return parser.parse_args(argv)


def pin_to_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def portrait() -> bytes:
    """A registry-sized photo (600 px JPEG) of a drawn face with camera-like noise."""
    from PIL import Image, ImageDraw, ImageFilter

    image = Image.new("RGB", (480, 600), (196, 204, 214))
    draw = ImageDraw.Draw(image)
    draw.rectangle((90, 380, 390, 600), fill=(38, 58, 118))
    draw.ellipse((140, 110, 340, 390), fill=(186, 146, 116))
    draw.ellipse((130, 70, 350, 200), fill=(34, 24, 14))
    for x in (190, 265):
        draw.ellipse((x, 220, x + 28, 240), fill=(30, 30, 30))
    draw.arc((200, 290, 280, 340), 20, 160, fill=(120, 40, 40), width=5)
    noise = Image.effect_noise(image.size, 18).convert("RGB")
    image = Image.blend(image, noise, 0.12).filter(ImageFilter.GaussianBlur(0.8))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def make_cards(count: int, seed: int, photo: bytes | None) -> list[CardData]:
    rng = random.Random(seed)
    today = date(2026, 11, 29)
    cards = []
    for i in range(count):
        sex = rng.choice(["female", "male"])
        given = " ".join(rng.sample(WOMEN if sex == "female" else MEN, rng.choice([1, 2])))
        first, second = rng.choice(SURNAMES), rng.choice(SURNAMES)
        doc_type = rng.choice(["temporary_id", "work_permit"])
        valid_from = today - timedelta(days=rng.randrange(200))
        cards.append(CardData(
            number=ids.new_number(), doc_type=doc_type,
            full_name=f"{given} {first} {second}", given_names=given, first_surname=first,
            second_surname=second,
            date_of_birth=date(rng.randrange(1960, 2008), rng.randrange(1, 13),
                               rng.randrange(1, 29)),
            sex=sex, nationality=rng.choice(NATIONALITIES), legal_status=STATUS[doc_type],
            location_code=rng.choice(["MX-CHP-TAP", "MX-CHP-HUI", "MX-OAX-JUC"]),
            photo=photo if i % 2 else None, valid_from=valid_from,
            valid_until=valid_from + timedelta(days=364),
            issued_at=datetime.combine(valid_from, datetime.min.time(), UTC), issuer="Acogida"))
    return cards


def rate(function: Callable[[int], None], count: int, seconds: float) -> float:
    """Calls per second of function(i), i cycling through range(count), over >= seconds."""
    function(0)  # warm up
    done, start = 0, time.perf_counter()
    while True:
        for i in range(count):
            function(i)
        done += count
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


# ---- measurements -------------------------------------------------------------------------------


def measure_codec(state: dict, args) -> list[Row]:
    key: IssuerKey = state["key"]
    cards: list[CardData] = state["cards"]
    payloads = [encode_credential(card, key) for card in cards]
    state["payloads"] = payloads
    keys = {key.kid: key.public_bytes}
    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    revoked = frozenset(ids.new_number() for _ in range(10_000))
    results = [verify_credential(p, keys, revoked=revoked, now=now) for p in payloads]
    assert all(r.valid for r in results), {r.reason for r in results}
    encode = rate(lambda i: encode_credential(cards[i], key), len(cards), args.seconds)
    verify = rate(lambda i: verify_credential(payloads[i], keys, revoked=revoked, now=now),
                  len(payloads), args.seconds)
    state.update(encode=encode, verify=verify)
    return [("sign+encode credential", encode, f"/s (target >= {TARGETS['encode']:,})"),
            ("verify credential (10,000 revoked)", verify, f"/s (target >= {TARGETS['verify']:,})")]


def measure_raw_ed25519(state: dict, args) -> list[Row]:
    key: IssuerKey = state["key"]
    public_key = key.private_key.public_key()
    messages = [os.urandom(300) for _ in range(256)]  # ~ a card's COSE Sig_structure
    signatures = [key.sign(m) for m in messages]
    sign = rate(lambda i: key.sign(messages[i]), len(messages), args.seconds)
    verify = rate(lambda i: public_key.verify(signatures[i], messages[i]), len(messages),
                  args.seconds)
    return [("raw Ed25519 sign (cryptography)", sign, "/s"),
            ("raw Ed25519 verify (cryptography)", verify, "/s"),
            ("ratio sign+encode / raw sign", state["encode"] / sign, ""),
            ("ratio verify / raw verify", state["verify"] / verify, "")]


def measure_qr_size(state: dict, args) -> list[Row]:
    rows: list[Row] = []
    cards, payloads = state["cards"], state["payloads"]
    for label, has_photo in (("without photo", False), ("with photo", True)):
        chosen = [p for c, p in zip(cards, payloads, strict=True) if bool(c.photo) == has_photo]
        longest = max(chosen, key=len)
        note = ""
        try:
            import segno

            note = f"chars; QR version {segno.make(longest, error='m', micro=False).version}-M"
        except ImportError:
            note = "chars"
        rows.append((f"payload length {label} (longest)", len(longest), note))
    photo = state["photo"]
    rows.append(("QR photo (greyscale WebP 48x60)", len(photo) if photo else 0, "bytes"))
    return rows


# ---- the print-batch PDF (acogida.documents.cards) ----------------------------------------------

BATCH_TARGET_SECONDS = 60.0


def measure_print_batch(state: dict, args) -> list[Row]:
    """A print batch of ``--batch`` cards (default 1,000) rendered to one A4 PDF, cold: every
    card has its own registry photo (a 600 px JPEG on disk) and its own QR code, traced afresh
    (the QR mask is chosen at request time and kept on the document, so it is not timed).
    Self-contained: it sets up Django on a temporary data dir and needs no database (the
    documents are built in memory as ``services.request_document`` would store them)."""
    import tempfile

    os.environ.setdefault("ACOGIDA_DATA_DIR", tempfile.mkdtemp(prefix="acogida-bench-docs-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acogida.settings")
    import django

    django.setup()
    from django.conf import settings
    from PIL import Image

    from acogida.documents import card_data, cards
    from acogida.documents.models import Document
    from acogida.registry.models import Person, RegistrationPoint

    count = getattr(args, "batch", 1_000)
    key: IssuerKey = state["key"]
    point = RegistrationPoint(code="MX-CHP-TAP", name="Tapachula", state="Chiapas",
                              municipality="Tapachula")
    photo_dir = Path(settings.PRIVATE_DIR) / "photos"
    photo_dir.mkdir(parents=True, exist_ok=True)
    base = Image.open(io.BytesIO(portrait())).convert("RGB")
    documents = []
    for i, card in enumerate(make_cards(count, args.seed + 1, state.get("photo"))):
        picture = base.copy()  # each card its own photo, as in a real batch
        picture.paste(Image.effect_noise((120, 60), 40).convert("RGB"), (180 + i % 100, 400))
        name = f"photos/bench-{i}.jpg"
        picture.save(photo_dir / f"bench-{i}.jpg", format="JPEG", quality=85)
        person = Person(registration_number=ids.new_number(), given_names=card.given_names,
                        first_surname=card.first_surname, second_surname=card.second_surname,
                        sex=card.sex, date_of_birth=card.date_of_birth,
                        nationality=card.nationality, registration_point=point, photo=name)
        basis = "refugee_application_lodged" if card.doc_type == "work_permit" else ""
        snapshot = card_data.snapshot(person=person, doc_type=card.doc_type, legal_basis=basis,
                                      office=point, guardian=None, employer="",
                                      valid_states=[])
        documents.append(Document(
            number=card.number, doc_type=card.doc_type, holder=person, legal_basis=basis,
            legal_status=snapshot["legal_status"], issue_date=card.valid_from,
            valid_from=card.valid_from, valid_until=card.valid_until, office=point,
            requested_at=card.issued_at, card=snapshot,
            qr_payload=encode_credential(card, key)))
        # chosen at request time and stored (services._sign), so not part of the print time
        documents[-1].qr_mask = cards.qr_code(documents[-1].qr_payload).mask
    one = cards.render_card(documents[1])  # a card with a photo
    cards.qr_outline.cache_clear()
    start = time.perf_counter()
    pdf = cards.render_sheets(documents)
    seconds = time.perf_counter() - start
    state["batch_seconds"] = seconds
    sheets = -(-count // (cards.COLUMNS * cards.ROWS))
    return [(f"print batch PDF, {count:,} cards ({sheets} A4 sheets, duplex)", seconds,
             f"s (target <= {BATCH_TARGET_SECONDS:.0f} s)"),
            ("  per card", seconds / count * 1000, "ms"),
            ("  batch PDF size", len(pdf) / 1e6, "MB"),
            ("single card PDF (front + back, with photo)", len(one) / 1000, "kB")]


MEASUREMENTS: list[Callable[[dict, argparse.Namespace], list[Row]]] = [
    measure_codec, measure_raw_ed25519, measure_qr_size, measure_print_batch]


def main(argv=None) -> int:
    args = parse_args(argv)
    where = pin_to_one_core()
    photo = qr_photo(portrait(), 700)
    state = {"key": IssuerKey.generate(), "photo": photo,
             "cards": make_cards(args.cards, args.seed, photo)}
    print(f"Documents benchmark — {args.cards:,} cards, half with a photo; {where}")
    rows: list[Row] = []
    for measurement in MEASUREMENTS:
        rows += measurement(state, args)
    width = max(len(what) for what, _, _ in rows)
    for what, figure, note in rows:
        shown = f"{figure:,.2f}" if figure < 100 else f"{figure:,.0f}"
        print(f"  {what:<{width}}  {shown:>10}  {note}")
    ok = state["encode"] >= TARGETS["encode"] and state["verify"] >= TARGETS["verify"]
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
