"""The hard rules alone: plain values in, violations out."""

from acogida.shelter import rules
from acogida.shelter.rules import Occupant, Place

FAMILY = Place("fam", "s1", "family", 10, 0, accessible=False)
WOMEN = Place("wom", "s1", "women", 10, 0)
MEN = Place("men", "s1", "men", 10, 0)
CHILD = Place("kid", "s1", "child_safe", 4, 0)
OTHER_SHELTER = Place("fam2", "s2", "family", 10, 0, accessible=True)

woman = Occupant(1, "female", 30)
man = Occupant(2, "male", 35)
boy9 = Occupant(3, "male", 9)
boy14 = Occupant(4, "male", 14)
sc = Occupant(5, "male", 15, unaccompanied_child=True)
wheels = Occupant(6, "female", 60, wheelchair=True)


def rules_of(found):
    return sorted(v.rule for v in found)


def test_capacity():
    assert rules.capacity(Place("a", 1, "mixed", 3, 2), 1) is None
    violation = rules.capacity(Place("a", 1, "mixed", 3, 2), 2)
    assert violation.rule == "capacity" and violation.number == 1
    assert violation.detail == {"capacity": 3, "occupied": 2, "incoming": 2}


def test_unaccompanied_children_only_in_child_safe_and_only_they():
    assert rules_of(rules.person_fits(sc, FAMILY)) == ["child_safe"]
    assert rules_of(rules.person_fits(sc, CHILD)) == []
    assert rules_of(rules.person_fits(woman, CHILD)) == ["child_safe"]


def test_women_and_men_sections():
    assert rules.person_fits(woman, WOMEN) == []
    assert rules.person_fits(boy9, WOMEN) == []
    assert rules_of(rules.person_fits(boy14, WOMEN)) == ["section_kind"]
    assert rules.person_fits(boy14, WOMEN, boy_age_limit=14) == []
    assert rules_of(rules.person_fits(man, WOMEN)) == ["section_kind"]
    assert rules.person_fits(man, MEN) == []
    assert rules_of(rules.person_fits(woman, MEN)) == ["section_kind"]
    assert rules_of(rules.person_fits(boy14, MEN)) == ["section_kind"]
    assert rules_of(rules.person_fits(Occupant(9, "other", 30), MEN)) == ["section_kind"]


def test_wheelchair_needs_an_accessible_shelter():
    assert rules_of(rules.person_fits(wheels, FAMILY)) == ["accessible"]
    assert rules.person_fits(wheels, OTHER_SHELTER) == []


def test_household_together():
    family = [woman, man, boy9]
    same = {1: FAMILY, 2: FAMILY, 3: FAMILY}
    assert rules.household_together(same, family, [FAMILY, WOMEN, MEN]) is None
    split = {1: WOMEN, 2: MEN, 3: WOMEN}
    violation = rules.household_together(split, family, [FAMILY, WOMEN, MEN], "H1")
    assert violation.rule == "household_together" and violation.detail["reason"] == "sections"
    # no family section with room: splitting within the shelter is allowed
    full = Place("fam", "s1", "family", 10, 9)
    assert rules.household_together(split, family, [full, WOMEN, MEN]) is None
    apart = {1: FAMILY, 2: OTHER_SHELTER, 3: FAMILY}
    assert rules.household_together(apart, family, []).detail["reason"] == "shelters"
    # an unaccompanied child in the household goes to the child-safe section, not counted
    assert rules.household_together({1: FAMILY, 5: CHILD}, [woman, sc], [FAMILY]) is None


def test_check_group_reports_every_rule_broken():
    found = rules.check_group([sc, man], Place("w", "s1", "women", 1, 1))
    assert set(rules_of(found)) == {"capacity", "child_safe", "section_kind"}


def test_check_assignment_is_an_independent_checker():
    households = {"H1": [woman, man, boy9], "H2": [sc], "H3": [wheels]}
    places = [FAMILY, WOMEN, MEN, CHILD, OTHER_SHELTER]
    good = {1: "fam", 2: "fam", 3: "fam", 5: "kid", 6: "fam2"}
    assert rules.check_assignment(good, households, places) == []
    bad = {1: "fam", 2: "fam", 5: "fam", 6: "fam"}  # boy9 left out, sc and wheels misplaced
    assert rules_of(rules.check_assignment(bad, households, places)) == [
        "accessible", "child_safe", "household_together"]
    crowded = {1: "kid", 2: "kid", 3: "kid", 5: "kid", 6: "kid"}
    assert "capacity" in rules_of(rules.check_assignment(crowded, households, places))
