"""Train, save, predict and cluster with Splink; score a handful of candidates in pure Python.

Plain data in and out: ``Record`` rows (or a pyarrow table of the same columns for scale), a
``TrainedModel`` that wraps Splink's model JSON with a version and training date, ``ScoredPair``
results with an explanation per pair (the data of a waterfall chart).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import math
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property

import duckdb
import pyarrow as pa
import splink
from splink import DuckDBAPI, Linker

from .comparisons import (
    BLOCKING_RULES,
    COMPARISONS,
    DETERMINISTIC_RULES,
    EXTRA_BLOCKING_RULES,
    PAIR_BUDGET,
    TRAINING_RULES,
    Comparison,
    splink_settings,
)
from .features import Features, features_of, features_table

ENGINE_VERSION = "1"
MODEL_FORMAT = "acogida-dedup-model"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Record:
    """One registration as the engine sees it. Empty strings and ``None`` both mean missing."""

    id: str
    given_names: str = ""
    first_surname: str = ""
    second_surname: str = ""
    sex: str = ""
    date_of_birth: date | None = None
    date_of_birth_estimated: bool = False
    nationality: str = ""
    place_of_birth: str = ""
    household_signature: tuple[str, ...] = ()  # see features.household_signature
    external_id: str = ""  # carried along for the caller; not compared


RECORD_SCHEMA = pa.schema([
    ("id", pa.string()), ("given_names", pa.string()), ("first_surname", pa.string()),
    ("second_surname", pa.string()), ("sex", pa.string()), ("date_of_birth", pa.date32()),
    ("date_of_birth_estimated", pa.bool_()), ("nationality", pa.string()),
    ("place_of_birth", pa.string()), ("household_signature", pa.list_(pa.string())),
])


def records_to_arrow(records: Iterable[Record]) -> pa.Table:
    rows = list(records)
    return pa.Table.from_pydict({
        "id": [str(b.id) for b in rows],
        "given_names": [b.given_names or None for b in rows],
        "first_surname": [b.first_surname or None for b in rows],
        "second_surname": [b.second_surname or None for b in rows],
        "sex": [b.sex or None for b in rows],
        "date_of_birth": [b.date_of_birth for b in rows],
        "date_of_birth_estimated": [bool(b.date_of_birth_estimated) for b in rows],
        "nationality": [b.nationality or None for b in rows],
        "place_of_birth": [b.place_of_birth or None for b in rows],
        "household_signature": [list(b.household_signature) or None for b in rows],
    }, schema=RECORD_SCHEMA)


def record_features(record: Record) -> Features:
    return features_of(
        unique_id=str(record.id), given_names=record.given_names,
        first_surname=record.first_surname, second_surname=record.second_surname,
        sex=record.sex, date_of_birth=record.date_of_birth,
        date_of_birth_estimated=record.date_of_birth_estimated,
        nationality=record.nationality, place_of_birth=record.place_of_birth,
        household_signature=record.household_signature)


@dataclass(frozen=True)
class ScoredPair:
    left_id: str
    right_id: str
    probability: float
    match_weight: float
    # [{"comparison", "level", "gamma", "match_weight", "m", "u"}, ...]; the first entry is the
    # prior ("comparison": "prior"). The weights sum to ``match_weight``.
    explanation: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class _LevelWeight:
    label: str
    gamma: int
    weight: float
    m: float | None
    u: float | None


def probability_from_weight(weight: float) -> float:
    """Splink's formula, in its numerically stable form."""
    if weight >= 0:
        return 1.0 / (1.0 + 2.0 ** (-weight))
    return 2.0 ** weight / (1.0 + 2.0 ** weight)


@dataclass
class TrainedModel:
    settings: dict  # Splink's model JSON (``linker.misc.save_model_to_json()``)
    version: str
    trained_at: datetime
    record_count: int
    engine_version: str = ENGINE_VERSION

    def to_json(self) -> str:
        return json.dumps({
            "format": MODEL_FORMAT, "engine_version": self.engine_version,
            "version": self.version, "trained_at": self.trained_at.isoformat(),
            "record_count": self.record_count, "splink_version": splink.__version__,
            "splink_settings": self.settings}, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TrainedModel:
        data = json.loads(text)
        if data.get("format") != MODEL_FORMAT:
            raise ValueError("not an Acogida dedup model")
        if data["engine_version"] != ENGINE_VERSION:
            # The features and comparisons changed: the saved m/u no longer mean the same thing.
            raise ValueError(f"model built for engine {data['engine_version']}, "
                             f"this is engine {ENGINE_VERSION}: retrain")
        return cls(settings=data["splink_settings"], version=data["version"],
                   trained_at=datetime.fromisoformat(data["trained_at"]),
                   record_count=data["record_count"], engine_version=data["engine_version"])

    @cached_property
    def _weights(self) -> tuple[float, list[tuple[Comparison, dict[int, _LevelWeight],
                                                 list[_LevelWeight]]]]:
        """Read m/u and match weights back through Splink's own objects, so clamping, defaults
        and unobserved levels come out exactly as Splink's SQL uses them."""
        from splink.internals.misc import prob_to_match_weight
        from splink.internals.settings_creator import SettingsCreator

        settings = SettingsCreator.from_path_or_dict(copy.deepcopy(self.settings)).get_settings(
            "duckdb")
        core = settings.core_model_settings
        by_name = {c.output_column_name: c for c in core.comparisons}
        table = []
        for comparison in COMPARISONS:
            splink_levels = by_name[comparison.name].comparison_levels
            if len(splink_levels) != len(comparison.levels):
                raise ValueError(f"model and engine disagree on {comparison.name}")
            ordered = []
            for ours, theirs in zip(comparison.levels, splink_levels, strict=True):
                null = theirs.is_null_level
                ordered.append(_LevelWeight(
                    ours.label, theirs.comparison_vector_value,
                    0.0 if null else float(theirs._match_weight),
                    None if null else theirs.m_probability,
                    None if null else theirs.u_probability))
            table.append((comparison, {lw.gamma: lw for lw in ordered}, ordered))
        return prob_to_match_weight(core.probability_two_random_records_match), table

    @property
    def prior_weight(self) -> float:
        return self._weights[0]

    def explain(self, gammas: dict[str, int]) -> tuple[float, list[dict]]:
        """Match weight and explanation for a pair from its gamma values (``gamma_<name>``)."""
        prior, table = self._weights
        parts = [{"comparison": "prior", "level": "two random records are the same person",
                  "gamma": None, "match_weight": prior, "m": None, "u": None}]
        total = prior
        for comparison, by_gamma, _ordered in table:
            lw = by_gamma[int(gammas[comparison.name])]
            total += lw.weight
            parts.append({"comparison": comparison.name, "level": lw.label, "gamma": lw.gamma,
                          "match_weight": lw.weight, "m": lw.m, "u": lw.u})
        return total, parts


# ---- Splink plumbing ----------------------------------------------------------------------------

def _linker(features: pa.Table, settings: dict, threads: int | None = None) -> Linker:
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    db_api = DuckDBAPI(connection=con)
    table = db_api.register(features, table_name="acogida_records")
    return Linker(table, settings, log_level=logging.WARNING)


def _settings_with_matching_columns(settings: dict) -> dict:
    # Splink keeps the gamma columns only alongside the matching columns; we need the gammas
    # for explanations and drop the rest after prediction.
    out = copy.deepcopy(settings)
    out["retain_matching_columns"] = True
    return out


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


def _floor_m(settings: dict) -> dict:
    """No level may veto a pair: EM gives m ~ 0 to a level no likely match reached in training
    (a second given name mistyped, say), which would make it -180 bits. Floor m at a clerical
    slip rate. Both Splink and ``score_candidates`` read the floored value from the JSON."""
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            m = level.get("m_probability")
            if isinstance(m, float) and m < M_FLOOR and not level.get("is_null_level"):
                level["m_probability"] = M_FLOOR
    return settings


def _affordable_rules(features: pa.Table) -> tuple[str, ...]:
    """The core rules, plus each broader rule whose own pair count fits ``PAIR_BUDGET``."""
    con = duckdb.connect()
    con.register("f", features)
    rules = list(BLOCKING_RULES)
    for rule in EXTRA_BLOCKING_RULES:
        # Count pairs per block without forming them: sum of n(n-1)/2 over the equi-join keys.
        pairs = _rule_pair_count(con, rule)
        if pairs <= PAIR_BUDGET:
            rules.append(rule)
    return tuple(rules)


def _rule_pair_count(con: duckdb.DuckDBPyConnection, rule: str) -> int:
    terms = [t.strip() for t in rule.split(" AND ")]
    left = [t.split("=")[0].strip().removeprefix("l.") for t in terms]
    right = [t.split("=")[1].strip().removeprefix("r.") for t in terms]
    lk = ", ".join(f"{c} AS k{i}" for i, c in enumerate(left))
    rk = ", ".join(f"{c} AS k{i}" for i, c in enumerate(right))
    on = " AND ".join(f"a.k{i} = b.k{i}" for i in range(len(terms)))
    keys = ", ".join(f"k{i}" for i in range(len(terms)))
    sql = (f"WITH a AS (SELECT {keys}, count(*) n FROM (SELECT {lk} FROM f) GROUP BY ALL), "  # noqa: S608
           f"b AS (SELECT {keys}, count(*) n FROM (SELECT {rk} FROM f) GROUP BY ALL) "
           f"SELECT coalesce(sum(a.n * b.n), 0) FROM a JOIN b ON {on}")
    # Ordered pairs, including a record with itself: an upper bound, twice the real count.
    return int(con.sql(sql).fetchall()[0][0]) // 2


def train_arrow(table: pa.Table, *, seed: int = 42, u_max_pairs: float = 5e6,
                em_max_pairs: float | None = 2e6, recall: float = 0.7) -> TrainedModel:
    """Unsupervised training (no labels) on a table with ``RECORD_SCHEMA`` columns.

    1. the prior from near-certain matches (``DETERMINISTIC_RULES``) and their assumed recall;
    2. u by random sampling of pairs (almost all random pairs are different people);
    3. m by expectation maximisation in the sessions of ``TRAINING_RULES``.
    """
    features = features_table(table)
    linker = _linker(features, splink_settings(_affordable_rules(features)))
    linker.training.estimate_probability_two_random_records_match(
        list(DETERMINISTIC_RULES), recall=recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=seed)
    with _clamped_em_updates():
        for rule in TRAINING_RULES:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True, max_pairs=em_max_pairs)
    settings = _floor_m(linker.misc.save_model_to_json())
    trained_at = datetime.now(UTC).replace(microsecond=0)
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]
    return TrainedModel(settings=settings, version=f"{ENGINE_VERSION}.{digest}",
                        trained_at=trained_at, record_count=table.num_rows)


def train(records: Sequence[Record], *, seed: int = 42) -> TrainedModel:
    return train_arrow(records_to_arrow(records), seed=seed)


def predict_pairs_from_arrow(model: TrainedModel, table: pa.Table, *,
                             threshold: float = 0.5, threads: int | None = None) -> pa.Table:
    """Scored pairs at or above ``threshold``: unique_id_l, unique_id_r, match_weight,
    match_probability and one gamma_<comparison> column each (``model.explain`` turns the gammas
    into an explanation). Stays in Arrow so a million records need no Python row objects."""
    linker = _linker(features_table(table), _settings_with_matching_columns(model.settings),
                     threads)
    predictions = linker.inference.predict(threshold_match_probability=threshold,
                                           warning_mode="never")
    columns = ["unique_id_l", "unique_id_r", "match_weight", "match_probability",
               *(f"gamma_{c.name}" for c in COMPARISONS)]
    relation = predictions.as_duckdbpyrelation()
    return relation.select(*columns).to_arrow_table()


def predict_pairs(model: TrainedModel, records: Sequence[Record], *,
                  threshold: float = 0.5) -> list[ScoredPair]:
    scored = predict_pairs_from_arrow(model, records_to_arrow(records), threshold=threshold)
    out = []
    for row in scored.to_pylist():
        gammas = {c.name: row[f"gamma_{c.name}"] for c in COMPARISONS}
        _total, parts = model.explain(gammas)
        out.append(ScoredPair(row["unique_id_l"], row["unique_id_r"],
                              row["match_probability"], row["match_weight"], parts))
    return out


def cluster(pairs: Iterable[ScoredPair], threshold: float = 0.5) -> dict[str, str]:
    """Connected components over pairs at or above ``threshold``: id -> cluster id (the smallest
    id in the cluster). Records in no such pair are left out; they are their own cluster."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in pairs:
        if pair.probability >= threshold:
            a, b = root(pair.left_id), root(pair.right_id)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {x: root(x) for x in parent}


def cluster_arrow(ids: pa.Array | pa.ChunkedArray, pairs: pa.Table,
                  threshold: float = 0.5) -> pa.Table:
    """Splink's connected components in DuckDB: (unique_id, cluster_id) for every id."""
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    db_api = DuckDBAPI(connection=duckdb.connect())
    nodes = pa.table({"unique_id": ids})
    edges = pairs.select(["unique_id_l", "unique_id_r", "match_probability"])
    clusters = cluster_pairwise_predictions_at_threshold(
        nodes, edges, db_api, "unique_id", threshold_match_probability=threshold)
    return clusters.as_duckdbpyrelation().select("unique_id", "cluster_id").to_arrow_table()


# ---- the live check ------------------------------------------------------------------------------

def gammas_for(a: Features, b: Features) -> dict[str, int]:
    """The level each comparison lands on, by the Python twins of the SQL conditions."""
    out = {}
    for comparison in COMPARISONS:
        levels = comparison.levels
        n = len(levels) - 1  # non-null levels are numbered n-1 .. 0, the null level -1
        gamma = 0
        for i, level in enumerate(levels):
            if level.test(a, b):
                gamma = -1 if level.null else n - i
                break
        out[comparison.name] = gamma
    return out


def score_candidates(model: TrainedModel, query_record: Record,
                     candidate_records: Sequence[Record]) -> list[ScoredPair]:
    """Score one new registration against candidates the registry fetched from its own indexes.

    Same features, same levels, same weights as Splink's ``predict``, so the live hint and the
    batch run agree. Returned best first.
    """
    prior, table = model._weights
    q = record_features(query_record)
    out = []
    for candidate in candidate_records:
        c = record_features(candidate)
        total = prior
        parts = [{"comparison": "prior", "level": "two random records are the same person",
                  "gamma": None, "match_weight": prior, "m": None, "u": None}]
        for comparison, _by_gamma, ordered in table:
            # The ELSE level always holds, so the loop always breaks with the level found.
            for level, lw in zip(comparison.levels, ordered, strict=True):  # noqa: B007
                if level.test(q, c):
                    break
            total += lw.weight
            parts.append({"comparison": comparison.name, "level": lw.label, "gamma": lw.gamma,
                          "match_weight": lw.weight, "m": lw.m, "u": lw.u})
        out.append(ScoredPair(q.unique_id, c.unique_id, probability_from_weight(total), total,
                              parts))
    out.sort(key=lambda p: -p.match_weight)
    return out


def is_finite_model(model: TrainedModel) -> bool:
    """Every level weight is a finite number (a sanity check after training)."""
    prior, table = model._weights
    return math.isfinite(prior) and all(
        math.isfinite(lw.weight) for _c, _g, ordered in table for lw in ordered)
