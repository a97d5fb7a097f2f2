import base64
import os

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from acogida.core import crypto
from acogida.core.crypto import KeyRing


def _key() -> bytes:
    return AESGCM.generate_key(256)


def test_round_trip_and_randomised():
    ring = KeyRing([("k1", _key())])
    secret = "survivor of violence"  # long enough that random ciphertext cannot contain it
    first, second = ring.encrypt(secret), ring.encrypt(secret)
    assert first != second and secret not in first and "survivor" not in first
    assert ring.decrypt(first) == secret


def test_old_values_decrypt_after_rotation():
    old = KeyRing([("k1", k1 := _key())])
    token = old.encrypt("survivor of torture")
    rotated = KeyRing([("k2", _key()), ("k1", k1)])
    assert rotated.decrypt(token) == "survivor of torture"
    assert rotated.encrypt("x").split(":")[1] == "k2"


def test_tampered_ciphertext_is_refused():
    ring = KeyRing([("k1", _key())])
    prefix, kid, body = ring.encrypt("secret").split(":")
    raw = bytearray(base64.b64decode(body))
    raw[-1] ^= 1
    with pytest.raises(InvalidTag):
        ring.decrypt(f"{prefix}:{kid}:{base64.b64encode(bytes(raw)).decode()}")


def test_unknown_key_is_refused():
    token = KeyRing([("k1", _key())]).encrypt("x")
    with pytest.raises(ValueError, match="no key"):
        KeyRing([("k9", _key())]).decrypt(token)


def test_nonces_never_repeat_across_refills():
    ring = KeyRing([("k1", AESGCM.generate_key(256))])
    nonces = {base64.b64decode(ring.encrypt("x").split(":", 2)[2])[:12]
              for _ in range(3 * crypto._NoncePool.BATCH)}
    assert len(nonces) == 3 * crypto._NoncePool.BATCH


def test_a_forked_child_does_not_reuse_the_parents_buffered_nonces():
    crypto._nonces.take()  # the parent has a buffer with nonces left in it
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.write(write, crypto._nonces.take())
        os._exit(0)
    os.close(write)
    child = os.read(read, 12)
    os.waitpid(pid, 0)
    assert child != crypto._nonces.take()
