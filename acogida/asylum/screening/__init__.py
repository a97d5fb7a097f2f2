"""Asylum screening aid: a pure-Python engine that applies each jurisdiction's rules as in force
on the date each rule keys on, and explains itself with citations. No Django here.

Public API (the claims app calls these)::

    screen(facts, lang="en") -> dict          facts_schema() -> dict
    load_policies() -> tuple[Policy, ...]     policies_table(lang) -> list[dict]
    add_working_days(date, n, country="MX")   diff_results(old, new) -> dict
    ScreeningInputError(errors=[(json_path, message), ...])
"""

from __future__ import annotations

from typing import Any

from .case import case_from_facts
from .diff import diff_results
from .engine import evaluate
from .facts import Facts, ScreeningInputError, facts_schema, parse_facts
from .policies import load_policies, policies_table
from .render import disclaimer, render
from .workdays import add_working_days, working_days_between

__all__ = ["Facts", "ScreeningInputError", "add_working_days", "diff_results", "disclaimer",
           "facts_schema", "load_policies", "policies_table", "screen", "working_days_between"]
LANGS = ("en", "es")


def screen(facts: dict | Facts, *, lang: str = "en") -> dict[str, Any]:
    """Pre-screen one case for every jurisdiction it names; raises ScreeningInputError."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}")
    case = case_from_facts(parse_facts(facts))
    return render(case, evaluate(case), lang)
