"""The rules as data: the pure engine, and the facts read from the database."""

from datetime import date

import pytest

from acogida import testing
from acogida.plan import eligibility, services
from acogida.plan.eligibility import Application
from acogida.shelter.tests.factories import check_in, make_shelter

from . import factories as f

POLICY = eligibility.load()


def Facts(*args, nationality="HND", **kwargs):  # noqa: N802 - the engine's Facts, Honduran
    return eligibility.Facts(*args, nationality=nationality, **kwargs)

APPLIED = (Application("refugee_status", "COMAR", date(2018, 10, 22)),)


def outcome(result, rule):
    return next(o for o in result.outcomes if o.rule == rule)


def test_the_rules_file_names_its_source_and_versions():
    assert [r.id for r in POLICY.rules] == ["in_force", "nationality", "location",
                                            "application"]
    assert POLICY.starts_on == date(2018, 10, 26)
    for rule in POLICY.rules:
        assert "26 Oct 2018" in rule.citation or "26 Oct" in POLICY.source
        assert rule.title["es"] and rule.title["en"]
        assert rule.versions[0].in_force_from == date(2018, 10, 26)


def test_the_day_before_the_announcement_is_not_in_the_plan():
    before = eligibility.evaluate(Facts(date(2018, 10, 25), "Chiapas", "registration", APPLIED),
                                  POLICY)
    on = eligibility.evaluate(Facts(date(2018, 10, 26), "Chiapas", "registration", APPLIED),
                              POLICY)
    assert before.status == "not_eligible"
    assert outcome(before, "in_force").status == "failed"
    assert outcome(before, "in_force").why == "before"
    assert on.status == "eligible"
    assert on.versions == {"in_force": "2018-10-26", "nationality": "2018-10-26",
                           "location": "2018-10-26", "application": "2018-10-26"}


def test_an_end_date_override_closes_the_plan():
    facts = Facts(date(2018, 12, 2), "Oaxaca", "stay", APPLIED)
    assert eligibility.evaluate(facts, POLICY).eligible
    ended = eligibility.evaluate(facts, POLICY, plan_ends=date(2018, 12, 1))
    assert outcome(ended, "in_force").status == "failed"
    assert outcome(ended, "in_force").why == "ended"
    assert eligibility.evaluate(facts, POLICY, plan_ends=date(2018, 12, 2)).eligible


def test_outside_chiapas_and_oaxaca_fails_and_an_unknown_place_is_unknown():
    away = eligibility.evaluate(Facts(date(2018, 11, 6), "Ciudad de México", "stay", APPLIED),
                                POLICY)
    assert outcome(away, "location").status == "failed"
    unknown = eligibility.evaluate(Facts(date(2018, 11, 6), None, "", APPLIED), POLICY)
    assert unknown.status == "unknown"


def test_an_application_counts_from_the_day_it_was_filed():
    late = (Application("regular_entry", "INM", date(2018, 10, 30)),)
    assert not eligibility.evaluate(Facts(date(2018, 10, 29), "Oaxaca", "stay", late),
                                    POLICY).eligible
    assert eligibility.evaluate(Facts(date(2018, 10, 30), "Oaxaca", "stay", late),
                                POLICY).eligible
    none = eligibility.evaluate(Facts(date(2018, 10, 30), "Oaxaca", "stay", ()), POLICY)
    assert [o.rule for o in none.not_passed] == ["application"]


def test_a_dated_new_version_applies_from_its_day():
    text = eligibility.RULES_FILE.read_text().replace(
        "          states: [Chiapas, Oaxaca]",
        "          states: [Chiapas, Oaxaca]\n"
        "      - version: \"2018-11-15\"\n        in_force_from: 2018-11-15\n"
        "        parameters:\n          states: [Chiapas, Oaxaca, Baja California]", 1)
    text = text.replace("        in_force_from: 2018-10-26\n        in_force_to: null\n"
                        "        parameters:\n          states",
                        "        in_force_from: 2018-10-26\n        in_force_to: 2018-11-14\n"
                        "        parameters:\n          states", 1)
    policy = eligibility.parse(text)
    tijuana = (date(2018, 11, 14), date(2018, 11, 15))
    results = [eligibility.evaluate(Facts(d, "Baja California", "stay", APPLIED), policy)
               for d in tijuana]
    assert [r.eligible for r in results] == [False, True]
    assert outcome(results[1], "location").version == "2018-11-15"


def test_a_broken_rules_file_is_refused():
    with pytest.raises(ValueError):
        eligibility.parse(eligibility.RULES_FILE.read_text().replace("keys_on: asked_on",
                                                                     "keys_on: x"))


# ---- the facts, from the database ------------------------------------------------------------

def _result(person, on, place_state=None):
    return services.evaluate(type(person).objects.filter(pk=person.pk), on,
                             place_state=place_state)[person.pk]


def test_registered_in_chiapas_with_an_application(db):
    person = f.eligible_person()
    assert _result(person, date(2018, 10, 26)).eligible
    assert not _result(person, date(2018, 10, 25)).eligible


def test_without_an_application_the_person_is_not_eligible(db):
    person = f.person_in()
    result = _result(person, date(2018, 10, 26))
    assert [o.rule for o in result.not_passed] == ["application"]


def test_registered_after_the_date_the_place_is_unknown(db):
    person = f.person_in(on=date(2018, 10, 28))
    f.apply(person, filed_on=date(2018, 10, 24))
    assert _result(person, date(2018, 10, 27)).status == "unknown"
    assert _result(person, date(2018, 10, 28)).eligible


def test_a_shelter_stay_outside_the_plan_states_wins_over_the_point(db, settings):
    today = date.today()
    person = f.eligible_person(sex="male", given_names="Carlos", date_of_birth="1980-01-01",
                               on=today)
    assert _result(person, today).eligible  # registered in Chiapas today, no stay
    _shelter, sections = make_shelter()  # Ciudad de México
    check_in(sections["Hombres"], person=person)
    result = _result(person, today)
    assert outcome(result, "location").status == "failed"
    assert outcome(result, "location").params["source"] == "stay"


def test_a_shelter_stay_in_oaxaca_wins_over_a_point_elsewhere(db):
    person = f.person_in("TIJ", "Baja California", sex="male", given_names="Carlos",
                         date_of_birth="1980-01-01")
    f.apply(person)
    today = date.today()
    assert not _result(person, today).eligible
    _shelter, sections = make_shelter("Albergue de Juchitán", state="Oaxaca")
    check_in(sections["Hombres"], person=person)
    assert _result(person, today).eligible


def test_a_household_members_application_covers_the_household(db):
    household = f.household_in()
    members = [m.person for m in household.members.order_by("id")]
    f.apply(members[0])
    child = _result(members[2], date(2018, 10, 26))
    assert child.eligible
    assert outcome(child, "application").params["source"] == "household"


def test_the_end_date_setting_closes_the_plan(db, settings):
    person = f.eligible_person()
    settings.ACOGIDA_PLAN_ENDS = "2018-12-01"
    assert _result(person, date(2018, 12, 1), "Chiapas").eligible
    assert not _result(person, date(2018, 12, 2), "Chiapas").eligible


def test_another_app_can_add_applications_through_the_seam(db, monkeypatch):
    from acogida.plan import facts

    person = f.person_in()
    assert not _result(person, date(2018, 10, 26)).eligible

    def claims(people, on):
        return {p: [Application("refugee_status", "COMAR", date(2018, 10, 21), "asylum")]
                for p in people.values_list("pk", flat=True)}

    monkeypatch.setattr(facts, "APPLICATION_SOURCES", [*facts.APPLICATION_SOURCES, claims])
    assert _result(person, date(2018, 10, 26)).eligible
    assert testing  # the factories module is used through f
