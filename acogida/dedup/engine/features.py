"""Per-record features for matching: folded names, a Spanish phonetic key, date parts.

Both paths derive features here: the batch path (a pyarrow table handed to Splink/DuckDB) and the
live path (``score_candidates`` in pure Python). Sharing one set of functions is what makes the two
score a pair identically. Each function works on one value and is memoised, because names follow a
Zipf curve: a million records hold only tens of thousands of distinct strings.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc

# "de", "del", "de la", "de los" (and "y" joining two surnames) carry no identity: a clerk may
# write "María de los Ángeles" or "Maria Angeles", "Cruz y Pérez" or "Cruz Pérez".
PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "e"})
_NON_LETTER = re.compile(r"[^a-z0-9]+")


def fold(text: str | None) -> str:
    """Lower case, accents and punctuation removed: "María-José" -> "maria jose"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_LETTER.sub(" ", stripped).strip()


@lru_cache(maxsize=200_000)
def name_tokens(text: str | None) -> tuple[str, ...]:
    """Folded words without particles: "de la Cruz y Pérez" -> ("cruz", "perez")."""
    return tuple(word for word in fold(text).split() if word not in PARTICLES)


# Order matters: each rule sees the output of the ones before it. Upper-case letters are
# placeholders that later rules must not touch.
_PHONETIC_RULES = [
    (re.compile(r"ch"), "X"),            # "ch" is its own sound; protect it before h goes
    (re.compile(r"ph"), "f"),            # Stephany / Estefani
    (re.compile(r"^x(?=[aeiou])"), "s"),  # Xiomara / Siomara
    (re.compile(r"qu(?=[ei])"), "k"),    # Quiroz / Kiroz
    (re.compile(r"gu(?=[ei])"), "G"),    # Guevara keeps a hard g ...
    (re.compile(r"g(?=[ei])"), "j"),     # ... but Gerson / Jerson and Giovanni / Jiovani meet
    (re.compile(r"c(?=[ei])"), "s"),     # Cecilia / Sesilia
    (re.compile(r"ll"), "y"),            # Castillo / Castiyo
    (re.compile(r"[cqk]"), "k"),
    (re.compile(r"z"), "s"),             # Vásquez / Vasques / Basquez
    (re.compile(r"v"), "b"),
    (re.compile(r"w"), "u"),             # Wilmer / Uilmer, Walter / Gualter stay apart (rare)
    (re.compile(r"h"), ""),              # Hernández / Ernandez
    (re.compile(r"y(?![aeiou])"), "i"),  # Lesly / Lesli, Yuly / Yuli
    (re.compile(r"i(?=[aeou])"), "y"),   # Yanira / Ianira
    (re.compile(r"mb"), "nb"),           # Ambrosio / Anbrosio
    (re.compile(r"(.)\1+"), r"\1"),      # Jefferson / Jeferson, Yessica / Yesica
]


@lru_cache(maxsize=200_000)
def phonetic_key(word: str | None) -> str:
    """A Spanish sound key for one word: Hernández, Ernandes and Hernandes share "ernandes"."""
    key = fold(word).replace(" ", "")
    for pattern, replacement in _PHONETIC_RULES:
        key = pattern.sub(replacement, key)
    return key.replace("X", "ch").replace("G", "g")


@lru_cache(maxsize=200_000)
def _name_feature(text: str | None) -> tuple[str | None, tuple[str, ...] | None]:
    words = name_tokens(text)
    if not words:
        return None, None
    return " ".join(words), tuple(phonetic_key(w) for w in words)


@lru_cache(maxsize=200_000)
def _member_key(given: str | None, year: int | None) -> str | None:
    words = name_tokens(given)
    return f"{phonetic_key(words[0])}:{'' if year is None else year}" if words else None


def member_key(given: str | None, born: date | None) -> str | None:
    """How a household signature names one member: "namekey:year" (the sound key of the first
    given name and the birth year), None without a given name."""
    return _member_key(given, born.year if born else None)


def household_signature(members: list[tuple[str | None, date | None]]) -> tuple[str, ...]:
    """The household as evidence: one "namekey:year" per *other* member, sorted and unique.

    ``members`` are (given_names, date_of_birth) of the person's relatives, not the person. Two
    registrations of the same person list the same relatives; siblings share all but each other,
    and each lists the other (``Features.hh_self``, the person's own key, is what that is
    checked against).
    """
    return tuple(sorted({key for given, born in members
                         if (key := member_key(given, born)) is not None}))


@dataclass(slots=True)
class Features:
    """What the comparisons read. ``None`` means missing: it scores neutral, never a mismatch."""

    unique_id: str
    gn: str | None
    gn_keys: tuple[str, ...] | None
    g1: str | None
    g1_key: str | None
    fs: str | None
    fs_key: str | None
    ss: str | None
    ss_key: str | None
    dob: date | None
    dob_y: int | None
    dob_m: int | None
    dob_d: int | None
    dob_s: str | None
    dob_est: bool | None
    sex: str | None
    nat: str | None
    pob: str | None
    pob_key: str | None
    hh: tuple[str, ...] | None
    # The record's own key in the form its relatives' signatures list it (``member_key``).
    hh_self: str | None


FEATURE_SCHEMA = pa.schema([
    # gn_keys and hh: the tuples of ``Features`` joined by spaces (no key holds one); see
    # comparisons._GN_L for why they are not lists here.
    ("unique_id", pa.string()), ("gn", pa.string()), ("gn_keys", pa.string()),
    ("g1", pa.string()), ("g1_key", pa.string()), ("fs", pa.string()), ("fs_key", pa.string()),
    ("ss", pa.string()), ("ss_key", pa.string()), ("dob", pa.date32()), ("dob_y", pa.int32()),
    ("dob_m", pa.int32()), ("dob_d", pa.int32()), ("dob_s", pa.string()), ("dob_est", pa.bool_()),
    ("sex", pa.string()), ("nat", pa.string()), ("pob", pa.string()), ("pob_key", pa.string()),
    ("hh", pa.string()), ("hh_self", pa.string()),
])


def _code(value: str | None) -> str | None:
    """Sex and nationality codes: folded, empty as missing."""
    folded = fold(value)
    return folded or None


def _surname(text: str | None) -> tuple[str | None, str | None]:
    folded, keys = _name_feature(text)
    return folded, (" ".join(keys) if keys else None)


def _dob(born: date | None, estimated: bool) -> tuple:
    if born is None:
        return None, None, None, None, None, None
    # The registry stores an estimated date as 1 January with a flag; a bare 1 January from a
    # source without the flag is treated the same way, because that is how estimates look.
    est = bool(estimated) or (born.month == 1 and born.day == 1)
    return born, born.year, born.month, born.day, born.isoformat(), est


def features_of(*, unique_id: str, given_names: str | None, first_surname: str | None,
                second_surname: str | None, sex: str | None, date_of_birth: date | None,
                date_of_birth_estimated: bool, nationality: str | None,
                place_of_birth: str | None, household_signature: tuple[str, ...] | None
                ) -> Features:
    gn, gn_keys = _name_feature(given_names)
    fs, fs_key = _surname(first_surname)
    ss, ss_key = _surname(second_surname)
    pob, pob_key = _surname(place_of_birth)
    hh = tuple(sorted(set(household_signature))) if household_signature else None
    return Features(
        unique_id, gn, gn_keys, gn.split()[0] if gn else None, gn_keys[0] if gn_keys else None,
        fs, fs_key, ss, ss_key, *_dob(date_of_birth, date_of_birth_estimated),
        _code(sex), _code(nationality), pob, pob_key, hh or None,
        member_key(given_names, date_of_birth))


# ---- the batch path: whole columns at once ----------------------------------------------------

def _map_unique(column: pa.ChunkedArray | pa.Array, fn, out_type: pa.DataType) -> pa.Array:
    """Apply ``fn`` once per distinct value and spread the results back (Zipf makes this cheap)."""
    encoded = pc.dictionary_encode(column).combine_chunks() if isinstance(
        column, pa.ChunkedArray) else pc.dictionary_encode(column)
    uniques = [fn(v) for v in encoded.dictionary.to_pylist()]
    return pa.array(uniques, type=out_type).take(encoded.indices)


def _joined(feature: tuple[str | None, tuple[str, ...] | None]) -> tuple:
    name, keys = feature
    return name, (" ".join(keys) if keys else None)


def features_table(table: pa.Table) -> pa.Table:
    """Input columns (see ``RECORD_SCHEMA``) -> ``FEATURE_SCHEMA``, without a Python row loop."""
    n = table.num_rows

    def col(name: str, typ: pa.DataType):
        if name in table.column_names:
            return table.column(name)
        return pa.nulls(n, typ)

    given = col("given_names", pa.string())
    names = _map_unique(given, lambda v: _joined(_name_feature(v)),
                        pa.struct([("gn", pa.string()), ("keys", pa.string())]))
    gn = names.field("gn")
    gn_keys = names.field("keys")
    g1 = _map_unique(given, lambda v: (_name_feature(v)[0] or "").split(" ")[0] or None,
                     pa.string())
    g1_key = _map_unique(given, lambda v: (_name_feature(v)[1] or (None,))[0], pa.string())
    sur = pa.struct([("f", pa.string()), ("k", pa.string())])
    fs = _map_unique(col("first_surname", pa.string()), _surname, sur)
    ss = _map_unique(col("second_surname", pa.string()), _surname, sur)
    pob = _map_unique(col("place_of_birth", pa.string()), _surname, sur)

    born = col("date_of_birth", pa.date32())
    if isinstance(born, pa.ChunkedArray):
        born = born.combine_chunks()
    flag = col("date_of_birth_estimated", pa.bool_())
    jan1 = pc.and_(pc.equal(pc.month(born), 1), pc.equal(pc.day(born), 1))
    est = pc.if_else(pc.is_null(born), pa.scalar(None, pa.bool_()),
                     pc.or_(pc.fill_null(flag, False), jan1))
    hh_in = col("household_signature", pa.list_(pa.string()))
    hh = _map_unique(pc.binary_join(hh_in, "\x1f"),
                     lambda v: " ".join(sorted(set(v.split("\x1f")))) if v else None,
                     pa.string())
    # The own key, as ``member_key`` writes it: the first given name's sound key is g1_key.
    year = pc.fill_null(pc.cast(pc.year(born), pa.string()), "")
    hh_self = pc.binary_join_element_wise(g1_key, year, ":")
    return pa.Table.from_arrays([
        pc.cast(col("id", pa.string()), pa.string()), gn, gn_keys, g1, g1_key,
        fs.field("f"), fs.field("k"), ss.field("f"), ss.field("k"),
        born, pc.cast(pc.year(born), pa.int32()), pc.cast(pc.month(born), pa.int32()),
        pc.cast(pc.day(born), pa.int32()), pc.strftime(born, "%Y-%m-%d"), est,
        _map_unique(col("sex", pa.string()), _code, pa.string()),
        _map_unique(col("nationality", pa.string()), _code, pa.string()),
        pob.field("f"), pob.field("k"), hh, hh_self,
    ], schema=FEATURE_SCHEMA)


def record_features_for_test(record) -> Features:
    """Features of a ``model.Record`` (tests and debugging; the engine calls features_of)."""
    from .model import record_features

    return record_features(record)
