"""The pure bulk assignment: nearest first, seats used up, siblings together, reach."""

import pytest

from acogida.schooling import assignment as a

SHELTER = a.Place(19.4036, -99.0930, "Iztacalco")


def school(id_, km_north: float, free: dict[int, int], level: str = "primaria",
           municipality: str = "Iztacalco") -> a.School:
    """A school about ``km_north`` km north of the shelter."""
    lat = None if km_north is None else SHELTER.latitude + km_north / 111.2
    lon = None if km_north is None else SHELTER.longitude
    return a.School(id_, level, lat, lon, municipality, dict(free))


def kid(id_, family: str, grade: int = 3, level: str = "primaria") -> a.Child:
    return a.Child(id_, family, level, grade)


def test_distance_is_great_circle_km():
    assert a.distance_km(19.4036, -99.0930, 19.4036 + 1 / 111.2, -99.0930) == \
        pytest.approx(1.0, abs=0.01)
    assert a.distance_km(None, 1, 2, 3) is None


def test_nearest_school_with_a_free_seat_first():
    near, far = school(1, 1.0, {3: 1}), school(2, 5.0, {3: 5})
    lines = a.assign([kid(10, "h1"), kid(11, "h2"), kid(12, "h3")], [far, near], SHELTER)
    assert [(line.school, line.outcome) for line in lines] == [
        (1, a.ENROL), (2, a.ENROL), (2, a.ENROL)]
    assert lines[0].reason == a.NEAREST_WITH_SEATS
    assert round(lines[0].distance_km, 1) == 1.0
    assert near.free == {3: 0} and far.free == {3: 3}  # seats used up


def test_capacity_full_everywhere_waitlists_at_the_nearest():
    near, far = school(1, 1.0, {3: 1}), school(2, 5.0, {3: 0})
    lines = a.assign([kid(10, "h1"), kid(11, "h2")], [near, far], SHELTER)
    assert (lines[0].outcome, lines[0].school) == (a.ENROL, 1)
    assert (lines[1].outcome, lines[1].school, lines[1].reason) == (a.WAITLIST, 1,
                                                                     a.NEAREST_FULL)


def test_siblings_go_together_to_the_nearest_school_with_seats_for_all():
    # the nearest has one seat in grade 3: not enough for the two siblings in grade 3
    near = school(1, 1.0, {3: 1, 5: 1})
    far = school(2, 4.0, {3: 2, 5: 1})
    siblings = [kid(10, "h1", 3), kid(11, "h1", 3), kid(12, "h1", 5)]
    lines = a.assign(siblings + [kid(13, "h2", 3)], [near, far], SHELTER)
    assert {line.school for line in lines[:3]} == {2}
    assert all(line.siblings == 2 for line in lines[:3])
    assert (lines[3].school, lines[3].outcome) == (1, a.ENROL)  # the one seat left nearby


def test_siblings_without_room_anywhere_stay_together_at_the_nearest():
    near, far = school(1, 1.0, {3: 1}), school(2, 4.0, {3: 1})
    lines = a.assign([kid(10, "h1"), kid(11, "h1")], [near, far], SHELTER)
    assert [(line.school, line.outcome) for line in lines] == [(1, a.ENROL), (1, a.WAITLIST)]
    assert lines[0].reason == a.NEAREST_FULL_PARTLY


def test_siblings_of_different_levels_each_get_their_level():
    primaria = school(1, 1.0, {3: 1})
    secundaria = school(2, 2.0, {1: 1}, level="secundaria")
    lines = a.assign([kid(10, "h1", 3), kid(11, "h1", 1, "secundaria")],
                     [primaria, secundaria], SHELTER)
    assert [(line.school, line.outcome) for line in lines] == [(1, a.ENROL), (2, a.ENROL)]


def test_out_of_reach_or_no_school_of_the_level_is_reported():
    far_away = school(1, 500.0, {3: 9})
    lines = a.assign([kid(10, "h1"), kid(11, "h2", 1, "preescolar")], [far_away], SHELTER)
    assert [(line.outcome, line.school, line.reason) for line in lines] == [
        (a.NO_SCHOOL, None, a.NO_SCHOOL_OF_LEVEL), (a.NO_SCHOOL, None, a.NO_SCHOOL_OF_LEVEL)]
    assert far_away.free == {3: 9}


def test_unknown_coordinates_count_in_the_same_municipality_after_known_ones():
    unknown_here = school(1, None, {3: 5})
    unknown_elsewhere = school(2, None, {3: 5}, municipality="Tijuana")
    known = school(3, 10.0, {3: 1})
    lines = a.assign([kid(10, "h1"), kid(11, "h2")], [unknown_here, unknown_elsewhere, known],
                     SHELTER)
    assert [line.school for line in lines] == [3, 1]
    assert lines[1].distance_km is None


def test_lines_keep_the_order_of_the_children_and_are_deterministic():
    schools = lambda: [school(1, 1.0, {3: 1}), school(2, 2.0, {3: 1})]  # noqa: E731
    children = [kid(i, f"h{i % 3}") for i in range(10, 16)]
    first = a.assign(children, schools(), SHELTER)
    assert [line.child for line in first] == [c.id for c in children]
    assert first == a.assign(children, schools(), SHELTER)
