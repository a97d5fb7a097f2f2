"""Vectorised screening (numpy): the engine's rules applied to whole columns of cases at once.

This is the throughput path for re-screening a whole caravan. It reads the same compiled policies
and implements the same effect vocabulary as ``engine`` (so a new policy file needs no change here
either), but over arrays: version selection is a comparison of date columns, working days are a
binary search in the calendar array, and each condition is a boolean expression over columns with
three-valued logic (true / unknown / false, plus a bitmask of the facts that would settle it).
Its output is ``engine.compact`` tuples, and tests hold it identical to the scalar engine.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from .case import Case
from .engine import LEVEL, LEVEL_NAME, LIKELY, POSSIBLE, UNLIKELY, Plan, plan
from .facts import JURISDICTION_COUNTRY
from .policies import PATHWAYS
from .vector_columns import (
    AT_RISK,
    ENTRY,
    EPOCH,
    GROUNDS,
    KINDS,
    LATE,
    MANNER,
    MET,
    MISSED,
    NA,
    STATUS,
    Bits,
    Cols,
    Static,
    cond,
)
from .workdays import add_working_days_array, working_days_between_array


def screen_columns(cases: list[Case], directory: str | None = None) -> list[tuple]:
    """``[compact(evaluate(case)) for case in cases]``, computed column-wise."""
    pl = plan(directory)
    countries: dict[str, int] = {}
    bits = Bits()
    static = Static(cases, countries)
    per_case: list[dict[str, tuple]] = [{} for _ in cases]
    for jur in PATHWAYS:
        idx = [i for i, c in enumerate(cases) if jur in c.jurisdictions]
        if not idx:
            continue
        cols = Cols([cases[i] for i in idx], np.asarray(idx), static, jur, countries, bits)
        for i, r in zip(idx, _jurisdiction(cols, pl), strict=True):
            per_case[i][jur] = r
    return [tuple(d[j] for j in c.jurisdictions) for c, d in zip(cases, per_case, strict=True)]


def _window(v, key: np.ndarray, lo_attr: str, hi_attr: str) -> np.ndarray:
    lo, hi = getattr(v, lo_attr), getattr(v, hi_attr)
    m = np.ones(len(key), bool)
    if lo is not None:
        m &= key >= lo.toordinal()
    if hi is not None:
        m &= key <= hi.toordinal()
    return m


class _State:
    """Per-jurisdiction pathway state over all rows: level, element seen, missing bits, support."""

    def __init__(self, c: Cols):
        self.c = c
        self.paths = PATHWAYS[c.jur]
        self.p = {name: i for i, name in enumerate(self.paths)}
        n, h = c.n, c.hv.shape[1]
        self.level = np.full((n, len(self.paths)), LIKELY, np.int8)
        self.has_el = np.zeros((n, len(self.paths)), bool)
        self.miss = np.zeros((n, len(self.paths)), np.uint64)
        # per pathway, each harm's level as the element rated it (-1: not rated) and its facts
        self.hl = [np.full((n, h), -1, np.int8) for _ in self.paths]
        self.hm = [np.zeros((n, h), np.uint64) for _ in self.paths]
        self.alias: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self.suspensions: list[tuple] = []

    def cap(self, rows: np.ndarray, pi: int, level, miss=None) -> None:
        self.level[rows, pi] = np.minimum(self.level[rows, pi], level)
        if miss is not None:
            self.miss[rows, pi] |= miss


def _jurisdiction(c: Cols, pl: Plan) -> list[tuple]:
    st = _State(c)
    applied: list[tuple] = []
    procs: list[tuple] = []
    country = JURISDICTION_COUNTRY[c.jur] or "MX"
    for policy in pl.policies[c.jur]:
        if policy.keyed_on == "as_of":
            key = c.as_of
        elif policy.keyed_on == "entry":
            key = c.edate
        else:  # not filed yet: as if filed on as_of
            key = np.where(c.filing > 0, c.filing, c.as_of)
        known = key > 0
        chosen = np.full(c.n, -1, np.int64)
        for vi, v in enumerate(policy.versions):
            m = known & (chosen == -1) & _window(v, key, "in_force_from", "in_force_to") \
                & _window(v, c.as_of, "as_of_from", "as_of_to")
            chosen[m] = vi
        applied.append((policy, chosen))
        proc = [None, np.zeros(c.n, bool), np.zeros(c.n, np.int8), np.zeros(c.n, np.int64)]
        if not known.all():
            _unknown_key(policy, c, st, ~known, proc, country)
        for vi, v in enumerate(policy.versions):
            rows = np.nonzero(chosen == vi)[0]
            if len(rows):
                for e in v.effects:
                    _effect(e, v, rows, c, st, proc, country, pl)
        if proc[0] is not None:
            procs.append(proc)
    return _output(c, st, applied, procs)


def _unknown_key(policy, c: Cols, st: _State, unknown: np.ndarray, proc, country: str) -> None:
    as_of = c.as_of
    cands = []
    for v in policy.versions:
        m = unknown & _window(v, as_of, "as_of_from", "as_of_to")
        if v.in_force_from is not None:
            m &= v.in_force_from.toordinal() <= as_of
        if v.in_force_to is not None:
            m &= v.in_force_to.toordinal() >= c.earliest
        cands.append(m)
    taken = np.zeros(c.n, bool)
    for v, m in reversed(list(zip(policy.versions, cands, strict=True))):
        for e in v.effects:
            if e.type == "deadline":
                rows = np.nonzero(m & ~taken)[0]
                taken |= m
                if len(rows):
                    _deadline(e, v, rows, c, st, proc, country, late=False, susp=())
                break
    for v, m in zip(policy.versions, cands, strict=True):
        for e in v.effects:
            if e.type != "limit":
                continue
            rows = np.nonzero(m)[0]
            if not len(rows):
                continue
            t, u, _m = cond(e.when, c, rows, None)
            fire = t | u
            level = max(LEVEL[e.assessment], POSSIBLE)
            for p in e.pathways:
                if p in st.p:
                    st.cap(rows[fire], st.p[p], level, c.bits(ENTRY))


def _effect(e, v, rows: np.ndarray, c: Cols, st: _State, proc, country: str, pl: Plan) -> None:
    t = e.type
    if t == "element":
        for p in e.pathways:
            if p in st.p:
                _element(e.harm, p, rows, c, st)
    elif t == "limit":
        for p in e.pathways:
            if p in st.p:
                _limit(e, st.p[p], rows, c, st)
    elif t == "harm_limit":
        for p in e.pathways:
            if p in st.p:
                _harm_limit(e, st.p[p], rows, c, st)
    elif t == "ground_alias":
        for p in e.pathways:
            asg, lvl = st.alias.setdefault((p, e.ground), (np.full(c.n, -1, np.int64),
                                                           np.full(c.n, -1, np.int8)))
            asg[rows], lvl[rows] = GROUNDS[e.as_ground], LEVEL[e.assessment]
    elif t == "suspend":
        mask = np.zeros(c.n, bool)
        mask[rows] = True
        st.suspensions.append((e, v, mask))
    elif t == "deadline":
        _deadline(e, v, rows, c, st, proc, country, late=True, susp=st.suspensions)


def _element(t, p: str, rows: np.ndarray, c: Cols, st: _State) -> None:
    pi = st.p[p]
    hk, hv, hg, ns = c.hk[rows], c.hv[rows], c.hg[rows], c.hns[rows]
    slots = hk.shape[1]
    lvl = np.full(hk.shape, LIKELY, np.int8)
    mb = np.zeros(hk.shape, np.uint64)
    fail = ~(np.isin(hk, [KINDS[k] for k in (*t.kinds, *t.contested_kinds)]) & hv)

    def slot_bits(field: str, mask: np.ndarray) -> np.ndarray:
        out = np.zeros(hk.shape, np.uint64)
        for j in range(slots):
            out[:, j] = np.where(mask[:, j], c.bits(f"harms[{j}].{field}"), 0)
        return out

    if t.grounds is not None:
        nog = (hg & sum(GROUNDS[g] for g in t.grounds)) == 0
        alias_lvl = np.full(hk.shape, -1, np.int8)
        wanted = {GROUNDS[g] for g in t.grounds}
        for (ap, ground), (asg, alv) in st.alias.items():
            if ap != p:
                continue
            ok = np.isin(asg[rows], list(wanted)) & (alv[rows] >= 0)
            has = ((hg & GROUNDS[ground]) != 0) & ok[:, None]
            alias_lvl = np.where(has, np.maximum(alias_lvl, alv[rows][:, None]), alias_lvl)
        via = nog & (alias_lvl >= 0)
        contested = nog & ~via & ((hg & sum(GROUNDS[g] for g in t.contested_grounds)) != 0)
        lvl = np.where(via, alias_lvl, np.where(contested, POSSIBLE, lvl)).astype(np.int8)
        fail |= nog & ~via & ~contested
    if t.torture_required:
        ht = c.ht[rows]
        fail |= ht == 0
        tu = ht == -1
        lvl[tu] = POSSIBLE
        mb |= slot_bits("torture_risk", tu)
    if t.non_state_needs_no_protection:
        hs = c.hs[rows]
        fail |= ns & (hs == 1)
        su = ns & (hs == -1)
        lvl[su] = POSSIBLE
        mb |= slot_bits("state_protection_available", su)
        if t.torture_required:
            lvl[ns & (hs == 0) & (lvl == LIKELY)] = POSSIBLE
    if t.fear == "feared":
        nf = ~c.hf[rows]
        lvl[nf] = np.minimum(lvl[nf], POSSIBLE)
    if t.contested_kinds:
        lvl[np.isin(hk, [KINDS[k] for k in t.contested_kinds]) & (lvl == LIKELY)] = POSSIBLE
    if t.relocation_weakens:
        hi = c.hi[rows]
        weak = ns & (hi >= 0) & (hi == 1) | ns & (hi == -1)
        lvl[weak] = np.minimum(lvl[weak], POSSIBLE)
        mb |= slot_bits("internal_relocation_reasonable", ns & (hi == -1))
    lvl[fail] = UNLIKELY
    mb[fail] = 0
    best = lvl.max(axis=1)
    support = (lvl == best[:, None]) & (best[:, None] > UNLIKELY)
    missing = np.bitwise_or.reduce(np.where(support, mb, 0).astype(np.uint64), axis=1)
    missing = np.where(best == POSSIBLE, missing, 0).astype(np.uint64)
    # No harm recorded: a missing fact, "possible" (see engine._element).
    none = ~hv.any(axis=1)
    best[none] = POSSIBLE
    missing[none] = c.bits("harms")
    st.has_el[rows, pi] = True
    st.hl[pi][rows] = np.where(hv, lvl, -1)
    st.hm[pi][rows] = mb
    st.cap(rows, pi, best, missing)


def _harm_limit(e, pi: int, rows: np.ndarray, c: Cols, st: _State) -> None:
    hl, hm = st.hl[pi][rows], st.hm[pi][rows]
    rated = hl >= 0
    covered = rated & np.isin(c.hk[rows], [KINDS[k] for k in e.kinds])
    if e.actor is not None:
        covered &= c.hns[rows] == (e.actor == "non_state")
    cap_at = LEVEL[e.assessment]
    bites = (covered & (hl > cap_at)).any(axis=1)
    if not bites.any():
        return
    adj = np.where(covered, np.minimum(hl, cap_at), hl)
    best = np.maximum(adj.max(axis=1), UNLIKELY).astype(np.int8)
    keep = rated & ~covered & (adj == best[:, None]) & (best[:, None] == POSSIBLE)
    missing = np.bitwise_or.reduce(np.where(keep, hm, 0).astype(np.uint64), axis=1)
    st.cap(rows[bites], pi, best[bites], missing[bites])


def _limit(e, pi: int, rows: np.ndarray, c: Cols, st: _State) -> None:
    sup = None
    t, u, m = cond(e.when, c, rows, sup)
    active = t | u
    unknown = u
    if e.unless is not None:
        ut, uu, um = cond(e.unless, c, rows, sup)
        active &= ~ut
        unknown = unknown | uu
        m = m | um
    level = np.full(len(rows), LEVEL[e.assessment], np.int8)
    level[unknown] = max(LEVEL[e.assessment], POSSIBLE)
    rt = np.zeros(len(rows), bool)
    if e.rebut is not None:
        rt, _, _ = cond(e.rebut, c, rows, sup)
        level[rt] = np.maximum(level[rt], LEVEL[e.rebutted_assessment])
    if e.missing_fact:
        level[~rt] = np.maximum(level[~rt], POSSIBLE)
        m = np.where(rt, m, m | c.bits(e.missing_fact)).astype(np.uint64)
    st.cap(rows[active], pi, level[active], m[active])


def _add_years(ordinals: np.ndarray, n: int) -> np.ndarray:
    d = EPOCH + (ordinals - 1).astype("timedelta64[D]")
    months = d.astype("datetime64[M]")
    day = (d - months.astype("datetime64[D]")).astype(np.int64)
    target = months + np.timedelta64(12 * n, "M")
    length = ((target + np.timedelta64(1, "M")).astype("datetime64[D]")
              - target.astype("datetime64[D]")).astype(np.int64)
    out = target.astype("datetime64[D]") + np.minimum(day, length - 1).astype("timedelta64[D]")
    return (out - EPOCH).astype(np.int64) + 1


def _deadline(e, v, rows, c: Cols, st: _State, proc, country: str, late: bool, susp) -> None:
    as_of = c.as_of[rows]
    start = (c.edate if e.start == "entry" else c.filing)[rows]
    has = start > 0
    dl = np.zeros(len(rows), np.int64)
    status = np.full(len(rows), NA, np.int8)
    working = e.unit == "working_days"
    if has.any():
        dl[has] = (add_working_days_array(start[has], e.count, country) if working
                   else _add_years(start[has], e.count))
    live = has & ~c.decided[rows] if e.until == "decision" else has
    done = np.zeros(len(rows), np.int64) if e.until == "decision" else c.filing[rows]
    filed = live & (done > 0)
    status[filed] = np.where(done[filed] <= dl[filed], MET, MISSED)
    open_ = live & ~filed
    late_now = open_ & (as_of > dl)
    status[late_now] = MISSED
    pending = open_ & ~late_now
    if pending.any():
        left = (working_days_between_array(as_of[pending], dl[pending], country) if working
                else dl[pending] - as_of[pending])
        status[pending] = np.where(left <= e.at_risk_within, AT_RISK, MET)
    suspended = np.zeros(len(rows), bool)
    smiss = np.zeros(len(rows), np.uint64)
    for se, sv, smask in susp:
        if v.policy not in se.rules:
            continue
        # as engine.suspension_hits: an open-ended one only touches terms running on its first day
        frm = se.period_from.toordinal()
        hit = live & smask[rows] & (frm <= dl)
        hit &= (se.period_to.toordinal() >= start) if se.period_to is not None else (start <= frm)
        suspended |= hit
        if se.period_to is None:
            smiss |= np.where(hit, c.bits(f"{sv.policy}.period_to"), 0).astype(np.uint64)
    proc[0] = v.policy
    proc[1][rows], proc[2][rows], proc[3][rows] = True, status, dl
    # consequences
    if not e.missed:
        return
    if e.start == "entry":
        gap = ~has & c.entry_known[rows]
        for p in e.missed:
            if p in st.p:
                st.cap(rows[gap], st.p[p], POSSIBLE, c.bits(ENTRY))
    missed = has & (status == MISSED)
    lr = c.late[rows]
    excused = np.isin(lr, [LATE[x] for x in e.excuses]) if late else np.zeros(len(rows), bool)
    unknown = lr == 0  # late_filing_reason null: not known, never "no reason"
    umiss = np.where(unknown, c.bits("late_filing_reason"), 0).astype(np.uint64)
    for p in {*e.missed, *e.excused}:
        if p not in st.p:
            continue
        lv = np.full(len(rows), 127, np.int8)  # 127: no cap
        if p in e.missed:
            lv[missed & ~excused] = LEVEL[e.missed[p]]
            lv[missed & unknown] = max(LEVEL[e.missed[p]], POSSIBLE)
        if p in e.excused:
            lv[missed & excused] = LEVEL[e.excused[p]]
        lv[(lv != 127) & suspended] = POSSIBLE
        sel = lv != 127
        st.cap(rows[sel], st.p[p], lv[sel],
               (np.where(suspended, smiss, 0).astype(np.uint64) | umiss)[sel])


def _output(c: Cols, st: _State, applied: list[tuple], procs: list[tuple]) -> list[tuple]:
    level = np.where(st.has_el, st.level, np.minimum(st.level, UNLIKELY)).astype(np.int64)
    miss = np.bitwise_or.reduce(st.miss, axis=1).tolist()
    names = st.paths
    paths = c.bits.paths
    tags = [tuple(v.tag for v in p.versions) for p, _ in applied]
    country = JURISDICTION_COUNTRY[c.jur]
    # Rows repeat few patterns: pack each row into one integer and build its tuple once.
    lkey = np.zeros(c.n, np.int64)
    for k in range(level.shape[1]):
        lkey |= level[:, k] << (2 * k)
    akey = [0] * c.n
    if applied:
        shift = max(len(p.versions) for p, _ in applied).bit_length() + 1
        if shift * len(applied) <= 62:
            packed = np.zeros(c.n, np.int64)
            for k, (_, ch) in enumerate(applied):
                packed |= (ch + 1) << (shift * k)
            akey = packed.tolist()
        else:  # too many policies to pack: fall back to row tuples
            akey = list(map(tuple, np.stack([ch for _, ch in applied], axis=1).tolist()))
    chosen = {}
    for i, k in enumerate(akey):
        if k not in chosen:
            chosen[k] = tuple(tags[j][ch[i]] for j, (_, ch) in enumerate(applied) if ch[i] >= 0)
    levels = {}
    for i, k in enumerate(lkey.tolist()):
        if k not in levels:
            levels[k] = tuple((n, LEVEL_NAME[x]) for n, x in zip(names, level[i].tolist(),
                                                                 strict=True))
    day: dict[int, date | None] = {0: None}
    procedural: list[tuple] = [()] * c.n
    for pol, present, status, dl in procs:
        dls = dl.tolist()
        for o in set(dls) - day.keys():
            day[o] = date.fromordinal(o)
        procedural = [acc + ((pol, STATUS[s], day[o]),) if p else acc
                      for acc, p, s, o in zip(procedural, present.tolist(), status.tolist(), dls,
                                              strict=True)]
    missing: list[tuple] = [()] * c.n
    eidx = c.eidx.tolist()
    seen: dict[tuple[int, int], tuple] = {}  # rows repeat few (mask, entry index) patterns
    for i, m in enumerate(miss):
        if m:
            idx = eidx[i]
            got = seen.get((m, idx))
            if got is None:
                entry = (f"journey.entries[{idx}].date" if idx >= 0
                         else f"journey.entries[{country}].date")
                got = seen[(m, idx)] = tuple(sorted(
                    entry if path == ENTRY else
                    f"journey.entries[{idx}].manner" if path == MANNER else path
                    for b, path in enumerate(paths) if m >> b & 1))
            missing[i] = got
    jur = c.jur
    return [(jur, levels[lk], pr, mi, chosen[ak])
            for lk, ak, pr, mi in zip(lkey.tolist(), akey, procedural, missing, strict=True)]
