"""Case facts: the pydantic model that validates a screening request, and its JSON Schema.

Validation collects every problem with the JSON path of the offending field (``harms[0].kind``) so
the API can answer 422 with one entry per field, instead of stopping at the first error.
"""

from __future__ import annotations

from datetime import date
from datetime import date as Date  # fields named `date` would shadow the type
from functools import lru_cache
from typing import Any, Literal

import pycountry
from pydantic import BaseModel, ConfigDict, Field, ValidationError

Jurisdiction = Literal["UNHCR", "MX", "US"]
Manner = Literal["port_of_entry", "between_ports", "cbp_one_appointment", "parole"]
Outcome = Literal["pending", "denied", "granted", "withdrawn"]
# null (None) = not known; "none" = the facts positively say there is no reason for the delay.
LateReason = Literal["changed_circumstances", "extraordinary_circumstances", "beyond_control",
                     "none"]
Actor = Literal["state", "non_state"]
Ground = Literal["race", "religion", "nationality", "political_opinion", "particular_social_group",
                 "gender"]
Kind = Literal[
    "political_persecution", "religious_persecution", "ethnic_persecution",
    "gender_based_violence", "domestic_violence", "sexual_orientation_or_gender_identity",
    "gang_violence", "gang_recruitment_refusal", "extortion", "threats_to_family",
    "forced_recruitment", "generalized_violence", "armed_conflict",
    "massive_human_rights_violations", "torture", "trafficking", "poverty", "unemployment",
    "natural_disaster",
]
Country = str  # ISO 3166-1 alpha-3, checked against pycountry below
EXCLUSION_FLAGS = ("serious_nonpolitical_crime", "persecutor_of_others", "war_crimes",
                   "acts_contrary_un", "particularly_serious_crime_conviction", "security_danger",
                   "terrorism", "firmly_resettled")
# The working-day calendar is built for this span; dates outside it are input errors.
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2099, 12, 31)
# Bounds on the lists of one case: far above any real case, low enough to keep screening fast.
MAX_HARMS, MAX_ENTRIES, MAX_PROTECTION, MAX_FILINGS = 50, 30, 20, 10

_STRICT = ConfigDict(extra="forbid", frozen=True)


class Claimant(BaseModel):
    model_config = _STRICT
    nationality: Country = Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3")
    date_of_birth: date
    # None = not known; the lawful-pathways exception for unaccompanied children needs it.
    unaccompanied_minor: bool | None = None


class Entry(BaseModel):
    model_config = _STRICT
    country: Country = Field(pattern=r"^[A-Z]{3}$")
    date: Date | None = Field(None, description="null when the entry is known but not its date")
    manner: Manner | None = None


class ProtectionSought(BaseModel):
    model_config = _STRICT
    country: Country = Field(pattern=r"^[A-Z]{3}$")
    date: Date
    outcome: Outcome


class Journey(BaseModel):
    model_config = _STRICT
    entries: list[Entry] = Field(default_factory=list, max_length=MAX_ENTRIES,
                                 description="in chronological order")
    protection_sought: list[ProtectionSought] = Field(default_factory=list,
                                                      max_length=MAX_PROTECTION)


class Filing(BaseModel):
    model_config = _STRICT
    jurisdiction: Jurisdiction
    date: Date


class Harm(BaseModel):
    model_config = _STRICT
    kind: Kind
    actor: Actor
    grounds: list[Ground] = Field(default_factory=list, max_length=6)
    past: bool
    feared: bool
    # None = not known: the engine then answers "possible" and lists the fact as missing.
    state_protection_available: bool | None = None
    internal_relocation_reasonable: bool | None = None
    torture_risk: bool | None = None


class Exclusion(BaseModel):
    model_config = _STRICT
    serious_nonpolitical_crime: bool | None = None
    persecutor_of_others: bool | None = None
    war_crimes: bool | None = None
    acts_contrary_un: bool | None = None
    particularly_serious_crime_conviction: bool | None = None
    security_danger: bool | None = None
    terrorism: bool | None = None
    firmly_resettled: bool | None = None


class Facts(BaseModel):
    """The facts of one case, as an intake officer records them."""

    model_config = _STRICT
    as_of: date = Field(description="date of the assessment")
    jurisdictions: list[Jurisdiction] = Field(min_length=1, max_length=3)
    claimant: Claimant
    journey: Journey
    filings: list[Filing] = Field(default_factory=list, max_length=MAX_FILINGS)
    # [] is accepted but means "no harm recorded yet": every pathway is then "possible".
    harms: list[Harm] = Field(max_length=MAX_HARMS)
    exclusion: Exclusion = Field(default_factory=Exclusion)
    late_filing_reason: LateReason | None = Field(
        None, description='reason for a late filing; null = not known, "none" = no reason')


class ScreeningInputError(ValueError):
    """Bad case facts; ``errors`` is a list of ``(json_path, message)``."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{p}: {m}" for p, m in errors))

    def as_response(self) -> dict[str, Any]:
        """The API's 422 body."""
        return {"detail": "Invalid case facts",
                "errors": [{"field": p, "message": m} for p, m in self.errors]}


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "$"


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.countries)


def parse_facts(data: dict | Facts) -> Facts:
    """Validate ``data`` into :class:`Facts` or raise :class:`ScreeningInputError`."""
    if isinstance(data, Facts):
        facts = data
    else:
        try:
            facts = Facts.model_validate(data)
        except ValidationError as exc:
            raise ScreeningInputError(
                [(_path(e["loc"]), e["msg"]) for e in exc.errors()]) from None
    errors = _consistency_errors(facts)
    if errors:
        raise ScreeningInputError(errors)
    return facts


def _consistency_errors(f: Facts) -> list[tuple[str, str]]:
    """Checks across fields: impossible dates, unknown countries, contradictions."""
    errs: list[tuple[str, str]] = []
    dob, as_of = f.claimant.date_of_birth, f.as_of
    known = _countries()

    def in_range(path: str, d: date) -> None:
        if not MIN_DATE <= d <= MAX_DATE:
            errs.append((path, f"date outside {MIN_DATE.year}-{MAX_DATE.year}"))

    def lifetime(path: str, d: date, what: str) -> None:
        if d < dob:
            errs.append((path, f"{what} before the claimant's date of birth"))
        if d > as_of:
            errs.append((path, f"{what} after as_of"))

    in_range("as_of", as_of)
    in_range("claimant.date_of_birth", dob)
    if dob > as_of:
        errs.append(("claimant.date_of_birth", "date of birth after as_of"))
    if f.claimant.nationality not in known:
        errs.append(("claimant.nationality", "unknown ISO 3166-1 alpha-3 country code"))
    if len(set(f.jurisdictions)) != len(f.jurisdictions):
        errs.append(("jurisdictions", "a jurisdiction is listed twice"))
    first_entry: dict[str, date] = {}
    previous: date | None = None
    for i, e in enumerate(f.journey.entries):
        p = f"journey.entries[{i}]"
        if e.country not in known:
            errs.append((f"{p}.country", "unknown ISO 3166-1 alpha-3 country code"))
        if e.date is None:
            continue
        lifetime(f"{p}.date", e.date, "entry")
        if previous and e.date < previous:
            errs.append((f"{p}.date", "entries must be in chronological order"))
        previous = e.date
        first_entry.setdefault(e.country, e.date)
    for i, s in enumerate(f.journey.protection_sought):
        p = f"journey.protection_sought[{i}]"
        if s.country not in known:
            errs.append((f"{p}.country", "unknown ISO 3166-1 alpha-3 country code"))
        lifetime(f"{p}.date", s.date, "protection sought")
        if s.country in first_entry and s.date < first_entry[s.country]:
            errs.append((f"{p}.date", f"protection sought before entry to {s.country}"))
    for i, fl in enumerate(f.filings):
        p = f"filings[{i}].date"
        lifetime(p, fl.date, "filing")
        country = JURISDICTION_COUNTRY.get(fl.jurisdiction)
        if country in first_entry and fl.date < first_entry[country]:
            errs.append((p, f"filing before entry to {country}"))
    for i, h in enumerate(f.harms):
        if not (h.past or h.feared):
            errs.append((f"harms[{i}]", "a harm must be past, feared or both"))
        if len(set(h.grounds)) != len(h.grounds):
            errs.append((f"harms[{i}].grounds", "a ground is listed twice"))
    if f.claimant.unaccompanied_minor:
        dates = [as_of] + [e.date for e in f.journey.entries if e.date]
        if all(_age(dob, d) >= 18 for d in dates):
            errs.append(("claimant.unaccompanied_minor",
                         "the claimant was an adult on every entry and on as_of"))
    return errs


def _age(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


JURISDICTION_COUNTRY: dict[str, str | None] = {"UNHCR": None, "MX": "MEX", "US": "USA"}


def facts_schema() -> dict[str, Any]:
    """JSON Schema of the case facts (served at ``GET /api/v1/screening/schema``)."""
    schema = Facts.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
