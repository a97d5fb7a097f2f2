"""Scenario tests as data (OpenFisca style): facts -> expected assessments and statuses.

Each ``scenarios/*.yaml`` holds ``scenarios:``, a list of ``{name, rules, facts, expect}``;
``facts`` is merged onto ``scenarios/_base.yaml`` (mappings merge, lists replace). ``expect`` keys:

- ``"<J>.<pathway>": likely|possible|unlikely|barred``
- ``"<J>.<procedural rule id>": met|missed|at_risk|not_applicable`` or ``null`` (not listed);
  ``"<J>.<rule id>.deadline": "YYYY-MM-DD"``
- ``"<J>.right_to_be_heard": true``
- ``"<J>.missing": [json paths that must be listed]``; ``"<J>.no_missing": [paths that must
  not be listed]``; ``"<J>.notes": [rule ids]``;
  ``"<J>.no_notes": [rule ids that must not be listed]``
- ``applied`` / ``not_applied``: ``[id@in_force_from, ...]``
- ``errors``: ``[json paths]`` -- the facts must be rejected with (at least) these paths.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from . import ScreeningInputError, screen

SCENARIO_DIR = Path(__file__).parent / "scenarios"


def merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base[k], v) if k in base else copy.deepcopy(v)
        return out
    return copy.deepcopy(over)


def load_scenarios(directory: Path = SCENARIO_DIR) -> list[dict[str, Any]]:
    base = yaml.safe_load((directory / "_base.yaml").read_text(encoding="utf-8"))
    out = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        for s in yaml.safe_load(path.read_text(encoding="utf-8"))["scenarios"]:
            facts = merge(base, s.get("facts", {}))
            facts = _json_dates(facts)
            out.append({"file": path.name, "name": s["name"], "rules": s.get("rules", []),
                        "facts": facts, "expect": _json_dates(s["expect"])})
    return out


def _json_dates(x: Any) -> Any:
    # YAML reads 2019-02-01 as a date; the API receives strings, so scenarios do too.
    if isinstance(x, dict):
        return {k: _json_dates(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_json_dates(v) for v in x]
    return x.isoformat() if hasattr(x, "isoformat") else x


def check(scenario: dict[str, Any]) -> list[str]:
    """The ways the engine's answer differs from the scenario's expectation ([] = passes)."""
    expect = scenario["expect"]
    try:
        result = screen(scenario["facts"])
    except ScreeningInputError as exc:
        if "errors" not in expect:
            return [f"unexpected input error: {exc.errors}"]
        got = {p for p, _ in exc.errors}
        return [f"expected an error at {p}, got {sorted(got)}" for p in expect["errors"]
                if p not in got]
    if "errors" in expect:
        return [f"expected errors at {expect['errors']}, got a result"]
    problems: list[str] = []
    applied = set(result["policies_applied"])
    for key, want in expect.items():
        if key == "applied":
            problems += [f"{t} not applied" for t in want if t not in applied]
            continue
        if key == "not_applied":
            problems += [f"{t} applied" for t in want if t in applied]
            continue
        jur, _, what = key.partition(".")
        r = result["results"].get(jur)
        if r is None:
            problems.append(f"{jur} not screened")
            continue
        got = _lookup(r, what)
        if what in ("missing", "notes"):
            missing = [w for w in want if w not in got]
            if missing:
                problems.append(f"{key}: {missing} not in {got}")
        elif what in ("no_missing", "no_notes"):
            extra = [w for w in want if w in got]
            if extra:
                problems.append(f"{key}: {extra} listed")
        elif got != want:
            problems.append(f"{key}: expected {want!r}, got {got!r}")
    return problems


def _lookup(r: dict[str, Any], what: str) -> Any:
    if what == "right_to_be_heard":
        return r["right_to_be_heard"]["value"]
    if what in ("missing", "no_missing"):
        return [m["field"] for m in r["missing_facts"]]
    if what in ("notes", "no_notes"):
        return [n["rule"] for n in r["notes"]]
    for p in r["pathways"]:
        if p["pathway"] == what:
            return p["assessment"]
    field = "status"
    if what.endswith(".deadline"):
        what, field = what[: -len(".deadline")], "deadline"
    for pr in r["procedural"]:
        if pr["rule"] == what:
            return pr[field]
    return None
