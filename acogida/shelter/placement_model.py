"""The shelter placement as a model: candidates per household, and the mixed-integer program.

Pure: no Django. ``prepare`` turns households and sections into candidates (a household, a
shelter, and one admissible section for each of the household's groups) that break no hard rule
by construction; ``placement_milp.solve_milp`` chooses among them with HiGHS. ``placement.py``
is the public face.

Reduction: candidates are only the admissible household × shelter × section choices, so the
model never contains a placement that breaks rules 3-5; and households with the same candidates
form one *type*, with one integer column per type × candidate (how many of that type take it)
instead of one binary per household × section (``placement_milp.solve_milp``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from acogida.core.ages import ADULT_AGE

FAMILY, WOMEN, MEN, CHILD_SAFE, MIXED = "family", "women", "men", "child_safe", "mixed"
KINDS = (FAMILY, WOMEN, MEN, CHILD_SAFE, MIXED)
SCHOOL_AGE = (6, 17)
MAX_SPLIT_COMBOS = 12  # per household and shelter
BALANCE_STEPS = ((0.6, 1.0), (0.8, 1.0), (0.9, 2.0))  # (occupancy threshold, extra slope)


def admits(kind, members, boy_age_limit, household_size, singles_in_family=False):
    """Whether one section of ``kind`` may hold ``members`` (one group of a household) together:
    rules 3 and 4, and family sections for households of two or more."""
    if kind == CHILD_SAFE:
        return all(m.unaccompanied_child for m in members)
    if any(m.unaccompanied_child for m in members):
        return False
    if kind == MIXED:
        return True
    if kind == FAMILY:
        return household_size >= 2 or singles_in_family
    if kind == MEN:
        return all(m.sex == "male" and m.age >= ADULT_AGE for m in members)
    if kind == WOMEN:
        mother = any(m.sex == "female" and m.age >= ADULT_AGE for m in members)
        return all(m.sex == "female" or (m.age <= boy_age_limit and mother) for m in members)
    return False


def sex_age_groups(core, boy_age_limit):
    """The non-SC members split by sex and age: women with the girls and young boys (when a
    woman is there), adult men with everyone else (older boys, other adults). Children are never
    a group on their own: without an adult man, the older boys stay with the women, and then the
    household is one group (families and mixed sections only)."""
    women = [i for i, m in core if m.sex == "female" and m.age >= ADULT_AGE]
    if women:
        women += [i for i, m in core if m.age < ADULT_AGE
                  and (m.sex == "female" or m.age <= boy_age_limit)]
    rest = [i for i, _ in core if i not in women]
    if not any(m.age >= ADULT_AGE for i, m in core if i in rest):  # no children on their own
        women, rest = women + rest, []
    return [tuple(sorted(g)) for g in (women, rest) if g]


def distance_km(a, b):
    (lat1, lon1), (lat2, lon2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


@dataclass
class Shelter:
    id: object
    name: str
    accessible: bool
    medical_post: bool
    school_km: float | None
    location: tuple | None
    capacity: int
    occupied: int
    sections: list = field(default_factory=list)  # section indices


@dataclass(frozen=True)
class Candidate:
    shelter: int
    sections: tuple  # section index for each group of the plan
    usage: tuple  # ((section index, people), ...)
    family_whole: bool
    soft: float


@dataclass
class Plan:
    size: int
    groups: tuple  # member indices per group; one group = the household whole in one section
    split: bool
    cands: list
    reason: tuple | None = None  # (code, params) when no candidate exists at all
    med: int = 0
    school: int = 0
    km: dict = field(default_factory=dict)  # shelter index -> km from the registration point


@dataclass
class Instance:
    households: list
    sections: list
    options: object
    shelters: list
    plans: list
    types: list  # lists of household indices sharing one candidate list
    pairs: list  # (household index, household index) linked as relatives


def _shelters(sections):
    by_id: dict = {}
    for index, s in enumerate(sections):
        sh = by_id.get(s.shelter_id)
        if sh is None:
            sh = by_id[s.shelter_id] = Shelter(s.shelter_id, s.shelter_name, s.accessible,
                                               s.medical_post, s.school_nearby_km, s.location,
                                               0, 0)
        sh.accessible = sh.accessible and s.accessible
        sh.medical_post = sh.medical_post or s.medical_post
        sh.capacity += max(s.capacity, s.occupied + s.free)
        sh.occupied += s.occupied
        sh.sections.append(index)
    return list(by_id.values())


def _soft(plan, shelter, km, w):
    score = w.medical * plan.med * shelter.medical_post
    if plan.school and shelter.school_km is not None:
        score += w.school * plan.school * max(0.0, 1 - shelter.school_km / w.school_km_scale)
    return score - w.distance_per_100km * plan.size * km / 100


def _groups(members, options, max_free):
    """The household's groups (one = whole), the section kinds that admit each, and whether it
    needs an accessible shelter."""
    limit, size = options.boy_age_limit, len(members)
    wheelchair = any(m.wheelchair for m in members)

    def kinds(group):
        gm = [members[i] for i in group]
        return tuple(k for k in KINDS if admits(k, gm, limit, size, options.singles_in_family))

    def fits(group):
        return any(max_free.get((k, wheelchair), 0) >= len(group) for k in kinds(group))

    sc = tuple(i for i, m in enumerate(members) if m.unaccompanied_child)
    core = [(i, m) for i, m in enumerate(members) if not m.unaccompanied_child]
    groups = [tuple(range(size))] if not sc or not core else [tuple(i for i, _ in core), sc]
    if core and not fits(groups[0]):  # only then split the core by sex and age
        groups = sex_age_groups(core, limit) + ([sc] if sc else [])
    return tuple(groups), tuple(kinds(g) for g in groups), wheelchair


def _plan(h, sections, shelters, options, cache):
    members = h.members
    groups, kinds, wheelchair = _groups(members, options, cache["max_free"])
    plan = Plan(len(members), groups, len(groups) > 1, [],
                med=sum(m.pregnant or m.serious_medical for m in members),
                school=sum(SCHOOL_AGE[0] <= m.age <= SCHOOL_AGE[1] for m in members))
    origin = ("h", h.household_id) if h.household_id in cache["explicit"] else h.origin
    profile = (tuple(map(len, groups)), kinds, wheelchair, plan.med, plan.school, plan.size,
               origin)
    if profile in cache:  # the same profile has the same candidates
        plan.cands, plan.km, plan.reason = cache[profile]
        return plan
    if origin not in cache["km"]:
        km = cache["km"][origin] = {}
        for k, sh in enumerate(shelters):
            value = (options.distances_km or {}).get((h.household_id, sh.id))
            if value is None and h.origin and sh.location:
                value = distance_km(h.origin, sh.location)
            if value:
                km[k] = value
    plan.km = cache["km"][origin]
    free = cache["free"]
    ok_shelters = [k for k, sh in enumerate(shelters) if sh.accessible or not wheelchair]
    for k in ok_shelters:
        sh = shelters[k]
        combos = [()]
        for g, ks in zip(groups, kinds, strict=True):
            fit = [j for j in sh.sections if sections[j].kind in ks and free[j] >= len(g)]
            combos = [c + (j,) for c in combos for j in fit][:MAX_SPLIT_COMBOS * 4]
        if not combos:
            continue
        soft = _soft(plan, sh, plan.km.get(k, 0.0), options.weights)
        kept = 0
        for combo in combos:
            usage: dict = defaultdict(int)
            for g, j in zip(groups, combo, strict=True):
                usage[j] += len(g)
            if any(free[j] < n for j, n in usage.items()):
                continue
            whole = len(groups) == 1
            fam = whole and plan.size >= 2 and sections[combo[0]].kind == FAMILY
            plan.cands.append(Candidate(k, combo, tuple(sorted(usage.items())), fam, soft))
            kept += 1
            if kept >= MAX_SPLIT_COMBOS:
                break
    if not plan.cands:
        plan.reason = _why_not(plan, kinds, sections, shelters, ok_shelters)
    cache[profile] = (plan.cands, plan.km, plan.reason)
    return plan


def _why_not(plan, kinds, sections, shelters, ok_shelters):
    """Data for a household that no section can take: which rule or which size stops it."""
    present = {s.kind for s in sections}
    for g, ks in zip(plan.groups, kinds, strict=True):
        if not any(k in present for k in ks):
            code = "no_child_safe" if ks == (CHILD_SAFE,) else "no_section_kind"
            return code, {"size": len(g), "kinds": list(ks)}
        ok = [j for k in ok_shelters for j in shelters[k].sections if sections[j].kind in ks]
        if not ok:
            return "no_accessible", {"size": plan.size, "kinds": list(ks)}
        largest = max(sections[j].free for j in ok)
        if largest < len(g):
            return "too_large", {"size": len(g), "kinds": list(ks), "largest": largest}
    return "no_shelter_for_split", {"size": plan.size, "groups": len(plan.groups)}


def prepare(households, sections, options):
    shelters = _shelters(sections)
    max_free: dict = {}
    for sh in shelters:
        for j in sh.sections:
            s = sections[j]
            for needs_access in ((False, True) if sh.accessible else (False,)):
                key = (s.kind, needs_access)
                max_free[key] = max(max_free.get(key, 0), s.free)
    explicit = {hid for hid, _ in (options.distances_km or {})}
    cache = {"max_free": max_free, "explicit": explicit, "km": {},
             "free": [s.free for s in sections]}
    plans = [_plan(h, sections, shelters, options, cache) for h in households]
    index = {h.household_id: n for n, h in enumerate(households)}
    pairs = sorted({tuple(sorted((n, index[r]))) for n, h in enumerate(households)
                    for r in h.relatives if r in index and index[r] != n})
    linked = {n for p in pairs for n in p}
    types: dict = {}
    for n, plan in enumerate(plans):
        if not plan.cands:
            continue
        key = ("h", n) if n in linked else tuple(
            (c.usage, c.family_whole, round(c.soft, 6)) for c in plan.cands)
        types.setdefault(key, []).append(n)
    return Instance(list(households), list(sections), options, shelters, plans,
                    list(types.values()), pairs)
