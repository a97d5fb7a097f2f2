"""Check-in, check-out, transfer and roll calls through the services: the hard rules hold."""

from datetime import date, timedelta

import pytest
from django.db import connection

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.core.errors import Conflict, Forbidden, InvalidInput
from acogida.shelter import selectors, services
from acogida.shelter.models import Stay

from .factories import adult_man, check_in, make_shelter, unaccompanied_child

pytestmark = pytest.mark.django_db


def test_household_checks_in_at_once():
    household = testing.make_household()
    _shelter, sections = make_shelter()
    stays = check_in(sections["Familias"], household=household)
    assert len(stays) == 5
    assert Stay.objects.filter(section=sections["Familias"], checked_out_at=None).count() == 5
    assert AuditEntry.objects.filter(action="stay.check_in").count() == 5


def test_household_check_in_is_all_or_nothing():
    household = testing.make_household()
    _shelter, sections = make_shelter(sections={"Familias": ("family", 4)})
    with pytest.raises(Conflict) as refused:
        check_in(sections["Familias"], household=household)
    detail = str(refused.value.detail)
    assert "Familias" in detail and ("0 of 4" in detail or "0 de 4" in detail)
    assert not Stay.objects.exists()


def test_one_active_stay_per_person():
    man = adult_man()
    _shelter, sections = make_shelter()
    check_in(sections["Hombres"], person=man)
    other, other_sections = make_shelter("Benito Juárez")
    with pytest.raises(Conflict):
        check_in(other_sections["Hombres"], person=man)
    assert Stay.objects.filter(person=man).count() == 1


def test_database_refuses_a_second_active_stay():
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    man = adult_man()
    _shelter, sections = make_shelter()
    check_in(sections["Hombres"], person=man)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stay.objects.create(person=man, section=sections["Familias"],
                            checked_in_at=timezone.now())


def test_hard_rules_refuse_with_the_rule_named():
    child = unaccompanied_child()
    man = adult_man()
    _shelter, sections = make_shelter()
    with pytest.raises(InvalidInput) as refused:
        check_in(sections["Hombres"], person=child)
    assert "3 (child_safe)" in str(refused.value.detail)
    with pytest.raises(InvalidInput, match="section_kind"):
        check_in(sections["Mujeres"], person=man)
    with pytest.raises(InvalidInput, match="child_safe"):
        check_in(sections["Niñez"], person=man)
    check_in(sections["Niñez"], person=child)
    assert not Stay.objects.filter(person=man).exists()


def test_wheelchair_users_only_in_accessible_shelters():
    man = adult_man()
    services.set_shelter_needs(actor=testing.SYSTEM, user=testing.make_user("shelter"),
                               registration_number=man.registration_number, wheelchair=True)
    _shelter, sections = make_shelter("Iglesia", accessible=False)
    with pytest.raises(InvalidInput, match="accessible"):
        check_in(sections["Hombres"], person=man)
    _shelter, accessible = make_shelter("Unidad Deportiva")
    check_in(accessible["Hombres"], person=man)


def test_household_is_not_split_between_shelters_or_sections():
    household = testing.make_household()
    head = household.members.get(relationship="head").person
    spouse = household.members.get(relationship="spouse").person
    _shelter, sections = make_shelter()
    check_in(sections["Familias"], person=head)
    _other, elsewhere = make_shelter("Otro")
    with pytest.raises(InvalidInput, match="household_together"):
        check_in(elsewhere["Familias"], person=spouse)
    with pytest.raises(InvalidInput, match="household_together"):
        check_in(sections["Mujeres"], person=spouse)  # the family section has room
    check_in(sections["Familias"], person=spouse)


def test_override_needs_the_role_and_a_reason_and_is_recorded():
    man = adult_man()
    _shelter, sections = make_shelter(sections={"Hombres": ("men", 1)})
    check_in(sections["Hombres"], person=adult_man(given_names="Pedro"))
    shelter_user = testing.make_user("shelter")
    with pytest.raises(Forbidden):
        check_in(sections["Hombres"], person=man, user=shelter_user, override_reason="lluvia")
    with pytest.raises(InvalidInput):
        check_in(sections["Hombres"], person=man, override_reason="   ")
    stays = check_in(sections["Hombres"], person=man, user=testing.make_user("caseworker"),
                     override_reason="Tormenta: nadie duerme fuera")
    assert stays[0].overridden_rules == ["capacity"]
    entry = AuditEntry.objects.get(action="stay.override")
    assert entry.details["reason_given"] is True  # the free text stays on the stay, encrypted
    assert "Tormenta" not in str(entry.details) and entry.details["rules"] == ["capacity"]
    found = selectors.get_shelter(user=shelter_user, shelter_id=_shelter.pk)
    assert (found.capacity, found.occupied, found.free, found.over) == (1, 2, 0, True)
    shown = selectors.overrides(user=testing.make_user("coordinator"), shelter=_shelter)
    assert shown[0]["reason"] is None and shown[0]["people"] == 1  # rules and who, not why
    shown = selectors.overrides(user=testing.make_user("caseworker"), shelter=_shelter)
    assert shown[0]["reason"] == "Tormenta: nadie duerme fuera"
    with pytest.raises(InvalidInput):
        check_in(sections["Hombres"], person=adult_man(given_names="Luis"),
                 user=testing.make_user("caseworker"), override_reason="x" * 501)
    with connection.cursor() as cursor:
        cursor.execute("SELECT override_reason FROM shelter_stay WHERE override_reason <> ''")
        stored = cursor.fetchone()[0]
    assert stored.startswith("v1:") and "Tormenta" not in stored


def test_transfer_ends_one_stay_and_starts_another():
    man = adult_man()
    shelter, sections = make_shelter()
    stay = check_in(sections["Hombres"], person=man)[0]
    _other, elsewhere = make_shelter("Barretal")
    new = services.transfer(actor=testing.SYSTEM, user=testing.make_user("shelter"),
                            stay_id=stay.pk, section_id=elsewhere["Hombres"].pk)
    stay.refresh_from_db()
    assert stay.end_reason == "transferred" and stay.checked_out_at is not None
    assert new.section == elsewhere["Hombres"] and new.is_active
    with pytest.raises(InvalidInput):  # a transfer applies the same rules
        services.transfer(actor=testing.SYSTEM, user=testing.make_user("shelter"),
                          stay_id=new.pk, section_id=elsewhere["Mujeres"].pk)
    assert Stay.objects.get(pk=new.pk).is_active


def test_transfer_within_a_full_shelter_frees_the_old_bed():
    man = adult_man()
    _shelter, sections = make_shelter(sections={"A": ("mixed", 1), "B": ("mixed", 1)})
    stay = check_in(sections["A"], person=man)[0]
    services.transfer(actor=testing.SYSTEM, user=testing.make_user("shelter"), stay_id=stay.pk,
                      section_id=sections["B"].pk)
    check_in(sections["A"], person=adult_man(given_names="Luis"))


def test_a_household_moves_together_without_an_override():
    household = testing.make_household()
    _shelter, sections = make_shelter()
    stays = check_in(sections["Familias"], household=household)
    _other, elsewhere = make_shelter("Barretal")
    shelter_user = testing.make_user("shelter")
    with pytest.raises(InvalidInput):  # one member alone would split the family
        services.transfer(actor=testing.SYSTEM, user=shelter_user, stay_id=stays[0].pk,
                          section_id=elsewhere["Familias"].pk)
    moved = services.transfer(actor=testing.SYSTEM, user=shelter_user, stay_id=stays[0].pk,
                              section_id=elsewhere["Familias"].pk, household=True)
    assert moved.section == elsewhere["Familias"]
    active = Stay.objects.filter(checked_out_at=None)
    assert active.count() == 5 and set(active.values_list("section", flat=True)) == {
        elsewhere["Familias"].pk}
    assert not any(s.overridden_rules for s in active)


def test_check_out():
    man = adult_man()
    _shelter, sections = make_shelter()
    stay = check_in(sections["Hombres"], person=man)[0]
    services.check_out(actor=testing.SYSTEM, user=testing.make_user("shelter"), stay_id=stay.pk)
    with pytest.raises(Conflict):
        services.check_out(actor=testing.SYSTEM, user=testing.make_user("shelter"),
                           stay_id=stay.pk)
    check_in(sections["Hombres"], person=man)


def test_roll_call_releases_the_bed_after_n_absent_nights(settings):
    settings.ACOGIDA_ABSENT_NIGHTS = 3
    away, home = adult_man(), adult_man(given_names="Luis")
    _shelter, sections = make_shelter(sections={"Hombres": ("men", 2)})
    stay = check_in(sections["Hombres"], person=away)[0]
    check_in(sections["Hombres"], person=home)
    user, night = testing.make_user("shelter"), date(2018, 11, 20)

    def call(n, absent):
        return services.take_roll_call(actor=testing.SYSTEM, user=user,
                                       section_id=sections["Hombres"].pk, absent=absent,
                                       night=night + timedelta(days=n))

    call(0, [stay.pk])
    call(1, [stay.pk])
    call(2, [])  # back: the count starts again
    call(3, [stay.pk])
    call(4, [stay.pk])
    assert Stay.objects.get(pk=stay.pk).is_active
    result = call(5, [stay.pk])
    assert (result.present, result.absent, result.released) == (1, 1, 1)
    stay.refresh_from_db()
    assert stay.end_reason == "left" and not stay.is_active
    with pytest.raises(Conflict):
        call(5, [])
    check_in(sections["Hombres"], person=adult_man(given_names="Nuevo"))  # the bed is free
    assert AuditEntry.objects.filter(action="stay.left").count() == 1


def test_a_boy_stays_in_a_womens_section_only_with_a_woman_of_his_household():
    from datetime import date as _date

    eight = _date.today().replace(year=_date.today().year - 8).isoformat()
    mother_and_son = testing.make_household(members=[
        {"relationship": "head", "person": testing.person_values(
            given_names="Rosa", first_surname="Flores", sex="female", date_of_birth="1990-01-01")},
        {"relationship": "child", "person": testing.person_values(
            given_names="Kevin", first_surname="Flores", sex="male", date_of_birth=eight)}])
    _shelter, sections = make_shelter()
    assert len(check_in(sections["Mujeres"], household=mother_and_son)) == 2
    boy_alone = testing.make_person(given_names="Josué", first_surname="Flores", sex="male",
                                    date_of_birth=eight)
    with pytest.raises(InvalidInput) as raised:
        check_in(sections["Mujeres"], person=boy_alone)
    assert "Josué" not in str(raised.value.detail)  # the rule is named, with his number only
    assert Stay.objects.filter(person=boy_alone).count() == 0
