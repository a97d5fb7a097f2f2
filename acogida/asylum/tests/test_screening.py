"""The screening package's public API: result shape, languages, errors, working days, diffs."""

import bisect
import copy
import random
import shutil
import time
from datetime import date

import pytest

from acogida.asylum.screening import (
    ScreeningInputError,
    add_working_days,
    diff_results,
    facts_schema,
    load_policies,
    policies_table,
    screen,
    working_days_between,
)
from acogida.asylum.screening.case import case_from_facts
from acogida.asylum.screening.engine import compact, evaluate
from acogida.asylum.screening.facts import parse_facts
from acogida.asylum.screening.policies import PATHWAYS

EXAMPLE = {
    "as_of": "2019-02-01",
    "jurisdictions": ["UNHCR", "MX", "US"],
    "claimant": {"nationality": "HND", "date_of_birth": "1990-05-01",
                 "unaccompanied_minor": False},
    "journey": {"entries": [{"country": "MEX", "date": "2018-10-19", "manner": "port_of_entry"},
                            {"country": "USA", "date": "2018-11-25", "manner": "between_ports"}],
                "protection_sought": [{"country": "MEX", "date": "2018-10-25",
                                       "outcome": "pending"}]},
    "filings": [{"jurisdiction": "US", "date": "2019-02-01"}],
    "harms": [{"kind": "domestic_violence", "actor": "non_state",
               "grounds": ["particular_social_group"], "past": True, "feared": True,
               "state_protection_available": False, "internal_relocation_reasonable": False,
               "torture_risk": False}],
    "exclusion": {"serious_nonpolitical_crime": False, "persecutor_of_others": False,
                  "war_crimes": False, "acts_contrary_un": False,
                  "particularly_serious_crime_conviction": False, "security_danger": False,
                  "terrorism": False, "firmly_resettled": False},
    "late_filing_reason": None,
}


def test_result_has_the_issue_shape():
    r = screen(EXAMPLE)
    assert r["as_of"] == "2019-02-01"
    assert "not a legal determination" in r["disclaimer"]
    us = r["results"]["US"]
    assert us["right_to_be_heard"] == {"value": True,
                                       "citation": "INA 208(a)(1), 8 USC 1158(a)(1)"}
    assert [p["pathway"] for p in us["pathways"]] == list(PATHWAYS["US"])
    asylum = us["pathways"][0]
    assert asylum["assessment"] == "unlikely"
    ab = next(x for x in asylum["reasons"] if x["rule"] == "us.matter_of_a_b")
    assert ab["citation"] == "27 I&N Dec. 316 (A.G. 2018)"
    assert (ab["in_force_from"], ab["in_force_to"], ab["keyed_on"]) == (
        "2018-06-11", "2021-06-15", "as_of")
    assert {"rule": "us.one_year_deadline", "status": "met", "deadline": "2019-11-25"}.items() \
        <= us["procedural"][0].items()
    assert us["missing_facts"] == []
    assert "us.matter_of_a_b@2018-06-11" in r["policies_applied"]
    assert list(r["results"]) == ["UNHCR", "MX", "US"]
    assert [p["pathway"] for p in r["results"]["MX"]["pathways"]] == list(PATHWAYS["MX"])


def test_spanish_output():
    en, es = screen(EXAMPLE), screen(EXAMPLE, lang="es")
    assert "determinación jurídica" in es["disclaimer"]
    reason_en = en["results"]["US"]["pathways"][0]["reasons"][-1]
    reason_es = es["results"]["US"]["pathways"][0]["reasons"][-1]
    assert reason_en["rule"] == reason_es["rule"] and reason_en["text"] != reason_es["text"]
    assert "violencia doméstica" in reason_es["text"]
    with pytest.raises(ValueError):
        screen(EXAMPLE, lang="fr")


def test_every_policy_text_exists_in_both_languages():
    for p in load_policies():
        assert p.title.en and p.title.es
        for v in p.versions:
            assert v.text.en.strip() and v.text.es.strip(), v.tag
            assert v.citation
    assert len(policies_table("es")) == sum(len(p.versions) for p in load_policies())


def test_missing_fact_is_never_assumed():
    facts = copy.deepcopy(EXAMPLE)
    facts["as_of"] = "2019-10-01"
    facts["filings"] = []
    facts["journey"]["entries"] = facts["journey"]["entries"][:1]  # not in the USA yet
    facts["harms"][0].update(kind="political_persecution", actor="state",
                             grounds=["political_opinion"])
    us = screen(facts)["results"]["US"]
    assert us["pathways"][0]["assessment"] == "possible"
    assert {"field": "journey.entries[USA].date", "text": "entry date to the USA"} \
        in us["missing_facts"]
    es = screen(facts, lang="es")["results"]["US"]["missing_facts"]
    assert {"field": "journey.entries[USA].date", "text": "fecha de entrada a EE. UU."} in es


def test_input_errors_carry_json_paths():
    facts = copy.deepcopy(EXAMPLE)
    facts["harms"][0]["kind"] = "boredom"
    facts["jurisdictions"] = ["US", "ZZ"]
    facts["filings"] = [{"jurisdiction": "US", "date": "2018-01-01"}]
    with pytest.raises(ScreeningInputError) as exc:
        screen(facts)
    paths = [p for p, _ in exc.value.errors]
    assert "harms[0].kind" in paths and "jurisdictions[1]" in paths
    body = exc.value.as_response()
    assert body["detail"] and {"field", "message"} == set(body["errors"][0])
    # cross-field checks run once the shapes are valid
    facts = copy.deepcopy(EXAMPLE)
    facts["filings"] = [{"jurisdiction": "US", "date": "2018-01-01"}]
    with pytest.raises(ScreeningInputError) as exc:
        screen(facts)
    assert exc.value.errors == [("filings[0].date", "filing before entry to USA")]


def test_facts_schema_is_json_schema_of_the_facts():
    schema = facts_schema()
    assert {"as_of", "jurisdictions", "claimant", "journey", "harms"} <= set(schema["required"])
    kinds = schema["$defs"]["Harm"]["properties"]["kind"]["enum"]
    assert "gang_recruitment_refusal" in kinds and len(kinds) == 19


@pytest.mark.parametrize(("start", "n", "expected"), [
    (date(2018, 10, 19), 30, date(2018, 12, 3)),    # skips Revolution Day (19 Nov 2018)
    (date(2018, 11, 16), 1, date(2018, 11, 20)),    # Fri -> Mon is a holiday -> Tue
    (date(2018, 12, 22), 1, date(2018, 12, 24)),    # from a Saturday
    (date(2018, 12, 24), 1, date(2018, 12, 26)),    # Christmas skipped
    (date(2024, 9, 30), 1, date(2024, 10, 2)),      # 1 Oct 2024: change of federal executive
    (date(2018, 10, 25), 45, date(2018, 12, 31)),
    (date(2018, 12, 3), -30, date(2018, 10, 19)),
    (date(2018, 12, 3), 0, date(2018, 12, 3)),
])
def test_add_working_days_mx(start, n, expected):
    assert add_working_days(start, n, country="MX") == expected


def test_working_days_between():
    assert working_days_between(date(2018, 11, 16), date(2018, 12, 3)) == 10
    assert working_days_between(date(2018, 12, 3), date(2018, 11, 16)) == -10


def test_diff_results_shows_a_policy_change():
    facts = copy.deepcopy(EXAMPLE)
    facts["jurisdictions"] = ["US"]
    facts["journey"]["entries"][1]["manner"] = "port_of_entry"
    before = screen({**facts, "as_of": "2021-06-15"})
    after = screen({**facts, "as_of": "2021-06-16"})
    d = diff_results(before, after)
    assert d["changed"]
    assert d["policies_added"] == ["us.matter_of_a_b@2021-06-16"]
    assert d["policies_removed"] == ["us.matter_of_a_b@2018-06-11"]
    asylum = next(a for a in d["assessments"] if a["pathway"] == "asylum")
    assert (asylum["old"], asylum["new"]) == ("unlikely", "likely")
    assert diff_results(after, after)["changed"] is False


def test_a_new_policy_is_a_file_not_an_engine_change(tmp_path):
    from acogida.asylum.screening import policies as pol

    folder = tmp_path / "policies"
    shutil.copytree(pol.POLICY_DIR, folder)
    (folder / "us.test_new_bar.yaml").write_text("""
id: us.test_new_bar
jurisdictions: [US]
title: {en: "Test bar", es: "Impedimento de prueba"}
citation: "Test 1"
keyed_on: entry
versions:
  - in_force_from: 2018-11-01
    text: {en: "Entries from Mexico are barred.", es: "Las entradas desde México están impedidas."}
    effects:
      - {type: limit, pathways: [asylum], when: {arrived_from: [MEX]}, assessment: barred}
""", encoding="utf-8")
    case = case_from_facts(parse_facts(EXAMPLE))
    old = compact(evaluate(case))
    new = compact(evaluate(case, str(folder)))
    assert dict(old[2][1])["asylum"] == "unlikely"
    assert dict(new[2][1])["asylum"] == "barred"
    assert "us.test_new_bar@2018-11-01" in new[2][4]


def test_bad_policy_file_is_rejected(tmp_path):
    from acogida.asylum.screening.policies import read_policy_file

    bad = tmp_path / "us.bad.yaml"
    bad.write_text("id: us.bad\njurisdictions: [US]\ntitle: {en: a, es: b}\ncitation: c\n"
                   "keyed_on: entry\nversions:\n  - in_force_from: 2020-01-01\n"
                   "    text: {en: a, es: b}\n    effects: [{type: explode}]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="us.bad.yaml"):
        read_policy_file(bad)


@pytest.mark.parametrize(("path", "value"), [
    ("harms", EXAMPLE["harms"] * 51),
    ("journey.entries", [{"country": "MEX", "date": None}] * 31),
    ("journey.protection_sought", [{"country": "MEX", "date": "2018-10-25",
                                    "outcome": "pending"}] * 21),
    ("filings", [{"jurisdiction": "US", "date": "2019-02-01"}] * 11),
    ("jurisdictions", ["UNHCR", "MX", "US", "US"]),
])
def test_lists_are_bounded(path, value):
    facts = copy.deepcopy(EXAMPLE)
    target = facts
    *parents, leaf = path.split(".")
    for p in parents:
        target = target[p]
    target[leaf] = value
    with pytest.raises(ScreeningInputError) as exc:
        screen(facts)
    assert path in [p for p, _ in exc.value.errors]


def test_duplicate_jurisdictions_are_rejected():
    with pytest.raises(ScreeningInputError) as exc:
        screen({**EXAMPLE, "jurisdictions": ["US", "US"]})
    assert exc.value.errors == [("jurisdictions", "a jurisdiction is listed twice")]


def test_the_largest_case_screens_quickly():
    facts = copy.deepcopy(EXAMPLE)
    harm = dict(facts["harms"][0], state_protection_available=None,
                internal_relocation_reasonable=None, torture_risk=None)
    facts["harms"] = [harm] * 50
    facts["journey"]["entries"] = ([{"country": "GTM", "date": "2018-10-01"}] * 28
                                   + facts["journey"]["entries"])
    screen(facts)
    t0 = time.perf_counter()
    us = screen(facts)["results"]["US"]
    assert time.perf_counter() - t0 < 0.25
    fields = [m["field"] for m in us["missing_facts"]]
    assert len(fields) == len(set(fields)) and "harms[49].torture_risk" in fields


def test_late_filing_reason_none_is_in_the_schema():
    late = facts_schema()["properties"]["late_filing_reason"]
    assert "none" in str(late) and "not known" in late["description"]


def test_warm_up_builds_the_calendar_lazily_by_decade():
    from acogida.asylum.screening import warm_up
    from acogida.asylum.screening.workdays import calendar, decade_days

    warm_up()
    warm_up()  # idempotent
    assert decade_days("MX", date.today().year // 10)
    full = calendar("MX")  # the whole span, decade by decade, agrees with the lazy look-ups
    rng = random.Random(5)
    for _ in range(300):
        o = rng.randrange(date(1900, 3, 1).toordinal(), date(2099, 10, 1).toordinal())
        d, n = date.fromordinal(o), rng.choice([1, 15, 30, 45, -30])
        i = bisect.bisect_right(full, o) + n - 1 if n > 0 else bisect.bisect_left(full, o) + n
        assert add_working_days(d, n) == date.fromordinal(full[i])
        e = date.fromordinal(o + rng.randrange(-400, 400))
        assert working_days_between(d, e) == (bisect.bisect_right(full, e.toordinal())
                                              - bisect.bisect_right(full, o))


def test_matter_of_a_b_keeps_the_best_uncovered_harm():
    facts = copy.deepcopy(EXAMPLE)
    facts["jurisdictions"] = ["US"]
    facts["journey"]["entries"][1]["manner"] = "port_of_entry"
    facts["harms"].append({"kind": "political_persecution", "actor": "state",
                           "grounds": ["political_opinion"], "past": True, "feared": False})
    asylum = screen(facts)["results"]["US"]["pathways"][0]
    assert asylum["assessment"] == "possible"
    ab = next(x for x in asylum["reasons"] if x["rule"] == "us.matter_of_a_b")
    assert ab["effect"] == "possible"
