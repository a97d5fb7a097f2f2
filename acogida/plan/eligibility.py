"""Eligibility for the "Estás en tu casa" plan: a pure engine over plain data (no Django).

The rules are data (``rules.yaml``): each has dated versions; ``evaluate`` picks, for the date
asked, the version of each rule in force, checks the facts against its parameters and says, rule
by rule, passed / failed / unknown, why (a code and its parameters, put into words by
``texts``) and which version it applied. A person is eligible when every rule passed; not
eligible when any failed; otherwise unknown (a fact is missing).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

RULES_FILE = Path(__file__).with_name("rules.yaml")

PASSED, FAILED, UNKNOWN = "passed", "failed", "unknown"
ELIGIBLE, NOT_ELIGIBLE = "eligible", "not_eligible"
KEYS_ON = ("asked_on",)  # the dates a rule may key on: the date eligibility is asked for


@dataclass(frozen=True)
class Application:
    """An application that counts: to COMAR (refugee status) or INM (regular entry).
    ``source``: "own", "household" (a member of the current household) or another app's seam
    (e.g. "asylum" for a claim lodged in Mexico)."""

    kind: str
    authority: str
    filed_on: date
    source: str = "own"


@dataclass(frozen=True)
class Facts:
    """What the rules look at, for one person on one date."""

    on: date
    # where the person physically was on ``on``, if recorded: "stay" (a shelter stay active
    # that day, which wins) or "offer" (the place where the offer is made to them that day)
    state: str | None = None
    state_source: str = ""
    applications: tuple[Application, ...] = ()
    nationality: str | None = None  # ISO 3166-1 alpha-3, as registered
    # where and when the person registered: the location rule counts the registration point's
    # state only on that day and the version's ``registration_valid_days`` after it
    registered_in: str | None = None
    registered_on: date | None = None


@dataclass(frozen=True)
class Version:
    id: str
    in_force_from: date
    in_force_to: date | None
    parameters: dict = field(default_factory=dict)

    def in_force_on(self, day: date) -> bool:
        return self.in_force_from <= day and (self.in_force_to is None or day <= self.in_force_to)


@dataclass(frozen=True)
class Rule:
    id: str
    title: dict
    citation: str
    keys_on: str
    versions: tuple[Version, ...]

    def version_on(self, day: date) -> Version | None:
        return next((v for v in self.versions if v.in_force_on(day)), None)


@dataclass(frozen=True)
class Policy:
    id: str
    title: dict
    announced_on: date
    source: str
    rules: tuple[Rule, ...]

    @property
    def starts_on(self) -> date:
        return min(v.in_force_from for r in self.rules if r.id == "in_force" for v in r.versions)

    @property
    def ends_on(self) -> date | None:
        """The last day of the last version of ``in_force`` (None: no end in the file)."""
        rule = next(r for r in self.rules if r.id == "in_force")
        return rule.versions[-1].in_force_to

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


@dataclass(frozen=True)
class Outcome:
    rule: str
    status: str
    why: str
    params: dict
    version: str | None


@dataclass(frozen=True)
class Result:
    on: date
    outcomes: tuple[Outcome, ...]

    @property
    def status(self) -> str:
        if all(o.status == PASSED for o in self.outcomes):
            return ELIGIBLE
        return NOT_ELIGIBLE if any(o.status == FAILED for o in self.outcomes) else UNKNOWN

    @property
    def eligible(self) -> bool:
        return self.status == ELIGIBLE

    @property
    def not_passed(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status != PASSED)

    @property
    def versions(self) -> dict[str, str | None]:
        return {o.rule: o.version for o in self.outcomes}


# ---- loading ---------------------------------------------------------------------------------

def _date(value, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(f"{where}: not a date: {value!r}") from exc


def _rule(raw: dict) -> Rule:
    rule_id = raw["id"]
    if raw.get("keys_on") not in KEYS_ON:
        raise ValueError(f"rule {rule_id}: keys_on must be one of {KEYS_ON}")
    if rule_id not in CHECKS:
        raise ValueError(f"rule {rule_id}: the engine has no check for it")
    versions = []
    for v in raw.get("versions") or []:
        start = _date(v["in_force_from"], f"{rule_id} {v.get('version')}")
        end = _date(v["in_force_to"], rule_id) if v.get("in_force_to") else None
        if end and end < start:
            raise ValueError(f"rule {rule_id} {v.get('version')}: ends before it starts")
        versions.append(Version(str(v["version"]), start, end, dict(v.get("parameters") or {})))
    if not versions:
        raise ValueError(f"rule {rule_id}: no versions")
    return Rule(rule_id, dict(raw["title"]), " ".join(str(raw["citation"]).split()),
                raw["keys_on"], tuple(sorted(versions, key=lambda v: v.in_force_from)))


def parse(text: str) -> Policy:
    data = yaml.safe_load(text)
    plan = data["plan"]
    return Policy(plan["id"], dict(plan["title"]), _date(plan["announced_on"], "plan"),
                  " ".join(str(plan["source"]).split()),
                  tuple(_rule(raw) for raw in data["rules"]))


@lru_cache(maxsize=4)
def load(path: Path = RULES_FILE) -> Policy:
    return parse(Path(path).read_text(encoding="utf-8"))


# ---- checks ----------------------------------------------------------------------------------

Check = Callable[[Facts, Version, date | None], tuple[str, str, dict]]


def _in_force(facts: Facts, version: Version, ends: date | None) -> tuple[str, str, dict]:
    if ends is not None and facts.on > ends:
        return FAILED, "ended", {"to": ends}
    return PASSED, "in_force", {"from": version.in_force_from, "to": ends}


def registration_counts(facts: Facts, version: Version) -> bool:
    """Whether the registration point still says where the person is on ``facts.on``: on the
    registration day and the version's ``registration_valid_days`` after it (0 by default)."""
    if facts.registered_on is None or not facts.registered_in:
        return False
    days = int(version.parameters.get("registration_valid_days", 0))
    return facts.registered_on <= facts.on <= facts.registered_on + timedelta(days=days)


def _location(facts: Facts, version: Version, ends: date | None) -> tuple[str, str, dict]:
    states = list(version.parameters.get("states", []))
    state, source = facts.state, facts.state_source
    if state is None and registration_counts(facts, version):
        state, source = facts.registered_in, "registration"
    if state is None:
        params = {"states": states}
        if facts.registered_on is not None:
            params |= {"registered_on": facts.registered_on,
                       "days": int(version.parameters.get("registration_valid_days", 0))}
        return UNKNOWN, "location_unknown", params
    params = {"state": state, "source": source, "states": states}
    folded = {s.casefold() for s in states}
    if state.casefold() in folded:
        return PASSED, "in_state", params
    return FAILED, "not_in_state", params


def _nationality(facts: Facts, version: Version, ends: date | None) -> tuple[str, str, dict]:
    allowed = sorted(str(c).upper() for c in version.parameters.get("nationalities", []))
    if not facts.nationality:
        return UNKNOWN, "nationality_unknown", {"nationalities": allowed}
    params = {"nationality": facts.nationality.upper(), "nationalities": allowed}
    if facts.nationality.upper() in allowed:
        return PASSED, "nationality_covered", params
    return FAILED, "nationality_not_covered", params


def _application(facts: Facts, version: Version, ends: date | None) -> tuple[str, str, dict]:
    kinds = set(version.parameters.get("kinds", []))
    household = bool(version.parameters.get("household_counts", False))
    found = sorted((a for a in facts.applications
                    if a.kind in kinds and a.filed_on <= facts.on
                    and (household or a.source != "household")),
                   key=lambda a: (a.source != "own", a.filed_on))
    if not found:
        return FAILED, "no_application", {"kinds": sorted(kinds)}
    first = found[0]
    return PASSED, "applied", {"kind": first.kind, "authority": first.authority,
                               "filed_on": first.filed_on, "source": first.source}


CHECKS: dict[str, Check] = {"in_force": _in_force, "nationality": _nationality,
                            "location": _location, "application": _application}


def earliest(*days: date | None) -> date | None:
    known = [d for d in days if d is not None]
    return min(known) if known else None


def evaluate(facts: Facts, policy: Policy, *, plan_ends: date | None = None) -> Result:
    """Every rule for ``facts.on``; ``plan_ends`` closes the plan earlier than the file's own
    end (the last ``in_force`` version's ``in_force_to``), never later."""
    plan_ends = earliest(plan_ends, policy.ends_on)
    outcomes = []
    for rule in policy.rules:
        version = rule.version_on(facts.on)
        if version is None:
            first = rule.versions[0].in_force_from
            before = facts.on < first
            status = FAILED if rule.id == "in_force" else UNKNOWN
            why = ("before" if before else "ended") if rule.id == "in_force" else "no_version"
            to = rule.versions[-1].in_force_to
            outcomes.append(Outcome(rule.id, status, why, {"from": first, "to": to}, None))
            continue
        status, why, params = CHECKS[rule.id](facts, version, plan_ends)
        outcomes.append(Outcome(rule.id, status, why, params, version.id))
    return Result(facts.on, tuple(outcomes))
