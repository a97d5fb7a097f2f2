"""Applications, offers, outcomes and PET enrolments: the rules a clerk meets."""

from datetime import date, timedelta

import pytest

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from acogida.plan import services
from acogida.plan.models import Offer, OfferMember, PetEnrolment, PlanApplication

from . import factories as f

pytestmark = pytest.mark.django_db


def test_an_application_records_its_authority_and_is_audited():
    person = f.person_in()
    application = f.apply(person, kind="regular_entry")
    assert application.authority == "INM"
    entry = AuditEntry.objects.filter(action="plan.application.record").last()
    assert entry.subject == person.registration_number


def test_an_application_is_refused_in_the_future_twice_or_with_the_wrong_authority():
    person = f.person_in()
    with pytest.raises(InvalidInput):
        f.apply(person, filed_on=date.today() + timedelta(days=1))
    with pytest.raises(InvalidInput):
        services.record_application(actor=testing.SYSTEM, user=f.user(),
                                    registration_number=person.registration_number,
                                    kind="refugee_status", authority="INM",
                                    filed_on=date(2018, 10, 22))
    f.apply(person)
    with pytest.raises(Conflict):
        f.apply(person)
    assert PlanApplication.objects.count() == 1


def test_an_offer_to_an_eligible_person_records_the_rules_applied():
    person = f.eligible_person()
    offer = f.offer(person)
    assert offer.status == "offered"
    assert offer.people == 1 and offer.place_state == "Chiapas"
    assert offer.rules_applied["location"] == "2018-10-26"
    assert AuditEntry.objects.filter(action="plan.offer.make",
                                     subject=person.registration_number).exists()


def test_an_ineligible_person_is_refused_naming_the_failing_rule():
    person = f.person_in()
    with pytest.raises(InvalidInput) as refused:
        f.offer(person)
    assert [e.field for e in refused.value.errors] == ["rules.application"]
    assert not Offer.objects.exists()


def test_offer_dates_before_the_plan_or_in_the_future_are_refused():
    person = f.eligible_person()
    for day in (date(2018, 10, 25), date.today() + timedelta(days=1)):
        with pytest.raises(InvalidInput) as refused:
            f.offer(person, on=day)
        assert refused.value.errors[0].field == "offered_on"


def test_a_household_offer_answers_for_all_its_members():
    household = f.household_in()
    members = [m.person for m in household.members.order_by("id")]
    f.apply(members[0])
    offer = f.offer(household=household)
    assert offer.people == 5
    assert set(OfferMember.objects.filter(offer=offer).values_list("person_id", flat=True)) \
        == {p.pk for p in members}
    f.decide(offer, "accepted")
    with pytest.raises(Conflict):  # the child is covered by the household's offer
        f.offer(members[3])


def test_a_household_with_a_member_out_of_the_plan_is_refused_naming_who():
    household = f.household_in()
    members = [m.person for m in household.members.order_by("id")]
    f.apply(members[0])
    f.registered_on(members[4], date(2018, 11, 1))  # the place on the 26th is not recorded
    with pytest.raises(InvalidInput) as refused:
        f.offer(household=household)
    assert refused.value.errors[0].field == "rules.location"
    assert members[4].registration_number in refused.value.errors[0].message


def test_accepting_twice_is_a_conflict_and_changes_nothing():
    offer = f.offer(f.eligible_person())
    f.decide(offer, "accepted", on=date(2018, 10, 28))
    with pytest.raises(Conflict):
        f.decide(offer, "accepted", on=date(2018, 10, 30))
    with pytest.raises(Conflict):
        f.decide(offer, "declined")
    offer.refresh_from_db()
    assert (offer.status, offer.decided_on) == ("accepted", date(2018, 10, 28))


def test_an_outcome_is_dated_between_the_offer_and_today():
    offer = f.offer(f.eligible_person(), on=date(2018, 10, 28))
    with pytest.raises(InvalidInput):
        f.decide(offer, "declined", on=date(2018, 10, 27))
    with pytest.raises(InvalidInput):
        f.decide(offer, "declined", on=date.today() + timedelta(days=1))
    declined = f.decide(offer, "declined", on=date(2018, 10, 28), reason="Sigue hacia el norte")
    assert declined.reason == "Sigue hacia el norte"


def test_a_withdrawn_offer_can_be_made_again():
    person = f.eligible_person()
    f.decide(f.offer(person), "withdrawn")
    assert f.offer(person, on=date(2018, 10, 29)).status == "offered"


def test_unknown_people_places_and_offers():
    with pytest.raises(NotFound):
        services.make_offer(actor=testing.SYSTEM, user=f.user(), place="point:TAP",
                            registration_number="XXXX-XXXX-XX")
    person = f.eligible_person()
    with pytest.raises(InvalidInput) as refused:
        f.offer(person, place="Atlantis")
    assert refused.value.errors[0].field == "place"
    with pytest.raises(NotFound):
        services.decide(actor=testing.SYSTEM, user=f.user(), offer_id=999999, to="accepted")


def test_roles_without_the_action_are_refused():
    person = f.eligible_person()
    with pytest.raises(Forbidden):
        services.make_offer(actor=testing.SYSTEM, user=f.user("coordinator"), place="point:TAP",
                            registration_number=person.registration_number)


# ---- bulk ----------------------------------------------------------------------------------

def test_bulk_offers_everyone_eligible_at_a_point_and_says_why_others_were_skipped():
    household = f.household_in()
    f.apply(household.members.order_by("id").first().person)
    lone = f.eligible_person(given_names="Wilmer", first_surname="Castro", sex="male",
                             date_of_birth="1992-03-03")
    f.person_in(given_names="Elvin", first_surname="Mejía", sex="male",
                date_of_birth="1995-04-04")  # no application
    f.eligible_person("ARR", given_names="Yesenia", first_surname="Paz",
                      date_of_birth="1999-09-09")  # another point
    f.offer(lone)
    result = services.bulk_offer(actor=testing.SYSTEM, user=f.user(), place="Punto TAP",
                                 on=date(2018, 10, 27))
    assert (result.offers, result.offered) == (1, 5)
    assert result.skipped == {"already_offered": 1, "rules.application": 1}
    again = services.bulk_offer(actor=testing.SYSTEM, user=f.user(), place="point:TAP",
                                on=date(2018, 10, 28))
    assert again.offered == 0 and again.skipped["already_offered"] == 6


def test_a_dry_run_counts_and_writes_nothing():
    f.eligible_person()
    result = services.bulk_offer(actor=testing.SYSTEM, user=f.user(), place="point:TAP",
                                 on=date(2018, 10, 27), dry_run=True)
    assert result.offered == 1
    assert not Offer.objects.exists()


def test_bulk_at_a_shelter_takes_its_residents():
    from acogida.shelter.tests.factories import check_in, make_shelter

    person = f.eligible_person(sex="male", given_names="Carlos", date_of_birth="1980-01-01")
    f.eligible_person(given_names="Yesenia", first_surname="Paz", date_of_birth="1999-09-09")
    shelter, sections = make_shelter("Albergue de Juchitán", state="Oaxaca")
    check_in(sections["Hombres"], person=person)
    result = services.bulk_offer(actor=testing.SYSTEM, user=f.user(), place=f"shelter:{shelter.pk}")
    assert result.offered == 1
    assert Offer.objects.get().shelter_id == shelter.pk


# ---- PET -----------------------------------------------------------------------------------

def _accepted_adult():
    person = f.eligible_person()
    f.decide(f.offer(person), "accepted")
    return person


def _enrol(person, starts_on=date(2018, 11, 5), ends_on=None, employer="Vivero El Palmar"):
    return services.enrol_pet(actor=testing.SYSTEM, user=f.user(),
                              registration_number=person.registration_number,
                              employer=employer, starts_on=starts_on, ends_on=ends_on)


def test_pet_enrolment_for_someone_who_accepted():
    person = _accepted_adult()
    enrolment = _enrol(person, ends_on=date(2019, 2, 5))
    assert enrolment.employer == "Vivero El Palmar"
    with pytest.raises(Conflict):
        _enrol(person, starts_on=date(2018, 12, 1))


def test_pet_refuses_an_end_before_the_start_and_people_who_did_not_accept():
    person = _accepted_adult()
    with pytest.raises(InvalidInput) as refused:
        _enrol(person, starts_on=date(2018, 11, 5), ends_on=date(2018, 11, 4))
    assert refused.value.errors[0].field == "ends_on"
    with pytest.raises(InvalidInput):
        _enrol(f.eligible_person(given_names="Yesenia", first_surname="Paz",
                                 date_of_birth="1999-09-09"))
    with pytest.raises(InvalidInput):
        _enrol(person, employer="  ")
    assert not PetEnrolment.objects.exists()
