"""Policy files: one YAML file per rule, with dated versions and the date each rule keys on.

A policy file is validated here against a closed vocabulary of effects (see ``Effect``), so a new
rule is a new file (plus scenario tests) and never an engine change, as long as it can be said with
these effects. ``load_policies()`` is cached: the files are read and compiled once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .facts import Ground, Kind

POLICY_DIR = Path(__file__).parent / "policies"
PATHWAYS: dict[str, tuple[str, ...]] = {
    "UNHCR": ("refugee_convention",),
    "MX": ("refugee_art13_i", "refugee_art13_ii", "complementary_protection"),
    "US": ("asylum", "withholding_of_removal", "cat"),
}
ALL_PATHWAYS = frozenset(p for ps in PATHWAYS.values() for p in ps)
Assessment = Literal["likely", "possible", "unlikely", "barred"]
KeyedOn = Literal["as_of", "entry", "filing"]
_STRICT = ConfigDict(extra="forbid", frozen=True)


class Text(BaseModel):
    model_config = _STRICT
    en: str
    es: str


class HarmTest(BaseModel):
    """Which harms meet an eligibility element, and how each fact weakens or defeats it."""

    model_config = _STRICT
    kinds: list[Kind]                       # harms that can meet the element
    contested_kinds: list[Kind] = []        # can meet it only arguably -> "possible"
    grounds: list[Ground] | None = None     # None: no protected ground needed
    contested_grounds: list[Ground] = []    # a ground that fits only arguably -> "possible"
    fear: Literal["feared", "past_or_feared"] = "feared"
    non_state_needs_no_protection: bool = True  # non-state harm counts only if the state fails
    relocation_weakens: bool = False
    torture_required: bool = False


class Element(BaseModel):
    model_config = _STRICT
    type: Literal["element"]
    pathways: list[str]
    harm: HarmTest


class Limit(BaseModel):
    """Caps the listed pathways at ``assessment`` when ``when`` holds and ``unless`` does not."""

    model_config = _STRICT
    type: Literal["limit"]
    pathways: list[str]
    when: dict[str, Any]
    unless: dict[str, Any] | None = None
    assessment: Assessment
    rebut: dict[str, Any] | None = None        # condition that rebuts a presumption...
    rebutted_assessment: Assessment = "possible"  # ...and the cap that then applies
    missing_fact: str | None = None            # a fact outside the schema that would decide it


class HarmLimit(BaseModel):
    """Harms of ``kinds`` (by ``actor``, if given) count at most ``assessment`` for the listed
    pathways; the pathway keeps the best level among its other harms, never below "unlikely"."""

    model_config = _STRICT
    type: Literal["harm_limit"]
    pathways: list[str]
    kinds: list[Kind] = Field(min_length=1)
    actor: Literal["state", "non_state"] | None = None
    assessment: Literal["likely", "possible", "unlikely"]


class GroundAlias(BaseModel):
    """A ground the instrument lacks, read into another one (gender into a social group)."""

    model_config = _STRICT
    type: Literal["ground_alias"]
    pathways: list[str]
    ground: Ground
    as_ground: Ground
    assessment: Assessment = "possible"


class Deadline(BaseModel):
    model_config = _STRICT
    type: Literal["deadline"]
    count: int = Field(gt=0)
    unit: Literal["working_days", "years"]
    start: Literal["entry", "filing"]          # the event the term runs from
    until: Literal["filing", "decision"]       # the act that must happen in time
    at_risk_within: int = 10                   # in the same unit family: working or calendar days
    excuses: list[str] = []                    # late_filing_reason values that excuse a miss
    missed: dict[str, Assessment] = {}         # pathway -> cap when missed without excuse
    excused: dict[str, Assessment] = {}        # pathway -> cap when missed with an excuse


class Suspend(BaseModel):
    model_config = _STRICT
    type: Literal["suspend"]
    rules: list[str]
    period_from: date
    period_to: date | None = None              # None: end not known (flagged in the version)


class Right(BaseModel):
    model_config = _STRICT
    type: Literal["right_to_be_heard"]
    value: bool = True


class Note(BaseModel):
    model_config = _STRICT
    type: Literal["note"]
    when: dict[str, Any] = {"always": True}


class Clock(BaseModel):
    """A term the claims workflow runs (not screening), kept here so it is dated and cited."""

    model_config = _STRICT
    type: Literal["clock"]
    count: int
    unit: Literal["working_days", "years"]
    start: str


Effect = Annotated[Element | Limit | HarmLimit | GroundAlias | Deadline | Suspend | Right | Note
                   | Clock,
                   Field(discriminator="type")]


class VersionSpec(BaseModel):
    model_config = _STRICT
    in_force_from: date | None          # None: law.md gives no date ("undated")
    in_force_to: date | None = None     # last day in force, inclusive
    as_of_from: date | None = None      # enforceable only for assessments in this window
    as_of_to: date | None = None
    citation: str | None = None         # overrides the policy's citation for this version
    status: Literal["confirmed", "unconfirmed"] = "confirmed"
    unconfirmed: str | None = None      # what law.md leaves open
    text: Text
    effects: list[Effect] = []

    @model_validator(mode="after")
    def _check(self) -> VersionSpec:
        if (self.status == "unconfirmed") != bool(self.unconfirmed):
            raise ValueError("status 'unconfirmed' goes with an 'unconfirmed' explanation")
        for e in self.effects:
            for p in getattr(e, "pathways", []) or list(getattr(e, "missed", {})):
                if p not in ALL_PATHWAYS:
                    raise ValueError(f"unknown pathway {p!r}")
        return self


class PolicySpec(BaseModel):
    model_config = _STRICT
    id: str = Field(pattern=r"^(unhcr|mx|us|intl)\.[a-z0-9_]+$")
    jurisdictions: list[Literal["UNHCR", "MX", "US"]]
    title: Text
    citation: str
    keyed_on: KeyedOn
    source: str = ""
    versions: list[VersionSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> PolicySpec:
        # A harm limit works on the elements' ratings of the harms, which need no date.
        if self.keyed_on != "as_of" and any(e.type == "harm_limit" for v in self.versions
                                            for e in v.effects):
            raise ValueError("a harm_limit belongs in a policy keyed on as_of")
        return self


@dataclass(frozen=True, slots=True, eq=False)  # identity hash: cached per version
class Version:
    policy: str
    tag: str                     # "id@in_force_from", as listed in policies_applied
    in_force_from: date | None
    in_force_to: date | None
    as_of_from: date | None
    as_of_to: date | None
    citation: str
    status: str
    unconfirmed: str | None
    text: Text
    effects: tuple

    def covers(self, key: date) -> bool:
        return ((self.in_force_from is None or self.in_force_from <= key)
                and (self.in_force_to is None or key <= self.in_force_to))

    def enforceable(self, as_of: date) -> bool:
        return ((self.as_of_from is None or self.as_of_from <= as_of)
                and (self.as_of_to is None or as_of <= self.as_of_to))


@dataclass(frozen=True, slots=True)
class Policy:
    id: str
    jurisdictions: tuple[str, ...]
    title: Text
    citation: str
    keyed_on: str
    source: str
    versions: tuple[Version, ...]
    phase: int   # evaluation order: aliases, then elements, then everything else

    def select(self, key: date, as_of: date) -> Version | None:
        for v in self.versions:
            if v.covers(key) and v.enforceable(as_of):
                return v
        return None

    def candidates(self, as_of: date, earliest: date) -> list[Version]:
        """Versions that could apply when the key date is unknown but lies in [earliest, as_of]."""
        return [v for v in self.versions if v.enforceable(as_of)
                and (v.in_force_from is None or v.in_force_from <= as_of)
                and (v.in_force_to is None or v.in_force_to >= earliest)]


def _phase(spec: PolicySpec) -> int:
    types = {e.type for v in spec.versions for e in v.effects}
    # Aliases feed elements; elements feed limits (supporting harms); suspensions feed deadlines.
    return 0 if "ground_alias" in types else 1 if types & {"element", "suspend"} else 2


def _compile(spec: PolicySpec) -> Policy:
    versions = tuple(
        Version(policy=spec.id, tag=f"{spec.id}@{v.in_force_from or 'undated'}",
                in_force_from=v.in_force_from, in_force_to=v.in_force_to,
                as_of_from=v.as_of_from, as_of_to=v.as_of_to,
                citation=v.citation or spec.citation, status=v.status,
                unconfirmed=v.unconfirmed, text=v.text, effects=tuple(v.effects))
        for v in spec.versions)
    return Policy(id=spec.id, jurisdictions=tuple(spec.jurisdictions), title=spec.title,
                  citation=spec.citation, keyed_on=spec.keyed_on, source=spec.source,
                  versions=versions, phase=_phase(spec))


def read_policy_file(path: Path) -> Policy:
    try:
        spec = PolicySpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as exc:
        raise ValueError(f"{path.name}: {exc}") from None
    if spec.id != path.stem:
        raise ValueError(f"{path.name}: id {spec.id!r} must match the file name")
    return _compile(spec)


@lru_cache(maxsize=4)
def load_policies(directory: str | None = None) -> tuple[Policy, ...]:
    """Every policy, sorted by id (cached; pass another directory to test new files)."""
    folder = Path(directory) if directory else POLICY_DIR
    files = sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("working_days_"))
    return tuple(read_policy_file(p) for p in files)


def policies_table(lang: str = "en") -> list[dict[str, Any]]:
    """One row per policy version, for docs/policies.md and the API."""
    rows = []
    for p in load_policies():
        for v in p.versions:
            rows.append({
                "id": p.id, "jurisdictions": list(p.jurisdictions),
                "title": getattr(p.title, lang), "citation": v.citation,
                "keyed_on": p.keyed_on,
                "in_force_from": v.in_force_from.isoformat() if v.in_force_from else None,
                "in_force_to": v.in_force_to.isoformat() if v.in_force_to else None,
                "as_of_from": v.as_of_from.isoformat() if v.as_of_from else None,
                "as_of_to": v.as_of_to.isoformat() if v.as_of_to else None,
                "status": v.status, "unconfirmed": v.unconfirmed,
                "effects": [e.type for e in v.effects], "text": getattr(v.text, lang),
                "tag": v.tag,
            })
    return rows
