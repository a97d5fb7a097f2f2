"""Schools and enrolments for tests, made through the services."""

from datetime import date

from acogida import testing
from acogida.schooling import services

# A day in the 2018–19 school year (the October 2018 caravan).
TODAY = date(2018, 11, 15)


def make_school(name: str = "Escuela Primaria Benito Juárez", level: str = "primaria",
                seats: dict[int, int] | None = None, user=None, **values):
    user = user or testing.make_user("education")
    school = services.create_school(actor=testing.SYSTEM, user=user, values={
        "name": name, "level": level, "state": "Ciudad de México", "municipality": "Iztacalco",
        "location": "Calle Sur 20", **values})
    for grade, count in (seats or {}).items():
        services.set_seats(actor=testing.SYSTEM, user=user, school_id=school.pk, grade=grade,
                           seats=count)
    return school


def child(born: str = "2010-03-01", **overrides):
    """A child registered alone (no household): 8 on 31 Dec 2018, primaria grade 3."""
    return testing.make_person(**{"given_names": "Kevin", "first_surname": "Ramos",
                                  "sex": "male", "date_of_birth": born, **overrides})


def enrol(person, school, *, user=None, today=TODAY, **kwargs):
    return services.request_enrolment(actor=testing.SYSTEM,
                                      user=user or testing.make_user("education"),
                                      registration_number=person.registration_number,
                                      school_id=school.pk, today=today, **kwargs)
