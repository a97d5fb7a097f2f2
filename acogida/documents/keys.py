"""The issuer's Ed25519 keys: kept in the data dir, generated on first use, rotated on request.

Layout (``settings.DATA_DIR / "keys" / "issuer"``, directory mode 0700)::

    <kid>.pem     PKCS#8 PEM private key, mode 0600, one per key ever generated (never deleted:
                  cards signed with an old key must keep verifying until they expire)
    current       the kid that signs new documents

Every file appears atomically (written to a temporary name, then linked or renamed into place), so
a reader never sees half a key, and two processes that start at once agree on one first key: the
loser of the ``current`` link removes its own key and uses the winner's.

``ACOGIDA_ISSUER_KEY`` (base64 of the 32-byte Ed25519 private key seed, optionally ``kid:`` in
front) overrides the signing key, for deployments that keep the key in a secret store rather than
on disk; its public key is published alongside the ones on disk. The kid of a key is the first 16
hex characters of SHA-256 of its raw public key unless the environment names one.

Django is used only for ``settings.DATA_DIR``; the credential codec itself is ``credentials``.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .credentials import IssuerKey, PublicKeys, jwk_for, kid_for, raw_public_key
from .credentials import public_keys_from_jwks as public_keys_from_jwks  # re-exported for the CLI

ENV_KEY = "ACOGIDA_ISSUER_KEY"
ENV_ISSUER = "ACOGIDA_ISSUER"
DEFAULT_ISSUER = "Acogida"
CURRENT = "current"

_loaded: dict[Path, IssuerKey] = {}  # parsed PEM files; a key file never changes once written


class KeyRotationRefused(RuntimeError):
    """The signing key comes from the environment: rotate it there."""


def issuer_name() -> str:
    """The CWT issuer and the revocation list's issuer: setting or env ACOGIDA_ISSUER."""
    return getattr(settings, ENV_ISSUER, None) or os.environ.get(ENV_ISSUER) or DEFAULT_ISSUER


def key_dir() -> Path:
    path = Path(settings.DATA_DIR) / "keys" / "issuer"
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        for directory in (path.parent, path):
            directory.chmod(0o700)
    return path


def current_key() -> IssuerKey:
    """The key that signs new documents (generated on first use)."""
    env_key = _env_key()
    if env_key is not None:
        return env_key
    directory = key_dir()
    kid = _read_current(directory)
    if kid is None:
        return _create_first_key(directory)
    return _load(directory / f"{kid}.pem")


def rotate_key() -> IssuerKey:
    """A new current key. The old ones stay, so the documents they signed still verify."""
    if _env_key() is not None:
        raise KeyRotationRefused(f"the issuer key comes from {ENV_KEY}; rotate it there")
    directory = key_dir()
    key = IssuerKey.generate()
    _publish(directory / f"{key.kid}.pem", _pem(key), exclusive=True)
    _publish(directory / CURRENT, key.kid.encode("ascii"), exclusive=False)
    return key


def public_keys() -> dict[str, bytes]:
    """kid → raw public key for every key ever generated here (and the environment's key)."""
    keys = {key.kid: key.public_bytes for key in _disk_keys()}
    env_key = _env_key()
    if env_key is not None:
        keys[env_key.kid] = env_key.public_bytes
    return keys


def jwks() -> dict:
    """The public keys as a JWK set, the current key first, for verifiers to download."""
    keys: PublicKeys = public_keys()
    current = current_key().kid
    order = sorted(keys, key=lambda kid: (kid != current, kid))
    return {"keys": [jwk_for(kid, keys[kid]) for kid in order]}


# ---------------------------------------------------------------------------------------------


def parse_env_key(value: str) -> IssuerKey:
    """``[kid:]base64(seed)`` → IssuerKey; ImproperlyConfigured when it is not a 32-byte seed."""
    kid, _, encoded = value.strip().rpartition(":")
    encoded = encoded.strip()
    try:
        seed = base64.b64decode(encoded.replace("-", "+").replace("_", "/")
                                + "=" * (-len(encoded) % 4), validate=True)
        return IssuerKey.from_seed(seed, kid.strip() or None)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(
            f"{ENV_KEY} must be base64 of a 32-byte Ed25519 private key seed, "
            "optionally preceded by 'kid:'") from exc


def _env_key() -> IssuerKey | None:
    value = os.environ.get(ENV_KEY, "").strip()
    return parse_env_key(value) if value else None


def _pem(key: IssuerKey) -> bytes:
    return key.private_key.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())


def _load(path: Path) -> IssuerKey:
    key = _loaded.get(path)
    if key is not None:
        return key
    try:
        private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"cannot read the issuer key {path}: {exc}") from exc
    if not isinstance(private_key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} is not an Ed25519 private key")
    kid = kid_for(raw_public_key(private_key.public_key()))
    if path.stem != kid:
        raise ImproperlyConfigured(f"{path} holds the key {kid}, not {path.stem}")
    key = _loaded[path] = IssuerKey(kid, private_key)
    return key


def _disk_keys() -> list[IssuerKey]:
    return [_load(path) for path in sorted(key_dir().glob("*.pem"))]


def _read_current(directory: Path) -> str | None:
    try:
        kid = (directory / CURRENT).read_text("ascii").strip()
    except FileNotFoundError:
        return None
    if not kid:
        raise ImproperlyConfigured(f"{directory / CURRENT} is empty")
    return kid


def _create_first_key(directory: Path) -> IssuerKey:
    key = IssuerKey.generate()
    path = directory / f"{key.kid}.pem"
    _publish(path, _pem(key), exclusive=True)
    try:
        _publish(directory / CURRENT, key.kid.encode("ascii"), exclusive=True)
    except FileExistsError:  # another process made the first key a moment ago: use theirs
        path.unlink(missing_ok=True)
        _loaded.pop(path, None)
        return _load(directory / f"{_read_current(directory)}.pem")
    return key


def _publish(path: Path, data: bytes, *, exclusive: bool) -> None:
    """Write data to a private temporary file, then put it at path in one step: a hard link when
    exclusive (FileExistsError if path exists), a rename otherwise."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            os.link(temporary, path)
        else:
            os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
