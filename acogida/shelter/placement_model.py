"""The shelter placement as a model: candidates per household, and the mixed-integer program.

Pure: no Django. ``prepare`` turns households and sections into candidates (a household, a
shelter, and one admissible section for each of the household's groups) that break no hard rule
by construction; ``solve_milp`` chooses among them with HiGHS. ``placement.py`` is the public face.

Reduction: candidates are only the admissible household × shelter × section choices, so the
model never contains a placement that breaks rules 3-5; and households with the same candidates
form one *type*, with one integer column per type × candidate (how many of that type take it)
instead of one binary per household × section (see ``solve_milp``).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

FAMILY, WOMEN, MEN, CHILD_SAFE, MIXED = "family", "women", "men", "child_safe", "mixed"
KINDS = (FAMILY, WOMEN, MEN, CHILD_SAFE, MIXED)
ADULT_AGE = 18
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


def tier_value(plan, cand, weight):
    """Tiers 1 and 2 in one number: ``weight`` per person placed, 1 per household whole in a
    family section. With ``weight`` above the number of households, tier 1 dominates."""
    return weight * plan.size + cand.family_whole


class _Model:
    """Rows and columns gathered as triplets, handed to HiGHS as one column-wise model."""

    def __init__(self, inf):
        self.inf = inf
        self.row_lo, self.row_hi, self.cost, self.upper, self.integer = [], [], [], [], []
        self.rows, self.cols, self.vals = [], [], []

    def row(self, lo, hi):
        self.row_lo.append(lo)
        self.row_hi.append(hi)
        return len(self.row_lo) - 1

    def col(self, cost, upper, integer, entries):
        col = len(self.cost)
        self.cost.append(cost)
        self.upper.append(upper)
        self.integer.append(integer)
        for r, v in entries:
            self.rows.append(r)
            self.cols.append(col)
            self.vals.append(v)
        return col

    def highs(self, highspy, np, presolve=True):
        h = _quiet_highs(highspy)
        for name, value in (("random_seed", 0), ("threads", 1), ("mip_rel_gap", 0.0),
                            ("presolve", "on" if presolve else "off")):
            h.setOptionValue(name, value)
        lp = highspy.HighsLp()
        n = len(self.cost)
        lp.num_col_, lp.num_row_ = n, len(self.row_lo)
        lp.col_cost_ = np.array(self.cost, dtype=float)
        lp.col_lower_ = np.zeros(n)
        lp.col_upper_ = np.array(self.upper, dtype=float)
        lp.row_lower_ = np.array(self.row_lo, dtype=float)
        lp.row_upper_ = np.array(self.row_hi, dtype=float)
        cols = np.array(self.cols, dtype=np.int64)
        order = np.lexsort((np.array(self.rows), cols))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.searchsorted(cols[order], np.arange(n + 1)).astype(np.int32)
        lp.a_matrix_.index_ = np.array(self.rows, dtype=np.int32)[order]
        lp.a_matrix_.value_ = np.array(self.vals, dtype=float)[order]
        kinds = highspy.HighsVarType
        lp.integrality_ = [kinds.kInteger if i else kinds.kContinuous for i in self.integer]
        lp.sense_ = highspy.ObjSense.kMaximize
        h.passModel(lp)
        return h


def _run(highspy, np, h, seconds, start, abs_gap):
    h.setOptionValue("time_limit", max(0.01, seconds))
    h.setOptionValue("mip_abs_gap", abs_gap)
    sol = highspy.HighsSolution()
    sol.col_value = list(start)
    sol.value_valid = True
    h.setSolution(sol)
    h.HandleUserInterrupt = True  # HiGHS checks its own limit only now and then: stop it
    h.startSolve()
    if not h.wait(max(0.01, seconds) + 0.05)[0]:
        h.cancelSolve()
        h.wait()
    info = h.getInfo()
    if info.primal_solution_status != 2:
        return None, False, info
    optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return np.array(h.getSolution().col_value), optimal, info


def _counts(types, choice):
    """household choice → start values per type × candidate column, in column order."""
    out = []
    for members in types:
        per = defaultdict(int)
        for n in members:
            if choice.get(n) is not None:
                per[choice[n]] += 1
        out.append(per)
    return out


def solve_milp(inst, warm, deadline):
    """Lexicographic, in two solves and an exact assignment. (1) Tiers 1 and 2 with weights
    that provably dominate (``tier_value``), on *coarse* types: households with the same
    candidate sections and usage, whatever their soft scores (36 types for 2,000 households,
    49 for 10,000). (2) Tier 3 on the same types, scored by the mean soft score of each type's
    households, with tiers 1-2 held by a constraint at the value found in (1), starting from
    (1)'s answer. (3) Which household of a type takes which of the type's places: a
    transportation LP (``_transport``), exact for the soft score given those places. Relatives
    are then brought together by local moves (``placement_greedy.relatives_moves``).
    ``warm``: household index → candidate index (the greedy answer), HiGHS's first incumbent.
    Returns (choice, info), or None when HiGHS is missing, the first model would exceed
    ``options.max_milp_columns``, or HiGHS finds nothing."""
    try:
        import highspy
        import numpy as np
    except ImportError:
        return None
    started = time.monotonic()
    plans, w = inst.plans, inst.options.weights
    inf = highspy.kHighsInf
    weight = sum(1 for p in plans if p.size >= 2) + 1
    coarse: dict = {}
    for n, plan in enumerate(plans):
        if plan.cands:
            coarse.setdefault(tuple((c.usage, c.family_whole) for c in plan.cands), []).append(n)
    coarse = list(coarse.values())
    if sum(len(plans[t[0]].cands) for t in coarse) > inst.options.max_milp_columns:
        return None

    m1 = _Model(inf)
    section_rows = [m1.row(-inf, s.free) for s in inst.sections]
    columns1 = []
    for t, members in enumerate(coarse):
        plan = plans[members[0]]
        r = m1.row(0, len(members))
        for c, cand in enumerate(plan.cands):
            columns1.append((t, c))
            m1.col(tier_value(plan, cand, weight),
                   min([len(members)] + [inst.sections[j].free // k for j, k in cand.usage]),
                   True, [(r, 1)] + [(section_rows[j], k) for j, k in cand.usage])
    h1 = m1.highs(highspy, np)
    per = _counts(coarse, warm)
    start1 = [per[t].get(c, 0) for t, c in columns1]
    x1, optimal1, info1 = _run(highspy, np, h1, 0.5 * (deadline - time.monotonic()), start1,
                               0.999)
    if x1 is None:
        return None
    tier1 = float(np.dot(np.array(m1.cost), np.round(x1)))
    choice1 = _decode(coarse, plans, columns1, x1)
    info = {"optimal": optimal1, "soft_optimal": False,
            "gap": 0.0 if optimal1 else max(0.0, info1.mip_gap), "soft_gap": None,
            "people_bound": math.floor((tier1 if optimal1 else info1.mip_dual_bound) / weight
                                       + 1e-9),
            "columns": len(m1.cost), "coarse_types": len(coarse),
            "stage1_s": round(time.monotonic() - started, 3)}
    info["types_for_moves"] = coarse
    if deadline - time.monotonic() < 0.05:
        return choice1, info

    # (2) tier 3 on the same coarse types (the mean soft score of each type's households), with
    # tiers 1-2 held; (3) then who of each type takes which place, exactly, by transportation.
    # (Finer types for (2), split by SM/PG and school-age children, made the model too slow to
    # improve within the limit: measured worse.)
    medium = coarse
    m2 = _Model(inf)
    section_rows = [m2.row(-inf, s.free) for s in inst.sections]
    shelter_rows = [[m2.row(-inf, t * sh.capacity - sh.occupied) for t, _ in BALANCE_STEPS]
                    for sh in inst.shelters]
    lock = m2.row(tier1 / weight - 0.5 / weight, inf)  # tiers 1-2 held, scaled by 1 / weight
    columns2 = []
    for t, members in enumerate(medium):
        plan = plans[members[0]]
        r = m2.row(0, len(members))
        for c, cand in enumerate(plan.cands):
            columns2.append((t, c))
            soft = sum(plans[n].cands[c].soft for n in members) / len(members)
            entries = [(r, 1), (lock, tier_value(plan, cand, weight) / weight)]
            entries += [(section_rows[j], k) for j, k in cand.usage]
            entries += [(row, plan.size) for row in shelter_rows[cand.shelter]]
            m2.col(soft, min([len(members)] + [inst.sections[j].free // k for j, k in cand.usage]),
                   True, entries)
    n_x = len(columns2)
    for rows in shelter_rows:  # overflow above each threshold: load - o <= t * cap - occupied
        for row, (_, slope) in zip(rows, BALANCE_STEPS, strict=True):
            m2.col(-w.balance * slope, inf, False, [(row, -1)])
    h2 = m2.highs(highspy, np)
    per = _counts(medium, choice1)
    start2 = np.zeros(len(m2.cost))
    start2[:n_x] = [per[t].get(c, 0) for t, c in columns2]
    load = [sh.occupied for sh in inst.shelters]
    for n, c in choice1.items():
        load[plans[n].cands[c].shelter] += plans[n].size
    col = n_x
    for k, sh in enumerate(inst.shelters):
        for t, _ in BALANCE_STEPS:
            start2[col] = max(0.0, load[k] - t * sh.capacity)
            col += 1
    x2, optimal2, info2 = _run(highspy, np, h2, deadline - time.monotonic() - 0.3, start2,
                               1e-6)
    info["columns"] += len(m2.cost)
    info["medium_types"] = len(medium)
    if x2 is None:
        x2 = start2
    else:
        info["soft_optimal"] = optimal2
        info["soft_gap"] = 0.0 if optimal2 else max(0.0, info2.mip_gap)
    counts = defaultdict(int)
    for col, key in enumerate(columns2):
        counts[key] += int(round(x2[col]))
    info["types_for_moves"] = medium
    return _transport(highspy, np, plans, medium, counts), info


def _transport(highspy, np, plans, medium, counts):
    """(3) Within each medium type, which household takes which of the chosen places: a
    transportation problem (households grouped by identical soft scores → places), whose LP
    optimum is integral. Exact for the distance term given the places chosen in (2)."""
    m = _Model(highspy.kHighsInf)
    columns, groups = [], []
    for t, members in enumerate(medium):
        ncand = len(plans[members[0]].cands)
        chosen = [c for c in range(ncand) if counts.get((t, c), 0) > 0]
        if not chosen:
            continue
        place_rows = {c: m.row(counts[(t, c)], counts[(t, c)]) for c in chosen}
        sub: dict = {}
        for n in members:
            sub.setdefault(tuple(round(plans[n].cands[c].soft, 6) for c in chosen), []).append(n)
        for households in sub.values():
            g = len(groups)
            groups.append((t, households))
            r = m.row(0, len(households))
            for c in chosen:
                columns.append((g, c))
                m.col(plans[households[0]].cands[c].soft, len(households), False,
                      [(r, 1), (place_rows[c], 1)])
    choice: dict = {}
    if not columns:
        return choice
    h = m.highs(highspy, np)
    h.run()
    y = np.round(np.array(h.getSolution().col_value)).astype(int)
    left = {key: v for key, v in counts.items() if v > 0}
    queues = defaultdict(list)
    for (g, c), v in zip(columns, y, strict=True):
        queues[g] += [c] * max(0, int(v))
    for g, (t, households) in enumerate(groups):
        for n, c in zip(households, queues[g], strict=False):
            if left.get((t, c), 0) > 0:  # never more than the places chosen
                choice[n] = c
                left[(t, c)] -= 1
    return choice


def _decode(types, plans, columns, values):
    """Counts per type × candidate back to households: within a type, households in input
    order take the candidates in candidate order (deterministic)."""
    counts = defaultdict(int)
    for col, key in enumerate(columns):
        v = int(round(values[col]))
        if v > 0:
            counts[key] += v
    choice = {}
    for t, members in enumerate(types):
        queue = [c for c in range(len(plans[members[0]].cands))
                 for _ in range(counts.get((t, c), 0))]
        for n, c in zip(members, queue, strict=False):
            choice[n] = c
    return choice


def _quiet_highs(highspy):
    """A silent HiGHS: the banner is written by C++ straight to file descriptor 1 while the
    object is built, before any option can turn it off, so that descriptor is pointed at
    /dev/null for that moment (a CLI's or a test's output stays clean)."""
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h
