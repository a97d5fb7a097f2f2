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


def entry_facts(case: Case, country: str | None, idx: int | None) -> tuple:
    """(entry date, manner, its JSON path, arrived from, transit countries, earliest possible
    key date, denied in transit) for the jurisdiction's last entry ``idx`` (None: not entered)."""
    if idx is None:
        # Not (yet) entered: a rule keyed on the entry could only meet an entry from today on.
        return None, None, f"journey.entries[{country}].date", None, (), case.as_of, False
    entries = case.entries
    nat = case.nationality
    _, entry_date, manner = entries[idx]
    # The journey is taken as complete: with no earlier entry the claimant came from home.
    arrived_from = entries[idx - 1][0] if idx else nat
    transit: list[str] = []
    earliest = None
    for c, d, _ in entries[:idx]:
        if c != nat and c != country and c not in transit:
            transit.append(c)
        if d:
            earliest = d
    denied = bool(transit) and any(o == "denied" and c in transit for c, _, o in case.protection)
    return (entry_date, manner, f"journey.entries[{idx}].date", arrived_from, tuple(transit),
            earliest or case.dob, denied)


class JurCtx:
    """What the rules of one jurisdiction ask about the case."""

    __slots__ = ("arrived_from", "as_of", "country", "denied_in_transit", "earliest",
                 "entry_date", "entry_index", "entry_manner", "entry_path", "exclusion",
                 "filing_date", "harms", "jurisdiction", "nationality",
                 "decided", "transit", "unaccompanied_minor")

    def __init__(self, case: Case, jurisdiction: str):
        self.jurisdiction = jurisdiction
        self.as_of = case.as_of
        self.nationality = case.nationality
        self.exclusion = case.exclusion
        self.harms = case.harms
        self.unaccompanied_minor = case.unaccompanied_minor
        country = self.country = JURISDICTION_COUNTRY[jurisdiction]
        idx = self.entry_index = last_entry(case, country)
        (self.entry_date, self.entry_manner, self.entry_path, self.arrived_from, self.transit,
         self.earliest, self.denied_in_transit) = entry_facts(case, country, idx)
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
