"""The signed revocation list that verifiers download and then use offline. Pure: no Django.

Shape (JSON)::

    {"issuer": "Acogida", "generated_at": "2025-01-10T15:00:00+00:00", "kid": "<issuer key>",
     "revoked": ["K7Q2-M9XD-3F", …], "signature": "<base64url Ed25519 signature>"}

The signature covers the canonical JSON of every other member: keys sorted, no whitespace, UTF-8,
non-ASCII characters written as themselves — for this shape (ASCII member names, strings and a
list of strings) that is exactly RFC 8785 (JCS), so a verifier in another language can rebuild the
signed bytes. ``revoked`` is sorted and without duplicates; 10,000 document numbers make about
150 KB (and about half that with the HTTP gzip any web server applies).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .credentials import IssuerKey, PublicKeys, b64url, b64url_decode

MEMBERS = {"issuer", "generated_at", "kid", "revoked", "signature"}


class RevocationListInvalid(ValueError):
    """The list is not one this issuer signed: wrong shape, unknown key or bad signature."""


def canonical(document: dict) -> bytes:
    unsigned = {name: value for name, value in document.items() if name != "signature"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def sign_revocations(numbers: Iterable[str], generated_at: datetime, key: IssuerKey, *,
                     issuer: str = "Acogida") -> dict:
    if generated_at.tzinfo is None:
        raise ValueError("generated_at must be timezone-aware")
    document = {"issuer": issuer, "generated_at": generated_at.isoformat(timespec="seconds"),
                "kid": key.kid,
                "revoked": sorted(set(numbers))}
    document["signature"] = b64url(key.sign(canonical(document)))
    return document


def verify_revocations(document: object, keys: PublicKeys) -> frozenset[str]:
    """The revoked numbers of a list signed by one of keys; RevocationListInvalid otherwise."""
    if not isinstance(document, dict) or set(document) != MEMBERS:
        raise RevocationListInvalid(
            "a revocation list has exactly the members " + ", ".join(sorted(MEMBERS)))
    revoked, kid = document["revoked"], document["kid"]
    if not isinstance(revoked, list) or not all(isinstance(n, str) for n in revoked):
        raise RevocationListInvalid('"revoked" must be a list of document numbers')
    if not all(isinstance(document[name], str) for name in ("issuer", "generated_at", "kid",
                                                           "signature")):
        raise RevocationListInvalid("issuer, generated_at, kid and signature must be strings")
    try:
        generated_at = datetime.fromisoformat(document["generated_at"])
    except ValueError as exc:
        raise RevocationListInvalid('"generated_at" is not an ISO 8601 time') from exc
    if generated_at.tzinfo is None:
        raise RevocationListInvalid('"generated_at" has no time zone')
    public_key = keys.get(kid)
    if public_key is None:
        raise RevocationListInvalid(f"the list is signed by an unknown key {kid!r}")
    try:
        signature = b64url_decode(document["signature"])
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, canonical(document))
    except (InvalidSignature, ValueError) as exc:
        raise RevocationListInvalid("the revocation list's signature does not match") from exc
    return frozenset(revoked)


def generated_at(document: dict) -> datetime:
    """When a (verified) list was made, to show how fresh a verifier's copy is."""
    return datetime.fromisoformat(document["generated_at"])
