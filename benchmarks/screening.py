"""Screening benchmark: a million synthetic cases through the batch path, beside a plain loop.

    python benchmarks/screening.py [--cases 1000000] [--loop 20000] [--seed 7] [--check 2000]

A deterministic generator (``random.Random(seed)``) draws caravan-like cases from 2018 to 2025:
nationalities of the caravans, journeys through Guatemala and Mexico into the USA (ports, between
ports, CBP One, parole), protection sought in Mexico, filings in time or late, one or two harms
whose actor and grounds follow their kind, rare exclusions and unknown facts. Cases are generated
as pre-validated plain tuples, in chunks, so a million of them never sit in memory at once.

Measured on one core:
- ``batch``: the vectorised engine (``screen_columns``, numpy) on chunks of 50,000 tuples turned
  into engine cases, over all cases -- target >= 20,000 cases/s;
- ``loop (engine)``: ``compact(evaluate(case))`` per case, no memo, on the first ``--loop`` cases;
- ``loop (screen)``: the public ``screen(dict)`` per case -- pydantic validation, engine and the
  full bilingual result -- on the same cases, with its latency p50/p95/p99 (target p95 <= 5 ms).
The batch results are checked equal to the plain engine's on the first ``--check`` cases.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from acogida.asylum.screening import screen  # noqa: E402
from acogida.asylum.screening.batch import (  # noqa: E402
    case_from_tuple,
    cases_from_tuples,
    no_cyclic_gc,
    tuple_to_facts,
)
from acogida.asylum.screening.engine import compact, evaluate  # noqa: E402
from acogida.asylum.screening.vector import screen_columns  # noqa: E402

TARGET_RATE, TARGET_P95_MS = 20_000, 5.0
NATIONALITIES = ["HND"] * 5 + ["GTM"] * 3 + ["SLV"] * 3 + ["VEN"] * 3 + ["HTI", "NIC", "CUB",
                                                                          "COL", "ECU", "MEX"]
JURISDICTIONS = [("UNHCR", "MX", "US")] * 6 + [("MX", "US"), ("MX",), ("US",)]
# kind -> (actor, grounds options), drawn as an intake officer would record them
HARMS = {
    "political_persecution": ("state", [("political_opinion",)]),
    "religious_persecution": ("non_state", [("religion",)]),
    "ethnic_persecution": ("state", [("race",), ("nationality",)]),
    "gender_based_violence": ("non_state", [("gender",), ("particular_social_group",), ()]),
    "domestic_violence": ("non_state", [("particular_social_group",), ("gender",), ()]),
    "sexual_orientation_or_gender_identity": ("non_state", [("particular_social_group",)]),
    "gang_violence": ("non_state", [(), ("particular_social_group",)]),
    "gang_recruitment_refusal": ("non_state", [("political_opinion",), ()]),
    "extortion": ("non_state", [()]),
    "threats_to_family": ("non_state", [("particular_social_group",), ()]),
    "forced_recruitment": ("non_state", [("political_opinion",), ()]),
    "generalized_violence": ("non_state", [()]),
    "armed_conflict": ("state", [()]),
    "massive_human_rights_violations": ("state", [()]),
    "torture": ("state", [(), ("political_opinion",)]),
    "trafficking": ("non_state", [()]),
    "poverty": ("non_state", [()]),
    "unemployment": ("non_state", [()]),
    "natural_disaster": ("non_state", [()]),
}
KIND_WEIGHTS = {"gang_violence": 8, "extortion": 6, "domestic_violence": 5, "poverty": 6,
                "threats_to_family": 4, "political_persecution": 3, "generalized_violence": 3}
KINDS = list(HARMS)
WEIGHTS = [KIND_WEIGHTS.get(k, 1) for k in KINDS]
START = date(2018, 10, 1).toordinal()
SPAN = date(2025, 12, 31).toordinal() - START


def _maybe(rng, p_true=0.1, p_none=0.05):
    x = rng.random()
    return None if x < p_none else x < p_none + p_true


def generate(n: int, seed: int, chunk: int = 50_000):
    """Yield lists of plain case tuples (see ``case_from_tuple``), deterministically."""
    rng = random.Random(seed)
    made = 0
    while made < n:
        out = []
        for _ in range(min(chunk, n - made)):
            out.append(_case(rng))
        made += len(out)
        yield out


def _case(rng: random.Random) -> tuple:
    nat = rng.choice(NATIONALITIES)
    as_of = date.fromordinal(START + 60 + rng.randrange(SPAN - 60))
    minor = rng.random() < 0.08
    dob = as_of - timedelta(days=rng.randrange(12 * 365, 17 * 365) if minor
                            else rng.randrange(18 * 365, 60 * 365))
    entries, protection, filings = [], [], {}
    d = as_of - timedelta(days=rng.randrange(20, 700))
    # ~5% of journeys are recorded only from the USA (or with a gap after Guatemala)
    partial = nat != "MEX" and rng.random() < 0.05
    if nat != "MEX" and not partial:
        if rng.random() < 0.3:
            entries.append(("GTM", d - timedelta(days=rng.randrange(2, 10)), "between_ports"))
        entries.append(("MEX", d, rng.choice(["port_of_entry", "between_ports"])))
    elif partial and rng.random() < 0.5:
        entries.append(("GTM", d - timedelta(days=rng.randrange(2, 10)), "between_ports"))
        if rng.random() < 0.3:
            p = d + timedelta(days=rng.randrange(1, 60))
            if p <= as_of:
                protection.append(("MEX", p, rng.choice(["pending", "denied", "withdrawn"])))
                filings["MX"] = p
    if rng.random() < 0.65:
        us = d + timedelta(days=rng.randrange(1, 120))
        if us <= as_of:
            manner = rng.choice(["port_of_entry", "between_ports", "between_ports",
                                 "cbp_one_appointment", "parole", None])
            entries.append(("USA", None if rng.random() < 0.02 else us, manner))
            if rng.random() < 0.6:
                f = us + timedelta(days=rng.randrange(0, 500))
                if f <= as_of:
                    filings["US"] = f
    harms = []
    x = rng.random()
    for _ in range(0 if x < 0.02 else 1 if x < 0.7 else 2 if x < 0.95 else 3):
        kind = rng.choices(KINDS, WEIGHTS)[0]
        actor, options = HARMS[kind]
        harms.append((kind, actor, rng.choice(options), rng.random() < 0.9, rng.random() < 0.9
                      or False, _maybe(rng, 0.2, 0.1), _maybe(rng, 0.1, 0.1),
                      _maybe(rng, 0.1 if kind != "torture" else 0.8, 0.1)))
    harms = [h if (h[3] or h[4]) else (*h[:3], True, *h[4:]) for h in harms]
    excl = tuple(_maybe(rng, 0.005, 0.01) for _ in range(8))
    late = rng.choice([None] * 9 + ["none"] * 3 + ["changed_circumstances",
                                                   "extraordinary_circumstances",
                                                   "beyond_control"])
    # unaccompanied: recorded for most, not known (None) for some adults and children
    uam = None if rng.random() < 0.1 else (minor and rng.random() < 0.7)
    return (as_of, rng.choice(JURISDICTIONS), nat, dob, uam,
            tuple(entries), tuple(protection), filings, tuple(harms), excl, late)


def pin_one_core() -> str:
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        return f"pinned to CPU {min(os.sched_getaffinity(0))}"
    except (AttributeError, OSError):
        return "not pinned"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--loop", type=int, default=20_000)
    ap.add_argument("--check", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    print(f"screening benchmark: {args.cases:,} cases, seed {args.seed}, {pin_one_core()}")

    first = next(generate(max(args.loop, args.check), args.seed))
    # The per-case loops run as an application would, with the cyclic collector on; the batch
    # path pauses it per chunk (see ``no_cyclic_gc``).
    # warm-up: policy loading, working-day calendar, pydantic schema build
    screen(tuple_to_facts(first[0]))
    screen_columns([case_from_tuple(first[0])])

    sample = [case_from_tuple(t) for t in first[: args.check]]
    assert screen_columns(sample) == [compact(evaluate(c)) for c in sample], "batch != loop"
    print(f"batch results identical to the plain engine on {len(sample):,} cases")

    loop_cases = [case_from_tuple(t) for t in first[: args.loop]]
    t0 = time.perf_counter()
    for c in loop_cases:
        compact(evaluate(c))
    engine_rate = len(loop_cases) / (time.perf_counter() - t0)

    facts = [tuple_to_facts(t) for t in first[: args.loop]]
    lat = []
    t0 = time.perf_counter()
    for f in facts:
        s = time.perf_counter()
        screen(f)
        lat.append(time.perf_counter() - s)
    screen_rate = len(facts) / (time.perf_counter() - t0)
    q = statistics.quantiles(lat, n=100)

    done, gen_s, conv_s, run_s = 0, 0.0, 0.0, 0.0
    t_gen = time.perf_counter()
    for chunk in generate(args.cases, args.seed):
        t1 = time.perf_counter()
        gen_s += t1 - t_gen
        cases = cases_from_tuples(chunk)
        t2 = time.perf_counter()
        with no_cyclic_gc():
            screen_columns(cases)
        t3 = time.perf_counter()
        conv_s, run_s = conv_s + (t2 - t1), run_s + (t3 - t2)
        done += len(chunk)
        t_gen = time.perf_counter()
    batch_rate = done / run_s
    with_conv = done / (run_s + conv_s)

    rows = [
        ("batch (vectorised)", f"{batch_rate:,.0f} cases/s", f"{done:,} cases in {run_s:.1f} s"),
        ("batch incl. tuple -> Case", f"{with_conv:,.0f} cases/s",
         f"+{conv_s:.1f} s to build engine cases from the tuples"),
        ("loop (engine per case)", f"{engine_rate:,.0f} cases/s", f"{len(loop_cases):,} cases"),
        ("loop (screen(dict), full)", f"{screen_rate:,.0f} cases/s",
         f"{len(facts):,} cases, validation + bilingual result"),
        ("screen() latency p50", f"{q[49] * 1000:.3f} ms", ""),
        ("screen() latency p95", f"{q[94] * 1000:.3f} ms", f"target <= {TARGET_P95_MS} ms"),
        ("screen() latency p99", f"{q[98] * 1000:.3f} ms", ""),
        ("generator", f"{gen_s:.1f} s", "not counted"),
    ]
    width = max(len(r[0]) for r in rows)
    for what, fig, note in rows:
        print(f"  {what:<{width}}  {fig:>18}  {note}")
    ok = batch_rate >= TARGET_RATE and q[94] * 1000 <= TARGET_P95_MS
    print(f"targets: batch >= {TARGET_RATE:,}/s, p95 <= {TARGET_P95_MS} ms -> "
          f"{'MET' if ok else 'NOT MET'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
