"""Training helpers: which blocking rules a register can afford, how many pairs a rule forms,
and the corrections applied to Splink's trained parameters (m floor, neutral levels, the prior
refitted to the recall the model implies, term-frequency counts).
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager

import duckdb

from .comparisons import (
    BLOCKING_RULES,
    COMPARISONS,
    EXTRA_BLOCKING_RULES,
    MIN_TRAINING_PAIRS,
    PAIR_BUDGET,
    TF_COLUMNS,
)

log = logging.getLogger(__name__)

@contextmanager
def _clamped_em_updates():
    """EM may find a level that no likely match ever reaches (siblings share relatives, a person
    does not): its m comes out as exactly 0.0, which Splink 5 refuses to store, though its own
    weight formula clamps m and u to ``M_U_CLAMP_MIN`` anyway. Clamp at the source, during
    training only; the stored parameters then give the weights Splink would have used."""
    from splink.internals import expectation_maximisation as em
    from splink.internals.comparison_level import M_U_CLAMP_MIN

    original = em.m_u_records_to_lookup_dict

    def clamped(records):
        for record in records:
            for key in ("m_probability", "u_probability"):
                value = record.get(key)
                if isinstance(value, float) and 0.0 <= value < M_U_CLAMP_MIN:
                    record[key] = M_U_CLAMP_MIN
        return original(records)

    em.m_u_records_to_lookup_dict = clamped
    try:
        yield
    finally:
        em.m_u_records_to_lookup_dict = original


M_FLOOR = 1e-3


# The unmixed u is kept at least this share of the sampled one: lambda and m are estimates, and
# a level the sample saw must not come out as never seen among different people (an unbounded
# weight). Neither benchmark set comes near it (the lowest share is 0.08).
U_UNMIX_FLOOR = 0.05


def _unmix_u(settings: dict) -> dict:
    """u comes from random pairs, and a random pair is the same person with probability lambda
    (the prior): the sample's agreement rate on a level is lambda*m + (1-lambda)*u, not u. Where
    a level is rare among different people (one date of birth in ten thousand) the duplicates in
    the sample outnumber the strangers who agree by chance: on FEBRL3 taking the mixture for u
    made "same date of birth" look five times commoner among different people than it is. With
    lambda and m trained, solve for u. At a million records lambda is ~1e-6: nothing moves."""
    lam = settings["probability_two_random_records_match"]
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            m, u = level.get("m_probability"), level.get("u_probability")
            if level.get("is_null_level") or not isinstance(m, float) or not isinstance(u, float):
                continue
            level["u_probability"] = max(u - lam * m, u * U_UNMIX_FLOOR) / (1 - lam)
    return settings


def _floor_m(settings: dict) -> dict:
    """No level may veto a pair: EM gives m ~ 0 to a level no likely match reached in training
    (a second given name mistyped, say), which would make it -180 bits. Floor m at a clerical
    slip rate. Both Splink and ``score_candidates`` read the floored value from the JSON.
    A level with a fixed m keeps it (that figure was chosen, not learned). A ``neutral`` level
    gets m = u: a weight of exactly 0."""
    ours = {c.name: c for c in COMPARISONS}
    for comparison in settings["comparisons"]:
        levels = ours[comparison["output_column_name"]].levels
        for level, spec in zip(comparison["comparison_levels"], levels, strict=True):
            m = level.get("m_probability")
            if (isinstance(m, float) and m < M_FLOOR and not level.get("is_null_level")
                    and spec.fixed_m is None):
                level["m_probability"] = M_FLOOR
            if spec.neutral and isinstance(level.get("u_probability"), float):
                level["m_probability"] = level["u_probability"]
    return settings


def _affordable_rules(con: duckdb.DuckDBPyConnection,
                      budget: int = PAIR_BUDGET) -> tuple[str, ...]:
    """The core rules, plus the broader rules in order while their running pair count fits
    ``budget`` (the core rules are always paid for)."""
    rules, spent = list(BLOCKING_RULES), 0
    for rule in EXTRA_BLOCKING_RULES:
        # Counted without forming the pairs: sum of n(n-1)/2 over the equi-join keys.
        pairs = _rule_pair_count(con, rule)
        if spent + pairs <= budget:
            rules.append(rule)
            spent += pairs
    return tuple(rules)


def _training_rule(con: duckdb.DuckDBPyConnection, rules: tuple[str, ...]) -> str | None:
    """The rule an EM session blocks on: the tightest of ``rules`` (they go from tightest to
    loosest) that admits ``MIN_TRAINING_PAIRS``, else the loosest; None if even that admits too
    few pairs to learn from."""
    rule = next((r for r in rules if _rule_pair_count(con, r) >= MIN_TRAINING_PAIRS), rules[-1])
    return rule if _rule_pair_count(con, rule) >= MIN_TRAINING_PAIRS // 20 else None


_SIDE = {"l": re.compile(r"\bl\."), "r": re.compile(r"\br\.")}


def _rule_pair_count(con: duckdb.DuckDBPyConnection, rule: str) -> int:
    """Pairs a conjunction of equalities admits (an upper bound: a pair found by two rules counts
    twice). Each side may be an expression of one record's columns, such as ``left(l.fs, 3)``;
    a bracketed term is a filter on the pairs, left out of the count (so still an upper bound)."""
    terms = [t.strip() for t in rule.split(" AND ") if not t.strip().startswith("(")]
    left = [_SIDE["l"].sub("", t.split("=")[0]) for t in terms]
    right = [_SIDE["r"].sub("", t.split("=")[1]) for t in terms]
    lk = ", ".join(f"{c} AS k{i}" for i, c in enumerate(left))
    rk = ", ".join(f"{c} AS k{i}" for i, c in enumerate(right))
    on = " AND ".join(f"a.k{i} = b.k{i}" for i in range(len(terms)))
    keys = ", ".join(f"k{i}" for i in range(len(terms)))
    same = " AND ".join(f"({a}) = ({b})" for a, b in zip(left, right, strict=True))
    sql = (f"WITH a AS (SELECT {keys}, count(*) n FROM (SELECT {lk} FROM f) GROUP BY ALL), "  # noqa: S608
           f"b AS (SELECT {keys}, count(*) n FROM (SELECT {rk} FROM f) GROUP BY ALL) "
           f"SELECT coalesce(sum(a.n * b.n), 0), (SELECT count(*) FROM f WHERE {same}) "
           f"FROM a JOIN b ON {on}")
    ordered, with_itself = con.sql(sql).fetchall()[0]
    # Ordered pairs, less each record paired with itself, counted once.
    return (int(ordered) - int(with_itself)) // 2


_DETERMINISTIC_LEVELS = {"given_names": ("same given names",),
                         "first_surname": ("same first surname",),
                         "date_of_birth": ("same date of birth", "estimated, same year")}


def _refit_prior(settings: dict, assumed: float) -> None:
    """The prior is (pairs the deterministic rule finds) / (all pairs x its recall), and the
    recall was a guess. Trained m says how often one person's two records agree on all three
    (under the model's own independence assumption): on FEBRL3 0.31 against a guessed 0.7, which
    made every pair 2.3 times less likely than it is (the true share of matching pairs is
    5.2e-4; the guess gave 2.2e-4). Re-scale by the implied recall, kept within [0.05, 1]."""
    implied = 1.0
    for comparison in settings["comparisons"]:
        labels = _DETERMINISTIC_LEVELS.get(comparison["output_column_name"])
        if labels:
            implied *= sum(level.get("m_probability") or 0.0
                           for level in comparison["comparison_levels"]
                           if level.get("label_for_charts") in labels)
    implied = min(max(implied, 0.05), 1.0)
    prior = settings["probability_two_random_records_match"] * assumed / implied
    settings["probability_two_random_records_match"] = min(prior, 0.5)
    log.info("prior refitted for an implied recall of %.3f: %.3g", implied, prior)


def _tf_counts(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """Value counts of each TF column in the training records. Values seen once are left out:
    two records of one register can only agree exactly on a value both hold, so a singleton never
    meets an exact-match pair in batch; a value the model has not seen twice gets no adjustment
    (the level's average weight), in Splink and live alike. This keeps the JSON small."""
    out = {}
    for col in TF_COLUMNS:
        total = con.sql(f"SELECT count({col}) FROM f").fetchall()[0][0]  # noqa: S608
        rows = con.sql(f"SELECT {col}, count(*) n FROM f WHERE {col} IS NOT NULL "  # noqa: S608
                       f"GROUP BY ALL HAVING n >= 2 ORDER BY {col}").fetchall()
        if total and rows:
            out[col] = {"total": int(total), "counts": {v: int(n) for v, n in rows}}
    return out
