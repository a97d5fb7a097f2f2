"""Greedy placement: a feasible answer in one pass, used as the MIP's starting point and as the
fallback when the MIP cannot run or cannot finish. Pure: no Django.

Households that few sections can take go first (unaccompanied children, wheelchair users,
households that must be split), then the rest from the largest to the smallest (first-fit
decreasing, which keeps big families from being left with only fragments of room). Each takes
its best candidate that still fits: whole in a family section first, then the soft score, with
relatives already placed and the shelter's occupancy counted.
"""

from collections import defaultdict

from acogida.shelter.placement_model import BALANCE_STEPS


def _order_key(inst, n):
    plan = inst.plans[n]
    members = inst.households[n].members
    restricted = plan.split or any(m.wheelchair or m.unaccompanied_child for m in members)
    return (not restricted, -plan.size, len(plan.cands), n)


def greedy(inst):
    """household index → candidate index (None or absent: unplaced)."""
    w = inst.options.weights
    free = [s.free for s in inst.sections]
    load = [sh.occupied for sh in inst.shelters]
    capacity = [max(1, sh.capacity) for sh in inst.shelters]
    partners = defaultdict(list)
    for a, b in inst.pairs:
        partners[a].append(b)
        partners[b].append(a)
    shelter_of: dict = {}
    choice: dict = {}

    def overflow(k, people):
        before, after = load[k], load[k] + people
        return sum(slope * (max(0.0, after - t * capacity[k]) - max(0.0, before - t * capacity[k]))
                   for t, slope in BALANCE_STEPS)

    for n in sorted((n for n, p in enumerate(inst.plans) if p.cands),
                    key=lambda n: _order_key(inst, n)):
        plan = inst.plans[n]
        size = plan.size
        here = defaultdict(int)
        for r in partners.get(n, ()):
            if r in shelter_of:
                here[shelter_of[r]] += 1
        penalty: dict = {}
        best, best_key = None, None
        for c_index, cand in enumerate(plan.cands):
            if len(cand.usage) == 1:
                j, people = cand.usage[0]
                if free[j] < people:
                    continue
            elif any(free[j] < people for j, people in cand.usage):
                continue
            k = cand.shelter
            if k not in penalty:
                penalty[k] = w.balance * overflow(k, size) - w.relatives * here.get(k, 0)
            key = (cand.family_whole, cand.soft - penalty[k], -c_index)
            if best_key is None or key > best_key:
                best, best_key = c_index, key
        choice[n] = best
        if best is not None:
            cand = plan.cands[best]
            for j, people in cand.usage:
                free[j] -= people
            load[cand.shelter] += size
            shelter_of[n] = cand.shelter
    return choice


def relatives_moves(inst, medium, choice):
    """Relatives to the same shelter, after the fact: move a household into spare room at its
    relative's shelter, or swap it with a household of its type there (the same places), when
    that raises tier 3 and keeps tiers 1-2 (never out of a family section)."""
    plans, w = inst.plans, inst.options.weights
    partners = defaultdict(set)
    for a, b in inst.pairs:
        partners[a].add(b)
        partners[b].add(a)
    type_of = {n: t for t, members in enumerate(medium) for n in members}
    free = [s.free for s in inst.sections]
    load = [sh.occupied for sh in inst.shelters]
    for n, c in choice.items():
        for j, people in plans[n].cands[c].usage:
            free[j] -= people
        load[plans[n].cands[c].shelter] += plans[n].size

    def penalty(k, people):
        cap = inst.shelters[k].capacity
        return w.balance * sum(slope * max(0.0, people - t * cap) for t, slope in BALANCE_STEPS)

    def shelter(n):
        c = choice.get(n)
        return None if c is None else plans[n].cands[c].shelter

    def value(n, c):
        k = plans[n].cands[c].shelter
        return plans[n].cands[c].soft + w.relatives * sum(shelter(r) == k for r in partners[n])

    def move(n, c):
        old = plans[n].cands[choice[n]]
        new, size = plans[n].cands[c], plans[n].size
        gain = value(n, c) - value(n, choice[n]) - (
            penalty(new.shelter, load[new.shelter] + size) - penalty(new.shelter,
                                                                      load[new.shelter])
            + penalty(old.shelter, load[old.shelter] - size) - penalty(old.shelter,
                                                                       load[old.shelter]))
        if gain <= 1e-9:
            return False
        for j, people in old.usage:
            free[j] += people
        for j, people in new.usage:
            free[j] -= people
        load[old.shelter] -= size
        load[new.shelter] += size
        choice[n] = c
        return True

    def swap(mover, target):
        for x in medium[type_of[mover]]:
            if x in partners[mover] or x == mover or shelter(x) != shelter(target):
                continue
            cm, cx = choice[mover], choice[x]
            before = value(mover, cm) + value(x, cx)
            choice[mover], choice[x] = cx, cm
            if value(mover, cx) + value(x, cm) > before + 1e-9:
                return
            choice[mover], choice[x] = cm, cx

    for a, b in inst.pairs:
        for mover, target in ((a, b), (b, a)):
            k = shelter(target)
            if shelter(mover) is None or k is None or shelter(mover) == k:
                continue
            fam = plans[mover].cands[choice[mover]].family_whole
            if not any(cand.shelter == k and cand.family_whole >= fam
                       and all(free[j] >= people for j, people in cand.usage)
                       and move(mover, c) for c, cand in enumerate(plans[mover].cands)):
                swap(mover, target)
