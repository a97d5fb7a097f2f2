"""The comparisons, each level written twice: as Splink SQL and as a Python test.

Splink evaluates the SQL in DuckDB for batch runs; ``score_candidates`` evaluates the Python twin
for the live check. Every level reads only precomputed features (``features.py``) and uses
functions both sides share exactly (equality, set containment, Levenshtein, Jaro-Winkler — DuckDB
and rapidfuzz implement the same algorithm), and a test pins the two paths to the same
probabilities. Levels go from strongest to weakest; the first that holds wins, as in SQL's CASE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz.distance import DamerauLevenshtein, Hamming, JaroWinkler

from .features import Features

Test = Callable[[Features, Features], bool]


@dataclass(frozen=True)
class Level:
    label: str
    sql: str
    test: Test
    null: bool = False
    fixed_m: float | None = None  # a prior EM must not move (see SEX)
    # A feature column whose value frequency scales this level's weight (Splink's term-frequency
    # adjustment): two records agreeing on "Hernández" say less than two agreeing on "Xatruch".
    tf: str | None = None
    # Evidence another comparison already counts: the level is kept (so the pair is described
    # right) but weighs nothing; training sets its m to its u.
    neutral: bool = False


@dataclass(frozen=True)
class Comparison:
    name: str  # Splink's output_column_name: gamma_<name> in predictions
    description: str
    levels: tuple[Level, ...]


def _jw(a: str | None, b: str | None) -> float:
    return JaroWinkler.similarity(a, b) if a is not None and b is not None else 0.0


def _eq(a, b) -> bool:
    """SQL's ``a = b`` inside CASE WHEN: a null on either side is not true."""
    return a is not None and b is not None and a == b


def _else(_l: Features, _r: Features) -> bool:
    return True


def _null(col: str) -> Level:
    return Level(f"{col} missing", f"{col}_l IS NULL OR {col}_r IS NULL",
                 lambda a, b: getattr(a, col) is None or getattr(b, col) is None, null=True)


def _contains(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return set(b) <= set(a)


# The batch path stores the name keys and the household as space-joined strings, not lists
# (``features.FEATURE_SCHEMA``): every candidate pair carries both records' columns, and at a
# million records list columns made that join the bulk of prediction time. Equality of the
# strings is equality of the lists; a level that needs the elements splits them, and DuckDB's
# CASE splits only for the pairs that reach that level.
_GN_L, _GN_R = "string_split(gn_keys_l, ' ')", "string_split(gn_keys_r, ' ')"
_HH_L, _HH_R = "string_split(hh_l, ' ')", "string_split(hh_r, ' ')"


# Crosswise given name <-> first surname, exact by sound or each within JW 0.9 of the other.
SWAP_SQL = ("(g1_key_l = fs_key_r AND fs_key_l = g1_key_r) OR "
            "(jaro_winkler_similarity(g1_l, fs_r) >= 0.9 "
            "AND jaro_winkler_similarity(fs_l, g1_r) >= 0.9)")


def _swapped_names(a: Features, b: Features) -> bool:
    return ((_eq(a.g1_key, b.fs_key) and _eq(a.fs_key, b.g1_key))
            or (_jw(a.g1, b.fs) >= 0.9 and _jw(a.fs, b.g1) >= 0.9))


# One name crosswise: one record's given name is the other's first surname (by sound, or within
# JW 0.9), the other name of the pair differing. The surname went into the given-name box and
# the box it left was filled, or left empty, another way ("Christian White" / "Christian";
# "Laura Webb" / "Webb Laura" with a slip in "Webb"), or a name serves as both ("Cruz").
CROSS_SQL = ("g1_key_l = fs_key_r OR fs_key_l = g1_key_r OR "
             "jaro_winkler_similarity(g1_l, fs_r) >= 0.9 OR "
             "jaro_winkler_similarity(fs_l, g1_r) >= 0.9")


def _crossed_name(a: Features, b: Features) -> bool:
    return (_eq(a.g1_key, b.fs_key) or _eq(a.fs_key, b.g1_key)
            or _jw(a.g1, b.fs) >= 0.9 or _jw(a.fs, b.g1) >= 0.9)


GIVEN_NAMES = Comparison("given_names", "Given names, token by token", (
    _null("gn"),
    Level("same given names", "gn_l = gn_r", lambda a, b: a.gn == b.gn, tf="gn"),
    Level("same given names by sound", "gn_keys_l = gn_keys_r",
          lambda a, b: a.gn_keys == b.gn_keys),
    # "José Luis" / "José": a second given name left out, or written only sometimes.
    Level("one given name left out",
          f"list_has_all({_GN_L}, {_GN_R}) OR list_has_all({_GN_R}, {_GN_L})",
          lambda a, b: _contains(a.gn_keys, b.gn_keys) or _contains(b.gn_keys, a.gn_keys)),
    Level("first given name similar", "jaro_winkler_similarity(g1_l, g1_r) >= 0.9",
          lambda a, b: _jw(a.g1, b.g1) >= 0.9),
    # The clerk wrote the surname in the given-name box and the other way round, sometimes
    # with a slip in one of them as well.
    Level("given name and surname swapped", SWAP_SQL, _swapped_names),
    Level("given name found as the other's surname", CROSS_SQL, _crossed_name),
    Level("a given name shared", f"list_has_any({_GN_L}, {_GN_R})",
          lambda a, b: bool(set(a.gn_keys) & set(b.gn_keys))),
    # Two slips in one short name (FEBRL-style typing): still far likelier for one person.
    Level("first given name close", "jaro_winkler_similarity(g1_l, g1_r) >= 0.8",
          lambda a, b: _jw(a.g1, b.g1) >= 0.8),
    Level("different given names", "ELSE", _else),
))


def _surname(name: str, col: str, other: str, title: str, *extra: Level) -> Comparison:
    key, other_key = f"{col}_key", f"{other}_key"
    return Comparison(name, f"{title}, with the other surname crosswise", (
        _null(col),
        Level(f"same {title}", f"{col}_l = {col}_r",
              lambda a, b: getattr(a, col) == getattr(b, col), tf=col),
        Level(f"same {title} by sound", f"{key}_l = {key}_r",
              lambda a, b: getattr(a, key) == getattr(b, key)),
        Level(f"{title} similar", f"jaro_winkler_similarity({col}_l, {col}_r) >= 0.9",
              lambda a, b: _jw(getattr(a, col), getattr(b, col)) >= 0.9),
        # Swapped surnames, or the first one dropped and the second written in its place.
        Level(f"{title} found as the other surname",
              f"{key}_l = {other_key}_r OR {other_key}_l = {key}_r",
              lambda a, b: _eq(getattr(a, key), getattr(b, other_key))
              or _eq(getattr(a, other_key), getattr(b, key))),
        *extra,
        Level(f"{title} close", f"jaro_winkler_similarity({col}_l, {col}_r) >= 0.8",
              lambda a, b: _jw(getattr(a, col), getattr(b, col)) >= 0.8),
        Level(f"different {title}", "ELSE", _else),
    ))


# A swap is one slip, seen twice: the given-names comparison weighs it, and this level only
# keeps the surname from counting as different. Counted in both, two namesakes written in each
# other's order ("Sam Webb" / "Webb Sam") outweighed a wholly different date and place (on FEBRL3
# these made 20 of the 36 false matches).
FIRST_SURNAME = _surname("first_surname", "fs", "ss", "first surname", Level(
    "first surname and given name swapped", SWAP_SQL, _swapped_names, neutral=True))
SECOND_SURNAME = _surname("second_surname", "ss", "fs", "second surname")


def _swapped(a: Features, b: Features) -> bool:
    return a.dob_y == b.dob_y and a.dob_m == b.dob_d and a.dob_d == b.dob_m and a.dob_m != a.dob_d


DATE_OF_BIRTH = Comparison("date_of_birth", "Date of birth, estimated dates and typing slips", (
    _null("dob"),
    Level("same date of birth", "dob_l = dob_r AND NOT dob_est_l AND NOT dob_est_r",
          lambda a, b: a.dob == b.dob and not a.dob_est and not b.dob_est),
    Level("day and month swapped",
          "dob_y_l = dob_y_r AND dob_m_l = dob_d_r AND dob_d_l = dob_m_r AND dob_m_l <> dob_d_l",
          _swapped),
    # An estimated date (1 January, flagged) says only the year.
    Level("estimated, same year", "(dob_est_l OR dob_est_r) AND dob_y_l = dob_y_r",
          lambda a, b: (a.dob_est or b.dob_est) and a.dob_y == b.dob_y),
    # One digit mistyped, or two neighbouring digits typed the wrong way round. Both strings are
    # YYYY-MM-DD, so a transposition is exactly two positions apart: the cheap Hamming test spares
    # most pairs the Damerau-Levenshtein one (a million-record run meets tens of millions).
    Level("one digit different or transposed",
          "hamming(dob_s_l, dob_s_r) <= 1 OR "
          "(hamming(dob_s_l, dob_s_r) = 2 AND damerau_levenshtein(dob_s_l, dob_s_r) <= 1)",
          lambda a, b: Hamming.distance(a.dob_s, b.dob_s) <= 1
          or (Hamming.distance(a.dob_s, b.dob_s) == 2
              and DamerauLevenshtein.distance(a.dob_s, b.dob_s) <= 1)),
    Level("within a month", "abs(date_diff('day', dob_l, dob_r)) <= 31",
          lambda a, b: abs((a.dob - b.dob).days) <= 31),
    Level("estimated, within two years",
          "(dob_est_l OR dob_est_r) AND abs(dob_y_l - dob_y_r) <= 2",
          lambda a, b: (a.dob_est or b.dob_est) and abs(a.dob_y - b.dob_y) <= 2),
    Level("same year", "dob_y_l = dob_y_r", lambda a, b: a.dob_y == b.dob_y),
    Level("different date of birth", "ELSE", _else),
))


def _exact(name: str, col: str, title: str, slip: float) -> Comparison:
    return Comparison(name, title, (
        _null(col),
        Level(f"same {title}", f"{col}_l = {col}_r",
              lambda a, b: getattr(a, col) == getattr(b, col)),
        Level(f"different {title}", "ELSE", _else, fixed_m=slip),
    ))


# A clerk ticks the wrong box now and then; data without such slips would teach EM that a
# different sex is impossible for one person (a weight of -140, a veto). Fix m at a slip rate.
SEX = _exact("sex", "sex", "sex", 0.01)
NATIONALITY = _exact("nationality", "nat", "nationality", 0.03)

PLACE_OF_BIRTH = Comparison("place_of_birth", "Place of birth", (
    _null("pob"),
    Level("same place of birth", "pob_l = pob_r", lambda a, b: a.pob == b.pob, tf="pob"),
    Level("similar place of birth",
          "pob_key_l = pob_key_r OR jaro_winkler_similarity(pob_l, pob_r) >= 0.9",
          lambda a, b: a.pob_key == b.pob_key or _jw(a.pob, b.pob) >= 0.9),
    Level("different place of birth", "ELSE", _else),
))


def _shared(a: Features, b: Features) -> int:
    return len(set(a.hh) & set(b.hh))


def _relatives_of_each_other(a: Features, b: Features) -> bool:
    return (a.hh_self is not None and b.hh_self is not None and a.hh_self != b.hh_self
            and a.hh_self in b.hh and b.hh_self in a.hh)


# Each record's own key is among the other's relatives, and the two keys differ: a brother and
# sister, a mother and son, not one person twice. A string search on the space-joined signature
# (keys hold no spaces) spares the pair the list split; the cheap inequality goes first.
RELATIVES_SQL = ("hh_self_l <> hh_self_r AND contains(' ' || hh_r || ' ', ' ' || hh_self_l || ' ') "
                 "AND contains(' ' || hh_l || ' ', ' ' || hh_self_r || ' ')")

# m of "relatives of each other": one person whose two records list each other as relatives,
# under two different keys, is one household entered twice over with a slip in the first given
# name's sound or the year. Not a figure to learn (EM would take the family for its match class,
# as the demo's training did with "two or more relatives shared"), but not zero either: a veto
# would leave such a slip no way back. u stays learned (random pairs of household members).
RELATIVES_M = 1e-6

# Relatives registered with the person: the same list twice is the same person seen again.
# Siblings share all relatives but each other, and list each other: that is checked first, or
# every family would land on "two or more relatives shared".
HOUSEHOLD = Comparison("household", "Relatives (household signature) in common", (
    _null("hh"),
    Level("relatives of each other", RELATIVES_SQL, _relatives_of_each_other,
          fixed_m=RELATIVES_M),
    Level("same relatives", "hh_l = hh_r", lambda a, b: a.hh == b.hh),
    # list_has_any first: it is cheap and false for most pairs, sparing them the intersection.
    Level("two or more relatives shared",
          f"list_has_any({_HH_L}, {_HH_R}) AND len(list_intersect({_HH_L}, {_HH_R})) >= 2",
          lambda a, b: _shared(a, b) >= 2),
    Level("one relative shared", f"list_has_any({_HH_L}, {_HH_R})",
          lambda a, b: _shared(a, b) >= 1),
    Level("no relative shared", "ELSE", _else),
))

COMPARISONS: tuple[Comparison, ...] = (
    GIVEN_NAMES, FIRST_SURNAME, SECOND_SURNAME, DATE_OF_BIRTH, SEX, NATIONALITY,
    PLACE_OF_BIRTH, HOUSEHOLD)

# Pairs to score. A duplicate must agree with its original on one rule's keys; each core rule
# stays cheap at a million rows because it pairs a name key with a date or with two other name
# keys. Together they reach the drifts of ``standards.md``: one name mistyped (the other two and
# the date or year still agree), surnames swapped or one dropped (crosswise keys), a date
# estimated, swapped or mistyped (the year, or the names alone). The two rules that cost the most
# at a million rows for the fewest pairs (both surnames with only the year, crosswise or not)
# were dropped: the name-only rules find nearly all of theirs.
_NO_FIRM_DATE = "(l.dob IS NULL OR r.dob IS NULL OR l.dob_est OR r.dob_est)"
BLOCKING_RULES: tuple[str, ...] = (
    "l.fs_key = r.fs_key AND l.dob = r.dob",
    "l.g1_key = r.g1_key AND l.dob = r.dob",
    "l.ss_key = r.ss_key AND l.dob = r.dob",
    "l.fs_key = r.ss_key AND l.dob = r.dob",
    "l.fs_key = r.fs_key AND l.g1_key = r.g1_key AND l.dob_y = r.dob_y",
    "l.ss_key = r.ss_key AND l.g1_key = r.g1_key AND l.dob_y = r.dob_y",
    "l.fs_key = r.ss_key AND l.g1_key = r.g1_key AND l.dob_y = r.dob_y",
    "l.ss_key = r.fs_key AND l.g1_key = r.g1_key AND l.dob_y = r.dob_y",
    # Three names alike but no year in common: only worth scoring where a date is missing or
    # estimated (both present and years apart is a namesake; at 1M these two rules would add
    # 33M pairs, a third of the total, for that). The bracketed part is a filter, not a key.
    f"l.fs_key = r.fs_key AND l.ss_key = r.ss_key AND l.g1_key = r.g1_key AND {_NO_FIRM_DATE}",
    f"l.fs_key = r.ss_key AND l.ss_key = r.fs_key AND l.g1_key = r.g1_key AND {_NO_FIRM_DATE}",
    "l.g1_key = r.g1_key AND l.dob_y = r.dob_y AND l.dob_m = r.dob_d AND l.dob_d = r.dob_m",
)

# Broader rules, taken in this order while the running pair count stays within the budget
# (``train``): on a few thousand records they recover duplicates with two fields wrong (FEBRL's
# typing: a typo in each name, names in the wrong boxes, a mistyped date); on a million they would
# cost hundreds of millions of pairs and are left out. The model JSON records which were used.
EXTRA_BLOCKING_RULES: tuple[str, ...] = (
    "l.g1_key = r.fs_key AND l.fs_key = r.g1_key",
    "l.g1_key = r.fs_key AND l.pob_key = r.pob_key",
    "l.dob = r.dob",
    "l.pob = r.pob AND l.dob_y = r.dob_y",
    "l.dob_m = r.dob_m AND l.dob_d = r.dob_d AND left(l.fs, 2) = left(r.fs, 2)",
    "left(l.fs, 3) = left(r.fs, 3) AND left(l.g1, 3) = left(r.g1, 3)",
    "left(l.g1, 3) = left(r.fs, 3) AND left(l.fs, 3) = left(r.g1, 3)",
    "l.fs_key = r.fs_key AND l.g1_key = r.g1_key",
    "l.fs_key = r.fs_key AND l.pob_key = r.pob_key",
    "l.g1_key = r.g1_key AND l.pob_key = r.pob_key",
    "l.g1_key = r.fs_key",
    "l.fs = r.fs",
    "l.g1 = r.g1",
)
PAIR_BUDGET = 2_000_000

# EM sessions. Splink leaves out of a session every comparison that reads a column the rule
# uses, so together the sessions must train them all; and the pairs a rule admits must be mostly
# the same person, or EM settles on "two namesakes" as its match class (it did at 1M with
# ``gn + fs``: 0.1% of those pairs were matches, and every m came out equal to its u). Namesakes
# grow with the square of the register, duplicates only linearly, so each session lists rules
# from tightest to loosest and takes the first that still admits ``MIN_TRAINING_PAIRS`` pairs:
# a million records train on tight rules, a few thousand on loose ones. ``coalesce`` keeps a rule
# working where a column is empty throughout (FEBRL has no second surname, sex or relatives).
_SAME = "coalesce(l.{0}, {1}) = coalesce(r.{0}, {1})"
_SS, _SEX, _HH = _SAME.format("ss", "''"), _SAME.format("sex", "''"), _SAME.format("hh", "''")
TRAINING_SESSIONS: tuple[tuple[str, ...], ...] = (
    # trains surnames, sex, nationality, place, household
    ("l.dob = r.dob AND l.gn = r.gn AND l.pob_key = r.pob_key", "l.dob = r.dob AND l.gn = r.gn",
     "l.dob = r.dob"),
    # trains given names and the first surname (they read fs, fs_key, ss_key, not ss), household
    (f"l.dob = r.dob AND l.pob = r.pob AND {_SS} AND {_SEX}", f"l.dob = r.dob AND {_SS}",
     "l.dob = r.dob"),
    # trains the date of birth
    (f"l.gn = r.gn AND l.fs = r.fs AND {_SS} AND l.pob = r.pob AND {_SEX} AND {_HH}",
     f"l.gn = r.gn AND l.fs = r.fs AND {_SS} AND {_HH}", "l.gn = r.gn AND l.fs = r.fs"),
)
TRAINING_RULES: tuple[str, ...] = tuple(rules[-1] for rules in TRAINING_SESSIONS)  # loosest
MIN_TRAINING_PAIRS = 2_000

# Near-certain matches, to estimate how likely two random records are the same person.
DETERMINISTIC_RULES: tuple[str, ...] = (
    "l.gn = r.gn AND l.fs = r.fs AND l.dob = r.dob",
)


# Columns with a term-frequency adjustment, each on its exact level only: the frequency of the
# value both records share is then unambiguous (on a fuzzy level the two values differ).
TF_COLUMNS: tuple[str, ...] = tuple(
    level.tf for comparison in COMPARISONS for level in comparison.levels if level.tf)
TF_WEIGHT = 1.0


def splink_settings(blocking_rules: tuple[str, ...] = BLOCKING_RULES) -> dict:
    """Untrained Splink settings built from ``COMPARISONS``."""
    comparisons = []
    for comparison in COMPARISONS:
        levels = []
        for level in comparison.levels:
            entry = {"sql_condition": level.sql, "label_for_charts": level.label}
            if level.null:
                entry["is_null_level"] = True
            if level.fixed_m is not None:
                entry["m_probability"] = level.fixed_m
                entry["fix_m_probability"] = True
            if level.tf:
                entry["tf_adjustment_column"] = level.tf
                entry["tf_adjustment_weight"] = TF_WEIGHT
            levels.append(entry)
        comparisons.append({"output_column_name": comparison.name,
                            "comparison_description": comparison.description,
                            "comparison_levels": levels})
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "comparisons": comparisons,
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule, "sql_dialect": "duckdb"} for rule in blocking_rules],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
        "max_iterations": 25,
        "em_convergence": 0.0001,
    }
