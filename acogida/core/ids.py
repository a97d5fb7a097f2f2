"""Human-readable identifiers with a check character.

Crockford's base-32 alphabet (no I, L, O, U) so that a number read aloud or copied by hand has no
look-alike letters; the last character is a Damm check over the field GF(32) (x∘y = 2·x + y),
which catches every single-character error and every swap of two adjacent characters (Luhn mod 32
would miss swaps such as "0Z" / "Z0"). Numbers are random, not sequential: a sequential
registry number tells anyone holding one how many people are registered and lets them guess others.
"""

import secrets

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


def new_number(payload_length: int = 9) -> str:
    """A new random number, grouped 4-4-rest for reading, e.g. ``K7Q2-M9XD-3F``."""
    payload = "".join(secrets.choice(ALPHABET) for _ in range(payload_length))
    return group(payload + check_character(payload))


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
