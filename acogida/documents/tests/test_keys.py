"""Issuer keys on disk: private files, one current key, rotation, the JWK set, the env override."""

import base64
import stat
import threading
from datetime import UTC, date, datetime

import claim169
import pytest
from django.core.exceptions import ImproperlyConfigured

from acogida.documents import keys
from acogida.documents.credentials import (
    CardData,
    IssuerKey,
    encode_credential,
    kid_for,
    verify_credential,
)


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path, monkeypatch):
    monkeypatch.delenv(keys.ENV_KEY, raising=False)
    monkeypatch.delenv(keys.ENV_ISSUER, raising=False)
    settings.DATA_DIR = tmp_path
    return tmp_path


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


CARD = CardData(
    number="K7Q2-M9XD-3F", doc_type="temporary_id", full_name="José Luis Ramírez Pérez",
    given_names="José Luis", first_surname="Ramírez", second_surname="Pérez",
    date_of_birth=date(1985, 7, 3), sex="male", nationality="VEN",
    legal_status="Solicitante de refugio", location_code="MX-CHP-TAP", photo=None,
    valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31),
    issued_at=datetime(2026, 1, 1, tzinfo=UTC), issuer="Acogida")
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_first_use_generates_a_private_key(data_dir):
    key = keys.current_key()
    directory = data_dir / "keys" / "issuer"
    pem = directory / f"{key.kid}.pem"
    assert pem.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert mode(pem) == 0o600
    assert mode(directory) == 0o700 and mode(directory.parent) == 0o700
    assert (directory / "current").read_text() == key.kid
    assert mode(directory / "current") == 0o600
    assert key.kid == kid_for(key.public_bytes)
    assert keys.current_key().kid == key.kid  # stable
    assert not list(directory.glob(".*tmp"))


def test_concurrent_first_use_agrees_on_one_key(data_dir):
    found, barrier = [], threading.Barrier(8)

    def first_use():
        barrier.wait()
        found.append(keys.current_key().kid)

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(found)) == 1
    assert [p.stem for p in (data_dir / "keys" / "issuer").glob("*.pem")] == found[:1]


def test_rotation_signs_new_documents_with_the_new_key_and_old_ones_still_verify():
    old = keys.current_key()
    old_payload = encode_credential(CARD, old)
    new = keys.rotate_key()
    assert new.kid != old.kid and keys.current_key().kid == new.kid
    new_payload = encode_credential(CARD, keys.current_key())
    assert claim169.inspect(new_payload).key_id == new.kid.encode()
    published = keys.public_keys()
    assert set(published) == {old.kid, new.kid}
    assert verify_credential(old_payload, published, now=NOW).valid
    assert verify_credential(new_payload, published, now=NOW).valid
    # and through the published JWK set, as an offline verifier gets them
    from_jwks = keys.public_keys_from_jwks(keys.jwks())
    assert verify_credential(old_payload, from_jwks, now=NOW).valid


def test_jwks_shape():
    key = keys.current_key()
    keys.rotate_key()
    document = keys.jwks()
    assert len(document["keys"]) == 2
    for jwk in document["keys"]:
        assert set(jwk) == {"kty", "crv", "x", "kid", "use", "alg"}
        assert (jwk["kty"], jwk["crv"], jwk["use"], jwk["alg"]) == ("OKP", "Ed25519", "sig",
                                                                      "EdDSA")
        assert "=" not in jwk["x"] and "d" not in jwk  # no padding, no private part
    assert document["keys"][0]["kid"] == keys.current_key().kid  # current first
    old = next(j for j in document["keys"] if j["kid"] == key.kid)
    assert base64.urlsafe_b64decode(old["x"] + "=") == key.public_bytes


def test_environment_key_overrides(monkeypatch, data_dir):
    disk = keys.current_key()
    seed = bytes(range(32))
    monkeypatch.setenv(keys.ENV_KEY, base64.b64encode(seed).decode())
    env = keys.current_key()
    assert env.kid == kid_for(IssuerKey.from_seed(seed).public_bytes) != disk.kid
    assert set(keys.public_keys()) == {disk.kid, env.kid}  # old disk documents still verify
    assert not (data_dir / "keys" / "issuer" / f"{env.kid}.pem").exists()  # never written
    assert keys.jwks()["keys"][0]["kid"] == env.kid
    with pytest.raises(keys.KeyRotationRefused):
        keys.rotate_key()
    monkeypatch.setenv(keys.ENV_KEY, "hsm-2026:" + base64.urlsafe_b64encode(seed).decode())
    named = keys.current_key()
    assert named.kid == "hsm-2026" and named.public_bytes == env.public_bytes
    payload = encode_credential(CARD, named)
    assert verify_credential(payload, keys.public_keys(), now=NOW).valid


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"short").decode(),
                                   "kid:" + base64.b64encode(bytes(33)).decode()])
def test_bad_environment_key_is_a_configuration_error(monkeypatch, value):
    monkeypatch.setenv(keys.ENV_KEY, value)
    with pytest.raises(ImproperlyConfigured, match=keys.ENV_KEY):
        keys.current_key()


def test_a_key_file_that_does_not_match_its_name_is_refused(data_dir):
    key = keys.current_key()
    directory = data_dir / "keys" / "issuer"
    (directory / f"{key.kid}.pem").rename(directory / "0000000000000000.pem")
    (directory / "current").write_text("0000000000000000")
    keys._loaded.clear()
    with pytest.raises(ImproperlyConfigured):
        keys.current_key()


def test_issuer_name(settings, monkeypatch):
    assert keys.issuer_name() == "Acogida"
    monkeypatch.setenv(keys.ENV_ISSUER, "COMAR Tapachula")
    assert keys.issuer_name() == "COMAR Tapachula"
    settings.ACOGIDA_ISSUER = "Gobierno de México"
    assert keys.issuer_name() == "Gobierno de México"
