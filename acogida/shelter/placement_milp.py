"""The mixed-integer program over the candidates that ``placement_model.prepare`` builds:
HiGHS chooses how many households of each type take each candidate (see ``solve_milp``).
Pure: no Django; ``highspy`` and ``numpy`` are imported where the solver runs."""

from __future__ import annotations

import math
import time
from collections import defaultdict

from acogida.shelter.placement_model import BALANCE_STEPS


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
