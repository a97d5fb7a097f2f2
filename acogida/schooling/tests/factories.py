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


def bulk_proposal(shelter=None, *, user=None, today=TODAY):
    """A draft bulk proposal for ``shelter`` (default: a new, empty shelter)."""
    from acogida.schooling import proposals
    from acogida.shelter.tests.factories import make_shelter

    if shelter is None:
        shelter, _sections = make_shelter("Albergue sin niños")
    return proposals.create_proposal(actor=testing.SYSTEM,
                                     user=user or testing.make_user("education"),
                                     shelter=shelter.pk, today=today)


# Consented to registration and to being phoned: a class list shows a guardian's phone only then.
CONTACTABLE = [{"purpose": "registration", "given_on": "2018-10-21"},
               {"purpose": "contact", "given_on": "2018-10-21"}]


def family(surname: str, *ages: int, year: int = TODAY.year):
    """A mother (phone, consented to contact) and children aged ``ages`` on 31 December of
    ``year``, the school year's first year. Returns the household."""
    members = [{"relationship": "head", "person": testing.person_values(
        given_names="Rosa", first_surname=surname, sex="female", date_of_birth="1985-01-01",
        phone="+52 55 1234 5678", consents=CONTACTABLE)}]
    names = ["Kevin", "Dayana", "Luis", "Ana", "José", "Brenda"]
    for index, age in enumerate(ages):
        members.append({"relationship": "child", "person": testing.person_values(
            given_names=names[index % len(names)], first_surname=surname,
            sex="female" if index % 2 else "male",
            date_of_birth=str(date(year - age, 3, 1)))})
    return testing.make_household(members=members)


def shelter_with(*households, name: str = "Estadio Palillo"):
    """A shelter at the Palillo stadium's place with ``households`` checked in."""
    from acogida.shelter.tests.factories import check_in, make_shelter

    shelter, sections = make_shelter(name, latitude="19.403600", longitude="-99.093000",
                                     sections={"Familias": ("family", 60)})
    for household in households:
        check_in(sections["Familias"], household=household)
    return shelter


def school_near(name: str, km_north: float, seats: dict[int, int], level: str = "primaria"):
    """A school about ``km_north`` km north of the shelter of ``shelter_with``."""
    from decimal import Decimal

    return make_school(name, level, seats=seats,
                       latitude=Decimal(str(round(19.4036 + km_north / 111.2, 6))),
                       longitude=Decimal("-99.093000"))
