"""The screening engine: applies the policy versions in force to a case, one jurisdiction at a time.

``evaluate`` works on the engine's case objects and returns plain tuples (fast, comparable: the
batch path and the tests use them); ``render`` turns them into the public result in one language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from .case import Case, JurCtx
from .conditions import compile_condition
from .policies import PATHWAYS, Policy, Version, load_policies
from .workdays import add_working_days, working_days_between

BARRED, UNLIKELY, POSSIBLE, LIKELY = range(4)
LEVEL = {"barred": BARRED, "unlikely": UNLIKELY, "possible": POSSIBLE, "likely": LIKELY}
LEVEL_NAME = ("barred", "unlikely", "possible", "likely")


@dataclass(slots=True)
class Reason:
    version: Version | None   # None: the engine's own finding (no rule in force)
    finding: str              # code, explained in texts.yaml
    level: int | None         # the cap this reason imposed, if any
    key_date: date | None


@dataclass(slots=True)
class PathwayState:
    name: str
    level: int = LIKELY
    reasons: list[Reason] = field(default_factory=list)
    missing: dict[str, None] = field(default_factory=dict)  # an ordered set
    # per harm, (level, facts that would settle it) as the element in force rated it
    harm_levels: tuple[tuple[int, tuple[str, ...]], ...] = ()
    has_element: bool = False

    def cap(self, level: int, reason: Reason, missing=()) -> None:
        if level < self.level:
            self.level = level
        self.reasons.append(reason)
        for m in missing:
            self.missing[m] = None


@dataclass(slots=True)
class Procedural:
    version: Version
    status: str
    deadline: date | None
    start: date | None
    filed: bool
    suspended: bool = False
    excuse: str | None = None
    suspension_missing: tuple[str, ...] = ()


@dataclass(slots=True)
class JurResult:
    jurisdiction: str
    right: tuple[bool, Version] | None
    pathways: list[PathwayState]
    procedural: list[Procedural]
    notes: list[Reason]
    applied: list[str]
    missing: list[str]


# -- compiled plan ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Plan:
    policies: dict[str, tuple[Policy, ...]]   # jurisdiction -> policies in evaluation order
    conds: dict[int, object]                  # id(condition dict) -> compiled function


@lru_cache(maxsize=4)
def plan(directory: str | None = None) -> Plan:
    policies = load_policies(directory)
    conds: dict[int, object] = {}
    for p in policies:
        for v in p.versions:
            for e in v.effects:
                for name in ("when", "unless", "rebut"):
                    spec = getattr(e, name, None)
                    if spec is not None:
                        conds[id(spec)] = compile_condition(spec)
    by_j = {j: tuple(sorted((p for p in policies if j in p.jurisdictions),
                            key=lambda p: (p.phase, p.id))) for j in PATHWAYS}
    return Plan(by_j, conds)


# -- evaluation ------------------------------------------------------------------------------------

def evaluate(case: Case, directory: str | None = None) -> list[JurResult]:
    pl = plan(directory)
    return [_jurisdiction(case, j, pl) for j in case.jurisdictions]


def _key_date(policy: Policy, ctx: JurCtx) -> date | None:
    if policy.keyed_on == "as_of":
        return ctx.as_of
    if policy.keyed_on == "entry":
        return ctx.entry_date
    # Not filed yet: screened as if filed on the assessment date (the earliest it can be filed).
    return ctx.filing_date or ctx.as_of


def _jurisdiction(case: Case, jur: str, pl: Plan) -> JurResult:
    ctx = JurCtx(case, jur)
    chosen, terms = select(ctx, pl)
    return decide(ctx, case.late_filing_reason, chosen, terms, pl)


def select(ctx: JurCtx, pl: Plan) -> tuple[list[tuple], dict[int, Procedural]]:
    """The date stage: which version of each policy is in force, and where each term stands.

    Returns ``chosen`` -- per policy ``(version, key_date, candidates)``, with ``candidates`` set
    when the key date is unknown -- and ``terms`` -- a Procedural per deadline effect (by id).
    Everything after this is free of dates, which is what lets the batch path memoise it.
    """
    chosen: list[tuple] = []
    terms: dict[int, Procedural] = {}
    suspensions: list[tuple] = []
    as_of = ctx.as_of
    for policy in pl.policies[ctx.jurisdiction]:
        key = _key_date(policy, ctx)
        if key is None:
            cands = tuple(policy.candidates(as_of, ctx.earliest))
            chosen.append((None, None, cands))
            # A term running from the unknown date: reported once, by the latest candidate.
            deadline = next(((e, v) for v in reversed(cands) for e in v.effects
                             if e.type == "deadline"), None)
            if deadline:
                terms[id(deadline[0])] = _term(deadline[0], deadline[1], ctx, ())
            continue
        v = policy.select(key, as_of)
        chosen.append((v, key, None))
        if v is None:
            continue
        for e in v.effects:
            if e.type == "suspend":
                suspensions.append((e, v))
            elif e.type == "deadline":
                terms[id(e)] = _term(e, v, ctx, suspensions)
    return chosen, terms


def decide(ctx: JurCtx, late_reason: str | None, chosen: list[tuple],
           terms: dict[int, Procedural], pl: Plan) -> JurResult:
    """The decision stage: elements, limits, notes and deadline consequences."""
    pws = {name: PathwayState(name) for name in PATHWAYS[ctx.jurisdiction]}
    aliases: dict[str, dict[str, tuple]] = {}
    right = None
    procedural: list[Procedural] = []
    notes: list[Reason] = []
    applied: list[str] = []
    for v, key, cands in chosen:
        if cands is not None:
            _unknown_key(cands, ctx, pws, pl, terms, procedural)
            continue
        if v is None:
            continue
        applied.append(v.tag)
        for e in v.effects:
            t = e.type
            if t == "element":
                for p in e.pathways:
                    if p in pws:
                        _element(e.harm, pws[p], ctx, v, key, aliases.get(p, {}))
            elif t == "limit":
                _limit(e, pws, ctx, v, key, pl)
            elif t == "harm_limit":
                _harm_limit(e, pws, ctx, v, key)
            elif t == "ground_alias":
                for p in e.pathways:
                    aliases.setdefault(p, {})[e.ground] = (e.as_ground, LEVEL[e.assessment], v)
            elif t == "deadline":
                proc = terms[id(e)]
                procedural.append(proc)
                _term_consequences(e, v, proc, ctx, pws, late_reason)
            elif t == "right_to_be_heard":
                right = (e.value, v)
            elif t == "note":
                val, _ = pl.conds[id(e.when)](ctx, None)
                if val:
                    notes.append(Reason(v, "note", None, key))
    missing: dict[str, None] = {}
    for pw in pws.values():
        if not pw.has_element:
            pw.cap(UNLIKELY, Reason(None, "no_rule_in_force", UNLIKELY, ctx.as_of))
        missing.update(pw.missing)
    return JurResult(ctx.jurisdiction, right, list(pws.values()), procedural, notes, applied,
                     list(missing))


def _unknown_key(cands, ctx: JurCtx, pws, pl: Plan, terms, procedural) -> None:
    """The rule keys on a date the facts lack: any limit that could apply caps at 'possible'."""
    for v in cands:
        for e in v.effects:
            if e.type == "deadline" and id(e) in terms:
                proc = terms[id(e)]
                procedural.append(proc)
                _term_consequences(e, v, proc, ctx, pws, None)
            if e.type != "limit":
                continue
            val, _ = pl.conds[id(e.when)](ctx, None)
            if val is False:
                continue
            for p in e.pathways:
                if p in pws:
                    level = max(LEVEL[e.assessment], POSSIBLE)
                    pws[p].cap(level, Reason(v, "key_date_unknown", level, None),
                               (ctx.entry_path,))


def _element(t, pw: PathwayState, ctx: JurCtx, v: Version, key: date, aliases) -> None:
    pw.has_element = True
    if not ctx.harms:
        # No harm recorded is a gap in the facts, not an answer: never "unlikely" for it.
        pw.cap(POSSIBLE, Reason(v, "no_harm_recorded", POSSIBLE, key), ("harms",))
        return
    best, best_why, support, missing = UNLIKELY, "no_qualifying_harm", [], []
    rated = []
    for i, h in enumerate(ctx.harms):
        level, why, miss = _harm_level(t, h, i, aliases)
        rated.append((level, miss))
        if level > best:
            best, best_why, support, missing = level, why, [i], list(miss)
        elif level == best and level > UNLIKELY:
            support.append(i)
            missing.extend(miss)
    pw.harm_levels = tuple(rated)
    pw.cap(best, Reason(v, best_why, best, key), missing if best == POSSIBLE else ())
    if best_why == "ground_via_alias":
        for i in support:
            for g in ctx.harms[i].grounds:
                if g in aliases:
                    pw.reasons.append(Reason(aliases[g][2], "ground_via_alias", None, ctx.as_of))
                    break
            break


def _harm_level(t, h, i: int, aliases) -> tuple[int, str, tuple[str, ...]]:
    """How far one harm goes towards an element: (level, finding, facts that would settle it)."""
    if h.kind not in t.kinds and h.kind not in t.contested_kinds:
        return UNLIKELY, "kind_not_covered", ()
    level, why, missing = LIKELY, "met", []
    if t.grounds is not None and not h.grounds.intersection(t.grounds):
        alias = [aliases[g][1] for g in h.grounds if g in aliases and aliases[g][0] in t.grounds]
        if alias:
            level, why = max(alias), "ground_via_alias"  # the most favourable reading
        elif h.grounds.intersection(t.contested_grounds):
            level, why = POSSIBLE, "contested_ground"
        else:
            return UNLIKELY, "no_ground", ()
    non_state = h.actor == "non_state"
    if t.torture_required:
        if h.torture is False:
            return UNLIKELY, "no_torture_risk", ()
        if h.torture is None:
            level, why = POSSIBLE, "missing_fact"
            missing.append(f"harms[{i}].torture_risk")
    if non_state and t.non_state_needs_no_protection:
        if h.spa is True:
            return UNLIKELY, "state_protection_available", ()
        if h.spa is None:
            level, why = POSSIBLE, "missing_fact"
            missing.append(f"harms[{i}].state_protection_available")
        elif t.torture_required and level == LIKELY:
            level, why = POSSIBLE, "acquiescence_to_show"
    if t.fear == "feared" and not h.feared:
        level, why = min(level, POSSIBLE), "past_only" if level == LIKELY else why
    if h.kind in t.contested_kinds and level == LIKELY:
        level, why = POSSIBLE, "contested_kind"
    if non_state and t.relocation_weakens:
        if h.irr is True:
            level, why = min(level, POSSIBLE), "relocation_reasonable" if level == LIKELY else why
        elif h.irr is None:
            level, why = min(level, POSSIBLE), "missing_fact"
            missing.append(f"harms[{i}].internal_relocation_reasonable")
    return level, why, tuple(missing)


def _harm_limit(e, pws, ctx: JurCtx, v: Version, key: date) -> None:
    """Harms of the listed kinds (and actor) count at most ``assessment``: the pathway keeps the
    best level among the other harms (never below "unlikely") -- e.g. Matter of A-B- discounts
    private domestic and gang violence, not a political claim beside it."""
    cap_at = LEVEL[e.assessment]
    kinds = frozenset(e.kinds)
    for p in e.pathways:
        pw = pws.get(p)
        if pw is None or not pw.harm_levels:
            continue
        bites = False
        adjusted = []
        for h, (level, miss) in zip(ctx.harms, pw.harm_levels, strict=True):
            if h.kind in kinds and (e.actor is None or h.actor == e.actor):
                if level > cap_at:
                    bites = True
                adjusted.append((min(level, cap_at), ()))
            else:
                adjusted.append((level, miss))
        if not bites:
            continue
        best = max(UNLIKELY, max(level for level, _ in adjusted))
        missing = [m for level, miss in adjusted if level == best == POSSIBLE for m in miss]
        pw.cap(best, Reason(v, "applies", best, key), missing)


def _limit(e, pws, ctx: JurCtx, v: Version, key: date, pl: Plan) -> None:
    targets = [pws[p] for p in e.pathways if p in pws]
    if not targets:
        return
    for pw in targets:
        val, miss = pl.conds[id(e.when)](ctx, pw)
        if val is False:
            continue
        finding, level = "applies", LEVEL[e.assessment]
        if e.unless is not None:
            u, umiss = pl.conds[id(e.unless)](ctx, pw)
            if u is True:
                continue
            if u is None:
                val, miss = None, miss + umiss
        if val is None:
            finding, level = "may_apply", max(level, POSSIBLE)
        if e.rebut is not None and pl.conds[id(e.rebut)](ctx, pw)[0] is True:
            finding, level = "rebutted", max(level, LEVEL[e.rebutted_assessment])
        elif e.missing_fact:
            # A fact outside the schema decides it (an exception, a rebuttal): not assumed away.
            finding, level, miss = "may_apply", max(level, POSSIBLE), miss + (e.missing_fact,)
        pw.cap(level, Reason(v, finding, level, key), miss)


def _term(e, v: Version, ctx: JurCtx, suspensions) -> Procedural:
    """Where a deadline stands on ``as_of`` (dates only; consequences are decided later)."""
    start = ctx.entry_date if e.start == "entry" else ctx.filing_date
    if start is None:
        # No entry (or no lodging) yet: the term has not started, or its start is not known.
        return Procedural(v, "not_applicable", None, None, False)
    working = e.unit == "working_days"
    country = ctx.country or "MX"
    deadline = add_working_days(start, e.count, country) if working else _add_years(start, e.count)
    if e.until == "decision":
        if ctx.decided:
            return Procedural(v, "not_applicable", deadline, start, True)
        done = None
    else:
        done = ctx.filing_date
    if done is not None:
        status = "met" if done <= deadline else "missed"
    elif ctx.as_of > deadline:
        status = "missed"
    else:
        left = (working_days_between(ctx.as_of, deadline, country) if working
                else (deadline - ctx.as_of).days)
        status = "at_risk" if left <= e.at_risk_within else "met"
    proc = Procedural(v, status, deadline, start, done is not None)
    overlapping = [(se, sv) for se, sv in suspensions
                   if v.policy in se.rules and suspension_hits(se, start, deadline)]
    if overlapping:
        proc.suspended = True
        # An open-ended suspension (end UNCONFIRMED) leaves its end date as a missing fact.
        proc.suspension_missing = tuple(f"{sv.policy}.period_to" for se, sv in overlapping
                                        if se.period_to is None)
    return proc


def suspension_hits(se, start: date, deadline: date) -> bool:
    """Whether a suspension touches a term: it overlaps the term; one whose end is not known
    touches only the terms running on the day it began (start <= period_from <= deadline), not
    every later term."""
    if se.period_to is None:
        return start <= se.period_from <= deadline
    return se.period_from <= deadline and se.period_to >= start


def _term_consequences(e, v: Version, proc: Procedural, ctx: JurCtx, pws,
                       late_reason: str | None) -> None:
    if proc.start is None:
        # An entry on record without a date: the term cannot be computed -- a gap, not a pass.
        if e.start == "entry" and ctx.entry_index is not None:
            for p in e.missed:
                if p in pws:
                    pws[p].cap(POSSIBLE, Reason(v, "start_unknown", POSSIBLE, None),
                               (ctx.entry_path,))
        return
    if proc.status != "missed" or not e.missed:
        return
    excuse = late_reason if late_reason in e.excuses else None
    proc.excuse = excuse
    caps = e.excused if excuse else e.missed
    finding = "missed_excused" if excuse else "missed"
    missing: tuple[str, ...] = ()
    if late_reason is None:
        # Whether there is a reason for the delay is not known: not treated as "no reason".
        caps = {p: LEVEL_NAME[max(LEVEL[a], POSSIBLE)] for p, a in e.missed.items()}
        finding, missing = "missed_reason_unknown", ("late_filing_reason",)
    if proc.suspended:
        caps = {p: "possible" for p in caps}
        finding, missing = "missed_suspended", proc.suspension_missing + missing
    for p, a in caps.items():
        if p in pws:
            pws[p].cap(LEVEL[a], Reason(v, finding, LEVEL[a], proc.start), missing)


def _add_years(d: date, n: int) -> date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February: the anniversary falls on 28 February
        return d.replace(year=d.year + n, day=28)


def compact(results: list[JurResult]) -> tuple:
    """What a screening decides, as comparable tuples (the batch path must produce the same)."""
    return tuple(
        (r.jurisdiction,
         tuple((p.name, LEVEL_NAME[p.level]) for p in r.pathways),
         tuple((pr.version.policy, pr.status, pr.deadline) for pr in r.procedural),
         tuple(sorted(r.missing)), tuple(r.applied))
        for r in results)
