"""Runs every scenario in acogida/asylum/screening/scenarios/*.yaml (facts -> expected result)."""

import pytest

from acogida.asylum.screening import load_policies
from acogida.asylum.screening.scenarios import check, load_scenarios

SCENARIOS = load_scenarios()


@pytest.mark.parametrize("scenario", SCENARIOS,
                         ids=[f"{s['file']}::{s['name']}" for s in SCENARIOS])
def test_scenario(scenario):
    assert check(scenario) == []


def test_there_are_enough_scenarios():
    assert len(SCENARIOS) >= 40


def test_every_screening_policy_has_scenarios():
    covered = {r for s in SCENARIOS for r in s["rules"]}
    known = {p.id for p in load_policies()}
    assert covered <= known, f"scenarios name unknown rules: {covered - known}"
    # A "clock" (e.g. the appeal term) is run by the claims workflow, not by screening.
    screening = {p.id for p in load_policies()
                 if any(e.type != "clock" for v in p.versions for e in v.effects)}
    assert screening - covered == set()


def test_every_dated_policy_has_boundary_scenarios():
    """Each dated rule is tested the day before, on and after each of its dates."""
    by_rule: dict[str, int] = {}
    for s in SCENARIOS:
        for r in s["rules"]:
            by_rule[r] = by_rule.get(r, 0) + 1
    for p in load_policies():
        dated = any(v.in_force_from and v.in_force_from.year > 1998 for v in p.versions)
        if dated and any(e.type != "clock" for v in p.versions for e in v.effects):
            assert by_rule.get(p.id, 0) >= 2, p.id
