"""The engine's own view of a case: plain slotted objects derived once from the validated facts.

The batch path builds these straight from pre-validated tuples, skipping pydantic; everything the
rules ask about a jurisdiction (its entry, where the claimant came from, transit) is derived here
once, not in every rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from .facts import EXCLUSION_FLAGS, JURISDICTION_COUNTRY, Facts


class HarmF(NamedTuple):  # a tuple: cheap to build by the million, hashable
    kind: str
    actor: str
    grounds: frozenset
    past: bool
    feared: bool
    spa: bool | None   # state_protection_available
    irr: bool | None   # internal_relocation_reasonable
    torture: bool | None


@dataclass(slots=True)
class Case:
    as_of: date
    jurisdictions: tuple[str, ...]
    nationality: str
    dob: date
    unaccompanied_minor: bool | None
    entries: tuple[tuple[str, date | None, str | None], ...]   # (country, date, manner)
    protection: tuple[tuple[str, date, str], ...]                # (country, date, outcome)
    filings: dict[str, date]                                      # earliest filing per jurisdiction
    harms: tuple[HarmF, ...]
    exclusion: dict[str, bool | None]
    late_filing_reason: str | None


def case_from_facts(f: Facts) -> Case:
    filings: dict[str, date] = {}
    for fl in f.filings:
        if fl.jurisdiction not in filings or fl.date < filings[fl.jurisdiction]:
            filings[fl.jurisdiction] = fl.date
    ex = f.exclusion
    return Case(
        as_of=f.as_of, jurisdictions=tuple(f.jurisdictions), nationality=f.claimant.nationality,
        dob=f.claimant.date_of_birth, unaccompanied_minor=f.claimant.unaccompanied_minor,
        entries=tuple((e.country, e.date, e.manner) for e in f.journey.entries),
        protection=tuple((p.country, p.date, p.outcome) for p in f.journey.protection_sought),
        filings=filings,
        harms=tuple(HarmF(h.kind, h.actor, frozenset(h.grounds), h.past, h.feared,
                          h.state_protection_available, h.internal_relocation_reasonable,
                          h.torture_risk) for h in f.harms),
        exclusion={k: getattr(ex, k) for k in EXCLUSION_FLAGS},
        late_filing_reason=f.late_filing_reason)


# Land neighbours of the countries screened: an arrival from one of them needs no other leg.
LAND_NEIGHBOURS: dict[str, frozenset[str]] = {"USA": frozenset({"MEX", "CAN"}),
                                              "MEX": frozenset({"GTM", "BLZ", "USA"})}


def entry_facts(case: Case, country: str | None, idx: int | None) -> tuple:
    """(entry date, manner, its JSON path, arrived from, transit countries, earliest possible
    key date, denied in transit, journey known) for the jurisdiction's last entry ``idx`` (None:
    not entered).

    The journey is not taken as complete: the leg into ``country`` is known only when it starts
    in a land neighbour -- the previous entry, or home when there is none. Otherwise (a Honduran
    whose only entry is to the USA) where the claimant came from and what was transited are
    unknown, and ``arrived_from`` is None.
    """
    if idx is None:
        # Not (yet) entered: a rule keyed on the entry could only meet an entry from today on.
        return None, None, f"journey.entries[{country}].date", None, (), case.as_of, False, True
    entries = case.entries
    nat = case.nationality
    _, entry_date, manner = entries[idx]
    previous = entries[idx - 1][0] if idx else nat
    known = previous in LAND_NEIGHBOURS.get(country, ())
    arrived_from = previous if known else None
    transit: list[str] = []
    earliest = None
    for c, d, _ in entries[:idx]:
        if c != nat and c != country and c not in transit:
            transit.append(c)
        if d:
            earliest = d
    denied = bool(transit) and any(o == "denied" and c in transit for c, _, o in case.protection)
    return (entry_date, manner, f"journey.entries[{idx}].date", arrived_from, tuple(transit),
            earliest or case.dob, denied, known)


def age(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def unaccompanied_minor(case: Case, entry_date: date | None, earliest: date) -> bool | None:
    """The flag as recorded; when not recorded, False for someone who was an adult on entering
    (or, the entry date unknown, already on the earliest date it could be); else unknown."""
    if case.unaccompanied_minor is not None:
        return case.unaccompanied_minor
    return False if age(case.dob, entry_date or earliest) >= 18 else None


def outside_nationality(case: Case, country: str | None) -> bool | None:
    """Whether the claimant is outside the country of nationality: for a country of refuge, not
    being its national; for UNHCR, the last entry on record is to another country (None: no
    entry on record)."""
    if country is not None:
        return case.nationality != country
    if not case.entries:
        return None
    return case.entries[-1][0] != case.nationality


class JurCtx:
    """What the rules of one jurisdiction ask about the case."""

    __slots__ = ("arrived_from", "as_of", "country", "denied_in_transit", "earliest",
                 "entry_date", "entry_index", "entry_manner", "entry_path", "exclusion",
                 "filing_date", "harms", "journey_known", "jurisdiction", "nationality",
                 "decided", "outside", "transit", "unaccompanied_minor")

    def __init__(self, case: Case, jurisdiction: str):
        self.jurisdiction = jurisdiction
        self.as_of = case.as_of
        self.nationality = case.nationality
        self.exclusion = case.exclusion
        self.harms = case.harms
        country = self.country = JURISDICTION_COUNTRY[jurisdiction]
        idx = self.entry_index = last_entry(case, country)
        (self.entry_date, self.entry_manner, self.entry_path, self.arrived_from, self.transit,
         self.earliest, self.denied_in_transit, self.journey_known) = entry_facts(case, country,
                                                                                   idx)
        self.unaccompanied_minor = unaccompanied_minor(case, self.entry_date, self.earliest)
        self.outside = outside_nationality(case, country)
        self.filing_date, self.decided = filing_facts(case, jurisdiction, country)


def last_entry(case: Case, country: str | None) -> int | None:
    if country:
        entries = case.entries
        for i in range(len(entries) - 1, -1, -1):
            if entries[i][0] == country:
                return i
    return None


def filing_facts(case: Case, jurisdiction: str, country: str | None) -> tuple:
    """(filing date, decided): protection sought in the country itself is a filing there (e.g.
    with COMAR), and any outcome other than pending means the authority has decided."""
    filed = case.filings.get(jurisdiction)
    decided = False
    for c, d, outcome in case.protection:
        if country and c == country:
            if filed is None or d < filed:
                filed = d
            decided = decided or outcome != "pending"
    return filed, decided
