"""Bulk enrolment: which school for each child of a shelter. Pure: no Django.

The rule, in order:

1. Siblings (children of one household) of the same level go to the same school: a school
   teaches one level, so siblings of different levels are placed level by level.
2. Among the schools of the level within reach (``max_km`` from the shelter; a school or a
   shelter without coordinates is within reach only in the same municipality), the nearest one
   with a free seat in every sibling's grade takes them.
3. If no school within reach has seats for all of them, they are kept together at the nearest
   school of the level: each child with a free seat there is enrolled, the others wait there
   (in order of request, like any waiting child).
4. No school of the level within reach: the child is reported, not placed.

Households are served in the order given (the caller gives them in a stable order), and each
placement uses up the seats it takes, so later households see what is left.
"""

import math
from dataclasses import dataclass, field

ENROL = "enrol"
WAITLIST = "waitlist"
NO_SCHOOL = "no_school"

# why, as a code the caller turns into words
NEAREST_WITH_SEATS = "nearest_with_seats"
NEAREST_FULL = "nearest_full"  # kept with siblings at the nearest school, waiting for a seat
NEAREST_FULL_PARTLY = "nearest_full_partly"  # a seat for this child, not for every sibling
NO_SCHOOL_OF_LEVEL = "no_school_of_level"

DEFAULT_MAX_KM = 30.0
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Child:
    id: int
    family: str  # the household; a child registered alone is a family of one
    level: str
    grade: int


@dataclass(frozen=True)
class Place:
    """Where the children are now (the shelter)."""

    latitude: float | None
    longitude: float | None
    municipality: str = ""


@dataclass
class School:
    id: int
    level: str
    latitude: float | None
    longitude: float | None
    municipality: str = ""
    free: dict[int, int] = field(default_factory=dict)  # grade -> free seats


@dataclass(frozen=True)
class Line:
    child: int
    family: str
    level: str
    grade: int
    outcome: str  # ENROL, WAITLIST or NO_SCHOOL
    school: int | None
    distance_km: float | None
    reason: str
    siblings: int  # siblings of the same level placed with this child (not counting them)


def distance_km(a_lat: float | None, a_lon: float | None, b_lat: float | None,
                b_lon: float | None) -> float | None:
    """Great-circle distance (haversine), or None when a coordinate is missing."""
    if None in (a_lat, a_lon, b_lat, b_lon):
        return None
    p1, p2 = math.radians(a_lat), math.radians(b_lat)
    dp, dl = p2 - p1, math.radians(b_lon - a_lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _reachable(origin: Place, schools: list[School], level: str,
               max_km: float) -> list[tuple[float | None, School]]:
    """The schools of ``level`` within reach, nearest first (ties by id)."""
    found = []
    for school in schools:
        if school.level != level:
            continue
        km = distance_km(origin.latitude, origin.longitude, school.latitude, school.longitude)
        if km is None:
            if origin.municipality and school.municipality == origin.municipality:
                found.append((None, school))
        elif km <= max_km:
            found.append((km, school))
    # known distances first, nearest first; unknown distances (same municipality) after
    return sorted(found, key=lambda pair: (pair[0] is None, pair[0] or 0.0, pair[1].id))


def _fits(school: School, children: list[Child]) -> bool:
    needed: dict[int, int] = {}
    for child in children:
        needed[child.grade] = needed.get(child.grade, 0) + 1
    return all(school.free.get(grade, 0) >= n for grade, n in needed.items())


def assign(children: list[Child], schools: list[School], origin: Place, *,
           max_km: float = DEFAULT_MAX_KM) -> list[Line]:
    """One line per child, in the order of the children given. ``schools[*].free`` is used up
    as seats are given (pass copies to keep the originals)."""
    groups: dict[tuple[str, str], list[Child]] = {}
    for child in children:
        groups.setdefault((child.family, child.level), []).append(child)
    lines: dict[int, Line] = {}
    for (family, level), group in groups.items():
        reachable = _reachable(origin, schools, level, max_km)
        siblings = len(group) - 1
        if not reachable:
            for child in group:
                lines[child.id] = Line(child.id, family, level, child.grade, NO_SCHOOL, None,
                                       None, NO_SCHOOL_OF_LEVEL, siblings)
            continue
        chosen = next(((km, s) for km, s in reachable if _fits(s, group)), None)
        if chosen is not None:
            km, school = chosen
            for child in group:
                school.free[child.grade] -= 1
                lines[child.id] = Line(child.id, family, level, child.grade, ENROL, school.id,
                                       km, NEAREST_WITH_SEATS, siblings)
            continue
        km, school = reachable[0]  # no room for all: together at the nearest, some waiting
        for child in group:
            if school.free.get(child.grade, 0) > 0:
                school.free[child.grade] -= 1
                lines[child.id] = Line(child.id, family, level, child.grade, ENROL, school.id,
                                       km, NEAREST_FULL_PARTLY, siblings)
            else:
                lines[child.id] = Line(child.id, family, level, child.grade, WAITLIST,
                                       school.id, km, NEAREST_FULL, siblings)
    return [lines[child.id] for child in children]
