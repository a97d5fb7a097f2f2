"""Enrolment by the services: age, seats, the waiting list, transitions, class lists, audit."""

import dataclasses

import pytest

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.core.errors import Conflict, Forbidden, InvalidInput
from acogida.schooling import seats, selectors, services
from acogida.schooling.models import Enrolment

from .factories import TODAY, child, enrol, make_school

pytestmark = pytest.mark.django_db

# Consented to registration and to being phoned: a class list shows a guardian's phone only then.
CONTACTABLE = [{"purpose": "registration", "given_on": "2018-10-21"},
               {"purpose": "contact", "given_on": "2018-10-21"}]


def _leave(enrolment):
    return services.transition(actor=testing.SYSTEM, user=testing.make_user("education"),
                               enrolment_id=enrolment.pk, to="left")


def test_the_grade_defaults_to_the_age_suggestion_and_no_document_is_needed():
    school = make_school(seats={3: 5})
    enrolment = enrol(child("2010-12-31"), school)  # 8 on 31 Dec 2018
    assert (enrolment.level, enrolment.grade, enrolment.status) == ("primaria", 3, "enrolled")
    assert (enrolment.suggested_level, enrolment.suggested_grade) == ("primaria", 3)
    assert not enrolment.overridden_by_test and enrolment.enrolled_at


@pytest.mark.parametrize("born", ["1990-05-01", "2000-12-31", "2016-01-01", "2018-06-01"])
def test_only_children_3_to_17_are_enrolled(born):
    school = make_school(seats={3: 5})
    with pytest.raises(InvalidInput):
        enrol(child(born), school, grade=3, placement_test=True)
    assert not Enrolment.objects.exists()


def test_another_grade_needs_the_schools_placement_test():
    school = make_school(seats={2: 5, 3: 5})
    person = child()
    with pytest.raises(InvalidInput) as refused:
        enrol(person, school, grade=2)
    assert refused.value.errors[0].field == "placement_test"
    enrolment = enrol(person, school, grade=2, placement_test=True)
    assert (enrolment.grade, enrolment.suggested_grade, enrolment.overridden_by_test) == (
        2, 3, True)


def test_a_school_of_another_level_needs_a_grade_and_the_test():
    secundaria = make_school("Secundaria Técnica 5", level="secundaria", seats={1: 5})
    with pytest.raises(InvalidInput):
        enrol(child(), secundaria)
    with pytest.raises(InvalidInput):
        enrol(child(), secundaria, grade=4, placement_test=True)  # secundaria has 3 grades


def test_one_active_enrolment_per_child():
    first, second = make_school(seats={3: 5}), make_school("Escuela Hidalgo", seats={3: 5})
    person = child()
    enrolment = enrol(person, first)
    with pytest.raises(Conflict):
        enrol(person, second)
    _leave(enrolment)
    assert enrol(person, second).status == "enrolled"


def test_seats_run_out_then_children_wait_in_order_of_request():
    school = make_school(seats={3: 2})
    made = [enrol(child(given_names=f"Niño {i}"), school) for i in range(5)]
    assert [e.status for e in made] == ["enrolled"] * 2 + ["waitlisted"] * 3
    assert [selectors.waitlist_position(e) for e in made] == [None, None, 1, 2, 3]
    assert seats.counts([school.pk])[(school.pk, 3)].taken == 2
    waiting = selectors.waitlist(actor=testing.SYSTEM, user=testing.make_user("education"),
                                 school_id=school.pk)
    assert [w.enrolment for w in waiting] == [e.pk for e in made[2:]]


def test_a_grade_without_seats_waits():
    school = make_school(seats={})
    assert enrol(child(), school).status == "waitlisted"


def test_leaving_frees_the_seat_for_the_first_waiting_child():
    school = make_school(seats={3: 1})
    seated, first, second = (enrol(child(given_names=n), school)
                             for n in ("Ana", "Beto", "Carla"))
    _leave(seated)
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.status, second.status) == ("enrolled", "waitlisted")
    assert selectors.waitlist_position(second) == 1
    promoted = AuditEntry.objects.filter(action="enrolment.enrolled").get()
    assert promoted.subject == first.person.registration_number
    assert promoted.details["from_waitlist"] is True


def test_a_waiting_child_who_leaves_frees_nothing():
    school = make_school(seats={3: 1})
    seated, first, second = (enrol(child(given_names=n), school)
                             for n in ("Ana", "Beto", "Carla"))
    _leave(first)
    second.refresh_from_db()
    assert second.status == "waitlisted" and selectors.waitlist_position(second) == 1
    assert seats.counts([school.pk])[(school.pk, 3)].taken == 1


def test_more_seats_enrol_the_waiting_children():
    school = make_school(seats={3: 0})
    made = [enrol(child(given_names=f"Niña {i}"), school) for i in range(3)]
    services.set_seats(actor=testing.SYSTEM, user=testing.make_user("admin"),
                       school_id=school.pk, grade=3, seats=2)
    assert [Enrolment.objects.get(pk=e.pk).status for e in made] == [
        "enrolled", "enrolled", "waitlisted"]


def test_transitions():
    school = make_school(seats={3: 1})
    seated, waiting = enrol(child(), school), enrol(child(given_names="Luis"), school)
    user = testing.make_user("caseworker")

    def to(enrolment, status):
        return services.transition(actor=testing.SYSTEM, user=user, enrolment_id=enrolment.pk,
                                   to=status)

    with pytest.raises(Conflict):
        to(waiting, "attending")
    with pytest.raises(Conflict):
        to(waiting, "enrolled")  # no free seat
    assert to(seated, "attending").attending_since
    with pytest.raises(Conflict):
        to(seated, "enrolled")
    assert to(seated, "left").left_at
    with pytest.raises(Conflict):
        to(seated, "attending")
    waiting.refresh_from_db()
    assert waiting.status == "enrolled"


@pytest.mark.parametrize("role", ["shelter", "medical", "coordinator", "registration"])
def test_roles_without_schooling_may_not_enrol_or_read(role):
    school = make_school(seats={3: 1})
    user = testing.make_user(role)
    with pytest.raises(Forbidden):
        enrol(child(), school, user=user)
    with pytest.raises(Forbidden):
        selectors.class_list(actor=testing.SYSTEM, user=user, school_id=school.pk)


def test_the_class_list_names_the_guardian_and_nothing_else():
    household = testing.make_household(members=[
        {"relationship": "head", "person": testing.person_values(
            given_names="José Luis", first_surname="Hernández", sex="male",
            date_of_birth="1985-03-12", phone="+50499887766", consents=CONTACTABLE,
            specific_needs=["SP"])},
        {"relationship": "spouse", "person": testing.person_values(
            given_names="Ana", first_surname="Mejía", date_of_birth="1988-07-30",
            phone="+50411112222", consents=CONTACTABLE, specific_needs=["PG", "SV"])},
        {"relationship": "child", "person": testing.person_values(
            given_names="Dayana", first_surname="Hernández", date_of_birth="2012-01-05",
            specific_needs=["SC"])},
    ])
    dayana = household.members.get(relationship="child").person
    alone = child(given_names="Brayan")
    school = make_school(seats={1: 5, 3: 5})
    enrol(dayana, school), enrol(alone, school)
    pupils = selectors.class_list(actor=testing.SYSTEM, user=testing.make_user("education"),
                                  school_id=school.pk, today=TODAY)
    ids_ = dict(Enrolment.objects.values_list("person_id", "id"))
    assert [dataclasses.asdict(p) for p in pupils] == [  # the enrolment's id for the buttons
        {"registration_number": dayana.registration_number, "full_name": dayana.full_name,
         "age": 6, "grade": 1, "status": "enrolled", "guardian_name": "José Luis Hernández Díaz",
         "guardian_phone": "+50499887766", "enrolment": ids_[dayana.pk]},
        {"registration_number": alone.registration_number, "full_name": alone.full_name,
         "age": 8, "grade": 3, "status": "enrolled", "guardian_name": None,
         "guardian_phone": None, "enrolment": ids_[alone.pk]},
    ]
    entries = AuditEntry.objects.filter(action="school.class_list")
    assert sorted(e.subject for e in entries) == sorted(
        [dayana.registration_number, alone.registration_number])


def test_the_spouse_is_the_guardian_when_the_child_heads_no_household_with_a_head():
    household = testing.make_household(members=[
        {"relationship": "head", "person": testing.person_values(
            given_names="Kevin", first_surname="Mejía", date_of_birth="2003-02-02",
            sex="male")},
        {"relationship": "spouse", "person": testing.person_values(
            given_names="Ana", first_surname="Mejía", date_of_birth="2002-07-30",
            phone="+50411112222", consents=CONTACTABLE)},
    ])
    kevin = household.members.get(relationship="head").person
    school = make_school("Bachillerato 3", level="media_superior", seats={1: 5})
    enrol(kevin, school)
    [pupil] = selectors.class_list(actor=testing.SYSTEM, user=testing.make_user("education"),
                                   school_id=school.pk)
    assert (pupil.guardian_name, pupil.guardian_phone) == ("Ana Mejía Díaz", "+50411112222")


def test_every_write_is_audited_with_the_child_as_subject():
    school = make_school(seats={3: 1})
    person = child()
    enrolment = enrol(person, school)
    _leave(enrolment)
    actions = list(AuditEntry.objects.filter(subject=person.registration_number,
                                          action__startswith="enrolment.")
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["enrolment.request", "enrolment.left"]
    assert AuditEntry.objects.filter(action="school.create").exists()
    assert AuditEntry.objects.filter(action="school.seats").exists()


def test_stats_count_by_level_without_names_small_counts_suppressed():
    primaria = make_school(seats={3: 5})
    make_school("Jardín de Niños Xochitl", level="preescolar", seats={2: 4})
    for i in range(6):
        enrol(child(given_names=f"Niño {i}"), primaria)
    enrol(child("2014-05-05", given_names="Mía"), make_school(
        "Jardín 2", level="preescolar", seats={2: 1}))
    found = selectors.stats(user=testing.make_user("coordinator"))
    by_level = {row["level"]: row for row in found["levels"]}
    assert by_level["primaria"] == {"level": "primaria", "seats": 5, "enrolled": 5,
                                    "attending": 0, "waitlisted": "<5", "left": 0}
    assert by_level["preescolar"]["enrolled"] == "<5" and by_level["preescolar"]["seats"] == 5
    assert found["schools"] == 3


def test_a_guardians_phone_needs_their_consent_to_be_contacted():
    household = testing.make_household(members=[
        {"relationship": "head", "person": testing.person_values(
            given_names="Rosa", first_surname="Flores", sex="female",
            date_of_birth="1985-03-12", phone="+50433334444")},  # consented to registration only
        {"relationship": "child", "person": testing.person_values(
            given_names="Kenia", first_surname="Flores", date_of_birth="2012-01-05")},
    ])
    kenia = household.members.get(relationship="child").person
    school = make_school(seats={1: 5})
    enrol(kenia, school)
    pupils = selectors.class_list(actor=testing.SYSTEM, user=testing.make_user("education"),
                                  school_id=school.pk, today=TODAY)
    assert (pupils[0].guardian_name, pupils[0].guardian_phone) == ("Rosa Flores Díaz", None)
