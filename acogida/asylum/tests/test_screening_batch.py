"""The vectorised batch path gives the scalar engine's results, case for case."""

import sys
from pathlib import Path

from acogida.asylum.screening import ScreeningInputError, screen
from acogida.asylum.screening.batch import case_from_tuple, screen_batch, tuple_to_facts
from acogida.asylum.screening.case import case_from_facts
from acogida.asylum.screening.engine import compact, evaluate
from acogida.asylum.screening.facts import parse_facts
from acogida.asylum.screening.scenarios import load_scenarios

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))
from screening import generate  # noqa: E402


def test_batch_matches_engine_on_every_scenario():
    cases = []
    for s in load_scenarios():
        try:
            cases.append(case_from_facts(parse_facts(s["facts"])))
        except ScreeningInputError:
            continue
    assert list(screen_batch(cases)) == [compact(evaluate(c)) for c in cases]


def test_batch_matches_engine_on_a_synthetic_sample():
    tuples = next(generate(3000, seed=11, chunk=3000))
    cases = [case_from_tuple(t) for t in tuples]
    # small chunks exercise the chunking and per-chunk codes for countries and missing facts
    assert list(screen_batch(cases, chunk=700)) == [compact(evaluate(c)) for c in cases]


def test_generated_tuples_are_valid_facts():
    for t in next(generate(300, seed=3, chunk=300)):
        screen(tuple_to_facts(t))  # raises ScreeningInputError if the generator drifts


def test_batch_falls_back_to_the_engine_beyond_its_bit_masks():
    # 50 harms with three unknown facts each: 150 distinct missing facts > the 64-bit masks
    s = next(s for s in load_scenarios() if s["name"].startswith("base case"))
    facts = dict(s["facts"])
    harm = dict(facts["harms"][0], state_protection_available=None,
                internal_relocation_reasonable=None, torture_risk=None, actor="non_state")
    facts["harms"] = [harm] * 50
    cases = [case_from_facts(parse_facts(facts)), case_from_facts(parse_facts(s["facts"]))]
    assert list(screen_batch(cases)) == [compact(evaluate(c)) for c in cases]
