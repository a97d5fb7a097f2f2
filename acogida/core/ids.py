"""Human-readable identifiers with a check character.

Crockford's base-32 alphabet (no I, L, O, U) so that a number read aloud or copied by hand has no
look-alike letters; the last character is a Damm check over the field GF(32) (x∘y = 2·x + y),
which catches every single-character error and every swap of two adjacent characters (Luhn mod 32
would miss swaps such as "0Z" / "Z0"). Numbers are random, not sequential: a sequential
registry number tells anyone holding one how many people are registered and lets them guess others.
"""

import random
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# What people type for what they mean (Crockford's decoding rules).
_TYPED = str.maketrans({"I": "1", "L": "1", "O": "0"})
BASE = len(ALPHABET)


def _times_two(value: int) -> int:
    """Multiplication by x in GF(32) with the primitive polynomial x^5 + x^2 + 1."""
    value <<= 1
    return value ^ 0b100101 if value & 0b100000 else value


# The quasigroup as a table, row = interim, column = character: a million numbers are checked in
# an import, and a lookup is several times faster than the arithmetic.
_STEP = [{c: _times_two(row) ^ v for c, v in _VALUE.items()} for row in range(BASE)]


def _interim(text: str) -> int:
    interim = 0
    step = _STEP
    for char in text:
        interim = step[interim][char]
    return interim


def check_character(payload: str) -> str:
    """The character that brings the Damm interim of payload + check back to zero."""
    return ALPHABET[_times_two(_interim(payload))]


# Where new numbers' randomness comes from: the operating system's (``secrets``), except within
# ``drawn_from``.
_source: random.Random | None = None


@contextmanager
def drawn_from(seed: int) -> Iterator[None]:
    """New numbers drawn from a generator seeded with ``seed`` within, so that the demo's
    synthetic caravan gets the same numbers for the same seed (and the same everything that
    follows from them: which record of a pair is which in the duplicates run, say). Never for
    real people: a number that can be worked out can be guessed."""
    global _source
    before, _source = _source, random.Random(seed)
    try:
        yield
    finally:
        _source = before


def _choice(alphabet: str) -> str:
    return secrets.choice(alphabet) if _source is None else _source.choice(alphabet)


def _token_bytes(count: int) -> bytes:
    return secrets.token_bytes(count) if _source is None else _source.randbytes(count)


def new_number(payload_length: int = 9) -> str:
    """A new random number, grouped 4-4-rest for reading, e.g. ``K7Q2-M9XD-3F``."""
    payload = "".join(_choice(ALPHABET) for _ in range(payload_length))
    return group(payload + check_character(payload))


# The same arithmetic on arrays, for many numbers at once (``new_numbers``).
_ALPHABET_BYTES = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
_STEP_TABLE = np.array([[_times_two(row) ^ value for value in range(BASE)] for row in range(BASE)],
                       dtype=np.uint8)
_TIMES_TWO = np.array([_times_two(value) for value in range(BASE)], dtype=np.uint8)


def new_numbers(count: int, payload_length: int = 9) -> list[str]:
    """``count`` different new random numbers as ``new_number`` makes them, in sorted order (an
    import needs a million, and inserts them in order: see registry/bulk.py).

    The check characters of all of them are worked out together, a column at a time. The
    alphabet is in ASCII order, so a number's text sorts as its characters' values read as one
    base-32 integer: numbers are sorted and repeats dropped as integers, and written out last."""
    if count <= 0:
        return []
    if payload_length > 11:  # payload and check must fit in 64 bits
        raise ValueError("at most 11 characters before the check character")
    keys = np.empty(0, dtype=np.uint64)
    while len(keys) < count:  # a repeat among a million is possible, and rare
        missing = count - len(keys)
        # 256 is a multiple of 32: every character equally likely, as with ``secrets.choice``.
        values = (np.frombuffer(_token_bytes(payload_length * missing), dtype=np.uint8)
                  .reshape(missing, payload_length) % BASE)
        interim = np.zeros(missing, dtype=np.uint8)
        new = np.zeros(missing, dtype=np.uint64)
        for column in range(payload_length):
            interim = _STEP_TABLE[interim, values[:, column]]
            new = (new << np.uint64(5)) | values[:, column]
        new = (new << np.uint64(5)) | _TIMES_TWO[interim]
        keys = np.sort(np.concatenate([keys, new]))
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]  # np.unique hashes: slower
    shifts = np.arange(payload_length, -1, -1, dtype=np.uint64) * np.uint64(5)
    characters = _ALPHABET_BYTES[((keys[:count, None] >> shifts) & np.uint64(31)).astype(np.uint8)]
    dash = np.full((count, 1), ord("-"), dtype=np.uint8)
    pieces = [characters[:, start:start + 4] for start in range(0, payload_length + 1, 4)]
    grouped = np.concatenate([part for piece in pieces for part in (dash, piece)][1:], axis=1)
    width = grouped.shape[1]
    return grouped.view(f"S{width}").ravel().astype(f"U{width}").tolist()


def group(compact: str) -> str:
    return "-".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def normalize(text: str) -> str:
    """Canonical grouped form of a typed number: case, spaces, dashes and look-alikes forgiven."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum()).translate(_TYPED)
    return group(compact)


def is_valid(text: str, payload_length: int = 9) -> bool:
    compact = normalize(text).replace("-", "")
    if len(compact) != payload_length + 1 or any(c not in _VALUE for c in compact):
        return False
    return _interim(compact) == 0
