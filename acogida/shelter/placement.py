"""The placement optimiser for shelters: who goes to which section, proposed, explained.

Pure: plain dataclasses in and out, no Django, no database. The shelter app adapts its models to
``HouseholdNeed`` and ``SectionCapacity`` and shows the ``Proposal``; a coordinator may then
override any line (outside this module).

Hard rules, never broken here (``check_proposal`` verifies them independently):
1. a section never receives more people than its ``free`` places;
2. a household goes to one shelter, all of it in one section that admits every member. Only when
   no section anywhere has room for it whole (initial free places) is it split, within one
   shelter, by sex and age: women with the girls and the boys up to ``boy_age_limit`` in one
   section, the men and older boys in another. Unaccompanied or separated children (SC) of a
   household always go to a child-safe section of the same shelter, the rest together;
3. SC children only in ``child_safe`` sections, which take nobody else;
4. ``women`` sections take women and girls, and boys up to ``boy_age_limit`` with a woman of their
   household in the same section; ``men`` sections take men of 18 or more; ``family`` sections take
   households of two or more (``Options.singles_in_family`` lifts that); ``mixed`` anyone but SC;
5. a household with a wheelchair user only in a shelter whose sections are all accessible.

Objective, lexicographic: (1) people placed, (2) households of two or more whole in a family
section, (3) soft preferences (``SoftWeights``). See ``placement_milp.solve_milp``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from acogida.shelter import rules
from acogida.shelter.placement_greedy import greedy, relatives_moves
from acogida.shelter.placement_milp import solve_milp
from acogida.shelter.placement_model import CHILD_SAFE, FAMILY, SCHOOL_AGE, prepare

MILP, MILP_TIME_LIMIT, GREEDY = "milp", "milp_time_limit", "greedy"


@dataclass(frozen=True)
class Member:
    person_id: int | str
    sex: str  # "female" | "male" | "other"
    age: int
    unaccompanied_child: bool = False  # specific need SC
    wheelchair: bool = False
    pregnant: bool = False  # PG
    serious_medical: bool = False  # SM


@dataclass(frozen=True)
class HouseholdNeed:
    household_id: int | str
    members: tuple[Member, ...]
    relatives: tuple = ()  # household ids of linked households
    origin: tuple[float, float] | None = None  # lat, lon of the registration point


@dataclass(frozen=True)
class SectionCapacity:
    section_id: int | str
    shelter_id: int | str
    shelter_name: str
    kind: str  # "family" | "women" | "men" | "child_safe" | "mixed"
    free: int
    accessible: bool = False
    medical_post: bool = False
    school_nearby_km: float | None = None
    location: tuple[float, float] | None = None
    capacity: int = 0
    occupied: int = 0


@dataclass(frozen=True)
class SoftWeights:
    """Tier 3, in points. Per person with SM or PG at a shelter with a medical post; per
    school-age child (6-17) with the school at 0 km, falling to 0 at ``school_km_scale``; per pair
    of linked households in one shelter; minus per person per 100 km from the registration
    point; minus ``balance`` × (1, 2, 4) per person above 60 %, 80 %, 90 % shelter occupancy."""

    medical: float = 10.0
    school: float = 4.0
    school_km_scale: float = 10.0
    relatives: float = 6.0
    distance_per_100km: float = 1.0
    balance: float = 0.5


@dataclass(frozen=True)
class Options:
    time_limit_s: float = 10
    boy_age_limit: int = 12
    language: str = "es"  # "es" | "en"
    weights: SoftWeights = field(default_factory=SoftWeights)
    distances_km: Mapping | None = None  # (household_id, shelter_id) -> km; else coordinates
    singles_in_family: bool = False
    max_milp_columns: int = 200_000  # a larger first model: the greedy answer stands
    use_milp: bool = True


@dataclass(frozen=True)
class PersonPlacement:
    person_id: int | str
    section_id: int | str


@dataclass(frozen=True)
class Assignment:
    household_id: int | str
    shelter_id: int | str
    shelter_name: str
    section_id: int | str | None  # the one section when whole; None when split
    kinds: tuple[str, ...]  # kind of each section used, in order
    people: tuple[PersonPlacement, ...]
    explanation: str
    notes: tuple = ()  # (code, params) behind the explanation

    @property
    def section_ids(self) -> tuple:
        return tuple(dict.fromkeys(p.section_id for p in self.people))


@dataclass(frozen=True)
class Unplaced:
    household_id: int | str
    reason_code: str
    params: dict
    reason: str  # the sentence in the requested language


@dataclass(frozen=True)
class Proposal:
    method: str  # "milp" | "milp_time_limit" | "greedy"
    gap: float | None  # relative MIP gap of tiers 1-2 when known (0 = proven optimal)
    assignments: tuple[Assignment, ...]
    unplaced: tuple[Unplaced, ...]
    stats: dict


TEXT = {
    "es": {
        "kind.family": "Sección familiar", "kind.women": "Sección de mujeres",
        "kind.men": "Sección de hombres", "kind.child_safe": "Sección de protección infantil",
        "kind.mixed": "Sección mixta",
        "adj.family": "familiar", "adj.women": "de mujeres", "adj.men": "de hombres",
        "adj.child_safe": "de protección infantil", "adj.mixed": "mixta", "or": " o ",
        "split": "el hogar en {sections} secciones del mismo albergue, como piden las reglas",
        "medical_post": "tiene puesto médico", "no_medical_post": "sin puesto médico",
        "school_km": "a {km} km de la escuela", "relatives": "con sus familiares",
        "origin_km": "a {km} km del punto de registro",
        "too_large": "ninguna sección {kinds} con {size} plazas libres; la mayor tiene {largest}",
        "no_child_safe": "menor no acompañado: no hay ninguna sección de protección infantil",
        "no_section_kind": "no hay ninguna sección {kinds}",
        "no_accessible": "usa silla de ruedas: ningún albergue accesible tiene sección {kinds}",
        "no_shelter_for_split": "ningún albergue tiene lugar a la vez para los {groups} grupos "
                                "del hogar ({size} personas)",
        "capacity_taken": "las secciones {kinds} se llenaron con otros hogares; la mayor tiene "
                          "ahora {left} plazas libres para {size} personas",
    },
    "en": {
        "kind.family": "Family section", "kind.women": "Women's section",
        "kind.men": "Men's section", "kind.child_safe": "Child-safe section",
        "kind.mixed": "Mixed section",
        "adj.family": "family", "adj.women": "women's", "adj.men": "men's",
        "adj.child_safe": "child-safe", "adj.mixed": "mixed", "or": " or ",
        "split": "household in {sections} sections of the same shelter, as the rules require",
        "medical_post": "has a medical post", "no_medical_post": "no medical post",
        "school_km": "{km} km from the school", "relatives": "with their relatives",
        "origin_km": "{km} km from the registration point",
        "too_large": "no {kinds} section with {size} free places; the largest has {largest}",
        "no_child_safe": "unaccompanied child: there is no child-safe section",
        "no_section_kind": "there is no {kinds} section",
        "no_accessible": "wheelchair user: no accessible shelter has a {kinds} section",
        "no_shelter_for_split": "no shelter has room for all {groups} groups of the household "
                                "({size} people) at once",
        "capacity_taken": "the {kinds} sections were filled by other households; the largest "
                          "now has {left} free places for {size} people",
    },
}


def _km(value, language):
    text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
    text = text.removesuffix(".0")
    return text.replace(".", ",") if language == "es" else text


def render(code, params, language="es"):
    """One sentence from a (code, params) pair, in Spanish or English."""
    table = TEXT.get(language, TEXT["es"])
    values = dict(params)
    if "kinds" in values:
        values["kinds"] = table["or"].join(table[f"adj.{k}"] for k in values["kinds"])
    if "km" in values:
        values["km"] = _km(values["km"], language)
    return table[code].format(**values)


def _explain(inst, n, cand, where, language):
    plan, shelter = inst.plans[n], inst.shelters[cand.shelter]
    kinds = tuple(dict.fromkeys(inst.sections[j].kind for j in cand.sections))
    notes = []
    if len(cand.usage) > 1 or plan.split:
        notes.append(("split", {"sections": len(cand.usage)}))
    if plan.med:
        notes.append(("medical_post" if shelter.medical_post else "no_medical_post", {}))
    if plan.school and shelter.school_km is not None:
        notes.append(("school_km", {"km": shelter.school_km}))
    relatives = [inst.households[r].household_id for a, b in inst.pairs if n in (a, b)
                 for r in (a, b) if r != n and where.get(r) == cand.shelter]
    if relatives:
        notes.append(("relatives", {"households": relatives}))
    if cand.shelter in plan.km:
        notes.append(("origin_km", {"km": plan.km[cand.shelter]}))
    table = TEXT.get(language, TEXT["es"])
    head = " + ".join(table[f"kind.{k}"] for k in kinds) + f", {shelter.name}"
    sentence = head + (": " + ", ".join(render(c, p, language) for c, p in notes) if notes else "")
    return kinds, tuple(notes), sentence


def propose_placement(households: Sequence[HouseholdNeed], sections: Sequence[SectionCapacity],
                      options: Options | None = None) -> Proposal:
    """Place as many people as possible, families whole, preferences next; say why."""
    options = options or Options()
    started = time.monotonic()
    deadline = started + options.time_limit_s
    reserve = 0.04 * options.time_limit_s + 0.05  # for the last steps and the answer
    inst = prepare(households, sections, options)
    choice = greedy(inst)
    method, gap, info = GREEDY, None, {}
    columns = sum(len(inst.plans[t[0]].cands) for t in inst.types)
    if options.use_milp and deadline - reserve - time.monotonic() > 0.05:
        solved = solve_milp(inst, choice, deadline - reserve)
        if solved is not None:
            choice, info = solved
            relatives_moves(inst, info.pop("types_for_moves"), choice)
            method, gap = (MILP if info["optimal"] and info["soft_optimal"]
                           else MILP_TIME_LIMIT), info["gap"]
    return _proposal(inst, choice, method, gap, info, columns, time.monotonic() - started)


def _proposal(inst, choice, method, gap, info, columns, seconds):
    language = inst.options.language
    where = {n: inst.plans[n].cands[c].shelter for n, c in choice.items() if c is not None}
    free = [s.free for s in inst.sections]
    assignments, unplaced = [], []
    for n, (h, plan) in enumerate(zip(inst.households, inst.plans, strict=True)):
        c = choice.get(n)
        if c is None:
            if plan.reason:
                code, params = plan.reason
            else:
                code, params = "capacity_taken", {"size": plan.size, "left": 0, "kinds": []}
            unplaced.append((n, code, params))
            continue
        cand = plan.cands[c]
        for j, people in cand.usage:
            free[j] -= people
        people = tuple(PersonPlacement(h.members[i].person_id, inst.sections[j].section_id)
                       for g, j in zip(plan.groups, cand.sections, strict=True) for i in g)
        people = tuple(sorted(people, key=lambda p: [m.person_id for m in h.members].index(
            p.person_id)))
        kinds, notes, sentence = _explain(inst, n, cand, where, language)
        shelter = inst.shelters[cand.shelter]
        assignments.append(Assignment(
            h.household_id, shelter.id, shelter.name,
            None if len(cand.usage) > 1 else inst.sections[cand.usage[0][0]].section_id,
            kinds, people, sentence, notes))
    out = []
    for n, code, params in unplaced:
        if code == "capacity_taken":  # what is left once everyone else is in
            cands = inst.plans[n].cands
            kinds = sorted({inst.sections[j].kind for c in cands for j in c.sections})
            params = {"size": inst.plans[n].size, "kinds": kinds,
                      "left": max(free[j] for c in cands for j in c.sections)}
        out.append(Unplaced(inst.households[n].household_id, code, params,
                            render(code, params, language)))
    placed = sum(inst.plans[n].size for n in where)
    stats = {
        "households": len(inst.households), "people": sum(p.size for p in inst.plans),
        "people_placed": placed, "households_placed": len(where),
        "whole_in_family": sum(inst.plans[n].cands[c].family_whole
                               for n, c in choice.items() if c is not None),
        "split": sum(inst.plans[n].split for n in where),
        "people_upper_bound": info.get("people_bound"), "soft_gap": info.get("soft_gap"),
        "types": len(inst.types), "columns": columns, "seconds": round(seconds, 3),
    }
    return Proposal(method, gap, tuple(assignments), tuple(out), stats)


def check_proposal(households: Sequence[HouseholdNeed], sections: Sequence[SectionCapacity],
                   proposal: Proposal, options: Options | None = None) -> list[rules.Violation]:
    """Every hard rule, checked from the proposal alone (not from the model that made it): the
    shared checker in ``rules`` for rules 1-5, plus what is particular to this optimiser — each
    household either placed whole or reported, the split only when no section had room for the
    household, boys in a women's section only with a woman of their household, family sections
    for households of two or more."""
    options = options or Options()
    limit = options.boy_age_limit
    by_id = {s.section_id: s for s in sections}
    places = [rules.Place(s.section_id, s.shelter_id, s.kind, s.occupied + s.free, s.occupied,
                          s.accessible) for s in sections]
    shelter_ok = {}
    for s in sections:
        shelter_ok[s.shelter_id] = shelter_ok.get(s.shelter_id, True) and s.accessible
    people = {h.household_id: h for h in households}
    found: list[rules.Violation] = []

    def bad(rule, reason, **detail):
        found.append(rules.Violation(rule, detail={"reason": reason, **detail}))

    seen = [a.household_id for a in proposal.assignments] + [
        u.household_id for u in proposal.unplaced]
    for hid in set(people) - set(seen):
        bad(rules.HOUSEHOLD_TOGETHER, "dropped", household=hid)
    for hid, times in Counter(seen).items():
        if times > 1:
            bad(rules.HOUSEHOLD_TOGETHER, "reported_twice", household=hid)
    assigned = {}
    for a in proposal.assignments:
        h = people.get(a.household_id)
        if h is None:
            bad(rules.HOUSEHOLD_TOGETHER, "unknown_household", household=a.household_id)
            continue
        given = {p.person_id: p.section_id for p in a.people}
        if sorted(map(str, given)) != sorted(str(m.person_id) for m in h.members):
            bad(rules.HOUSEHOLD_TOGETHER, "members", household=a.household_id)
        assigned.update(given)
        used = [by_id[s] for s in given.values() if s in by_id]
        if len(used) < len(given):
            continue
        if any(s.shelter_id != a.shelter_id for s in used):
            bad(rules.HOUSEHOLD_TOGETHER, "shelters", household=a.household_id)
        if any(m.wheelchair for m in h.members) and not shelter_ok[a.shelter_id]:
            bad(rules.ACCESSIBLE, "shelter", household=a.household_id)
        for m in h.members:
            s = by_id[given[m.person_id]]
            with_woman = any(o.sex == "female" and o.age >= 18 and given[o.person_id] ==
                             s.section_id for o in h.members)
            if s.kind == "women" and m.sex != "female" and not (m.age <= limit and with_woman):
                bad(rules.SECTION_KIND, "women", person=m.person_id, section=s.section_id)
            if s.kind == FAMILY and len(h.members) < 2 and not options.singles_in_family:
                bad(rules.SECTION_KIND, "family_single", person=m.person_id)
        core = {given[m.person_id] for m in h.members if not m.unaccompanied_child}
        if len(core) > 1 and _room_for(h, sections, shelter_ok, limit, options):
            bad(rules.HOUSEHOLD_TOGETHER, "split_with_room", household=a.household_id)
    households_map = {h.household_id: [rules.Occupant(m.person_id, m.sex, m.age,
                                                      m.unaccompanied_child, m.wheelchair)
                                       for m in h.members] for h in households}
    found += rules.check_assignment(assigned, households_map, places, boy_age_limit=limit)
    return found


def _room_for(h, sections, shelter_ok, limit, options):
    """Whether some section had room, before the proposal, for the household's non-SC members
    together (rule 2 forbids a split then)."""
    core = [m for m in h.members if not m.unaccompanied_child]
    wheel = any(m.wheelchair for m in h.members)
    for s in sections:
        if s.free < len(core) or (wheel and not shelter_ok[s.shelter_id]):
            continue
        if s.kind == "mixed" or (s.kind == FAMILY and (len(h.members) > 1
                                                      or options.singles_in_family)):
            return True
        if s.kind == "men" and all(m.sex == "male" and m.age >= 18 for m in core):
            return True
        woman = any(m.sex == "female" and m.age >= 18 for m in core)
        if s.kind == "women" and all(m.sex == "female" or (m.age <= limit and woman)
                                     for m in core):
            return True
    return False


__all__ = ["CHILD_SAFE", "SCHOOL_AGE", "Assignment", "HouseholdNeed", "Member", "Options",
           "PersonPlacement", "Proposal", "SectionCapacity", "SoftWeights", "Unplaced",
           "check_proposal", "propose_placement", "render"]
