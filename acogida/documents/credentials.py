"""The credential in a document's QR code: MOSIP ID Claim 169, signed with Ed25519. Pure: no Django.

Layout (what any Claim 169 reader — MOSIP Inji Verify, the PyPI package ``claim169`` — sees):
Base45( zlib( COSE_Sign1( CWT{iss, iat, nbf, exp, 169: claim} ) ) ), algorithm EdDSA, and the
issuer key's ``kid`` (the ASCII bytes of the JWK ``kid``) in the *protected* header, so that a
verifier picks the right public key after a rotation and nobody can swap the kid unnoticed.

Claim 169 fields used: 1 id (document number), 2 version, 4 full name, 5 first name (given names),
7 last name (both surnames), 8 date of birth, 9 gender (1 male, 2 female, 3 other), 13 nationality
(ISO 3166 alpha-3), 16/17 photo and its format (only when given), 21 location code, 22 legal status,
23 country of issuance (``MEX``).

Document type: Claim 169 has no field for it, so it travels in ``version`` as ``<type>/1``
(``temporary_id/1``, ``work_permit/1``): a typed, machine-readable value that readers display
verbatim, with a schema version after the slash. The legal status says the same thing in words
("… autorizado para trabajar") for a person reading any Claim 169 app.

Validity: the card's dates are calendar days in ``CARD_TZ`` (Mexico City time, where the caravan is
received). ``nbf`` is the start of ``valid_from``, ``exp`` the start of the day after
``valid_until`` (so the card is good through its last printed day); the verifier turns them back
into the printed dates.

The photo is optional and must be small (``MAX_PHOTO_BYTES``): Base45 turns every 2 bytes into 3
QR characters and a JPEG or WebP does not compress, so each photo byte costs 1.5 characters of a
QR code that must still scan from a phone held over a printed card. ``qr_photo`` makes such a
copy (a greyscale WebP a few hundred bytes long) from a registry photo.
"""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import claim169
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

CARD_TZ = ZoneInfo("America/Mexico_City")
COUNTRY_OF_ISSUANCE = "MEX"
DOC_TYPES = ("temporary_id", "work_permit")
SCHEMA_VERSION = "1"
MAX_PHOTO_BYTES = 1024  # hard cap: QR version 31-M; the app default is ACOGIDA_QR_PHOTO_MAX_BYTES
MAX_DECOMPRESSED_BYTES = 65536  # as claim169's own limit: a zlib bomb is refused
BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
MAX_PAYLOAD_CHARS = 4296  # the most a QR code (version 40-L, alphanumeric) can hold
GENDER_CODES = {"male": claim169.Gender.MALE, "female": claim169.Gender.FEMALE,
                "other": claim169.Gender.OTHER}
REASONS = ("ok", "bad_signature", "unknown_key", "expired", "not_yet_valid", "revoked", "malformed")

DocType = Literal["temporary_id", "work_permit"]
Sex = Literal["female", "male", "other"]
Reason = Literal["ok", "bad_signature", "unknown_key", "expired", "not_yet_valid", "revoked",
                 "malformed"]
# kid → raw 32-byte Ed25519 public key. A plain dict: old keys stay in it so old cards verify.
PublicKeys = Mapping[str, bytes]


# ---------------------------------------------------------------------------------------------
# Keys


def kid_for(public_key: bytes) -> str:
    """Key id: the first 16 hex characters of SHA-256 of the raw public key (stable, derivable)."""
    return hashlib.sha256(public_key).hexdigest()[:16]


@dataclass(frozen=True)
class IssuerKey:
    kid: str
    private_key: Ed25519PrivateKey = field(repr=False)

    @classmethod
    def generate(cls) -> IssuerKey:
        private_key = Ed25519PrivateKey.generate()
        return cls(kid_for(raw_public_key(private_key.public_key())), private_key)

    @classmethod
    def from_seed(cls, seed: bytes, kid: str | None = None) -> IssuerKey:
        """From the 32-byte Ed25519 private key seed; the kid is derived unless given."""
        if len(seed) != 32:
            raise ValueError("an Ed25519 private key seed is 32 bytes")
        private_key = Ed25519PrivateKey.from_private_bytes(seed)
        return cls(kid or kid_for(raw_public_key(private_key.public_key())), private_key)

    @property
    def public_bytes(self) -> bytes:
        return raw_public_key(self.private_key.public_key())

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data)


def raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str):
        raise ValueError("expected a base64url string")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwk_for(kid: str, public_key: bytes) -> dict:
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(public_key), "kid": kid, "use": "sig",
            "alg": "EdDSA"}


class KeySetInvalid(ValueError):
    """A JWK set that cannot be read as Ed25519 issuer keys."""


def public_keys_from_jwks(document: object) -> dict[str, bytes]:
    """``{"keys": [JWK, …]}`` → kid → public key. Keys of other types are skipped; a broken
    Ed25519 entry, or a set without one, raises ``KeySetInvalid``."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise KeySetInvalid('a JWK set is an object with a "keys" list')
    keys: dict[str, bytes] = {}
    for index, jwk in enumerate(document["keys"]):
        if not isinstance(jwk, dict):
            raise KeySetInvalid(f"key {index} is not an object")
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            continue
        kid = jwk.get("kid")
        if not isinstance(kid, str) or not kid:
            raise KeySetInvalid(f"key {index} has no kid")
        try:
            public_key = b64url_decode(jwk.get("x"))
        except (ValueError, TypeError) as exc:
            raise KeySetInvalid(f"key {kid}: x is not base64url") from exc
        if len(public_key) != 32:
            raise KeySetInvalid(f"key {kid}: x is not a 32-byte Ed25519 public key")
        keys[kid] = public_key
    if not keys:
        raise KeySetInvalid("the JWK set holds no Ed25519 key")
    return keys


# ---------------------------------------------------------------------------------------------
# The card and its credential


@dataclass(frozen=True)
class CardData:
    number: str
    doc_type: DocType
    full_name: str
    given_names: str
    first_surname: str
    second_surname: str
    date_of_birth: date
    sex: Sex
    nationality: str  # ISO 3166-1 alpha-3
    legal_status: str
    location_code: str
    photo: bytes | None  # JPEG or WebP, at most MAX_PHOTO_BYTES (see qr_photo)
    valid_from: date
    valid_until: date  # last day the card is good
    issued_at: datetime  # timezone-aware
    issuer: str


@dataclass(frozen=True)
class Verification:
    valid: bool
    reason: Reason
    # What is printed on the card; present once the signature checks out (so also for expired,
    # not-yet-valid and revoked cards), None when the payload cannot be trusted.
    document: dict | None = None

    def as_dict(self) -> dict:
        return {"valid": self.valid, "reason": self.reason, "document": self.document}


def _photo_format(photo: bytes) -> int:
    if photo[:3] == b"\xff\xd8\xff":
        return claim169.PhotoFormat.JPEG
    if photo[:4] == b"RIFF" and photo[8:12] == b"WEBP":
        return claim169.PhotoFormat.WEBP
    raise ValueError("the QR photo must be a JPEG or a WebP")


PHOTO_MIME = {claim169.PhotoFormat.JPEG: "image/jpeg", claim169.PhotoFormat.WEBP: "image/webp",
              claim169.PhotoFormat.JPEG2000: "image/jp2", claim169.PhotoFormat.AVIF: "image/avif"}


def _start_of(day: date, tz: ZoneInfo) -> int:
    return int(datetime.combine(day, time.min, tzinfo=tz).timestamp())


def encode_credential(card: CardData, key: IssuerKey, *, tz: ZoneInfo = CARD_TZ) -> str:
    """The Base45 text for the card's QR code. Raises ValueError for a card that cannot be
    encoded (unknown type or sex, naive issued_at, photo too large or not JPEG/WebP)."""
    if card.doc_type not in DOC_TYPES:
        raise ValueError(f"unknown document type {card.doc_type!r}")
    if card.sex not in GENDER_CODES:
        raise ValueError(f"unknown sex {card.sex!r}")
    if card.issued_at.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    if card.valid_until < card.valid_from:
        raise ValueError("valid_until is before valid_from")
    claim = claim169.Claim169Input(
        id=card.number,
        version=f"{card.doc_type}/{SCHEMA_VERSION}",
        full_name=card.full_name,
        first_name=card.given_names or None,
        last_name=" ".join(s for s in (card.first_surname, card.second_surname) if s) or None,
        date_of_birth=card.date_of_birth.isoformat(),
        gender=int(GENDER_CODES[card.sex]),
        nationality=card.nationality or None,
        legal_status=card.legal_status or None,
        country_of_issuance=COUNTRY_OF_ISSUANCE,
        location_code=card.location_code or None,
    )
    if card.photo:
        if len(card.photo) > MAX_PHOTO_BYTES:
            raise ValueError(f"the QR photo is {len(card.photo)} bytes; at most {MAX_PHOTO_BYTES}"
                             " bytes keep the QR code scannable (make one with qr_photo)")
        claim.photo = card.photo
        claim.photo_format = int(_photo_format(card.photo))
    meta = claim169.CwtMetaInput(issuer=card.issuer,
                                 expires_at=_start_of(card.valid_until + timedelta(days=1), tz))
    meta.not_before = _start_of(card.valid_from, tz)
    meta.issued_at = int(card.issued_at.timestamp())
    private_key = key.private_key
    return claim169.encode_with_signer(
        claim, meta, lambda _alg, _kid, data: private_key.sign(data), "EdDSA",
        key_id=key.kid.encode("utf-8"))


_B45_TABLE = bytes(BASE45_ALPHABET.index(chr(c)) if chr(c) in BASE45_ALPHABET else 255
                   for c in range(256))


def _complete_zlib_in_base45(payload: str) -> bool:
    """Whether payload is canonical Base45 of one complete zlib stream and nothing after it.

    ``claim169`` also accepts an uncompressed message and a zlib stream cut off before its
    checksum; a card's code is neither, so a truncated or re-encoded scan is refused as malformed
    even when the signed part inside happens to survive."""
    try:
        values = payload.encode("ascii").translate(_B45_TABLE)
    except UnicodeEncodeError:
        return False
    whole, tail = divmod(len(values), 3)
    if tail == 1 or 255 in values:
        return False
    end = whole * 3
    numbers = [a + b * 45 + c * 2025
               for a, b, c in zip(values[0:end:3], values[1:end:3], values[2:end:3], strict=True)]
    if numbers and max(numbers) > 0xFFFF:
        return False
    data = struct.pack(f">{whole}H", *numbers)
    if tail:
        number = values[-2] + values[-1] * 45
        if number > 0xFF:
            return False
        data += bytes((number,))
    decompressor = zlib.decompressobj()
    try:
        decompressor.decompress(data, MAX_DECOMPRESSED_BYTES)
    except zlib.error:
        return False
    return decompressor.eof and not decompressor.unused_data and not decompressor.unconsumed_tail


def _fail(reason: Reason, document: dict | None = None) -> Verification:
    return Verification(valid=False, reason=reason, document=document)


def _document(result: claim169.DecodeResult, tz: ZoneInfo) -> dict:
    """The printed fields, from a decoded, signature-checked credential. ValueError if one that
    every Acogida card carries is missing or wrong."""
    claim, meta = result.claim169, result.cwt_meta
    doc_type, _, _schema = (claim.version or "").partition("/")
    if doc_type not in DOC_TYPES:
        raise ValueError("no document type")
    if not claim.id or not claim.full_name or meta.not_before is None or meta.expires_at is None:
        raise ValueError("a required field is missing")
    date_of_birth = date.fromisoformat(claim.date_of_birth or "")
    photo = bytes(claim.photo) if claim.photo else None
    return {
        "type": doc_type,
        "number": claim.id,
        "holder_name": claim.full_name,
        "date_of_birth": date_of_birth.isoformat(),
        "photo": base64.b64encode(photo).decode("ascii") if photo else None,
        "photo_mime": PHOTO_MIME.get(claim.photo_format, "image/jpeg") if photo else None,
        "valid_from": datetime.fromtimestamp(meta.not_before, tz).date().isoformat(),
        "valid_until": datetime.fromtimestamp(meta.expires_at - 1, tz).date().isoformat(),
    }


def verify_credential(payload: str, keys: PublicKeys, *, revoked: frozenset[str] = frozenset(),
                      now: datetime, tz: ZoneInfo = CARD_TZ) -> Verification:
    """Check a scanned payload offline. Never raises on bad input: every failure is a
    ``Verification(valid=False, reason=…)``. Order: malformed → unknown_key → bad_signature →
    revoked → not_yet_valid → expired. Only complete zlib streams in canonical Base45 are read
    (a scan that lost its tail is malformed even if the signed part survived)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not isinstance(payload, str):
        return _fail("malformed")
    payload = payload.strip("\r\n\t")  # not spaces: " " is a Base45 character
    if not payload or len(payload) > MAX_PAYLOAD_CHARS:
        return _fail("malformed")
    try:
        if not _complete_zlib_in_base45(payload):
            return _fail("malformed")
        try:
            header = claim169.inspect(payload)
        except claim169.Claim169Exception:
            return _fail("malformed")
        if header.cose_type != "Sign1":
            return _fail("malformed")
        try:
            kid = header.key_id.decode("utf-8") if header.key_id else None
        except UnicodeDecodeError:
            kid = None
        public_key = keys.get(kid) if kid else None
        if public_key is None:
            return _fail("unknown_key")
        if header.algorithm != "EdDSA":
            return _fail("bad_signature")
        try:
            result = claim169.decode_with_ed25519(payload, public_key, validate_timestamps=False)
        except claim169.SignatureError:
            return _fail("bad_signature")
        except claim169.Claim169Exception:
            return _fail("malformed")
        if not result.is_verified():
            return _fail("bad_signature")
        try:
            document = _document(result, tz)
        except (ValueError, TypeError, OverflowError, OSError):
            return _fail("malformed")
    except Exception:  # a scanner must get an answer, whatever it read
        return _fail("malformed")
    except BaseException as exc:  # pyo3's PanicException derives from BaseException
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        return _fail("malformed")

    if document["number"] in revoked:
        return _fail("revoked", document)
    timestamp = now.timestamp()
    if timestamp < result.cwt_meta.not_before:
        return _fail("not_yet_valid", document)
    if timestamp >= result.cwt_meta.expires_at:
        return _fail("expired", document)
    return Verification(valid=True, reason="ok", document=document)


# ---------------------------------------------------------------------------------------------
# The photo in the QR code


def qr_photo(image: bytes, max_bytes: int = 700, *,
             size: tuple[int, int] = (48, 60)) -> bytes | None:
    """A greyscale WebP copy of a photo small enough for the QR code (≤ max_bytes), or None when
    even the lowest quality does not fit (the card then goes out without a photo in its QR)."""
    from PIL import Image, ImageOps  # imported here: encoding and verifying do not need Pillow

    if max_bytes <= 0:
        return None
    with Image.open(io.BytesIO(image)) as source:
        picture = ImageOps.fit(ImageOps.exif_transpose(source).convert("L"), size)
    for quality in (60, 45, 30, 20, 10):
        out = io.BytesIO()
        picture.save(out, format="WEBP", quality=quality, method=6)
        if out.tell() <= max_bytes:
            return out.getvalue()
    return None


__all__ = ["CARD_TZ", "DOC_TYPES", "MAX_PHOTO_BYTES", "REASONS", "CardData", "IssuerKey",
           "KeySetInvalid", "PublicKeys", "Verification", "b64url", "encode_credential",
           "jwk_for", "kid_for", "public_keys_from_jwks", "qr_photo", "verify_credential"]
