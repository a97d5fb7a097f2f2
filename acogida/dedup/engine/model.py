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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property

import duckdb
import pyarrow as pa
import splink
from splink import DuckDBAPI, Linker

from .comparisons import (
    COMPARISONS,
    DETERMINISTIC_RULES,
    TRAINING_SESSIONS,
    Comparison,
    splink_settings,
)
from .features import Features, features_of, features_table
from .training import (
    _affordable_rules,
    _clamped_em_updates,
    _floor_m,
    _refit_prior,
    _rule_pair_count,  # noqa: F401 (tests count pairs through the model module)
    _tf_counts,
    _training_rule,
    _unmix_u,
)

# 4: a given-names level for one name crosswise; u net of the duplicates in its random sample
# 5: a household level for two records that list each other as relatives (feature hh_self)
ENGINE_VERSION = "5"
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
    # Term-frequency adjustment, read from Splink's level (``tf_col`` None: no adjustment).
    tf_col: str | None = None
    tf_log2_u: float = 0.0
    tf_weight: float = 0.0
    tf_min: float = 0.0

    def tf_adjustment(self, tf_l: float | None, tf_r: float | None) -> float:
        """Splink's formula (``ComparisonLevel._tf_adjustment_sql``): weight x (log2 u of the
        exact level - log2 of the larger frequency); nothing when neither value has one."""
        if self.tf_col is None:
            return 0.0
        a = tf_l if tf_l is not None else tf_r
        b = tf_r if tf_r is not None else tf_l
        if a is None:
            return 0.0
        return self.tf_weight * (self.tf_log2_u - math.log2(max(a, b, self.tf_min)))


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
    # column -> {"total": non-null values in training, "counts": {value: count}}; see _tf_counts
    term_frequencies: dict[str, dict] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({
            "format": MODEL_FORMAT, "engine_version": self.engine_version,
            "version": self.version, "trained_at": self.trained_at.isoformat(),
            "record_count": self.record_count, "splink_version": splink.__version__,
            "splink_settings": self.settings, "term_frequencies": self.term_frequencies},
            indent=1, sort_keys=True)

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
                   record_count=data["record_count"], engine_version=data["engine_version"],
                   term_frequencies=data.get("term_frequencies", {}))

    @cached_property
    def tf_lookup(self) -> dict[str, dict[str, float]]:
        """column -> value -> frequency, computed once here for both paths (the batch path
        registers these very floats with Splink), so live and batch use identical numbers."""
        return {col: {value: n / table["total"] for value, n in table["counts"].items()}
                for col, table in self.term_frequencies.items()}

    def tf_tables(self) -> dict[str, pa.Table]:
        """The lookups as Splink's ``__splink__df_tf_<col>`` tables (<col>, tf_<col>)."""
        return {col: pa.table({col: pa.array(list(lookup), pa.string()),
                               f"tf_{col}": pa.array(list(lookup.values()), pa.float64())})
                for col, lookup in self.tf_lookup.items()}

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
                tf = {}
                if ours.tf and theirs._has_tf_adjustments and theirs._tf_adjustment_weight:
                    tf = {"tf_col": ours.tf, "tf_weight": float(theirs._tf_adjustment_weight),
                          "tf_min": float(theirs._tf_minimum_u_value),
                          "tf_log2_u": math.log2(
                              theirs._u_probability_corresponding_to_exact_match(splink_levels))}
                ordered.append(_LevelWeight(
                    ours.label, theirs.comparison_vector_value,
                    0.0 if null else float(theirs._match_weight),
                    None if null else theirs.m_probability,
                    None if null else theirs.u_probability, **tf))
            table.append((comparison, {lw.gamma: lw for lw in ordered}, ordered))
        return prob_to_match_weight(core.probability_two_random_records_match), table

    @property
    def prior_weight(self) -> float:
        return self._weights[0]

    def explain(self, gammas: dict[str, int], term_frequencies: dict[str, tuple] | None = None
                ) -> tuple[float, list[dict]]:
        """Match weight and explanation for a pair from its gamma values (``gamma_<name>``).

        ``term_frequencies`` maps a TF column to the pair's (tf_l, tf_r), as the ``tf_<col>_l``
        and ``tf_<col>_r`` columns of ``predict_pairs_from_arrow``; without it the explanation
        leaves out the term-frequency part and may fall short of Splink's match weight."""
        prior, table = self._weights
        parts = [_prior_part(prior)]
        total = prior
        for comparison, by_gamma, _ordered in table:
            lw = by_gamma[int(gammas[comparison.name])]
            tf_l, tf_r = (term_frequencies or {}).get(lw.tf_col, (None, None))
            part = _part(comparison, lw, lw.tf_adjustment(tf_l, tf_r))
            total += part["match_weight"]
            parts.append(part)
        return total, parts


def _prior_part(prior: float) -> dict:
    return {"comparison": "prior", "level": "two random records are the same person",
            "gamma": None, "match_weight": prior, "m": None, "u": None}


def _part(comparison: Comparison, lw: _LevelWeight, tf_adjustment: float) -> dict:
    """One explanation entry. A term-frequency adjustment is part of the level's weight (so the
    weights still add up) and also shown on its own."""
    part = {"comparison": comparison.name, "level": lw.label, "gamma": lw.gamma,
            "match_weight": lw.weight + tf_adjustment, "m": lw.m, "u": lw.u}
    if lw.tf_col is not None:
        part["tf_adjustment"] = tf_adjustment
    return part


# ---- Splink plumbing ----------------------------------------------------------------------------

def _linker(features: pa.Table, settings: dict, threads: int | None = None,
            tf_tables: dict[str, pa.Table] | None = None) -> Linker:
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    # Pair order carries no meaning; letting DuckDB drop it saves memory and time in the joins.
    con.execute("SET preserve_insertion_order = false")
    db_api = DuckDBAPI(connection=con)
    table = db_api.register(features, table_name="acogida_records")
    # ERROR, not WARNING: Splink warns for every level a training sample happens not to contain
    # and for its default sample sizes, dozens of lines a run; runs report their own figures
    linker = Linker(table, settings, log_level=logging.ERROR)
    # The model's own frequencies, not ones Splink would count in this input: a batch over part
    # of the register, and the live check, must weigh "Hernández" alike.
    for col, tf in (tf_tables or {}).items():
        linker.table_management.register_term_frequency_lookup(
            db_api.register(tf, table_name=f"acogida_tf_{col}"), col)
    return linker


def _settings_with_matching_columns(settings: dict) -> dict:
    # Splink keeps the gamma columns only alongside the matching columns, and the term
    # frequencies (tf_<col>_l/_r) only with the intermediate columns; we need both for
    # explanations and drop the rest after prediction.
    out = copy.deepcopy(settings)
    out["retain_matching_columns"] = True
    out["retain_intermediate_calculation_columns"] = any(
        level.get("tf_adjustment_column") for c in out["comparisons"]
        for level in c["comparison_levels"])
    return out


def train_arrow(table: pa.Table, *, seed: int = 42, u_max_pairs: float = 5e6,
                em_max_pairs: float | None = 2e6, recall: float = 0.7,
                refit_prior: bool = True) -> TrainedModel:
    """Unsupervised training (no labels) on a table with ``RECORD_SCHEMA`` columns.

    1. the prior from near-certain matches (``DETERMINISTIC_RULES``) and their assumed recall;
       with ``refit_prior``, once m is trained, again with the recall the model itself implies;
    2. u by random sampling of pairs (almost all random pairs are different people);
    3. m by expectation maximisation, one session per entry of ``TRAINING_SESSIONS``, each on
       the tightest of its rules that admits enough pairs.
    """
    features = features_table(table)
    con = duckdb.connect()
    con.register("f", features)
    linker = _linker(features, splink_settings(_affordable_rules(con)))
    linker.training.estimate_probability_two_random_records_match(
        list(DETERMINISTIC_RULES), recall=recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=seed)
    with _clamped_em_updates():
        for rules in TRAINING_SESSIONS:
            rule = _training_rule(con, rules)
            if rule is None:
                continue  # a tiny or empty set teaches EM nothing (and Splink fails on none)
            log.info("EM session blocked on %s", rule)
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True, max_pairs=em_max_pairs)
    settings = linker.misc.save_model_to_json()
    if refit_prior:
        _refit_prior(settings, recall)
    settings = _floor_m(_unmix_u(settings))
    tf = _tf_counts(con)
    trained_at = datetime.now(UTC).replace(microsecond=0)
    digest = hashlib.sha256(json.dumps([settings, tf], sort_keys=True).encode()).hexdigest()[:12]
    return TrainedModel(settings=settings, version=f"{ENGINE_VERSION}.{digest}",
                        trained_at=trained_at, record_count=table.num_rows, term_frequencies=tf)


# The levels that together make DETERMINISTIC_RULES' "same given names, first surname, date".
def train(records: Sequence[Record], *, seed: int = 42) -> TrainedModel:
    return train_arrow(records_to_arrow(records), seed=seed)


def predict_pairs_from_arrow(model: TrainedModel, table: pa.Table, *,
                             threshold: float = 0.5, threads: int | None = None) -> pa.Table:
    """Scored pairs at or above ``threshold``: unique_id_l, unique_id_r, match_weight,
    match_probability and one gamma_<comparison> column each (``model.explain`` turns the gammas
    into an explanation). Stays in Arrow so a million records need no Python row objects."""
    linker = _linker(features_table(table), _settings_with_matching_columns(model.settings),
                     threads, model.tf_tables())
    predictions = linker.inference.predict(threshold_match_probability=threshold,
                                           warning_mode="never")
    columns = ["unique_id_l", "unique_id_r", "match_weight", "match_probability",
               *(f"gamma_{c.name}" for c in COMPARISONS),
               *(f"tf_{col}_{side}" for col in model.term_frequencies for side in "lr")]
    relation = predictions.as_duckdbpyrelation()
    return relation.select(*columns).to_arrow_table()


def predict_pairs(model: TrainedModel, records: Sequence[Record], *,
                  threshold: float = 0.5) -> list[ScoredPair]:
    scored = predict_pairs_from_arrow(model, records_to_arrow(records), threshold=threshold)
    out = []
    for row in scored.to_pylist():
        gammas = {c.name: row[f"gamma_{c.name}"] for c in COMPARISONS}
        tf = {col: (row[f"tf_{col}_l"], row[f"tf_{col}_r"]) for col in model.term_frequencies}
        _total, parts = model.explain(gammas, tf)
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
    tf = model.tf_lookup
    q = record_features(query_record)
    out = []
    for candidate in candidate_records:
        c = record_features(candidate)
        total = prior
        parts = [_prior_part(prior)]
        for comparison, _by_gamma, ordered in table:
            # The ELSE level always holds, so the loop always breaks with the level found.
            for level, lw in zip(comparison.levels, ordered, strict=True):  # noqa: B007
                if level.test(q, c):
                    break
            adjustment = 0.0
            if lw.tf_col is not None:
                freq = tf.get(lw.tf_col, {})
                adjustment = lw.tf_adjustment(freq.get(getattr(q, lw.tf_col)),
                                              freq.get(getattr(c, lw.tf_col)))
            part = _part(comparison, lw, adjustment)
            total += part["match_weight"]
            parts.append(part)
        out.append(ScoredPair(q.unique_id, c.unique_id, probability_from_weight(total), total,
                              parts))
    out.sort(key=lambda p: -p.match_weight)
    return out


def is_finite_model(model: TrainedModel) -> bool:
    """Every level weight is a finite number (a sanity check after training)."""
    prior, table = model._weights
    return math.isfinite(prior) and all(
        math.isfinite(lw.weight) for _c, _g, ordered in table for lw in ordered)
