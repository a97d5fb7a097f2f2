"""The Claim 169 credential: what any reader decodes, and every way a scanned code can be wrong."""

import base64
import io
import zlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import cbor2
import claim169
import pytest

from acogida.documents.credentials import (
    CARD_TZ,
    MAX_PHOTO_BYTES,
    CardData,
    IssuerKey,
    encode_credential,
    kid_for,
    public_keys_from_jwks,
    qr_photo,
    verify_credential,
)

B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def b45decode(text: str) -> bytes:
    out = bytearray()
    for i in range(0, len(text), 3):
        chunk = text[i : i + 3]
        value = sum(B45.index(c) * 45**k for k, c in enumerate(chunk))
        out += value.to_bytes(2 if len(chunk) == 3 else 1, "big")
    return bytes(out)


def b45encode(data: bytes) -> str:
    out = []
    for i in range(0, len(data), 2):
        pair = data[i : i + 2]
        value, digits = int.from_bytes(pair, "big"), 3 if len(pair) == 2 else 2
        for _ in range(digits):
            value, rest = divmod(value, 45)
            out.append(B45[rest])
    return "".join(out)


def webp_photo() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (300, 375), (200, 205, 215))
    draw = ImageDraw.Draw(image)
    draw.ellipse((90, 60, 210, 220), fill=(180, 140, 110))
    draw.rectangle((60, 230, 240, 375), fill=(40, 60, 120))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    photo = qr_photo(out.getvalue(), 700)
    assert photo is not None and len(photo) <= 700
    return photo


def make_card(**changes) -> CardData:
    card = CardData(
        number="K7Q2-M9XD-3F", doc_type="work_permit",
        full_name="María Guadalupe Hernández López", given_names="María Guadalupe",
        first_surname="Hernández", second_surname="López", date_of_birth=date(1990, 4, 12),
        sex="female", nationality="HND",
        legal_status="Solicitante de refugio — autorizado para trabajar",
        location_code="MX-CHP-TAP", photo=None, valid_from=date(2025, 1, 10),
        valid_until=date(2026, 1, 9), issued_at=datetime(2025, 1, 10, 15, 30, tzinfo=UTC),
        issuer="Acogida")
    return replace(card, **changes)


@pytest.fixture(scope="module")
def key() -> IssuerKey:
    return IssuerKey.generate()


@pytest.fixture(scope="module")
def keys(key) -> dict[str, bytes]:
    return {key.kid: key.public_bytes}


@pytest.fixture(scope="module")
def payload(key) -> str:
    return encode_credential(make_card(), key)


def test_round_trip(payload, keys):
    result = verify_credential(payload, keys, now=NOW)
    assert result.valid and result.reason == "ok"
    assert result.document == {
        "type": "work_permit", "number": "K7Q2-M9XD-3F",
        "holder_name": "María Guadalupe Hernández López", "date_of_birth": "1990-04-12",
        "photo": None, "photo_mime": None, "valid_from": "2025-01-10", "valid_until": "2026-01-09"}
    assert result.as_dict()["valid"] is True


def test_the_claim169_package_decodes_and_verifies_with_the_public_key(key):
    today = datetime.now(UTC).date()
    card = make_card(valid_from=today - timedelta(days=1), valid_until=today + timedelta(days=364))
    payload = encode_credential(card, key)
    result = claim169.decode_with_ed25519(payload, key.public_bytes)  # timestamps checked too
    assert result.is_verified()
    claim = result.claim169
    assert claim.id == "K7Q2-M9XD-3F"
    assert claim.full_name == "María Guadalupe Hernández López"
    assert claim.first_name == "María Guadalupe"
    assert claim.last_name == "Hernández López"
    assert claim.date_of_birth == "1990-04-12"
    assert claim.gender == claim169.Gender.FEMALE == 2
    assert claim.nationality == "HND"
    assert claim.legal_status == "Solicitante de refugio — autorizado para trabajar"
    assert claim.country_of_issuance == "MEX"
    assert claim.location_code == "MX-CHP-TAP"
    assert claim.version == "work_permit/1"
    assert claim.photo is None
    meta = result.cwt_meta
    assert meta.issuer == "Acogida"
    assert meta.issued_at == int(card.issued_at.timestamp())
    start = datetime.combine(card.valid_from, datetime.min.time(), CARD_TZ)
    assert meta.not_before == int(start.timestamp())
    end = datetime.combine(card.valid_until + timedelta(days=1), datetime.min.time(), CARD_TZ)
    assert meta.expires_at == int(end.timestamp())
    assert claim169.inspect(payload).key_id == key.kid.encode()
    assert claim169.inspect(payload).algorithm == "EdDSA"


def test_the_kid_is_in_the_protected_header(payload, key):
    message = cbor2.loads(zlib.decompress(b45decode(payload)))
    protected = cbor2.loads(message.value[0])
    assert protected == {1: -8, 4: key.kid.encode()}  # alg EdDSA, kid
    assert key.kid == kid_for(key.public_bytes) and len(key.kid) == 16


@pytest.mark.parametrize(("sex", "code"), [("male", 1), ("female", 2), ("other", 3)])
def test_gender_codes(key, sex, code):
    payload = encode_credential(make_card(sex=sex), key)
    assert claim169.decode_with_ed25519(payload, key.public_bytes,
                                        validate_timestamps=False).claim169.gender == code


def test_temporary_id_type_is_recovered(key, keys):
    payload = encode_credential(make_card(doc_type="temporary_id", legal_status="Solicitante de "
                                          "refugio"), key)
    assert verify_credential(payload, keys, now=NOW).document["type"] == "temporary_id"


def test_photo_travels_when_given(key, keys):
    photo = webp_photo()
    payload = encode_credential(make_card(photo=photo), key)
    decoded = claim169.decode_with_ed25519(payload, key.public_bytes,
                                           validate_timestamps=False).claim169
    assert decoded.photo == photo and decoded.photo_format == claim169.PhotoFormat.WEBP
    document = verify_credential(payload, keys, now=NOW).document
    assert base64.b64decode(document["photo"]) == photo
    assert document["photo_mime"] == "image/webp"


def test_photo_too_large_or_unknown_format_is_refused(key):
    with pytest.raises(ValueError, match="at most"):
        encode_credential(make_card(photo=b"\xff\xd8\xff" + bytes(MAX_PHOTO_BYTES)), key)
    with pytest.raises(ValueError, match="JPEG or a WebP"):
        encode_credential(make_card(photo=b"GIF89a" + bytes(100)), key)


def test_qr_code_scans_back_with_and_without_photo(key, keys):
    segno = pytest.importorskip("segno")
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    for photo in (None, webp_photo()):
        payload = encode_credential(make_card(photo=photo), key)
        qr = segno.make(payload, error="m", micro=False)
        assert qr.version <= (14 if photo is None else 27)  # compressed length varies by key
        out = io.BytesIO()
        qr.save(out, kind="png", scale=3, border=4)
        found = zxingcpp.read_barcodes(Image.open(io.BytesIO(out.getvalue())))
        assert [b.text for b in found] == [payload]
        assert verify_credential(found[0].text, keys, now=NOW).valid


# --- times, revocation ------------------------------------------------------------------------


def test_validity_runs_through_the_last_printed_day(payload, keys):
    first = datetime(2025, 1, 10, tzinfo=CARD_TZ)
    last = datetime(2026, 1, 10, tzinfo=CARD_TZ)
    assert verify_credential(payload, keys, now=first).valid
    assert verify_credential(payload, keys, now=last - timedelta(seconds=1)).valid
    early = verify_credential(payload, keys, now=first - timedelta(seconds=1))
    assert (early.valid, early.reason) == (False, "not_yet_valid")
    late = verify_credential(payload, keys, now=last)
    assert (late.valid, late.reason) == (False, "expired")
    assert late.document["number"] == "K7Q2-M9XD-3F"  # authentic, shown so the checker sees whose


def test_revoked(payload, keys):
    result = verify_credential(payload, keys, revoked=frozenset({"K7Q2-M9XD-3F"}), now=NOW)
    assert (result.valid, result.reason) == (False, "revoked")
    assert result.document["holder_name"] == "María Guadalupe Hernández López"
    other = verify_credential(payload, keys, revoked=frozenset({"ZZZZ-ZZZZ-ZZ"}), now=NOW)
    assert other.valid


def test_naive_now_is_a_programming_error(payload, keys):
    with pytest.raises(ValueError):
        verify_credential(payload, keys, now=datetime(2025, 3, 1))


# --- bad input: always valid=False with a reason, never an exception --------------------------


def expect(payload, keys, reason):
    result = verify_credential(payload, keys, now=NOW)
    assert (result.valid, result.reason) == (False, reason), payload[:40]
    if reason in ("malformed", "unknown_key", "bad_signature"):
        assert result.document is None


@pytest.mark.parametrize("garbage", [
    "", "   ", "garbage", "hello world!", "6BF", "6BF3*C", "::::::", "ÄÖÜ", "A" * 5000,
    base64.b64encode(b"not a credential" * 10).decode(), "HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5",
])
def test_garbage_is_malformed(garbage, keys):
    expect(garbage, keys, "malformed")


def test_non_string_is_malformed(keys):
    expect(None, keys, "malformed")
    expect(b"6BF3", keys, "malformed")


def test_truncated(payload, keys):
    for length in range(len(payload)):
        result = verify_credential(payload[:length], keys, now=NOW)
        assert not result.valid and result.reason in ("malformed", "bad_signature")


def test_byte_flips_anywhere_never_pass(payload, keys):
    reasons = set()
    for position in range(len(payload)):
        for shift in (1, 17):
            flipped = B45[(B45.index(payload[position]) + shift) % 45]
            mutated = payload[:position] + flipped + payload[position + 1 :]
            result = verify_credential(mutated, keys, now=NOW)
            assert not result.valid, (position, shift)
            reasons.add(result.reason)
    # zlib's checksum catches a change before the signature is even looked at (forgeries that
    # keep the transport intact are in the tests below).
    assert reasons <= {"malformed", "bad_signature", "unknown_key"}


def test_altered_content_reencoded_with_the_old_signature(payload, keys):
    message = cbor2.loads(zlib.decompress(b45decode(payload)))
    protected, unprotected, body, signature = message.value
    claims = cbor2.loads(body)
    claims[169][4] = "Otra Persona"  # full name
    forged = cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, cbor2.dumps(claims),
                                            signature]))
    expect(b45encode(zlib.compress(forged, 9)), keys, "bad_signature")
    later = dict(cbor2.loads(body))
    later[4] += 10 * 365 * 86400  # extend the expiry
    forged = cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, cbor2.dumps(later),
                                            signature]))
    expect(b45encode(zlib.compress(forged, 9)), keys, "bad_signature")


def test_reencoded_transport(payload, keys):
    raw = b45decode(payload)
    expect(base64.b64encode(raw).decode(), keys, "malformed")  # base64 instead of Base45
    expect(b45encode(zlib.decompress(raw)), keys, "malformed")  # not compressed
    expect(b45encode(raw[:-2]), keys, "malformed")  # checksum cut off: claim169 alone accepts it
    expect(b45encode(raw + b"\0"), keys, "malformed")  # something after the stream
    expect(payload.lower(), keys, "malformed")
    assert verify_credential(payload + "\r\n", keys, now=NOW).valid  # a line end is forgiven
    # The same signed message compressed differently is the same credential: the signature
    # covers the COSE message, not its transport, so this one stays valid.
    recompressed = b45encode(zlib.compress(zlib.decompress(raw), 1))
    assert verify_credential(recompressed, keys, now=NOW).valid


def test_kid_swapped_in_the_unprotected_header_does_not_help(payload, key, keys):
    message = cbor2.loads(zlib.decompress(b45decode(payload)))
    protected, _unprotected, body, signature = message.value
    forged = cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps({1: -8}), {4: key.kid.encode()}, body,
                                            signature]))
    result = verify_credential(b45encode(zlib.compress(forged)), keys, now=NOW)
    assert not result.valid


def test_signed_by_another_key(keys):
    stranger = IssuerKey.generate()
    expect(encode_credential(make_card(), stranger), keys, "unknown_key")
    impostor = IssuerKey(next(iter(keys)), IssuerKey.generate().private_key)  # our kid, not ours
    expect(encode_credential(make_card(), impostor), keys, "bad_signature")


def test_unsigned_or_other_algorithm(key, keys):
    card = make_card()
    claim = claim169.Claim169Input(id=card.number, full_name=card.full_name,
                                   date_of_birth="1990-04-12", version="work_permit/1")
    meta = claim169.CwtMetaInput(issuer="Acogida", expires_at=2_000_000_000)
    meta.not_before = 1_700_000_000
    expect(claim169.encode_unsigned(claim, meta), keys, "unknown_key")
    es256 = claim169.encode_with_signer(claim, meta, lambda *_: bytes(64), "ES256",
                                        key_id=key.kid.encode())
    expect(es256, keys, "bad_signature")


def test_signed_credential_missing_our_fields_is_malformed(key, keys):
    claim = claim169.Claim169Input(id="K7Q2-M9XD-3F", full_name="Sin Tipo")
    meta = claim169.CwtMetaInput(issuer="Acogida", expires_at=2_000_000_000)
    meta.not_before = 1_700_000_000
    payload = claim169.encode_with_signer(claim, meta, lambda _a, _k, d: key.sign(d), "EdDSA",
                                          key_id=key.kid.encode())
    expect(payload, keys, "malformed")


def test_empty_key_set(payload):
    expect(payload, {}, "unknown_key")


# --- rotation and the JWK set ----------------------------------------------------------------


def test_old_documents_verify_after_rotation(key):
    old_payload = encode_credential(make_card(), key)
    new_key = IssuerKey.generate()
    new_payload = encode_credential(make_card(number="AB12-CD34-EF"), new_key)
    published = {key.kid: key.public_bytes, new_key.kid: new_key.public_bytes}
    assert verify_credential(old_payload, published, now=NOW).valid
    assert verify_credential(new_payload, published, now=NOW).valid
    assert claim169.inspect(new_payload).key_id == new_key.kid.encode()


def test_public_keys_from_jwks(key):
    jwks = {"keys": [
        {"kty": "EC", "crv": "P-256", "x": "abc", "y": "def", "kid": "other"},
        {"kty": "OKP", "crv": "Ed25519", "kid": key.kid,
         "x": base64.urlsafe_b64encode(key.public_bytes).rstrip(b"=").decode()},
    ]}
    assert public_keys_from_jwks(jwks) == {key.kid: key.public_bytes}
    for broken in ({}, {"keys": "x"}, {"keys": []}, {"keys": [{"kty": "OKP", "crv": "Ed25519",
                                                                "kid": "k", "x": "AAAA"}]}):
        with pytest.raises(ValueError):
            public_keys_from_jwks(broken)
