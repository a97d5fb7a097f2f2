"""Turns the engine's findings into the public result, in English or Spanish."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .engine import LEVEL_NAME, JurResult, Reason

_INDEXED = re.compile(r"^(journey\.entries|harms)\[(\w+)\]\.(\w+)$")


@lru_cache(maxsize=1)
def texts() -> dict[str, Any]:
    return yaml.safe_load((Path(__file__).parent / "texts.yaml").read_text(encoding="utf-8"))


def disclaimer(lang: str = "en") -> str:
    return texts()["disclaimer"][lang]


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


@lru_cache(maxsize=4096)
def _version_part(version, lang: str) -> dict[str, Any]:
    # Versions are immutable and few: build their static part of a reason once per language.
    out = {"rule": version.policy, "text": getattr(version.text, lang),
           "citation": version.citation, "in_force_from": _iso(version.in_force_from),
           "in_force_to": _iso(version.in_force_to)}
    if version.status != "confirmed":
        out["unconfirmed"] = version.unconfirmed
    return out


@lru_cache(maxsize=1)
def _keyed_on() -> dict[str, str]:
    from .policies import load_policies

    return {p.id: p.keyed_on for p in load_policies()}


def _reason(r: Reason, lang: str, keyed_on: dict[str, str]) -> dict[str, Any]:
    t = texts()["findings"]
    if r.version is None:
        out = {"rule": "engine", "text": t[r.finding][lang], "citation": None,
               "in_force_from": None, "in_force_to": None, "keyed_on": "as_of"}
    else:
        out = dict(_version_part(r.version, lang))
        out["keyed_on"] = keyed_on[r.version.policy]
    out["key_date"] = _iso(r.key_date)
    out["finding"] = t[r.finding][lang]
    if r.level is not None:
        out["effect"] = LEVEL_NAME[r.level]
    return out


def missing_text(path: str, entries: tuple, harms: tuple, lang: str) -> str:
    m = texts()["missing"]
    countries = texts()["countries"]
    if path.startswith("exclusion."):
        flag = path.split(".", 1)[1]
        return m["exclusion"][lang].format(flag=m["exclusion_flags"][flag][lang])
    if path == "claimant.unaccompanied_minor":
        return m["unaccompanied_minor"][lang]
    match = _INDEXED.match(path)
    if match:
        base, idx, leaf = match.groups()
        if base == "harms":
            i = int(idx)
            return m["harm"][lang].format(n=i + 1, kind=harms[i].kind, what=m[leaf][lang])
        code = idx if not idx.isdigit() else entries[int(idx)][0]
        country = countries.get(code, {}).get(lang, code)
        return m["entry_date" if leaf == "date" else "entry_manner"][lang].format(country=country)
    return m.get(path, {}).get(lang, path)


def render(case, results: list[JurResult], lang: str = "en") -> dict[str, Any]:
    keyed_on = _keyed_on()
    out: dict[str, Any] = {}
    applied: list[str] = []
    for r in results:
        applied.extend(r.applied)
        out[r.jurisdiction] = {
            "right_to_be_heard": (
                {"value": r.right[0], "citation": r.right[1].citation} if r.right
                else {"value": None, "citation": None}),
            "pathways": [
                {"pathway": p.name, "assessment": LEVEL_NAME[p.level],
                 "reasons": [_reason(x, lang, keyed_on) for x in p.reasons],
                 "missing_facts": [
                     {"field": f, "text": missing_text(f, case.entries, case.harms, lang)}
                     for f in p.missing]}
                for p in r.pathways],
            "procedural": [_procedural(pr, lang) for pr in r.procedural],
            "notes": [_reason(n, lang, keyed_on) for n in r.notes],
            "missing_facts": [
                {"field": f, "text": missing_text(f, case.entries, case.harms, lang)}
                for f in r.missing],
        }
    return {"as_of": case.as_of.isoformat(), "disclaimer": disclaimer(lang), "results": out,
            "policies_applied": sorted(set(applied))}


def _procedural(pr, lang: str) -> dict[str, Any]:
    v = pr.version
    out = {"rule": v.policy, "status": pr.status, "deadline": _iso(pr.deadline),
           "start": _iso(pr.start), "filed": pr.filed, "citation": v.citation,
           "in_force_from": _iso(v.in_force_from), "in_force_to": _iso(v.in_force_to)}
    if pr.suspended:
        out["suspended"] = True
    if pr.excuse:
        out["excuse"] = pr.excuse
    if v.status != "confirmed":
        out["unconfirmed"] = v.unconfirmed
    return out
