"""Columns for the vectorised engine: the case facts as numpy arrays, and conditions over them.

Conditions answer with three arrays -- true, unknown, and a uint64 bitmask of the missing facts
that would settle them (``Bits`` numbers the fact paths) -- the column-wise form of
``conditions.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, get_args

import numpy as np

from .case import Case, entry_facts, filing_facts, last_entry
from .conditions import JOURNEY
from .facts import EXCLUSION_FLAGS, JURISDICTION_COUNTRY, Ground, Kind, LateReason, Manner

KINDS = {k: i for i, k in enumerate(get_args(Kind))}
GROUNDS = {g: 1 << i for i, g in enumerate(get_args(Ground))}
MANNERS = {m: i for i, m in enumerate(get_args(Manner))}
LATE = {r: i + 1 for i, r in enumerate(get_args(LateReason))}
TRI = {None: -1, False: 0, True: 1}
ENTRY, MANNER = "<entry>", "<manner>"   # resolved per case to journey.entries[...] paths
NA, MET, MISSED, AT_RISK = range(4)
STATUS = ("not_applicable", "met", "missed", "at_risk")
EPOCH = np.datetime64("0001-01-01", "D")  # date.toordinal() == 1


class Bits:
    """Missing-fact paths <-> bits of a uint64 (fewer than 64 distinct paths per batch)."""

    def __init__(self) -> None:
        self.bit: dict[str, int] = {}
        self.paths: list[str] = []

    def __call__(self, path: str) -> np.uint64:
        if path not in self.bit:
            if len(self.paths) >= 64:
                raise OverflowError("too many distinct missing facts for one batch")
            self.bit[path] = len(self.paths)
            self.paths.append(path)
        return np.uint64(1 << self.bit[path])


class Static:
    """Columns that do not depend on the jurisdiction, built once per batch."""

    def __init__(self, cases: list[Case], countries: dict[str, int]):
        n = len(cases)
        h = max([len(c.harms) for c in cases] + [1])
        self.as_of = np.array([c.as_of.toordinal() for c in cases], np.int64)
        self.nat = np.array([countries.setdefault(c.nationality, len(countries))
                             for c in cases], np.int64)
        self.late = np.array([LATE.get(c.late_filing_reason, 0) for c in cases], np.int8)
        uam = [c.unaccompanied_minor for c in cases]
        self.uam = np.array([TRI[v] for v in uam], np.int8)
        # 18th birthday (ordinal) where the flag is not recorded: derived from the age at entry
        self.b18 = np.array([_birthday18(c.dob) if v is None else 0
                             for c, v in zip(cases, uam, strict=True)], np.int64)
        # UNHCR's "outside the country": the last entry on record is not home (-1: no entry)
        self.home_last = np.array([TRI[c.entries[-1][0] == c.nationality] if c.entries else -1
                                   for c in cases], np.int8)
        self.excl = np.array([[TRI[v] for v in c.exclusion.values()] for c in cases],
                             np.int8).reshape(n, len(EXCLUSION_FLAGS))
        pad = [(None,) * 8] * h
        flat = [hm for c in cases
                for hm in [(x.kind, x.actor, x.grounds, x.past, x.feared, x.spa, x.irr, x.torture)
                           for x in c.harms] + pad[len(c.harms):]]
        self.hv = np.array([hm[0] is not None for hm in flat], bool).reshape(n, h)
        self.hk = np.array([KINDS[hm[0]] if hm[0] is not None else -1 for hm in flat],
                           np.int16).reshape(n, h)
        self.hns = np.array([hm[1] == "non_state" for hm in flat], bool).reshape(n, h)
        self.hg = np.array([sum(GROUNDS[g] for g in hm[2]) if hm[0] is not None else 0
                            for hm in flat], np.int64).reshape(n, h)
        self.hp = np.array([bool(hm[3]) for hm in flat], bool).reshape(n, h)
        self.hf = np.array([bool(hm[4]) for hm in flat], bool).reshape(n, h)
        self.hs = np.array([TRI[hm[5]] for hm in flat], np.int8).reshape(n, h)
        self.hi = np.array([TRI[hm[6]] for hm in flat], np.int8).reshape(n, h)
        self.ht = np.array([TRI[hm[7]] for hm in flat], np.int8).reshape(n, h)


def _birthday18(dob: date) -> int:
    try:
        return dob.replace(year=dob.year + 18).toordinal()
    except ValueError:  # born 29 February: of age on 1 March (as case.age counts)
        return date(dob.year + 18, 3, 1).toordinal()


class Cols:
    """The columns of one jurisdiction's cases (static ones are row subsets of ``Static``)."""

    def __init__(self, cases: list[Case], rows: np.ndarray, static: Static, jur: str,
                 countries: dict[str, int], bits: Bits):
        n = len(cases)
        self.n, self.jur, self.bits = n, jur, bits
        code = JURISDICTION_COUNTRY[jur]
        self.country = countries.setdefault(code, len(countries)) if code else -2
        for name in ("as_of", "nat", "uam", "b18", "home_last", "late", "excl", "hv", "hk",
                     "hns", "hg", "hp", "hf", "hs", "hi", "ht"):
            setattr(self, name, getattr(static, name)[rows])
        ords: dict[date | None, int] = {None: 0}
        eidx, edate, manner, arrived, transit, denied, filing, decided, earliest = (
            [], [], [], [], [], [], [], [], [])
        jknown = []
        for case in cases:
            i = last_entry(case, code)
            d, m, _, frm, tr, early, den, jk = entry_facts(case, code, i)
            f, dec = filing_facts(case, jur, code)
            jknown.append(jk)
            eidx.append(-1 if i is None else i)
            for x in (d, f, early):
                if x not in ords:
                    ords[x] = x.toordinal()
            edate.append(ords[d])
            filing.append(ords[f])
            earliest.append(ords[early])
            manner.append(MANNERS[m] if m else -1)
            arrived.append(countries.setdefault(frm, len(countries)) if frm else -1)
            t = 0
            for cc in tr:
                t |= 1 << countries.setdefault(cc, len(countries))
            transit.append(t)
            denied.append(den)
            decided.append(dec)
        if len(countries) > 64:
            raise OverflowError("too many distinct countries for one batch")
        self.eidx = np.array(eidx, np.int64)
        self.edate = np.array(edate, np.int64)
        self.manner = np.array(manner, np.int8)
        self.arrived = np.array(arrived, np.int64)
        self.transit = np.array(transit, np.uint64)
        self.denied = np.array(denied, bool)
        self.filing = np.array(filing, np.int64)
        self.decided = np.array(decided, bool)
        self.earliest = np.array(earliest, np.int64)
        self.countries = countries
        self.entry_known = self.eidx >= 0
        self.journey_known = np.array(jknown, bool)
        # as case.unaccompanied_minor: not recorded -> False if of age on entering (or on the
        # earliest date the entry can be), else still unknown
        on = np.where(self.edate > 0, self.edate, self.earliest)
        self.uam = np.where((self.uam == -1) & (on >= self.b18), 0, self.uam).astype(np.int8)
        # as case.outside_nationality
        if code:
            self.outside = np.where(self.nat != self.country, 1, 0).astype(np.int8)
        else:
            self.outside = np.where(self.home_last == -1, -1, 1 - self.home_last).astype(np.int8)


# -- conditions: (true, unknown, missing bits) --------------------------------------------------

def cond(spec: dict[str, Any], c: Cols, rows: np.ndarray, sup) -> tuple:
    parts = []
    for key, arg in spec.items():
        if key == "any":
            subs = [cond(s, c, rows, sup) for s in arg]
            t = np.logical_or.reduce([s[0] for s in subs])
            u = ~t & np.logical_or.reduce([s[1] for s in subs])
            m = np.bitwise_or.reduce([np.where(s[1], s[2], 0).astype(np.uint64) for s in subs])
            parts.append((t, u, np.where(u, m, 0).astype(np.uint64)))
        elif key == "all":
            parts.append(_all([cond(s, c, rows, sup) for s in arg]))
        elif key == "not":
            t, u, m = cond(arg, c, rows, sup)
            parts.append((~t & ~u, u, m))
        else:
            parts.append(_predicate(key, arg, c, rows, sup))
    return _all(parts)


def _all(parts: list[tuple]) -> tuple:
    if len(parts) == 1:
        return parts[0]
    f = np.logical_or.reduce([~p[0] & ~p[1] for p in parts])
    t = np.logical_and.reduce([p[0] for p in parts])
    u = ~f & ~t
    m = np.bitwise_or.reduce([np.where(p[1], p[2], 0).astype(np.uint64) for p in parts])
    return t, u, np.where(u, m, 0).astype(np.uint64)


def _journey(c: Cols, rows, value: np.ndarray) -> tuple:
    """A predicate on the leg into the country: unknown without the entry or that leg."""
    k = c.entry_known[rows]
    j = k & c.journey_known[rows]
    m = np.where(~k, c.bits(ENTRY), np.where(~j, c.bits(JOURNEY), 0)).astype(np.uint64)
    return value & j, ~j, m


def _override(base: tuple, known: np.ndarray, value: np.ndarray) -> tuple:
    """``base``, except rows where ``known`` holds, which answer ``value`` for sure."""
    t, u, m = base
    return (np.where(known, value, t), u & ~known,
            np.where(known, 0, m).astype(np.uint64))


def _predicate(key: str, arg, c: Cols, rows: np.ndarray, sup) -> tuple:
    n = len(rows)
    zero = np.zeros(n, np.uint64)
    no = np.zeros(n, bool)
    cc = c.countries
    if key == "always":
        return np.full(n, bool(arg)), no, zero
    if key == "exclusion_any":
        idx = [EXCLUSION_FLAGS.index(f) for f in arg]
        ex = c.excl[rows][:, idx]
        t = (ex == 1).any(axis=1)
        m = zero.copy()
        for j, flag in enumerate(arg):
            m |= np.where(ex[:, j] == -1, c.bits(f"exclusion.{flag}"), 0).astype(np.uint64)
        u = ~t & (ex == -1).any(axis=1)
        return t, u, np.where(u, m, 0).astype(np.uint64)
    if key == "nationality_is_country":
        return (c.nat[rows] == c.country) == arg, no, zero
    if key == "nationality_in":
        return np.isin(c.nat[rows], [cc.setdefault(x, len(cc)) for x in arg]), no, zero
    if key == "entry_manner_in":
        k = c.entry_known[rows]
        man = c.manner[rows]
        mk = k & (man >= 0)
        t = mk & np.isin(man, [MANNERS[x] for x in arg])
        m = np.where(~k, c.bits(ENTRY), np.where(~mk, c.bits(MANNER), 0)).astype(np.uint64)
        return t, ~mk, m
    if key == "arrived_from":
        return _journey(c, rows, np.isin(c.arrived[rows], [cc.setdefault(x, len(cc))
                                                           for x in arg]))
    if key == "transited_third_country":
        tr = (c.transit[rows] != 0) & c.entry_known[rows]
        return _override(_journey(c, rows, np.full(n, arg is False)), tr,
                         np.full(n, arg is True))
    if key == "transit_only_in":
        if not arg:
            return no, no, zero
        allowed = np.uint64(sum(1 << cc.setdefault(x, len(cc)) for x in arg))
        tr = c.transit[rows]
        other = c.entry_known[rows] & ((tr & ~allowed) != 0)
        return _override(_journey(c, rows, tr != 0), other, no)
    if key == "denied_in_transit":
        den = c.denied[rows] & c.entry_known[rows]
        return _override(_journey(c, rows, np.full(n, arg is False)), den,
                         np.full(n, arg is True))
    if key == "outside_nationality":
        v = c.outside[rows]
        u = v == -1
        return ~u & ((v == 1) == arg), u, np.where(u, c.bits(JOURNEY), 0).astype(np.uint64)
    if key == "unaccompanied_minor":
        v = c.uam[rows]
        u = v == -1
        return ~u & ((v == 1) == arg), u, np.where(u, c.bits("claimant.unaccompanied_minor"),
                                                    0).astype(np.uint64)
    if key == "harm_kind_any":
        hit = np.isin(c.hk[rows], [KINDS[k] for k in arg]) & c.hv[rows]
        return hit.any(axis=1), no, zero
    if key == "harms_only_kinds":
        ok = np.isin(c.hk[rows], [KINDS[k] for k in arg]) | ~c.hv[rows]
        return ok.all(axis=1) & c.hv[rows].any(axis=1), no, zero
    raise ValueError(f"unknown condition {key!r}")
