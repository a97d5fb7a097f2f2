"""The hard placement rules, in one place: pure functions over plain values.

Software never breaks these; a case officer may override one with a recorded reason.

1. ``capacity``: a section never holds more people than its capacity.
2. ``household_together``: a household is placed together: the same shelter, and the same
   section unless no family section of that shelter has room for all of them. (Unaccompanied or
   separated children go to child-safe sections by rule 3 and are not counted here.)
3. ``child_safe``: unaccompanied or separated children (specific need SC) only in child-safe
   sections, and child-safe sections only take them.
4. ``section_kind``: women's sections take women and their children (boys up to a configurable
   age, 12 by default); men's sections take adult men.
5. ``accessible``: people who use a wheelchair only in wheelchair-accessible shelters.

The check-in service and the optimiser's independent checker both call these; nothing here
imports Django, so the messages are built by the callers from ``Violation.rule`` and ``detail``.
"""

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from acogida.core.ages import ADULT_AGE

CAPACITY = "capacity"
HOUSEHOLD_TOGETHER = "household_together"
CHILD_SAFE = "child_safe"
SECTION_KIND = "section_kind"
ACCESSIBLE = "accessible"
RULES = (CAPACITY, HOUSEHOLD_TOGETHER, CHILD_SAFE, SECTION_KIND, ACCESSIBLE)
RULE_NUMBERS = {rule: number for number, rule in enumerate(RULES, start=1)}


DEFAULT_BOY_AGE_LIMIT = 12


@dataclass(frozen=True)
class Occupant:
    """Who is to be placed: only what the rules need."""

    person_id: Hashable
    sex: str  # "female", "male", "other"
    age: int
    unaccompanied_child: bool = False
    wheelchair: bool = False


@dataclass(frozen=True)
class Place:
    """A section as the rules see it."""

    section_id: Hashable
    shelter_id: Hashable
    kind: str  # "family", "women", "men", "child_safe", "mixed"
    capacity: int
    occupied: int = 0
    accessible: bool = False

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.occupied)


@dataclass(frozen=True)
class Violation:
    rule: str
    section_id: Hashable = None
    person_id: Hashable = None
    detail: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def number(self) -> int:
        return RULE_NUMBERS[self.rule]


def capacity(place: Place, incoming: int) -> Violation | None:
    """Rule 1: ``incoming`` more people fit in the section."""
    if place.occupied + incoming > place.capacity:
        return Violation(CAPACITY, place.section_id, detail={
            "capacity": place.capacity, "occupied": place.occupied, "incoming": incoming})
    return None


def person_fits(person: Occupant, place: Place,
                boy_age_limit: int = DEFAULT_BOY_AGE_LIMIT) -> list[Violation]:
    """Rules 3, 4 and 5 for one person in one section."""
    found = []
    if person.unaccompanied_child and place.kind != "child_safe":
        found.append(Violation(CHILD_SAFE, place.section_id, person.person_id,
                               {"reason": "child_outside", "kind": place.kind}))
    elif place.kind == "child_safe" and not person.unaccompanied_child:
        found.append(Violation(CHILD_SAFE, place.section_id, person.person_id,
                               {"reason": "not_a_child", "kind": place.kind}))
    if place.kind == "women" and not (
            person.sex == "female" or person.age <= boy_age_limit):
        found.append(Violation(SECTION_KIND, place.section_id, person.person_id,
                               {"reason": "women", "kind": place.kind,
                                "boy_age_limit": boy_age_limit}))
    if place.kind == "men" and not (person.sex == "male" and person.age >= ADULT_AGE):
        found.append(Violation(SECTION_KIND, place.section_id, person.person_id,
                               {"reason": "men", "kind": place.kind}))
    if person.wheelchair and not place.accessible:
        found.append(Violation(ACCESSIBLE, place.section_id, person.person_id,
                               {"kind": place.kind}))
    return found


def boys_with_their_mothers(placed: Mapping[Hashable, Place], members: Sequence[Occupant],
                            boy_age_limit: int = DEFAULT_BOY_AGE_LIMIT) -> list[Violation]:
    """Rule 4, the household part: a women's section takes women *and their children*, so a
    boy there needs a woman of his own household in the same section. ``placed``: person id →
    where each member is (or will be); ``members``: the household (or the person alone)."""
    found = []
    for member in members:
        where = placed.get(member.person_id)
        if where is None or where.kind != "women" or member.sex == "female" \
                or member.age > boy_age_limit:
            continue
        if not any(other.sex == "female" and other.age >= ADULT_AGE
                   and placed.get(other.person_id) is not None
                   and placed[other.person_id].section_id == where.section_id
                   for other in members):
            found.append(Violation(SECTION_KIND, where.section_id, member.person_id,
                                   {"reason": "boy_alone", "kind": "women",
                                    "boy_age_limit": boy_age_limit}))
    return found


def household_together(placed: Mapping[Hashable, Place], members: Sequence[Occupant],
                       places: Iterable[Place], household_id: Hashable = None
                       ) -> Violation | None:
    """Rule 2 for one household. ``placed``: person id → where that member is (or will be);
    members not in it are not placed yet. ``places``: the sections that could have taken them,
    with the occupancy before this household came."""
    together = [m for m in members if not m.unaccompanied_child]
    where = [placed[m.person_id] for m in together if m.person_id in placed]
    if len(where) < 2:
        return None
    shelters = {p.shelter_id for p in where}
    if len(shelters) > 1:
        return Violation(HOUSEHOLD_TOGETHER, where[0].section_id, detail={
            "reason": "shelters", "household": household_id, "shelters": len(shelters)})
    sections = {p.section_id for p in where}
    if len(sections) == 1:
        return None
    shelter = next(iter(shelters))
    room = [p.section_id for p in places if p.shelter_id == shelter and p.kind == "family"
            and p.free >= len(where)]
    if room:
        return Violation(HOUSEHOLD_TOGETHER, where[0].section_id, detail={
            "reason": "sections", "household": household_id, "family_section": room[0]})
    return None


def check_group(members: Sequence[Occupant], place: Place, *,
                boy_age_limit: int = DEFAULT_BOY_AGE_LIMIT,
                already_placed: Mapping[Hashable, Place] | None = None,
                household: Sequence[Occupant] = (), places: Iterable[Place] = (),
                household_id: Hashable = None) -> list[Violation]:
    """Every rule for people checked in together into one section. ``already_placed``: where
    the rest of their household stays now; ``household``: all its members."""
    found = [v for person in members for v in person_fits(person, place, boy_age_limit)]
    placed = dict(already_placed or {})
    placed.update({m.person_id: place for m in members})
    if not found:
        found += [v for v in boys_with_their_mothers(placed, household or members,
                                                     boy_age_limit)
                  if v.person_id in {m.person_id for m in members}]
    if household and (violation := household_together(placed, household, list(places),
                                                       household_id)):
        found.append(violation)
    if violation := capacity(place, len(members)):
        found.append(violation)
    return found


def check_assignment(assigned: Mapping[Hashable, Hashable], households: Mapping[
        Hashable, Sequence[Occupant]], places: Sequence[Place], *,
        boy_age_limit: int = DEFAULT_BOY_AGE_LIMIT) -> list[Violation]:
    """An independent check of a whole proposal. ``assigned``: person id → section id (people
    left out are unplaced); ``households``: household id → members; ``places``: every section
    with its occupancy before the proposal. A household partly placed breaks rule 2."""
    by_id = {p.section_id: p for p in places}
    found: list[Violation] = []
    incoming = Counter(assigned.values())
    for section_id, count in sorted(incoming.items(), key=lambda kv: str(kv[0])):
        if section_id not in by_id:
            found.append(Violation(CAPACITY, section_id, detail={"reason": "unknown_section"}))
        elif violation := capacity(by_id[section_id], count):
            found.append(violation)
    for household_id, members in households.items():
        placed = {m.person_id: by_id[assigned[m.person_id]] for m in members
                  if assigned.get(m.person_id) in by_id}
        for member in members:
            if member.person_id in placed:
                found.extend(person_fits(member, placed[member.person_id], boy_age_limit))
        found.extend(boys_with_their_mothers(placed, members, boy_age_limit))
        together = [m for m in members if not m.unaccompanied_child]
        if 0 < sum(m.person_id in placed for m in together) < len(together):
            found.append(Violation(HOUSEHOLD_TOGETHER, detail={
                "reason": "partly_placed", "household": household_id}))
        elif violation := household_together(placed, members, places, household_id):
            found.append(violation)
    return found


def by_rule(violations: Iterable[Violation]) -> dict[str, list[Violation]]:
    grouped: dict[str, list[Violation]] = defaultdict(list)
    for violation in violations:
        grouped[violation.rule].append(violation)
    return dict(grouped)
