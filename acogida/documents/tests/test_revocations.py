"""The signed revocation list: it verifies, a changed list is refused, and it stays small."""

import copy
import gzip
import json
from datetime import UTC, datetime

import pytest

from acogida.core import ids
from acogida.documents.credentials import IssuerKey
from acogida.documents.revocations import (
    RevocationListInvalid,
    sign_revocations,
    verify_revocations,
)

AT = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def key() -> IssuerKey:
    return IssuerKey.generate()


@pytest.fixture(scope="module")
def keys(key) -> dict[str, bytes]:
    return {key.kid: key.public_bytes}


def test_round_trip(key, keys):
    document = sign_revocations(["ZZZZ-ZZZZ-ZZ", "K7Q2-M9XD-3F", "K7Q2-M9XD-3F"], AT, key,
                                issuer="Secretaría de Gobernación")
    assert document["revoked"] == ["K7Q2-M9XD-3F", "ZZZZ-ZZZZ-ZZ"]  # sorted, once each
    assert document["kid"] == key.kid and document["generated_at"] == "2026-11-29T06:00:00+00:00"
    assert set(document) == {"issuer", "generated_at", "kid", "revoked", "signature"}
    # survives the trip through a file or an HTTP response
    assert verify_revocations(json.loads(json.dumps(document)), keys) == {
        "K7Q2-M9XD-3F", "ZZZZ-ZZZZ-ZZ"}
    empty = sign_revocations([], AT, key)
    assert verify_revocations(empty, keys) == frozenset()


@pytest.mark.parametrize("tamper", [
    lambda d: d["revoked"].remove("K7Q2-M9XD-3F"),  # un-revoke a card
    lambda d: d["revoked"].append("AAAA-BBBB-CC"),
    lambda d: d.update(generated_at="2030-01-01T00:00:00+00:00"),  # look fresher
    lambda d: d.update(issuer="Otro"),
    lambda d: d.update(signature=d["signature"][:-2] + ("AA" if d["signature"][-2:] != "AA"
                                                         else "BB")),
    lambda d: d.update(signature="!!!"),
])
def test_tampered_list_is_refused(key, keys, tamper):
    document = sign_revocations(["K7Q2-M9XD-3F", "ZZZZ-ZZZZ-ZZ"], AT, key)
    tampered = copy.deepcopy(document)
    tamper(tampered)
    with pytest.raises(RevocationListInvalid):
        verify_revocations(tampered, keys)


def test_signed_by_another_key_is_refused(keys):
    with pytest.raises(RevocationListInvalid, match="unknown key"):
        verify_revocations(sign_revocations(["X"], AT, IssuerKey.generate()), keys)
    impostor = IssuerKey(next(iter(keys)), IssuerKey.generate().private_key)
    with pytest.raises(RevocationListInvalid, match="signature"):
        verify_revocations(sign_revocations(["X"], AT, impostor), keys)


@pytest.mark.parametrize("shape", [
    None, [], "text", {}, {"revoked": []},
    {"issuer": "A", "generated_at": "2026-01-01T00:00:00+00:00", "kid": "k", "revoked": "X",
     "signature": "s"},
    {"issuer": "A", "generated_at": "yesterday", "kid": "k", "revoked": [], "signature": "s"},
    {"issuer": "A", "generated_at": "2026-01-01T00:00:00", "kid": "k", "revoked": [],
     "signature": "s"},
    {"issuer": "A", "generated_at": "2026-01-01T00:00:00+00:00", "kid": 1, "revoked": [1],
     "signature": "s"},
])
def test_wrong_shape_is_refused_with_a_value_error(keys, shape):
    with pytest.raises(ValueError):
        verify_revocations(shape, keys)


def test_extra_member_is_refused(key, keys):
    document = sign_revocations(["X"], AT, key)
    document["note"] = "added later"
    with pytest.raises(RevocationListInvalid):
        verify_revocations(document, keys)


def test_naive_time_is_refused(key):
    with pytest.raises(ValueError):
        sign_revocations(["X"], datetime(2026, 1, 1), key)


def test_ten_thousand_numbers_fit_on_a_phone(key, keys):
    numbers = {ids.new_number() for _ in range(10_000)}
    document = sign_revocations(numbers, AT, key)
    body = json.dumps(document, separators=(",", ":")).encode()
    assert len(body) < 160_000, len(body)  # ~15 bytes a number
    assert len(gzip.compress(body)) < 110_000
    assert verify_revocations(json.loads(body), keys) == numbers
