"""Asylum screening aid: a pure-Python engine that applies each jurisdiction's rules as in force
on the date each rule keys on, and explains itself with citations. No Django here.

Public API (the claims app calls these)::

    screen(facts, lang="en") -> dict          facts_schema() -> dict
    load_policies() -> tuple[Policy, ...]     policies_table(lang) -> list[dict]
    add_working_days(date, n, country="MX")   diff_results(old, new) -> dict
    ScreeningInputError(errors=[(json_path, message), ...])
    warm_up()   # optional, at startup: policies, texts and this decade's working-day calendar
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
from .workdays import warm_up as _warm_calendar

__all__ = ["Facts", "ScreeningInputError", "add_working_days", "diff_results", "disclaimer",
           "facts_schema", "load_policies", "policies_table", "screen", "warm_up",
           "working_days_between"]
LANGS = ("en", "es")


def screen(facts: dict | Facts, *, lang: str = "en") -> dict[str, Any]:
    """Pre-screen one case for every jurisdiction it names; raises ScreeningInputError."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}")
    case = case_from_facts(parse_facts(facts))
    return render(case, evaluate(case), lang)


def warm_up() -> None:
    """Load what the first ``screen()`` would otherwise pay for (about half a second): the policy
    files and their compiled conditions, the texts, and the Mexican working-day calendar of the
    decades around today (other decades are built on first use, ~20 ms each). Idempotent."""
    from .engine import plan
    from .render import _keyed_on, texts

    plan()
    texts()
    _keyed_on()
    _warm_calendar("MX")
