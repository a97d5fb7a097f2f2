"""The review's findings on the plan: small cells, audited member names, bad input as 422 (never a
500), where a person is on a date, nationality, the plan's end, households on a date, PET
dates."""

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.core.errors import InvalidInput
from acogida.plan import conf, eligibility, places, services, stats
from acogida.plan.eligibility import Application, Facts
from acogida.registry.models import HouseholdMember, Person
from acogida.shelter.tests.factories import make_shelter

from . import factories as f

pytestmark = pytest.mark.django_db

POLICY = eligibility.load()
APPLIED = (Application("refugee_status", "COMAR", date(2018, 10, 22)),)


def outcome(result, rule):
    return next(o for o in result.outcomes if o.rule == rule)


# ---- the pure engine -------------------------------------------------------------------------

@pytest.mark.parametrize("nationality,status", [("MEX", "failed"), ("HND", "passed"),
                                                ("gtm", "passed"), (None, "unknown")])
def test_the_nationality_rule(nationality, status):
    result = eligibility.evaluate(Facts(date(2018, 10, 26), "Chiapas", "stay", APPLIED,
                                        nationality=nationality), POLICY)
    assert outcome(result, "nationality").status == status
    assert result.eligible is (status == "passed")


def test_the_registration_point_counts_only_a_few_days():
    facts = dict(applications=APPLIED, nationality="HND", registered_in="Chiapas",
                 registered_on=date(2018, 10, 27))
    days = {date(2018, 10, 27): "passed", date(2018, 10, 30): "passed",
            date(2018, 10, 31): "unknown", date(2018, 11, 20): "unknown"}
    for day, status in days.items():
        result = eligibility.evaluate(Facts(day, **facts), POLICY)
        assert outcome(result, "location").status == status, day
    # in Mexico City on 20 Nov: a stay there says so, whatever the registration said
    away = eligibility.evaluate(Facts(date(2018, 11, 20), "Ciudad de México", "stay",
                                      **facts), POLICY)
    assert outcome(away, "location").status == "failed"


def test_the_rules_files_own_end_closes_the_plan_and_is_reported():
    text = eligibility.RULES_FILE.read_text().replace(
        "        in_force_from: 2018-10-26\n        in_force_to: null\n        parameters: {}",
        "        in_force_from: 2018-10-26\n        in_force_to: 2018-12-31\n"
        "        parameters: {}", 1)
    policy = eligibility.parse(text)
    assert policy.ends_on == date(2018, 12, 31)
    facts = Facts(date(2018, 11, 5), "Oaxaca", "stay", APPLIED, nationality="HND")
    result = eligibility.evaluate(facts, policy)
    assert outcome(result, "in_force").params["to"] == date(2018, 12, 31)
    # a setting may close it earlier, never later
    assert outcome(eligibility.evaluate(facts, policy, plan_ends=date(2019, 6, 1)),
                   "in_force").params["to"] == date(2018, 12, 31)
    assert outcome(eligibility.evaluate(facts, policy, plan_ends=date(2018, 11, 30)),
                   "in_force").params["to"] == date(2018, 11, 30)
    late = Facts(date(2019, 1, 1), "Oaxaca", "stay", APPLIED, nationality="HND")
    assert outcome(eligibility.evaluate(late, policy), "in_force").status == "failed"


def test_plan_ends_setting_before_the_start_is_a_configuration_error(settings):
    settings.ACOGIDA_PLAN_ENDS = "2018-10-01"
    with pytest.raises(ImproperlyConfigured):
        conf.plan_ends()
    settings.ACOGIDA_PLAN_ENDS = "2018-12-01"
    assert conf.plan_ends() == date(2018, 12, 1)


# ---- facts from the database ------------------------------------------------------------------

def _result(person, on, place_state=None):
    return services.evaluate(Person.objects.filter(pk=person.pk), on,
                             place_state=place_state)[person.pk]


def test_registered_in_tapachula_is_not_in_chiapas_a_month_later():
    person = f.eligible_person(on=date(2018, 10, 27))
    assert outcome(_result(person, date(2018, 10, 27)), "location").status == "passed"
    assert outcome(_result(person, date(2018, 11, 20)), "location").status == "unknown"
    # offered the plan at a place in Oaxaca that day: they are there
    late = _result(person, date(2018, 11, 20), place_state="Oaxaca")
    assert outcome(late, "location").params["source"] == "offer" and late.eligible


def test_a_mexican_is_not_eligible():
    person = f.eligible_person(nationality="MEX")
    result = _result(person, f.PLAN_DAY)
    assert outcome(result, "nationality").status == "failed"
    with pytest.raises(InvalidInput) as refused:
        f.offer(person)
    assert refused.value.errors[0].field == "rules.nationality"


def test_household_coverage_uses_the_household_on_the_date():
    household = f.household_in()
    members = [m.person for m in household.members.order_by("id")]
    f.apply(members[0])
    child = members[2]
    assert outcome(_result(child, f.PLAN_DAY), "application").status == "passed"
    # the child joined this household only on 1 Nov: on the 26th its application did not cover
    HouseholdMember.objects.filter(person=child).update(joined_on=date(2018, 11, 1))
    assert outcome(_result(child, f.PLAN_DAY), "application").status == "failed"
    # the applicant left on 27 Oct: from then on the application no longer covers the others
    HouseholdMember.objects.filter(person=members[0]).update(left_on=date(2018, 10, 27))
    assert outcome(_result(members[1], f.PLAN_DAY), "application").status == "passed"
    assert outcome(_result(members[1], date(2018, 10, 27)), "application").status == "failed"


# ---- offers --------------------------------------------------------------------------------------

def test_an_offer_at_a_place_outside_the_plan_states_is_refused_on_place():
    person = f.eligible_person()
    testing.make_point(code="CDMX", name="Punto CDMX", state="Ciudad de México",
                       municipality="Iztacalco")
    for place in ("point:CDMX",):
        with pytest.raises(InvalidInput) as refused:
            f.offer(person, place=place)
        assert [e.field for e in refused.value.errors] == ["place"]
    with pytest.raises(InvalidInput) as refused:
        services.bulk_offer(actor=testing.SYSTEM, user=f.user(), place="point:CDMX",
                            on=f.PLAN_DAY)
    assert [e.field for e in refused.value.errors] == ["place"]


def test_an_offer_at_a_place_weeks_later_uses_the_place_as_where_they_are():
    person = f.eligible_person(on=date(2018, 10, 20))
    _shelter, _sections = make_shelter("Albergue de Juchitán", state="Oaxaca")
    offer = f.offer(person, place="Albergue de Juchitán", on=date(2018, 11, 2))
    assert offer.place_state == "Oaxaca"


def test_unicode_or_huge_shelter_ids_are_refused_not_a_500(client):
    for key in ("shelter:²", "shelter:" + "9" * 25, "shelter:-1"):
        with pytest.raises(InvalidInput):
            places.resolve(key)
    api = testing.api_client(f.user())
    for key in ("shelter:²", "shelter:" + "9" * 25):
        assert api.get("/api/v1/plan/offers", {"place": key}).status_code == 422
        assert testing.api_client(f.user("coordinator")).get(
            "/api/v1/stats/plan", {"place": key}).status_code == 422
    client.force_login(f.user())
    assert client.get(reverse("plan-place", args=["shelter:²"])).status_code == 404


def test_a_huge_page_is_not_a_500(client):
    f.offer(f.eligible_person())
    client.force_login(testing.make_user("caseworker"))
    response = client.get(reverse("plan-place", args=["point:TAP"]), {"page": "9" * 25})
    assert response.status_code == 200
    api = testing.api_client(f.user())
    bad = api.get("/api/v1/plan/offers", {"page": "9" * 25})
    assert bad.status_code == 422
    assert "page" in json.dumps(bad.json())
    bad = api.get("/api/v1/plan/offers", {"page_size": "x"})
    assert bad.status_code == 422 and "page_size" in json.dumps(bad.json())


def test_the_persons_plan_audits_every_member_named_in_its_offers():
    household = f.household_in()
    members = [m.person for m in household.members.order_by("id")]
    f.apply(members[0])
    f.offer(household=household)
    response = testing.api_client(f.user()).get(
        f"/api/v1/people/{members[0].registration_number}/plan")
    assert response.status_code == 200
    shown = {m["registration_number"] for o in response.json()["offers"] for m in o["members"]}
    assert len(shown) == 5
    audited = set(AuditEntry.objects.filter(action="plan.offer.read")
                  .values_list("subject", flat=True))
    assert shown <= audited


def test_stats_suppress_every_cell():
    person = f.eligible_person()
    f.decide(f.offer(person), "accepted")
    figures = stats.suppressed_figures(user=f.user("coordinator"))
    assert figures["totals"]["offered"] == "<5" and figures["totals"]["declined"] == 0
    assert figures["accepted_mexicos_offer"] == "<5"
    assert figures["by_day"][0]["offered"] == "<5"
    assert figures["by_place"][0]["accepted"] == "<5"
    # the raw read (for callers that suppress themselves) still has the numbers
    assert stats.figures(user=f.user("coordinator"))["totals"]["offered"] == 1


# ---- PET -----------------------------------------------------------------------------------------

def test_pet_may_start_in_the_future_up_to_the_plan_end_and_not_before_acceptance(settings):
    person = f.eligible_person(sex="male", given_names="Carlos", date_of_birth="1980-01-01")
    f.decide(f.offer(person), "accepted", on=date(2018, 10, 28))

    def enrol(starts_on):
        return services.enrol_pet(actor=testing.SYSTEM, user=f.user(),
                                  registration_number=person.registration_number,
                                  employer="Vivero", starts_on=starts_on,
                                  ends_on=starts_on + timedelta(days=30))

    with pytest.raises(InvalidInput) as refused:
        enrol(date(2018, 10, 27))  # before the offer was accepted
    assert [e.field for e in refused.value.errors] == ["starts_on"]
    future = date.today() + timedelta(days=20)
    settings.ACOGIDA_PLAN_ENDS = (date.today() + timedelta(days=10)).isoformat()
    with pytest.raises(InvalidInput):
        enrol(future)  # after the plan ends
    settings.ACOGIDA_PLAN_ENDS = (date.today() + timedelta(days=60)).isoformat()
    assert enrol(future).starts_on == future
