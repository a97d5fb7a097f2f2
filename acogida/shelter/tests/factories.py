"""Shelters for tests, made through the services."""

from acogida import testing
from acogida.shelter import services

ADMIN = None


def admin():
    global ADMIN
    if ADMIN is None or not type(ADMIN).objects.filter(pk=ADMIN.pk).exists():
        ADMIN = testing.make_user("admin")
    return ADMIN


def make_shelter(name: str = "Estadio Palillo", *, accessible: bool = True,
                 sections: dict | None = None, **values):
    """``sections``: name → (kind, capacity). Returns (shelter, {name: section})."""
    user = admin()
    shelter = services.create_shelter(actor=testing.SYSTEM, user=user, values={
        "name": name, "kind": "sports_centre", "state": "Ciudad de México",
        "municipality": "Iztacalco", "wheelchair_accessible": accessible, **values})
    made = {}
    for section_name, (kind, capacity) in (sections or {
            "Familias": ("family", 10), "Mujeres": ("women", 10), "Hombres": ("men", 10),
            "Niñez": ("child_safe", 5)}).items():
        made[section_name] = services.add_section(actor=testing.SYSTEM, user=user,
                                                  shelter_id=shelter.pk, name=section_name,
                                                  kind=kind, capacity=capacity)
    return shelter, made


def unaccompanied_child(**overrides):
    return testing.make_person(**{"given_names": "Brayan", "first_surname": "Castillo",
                                  "sex": "male", "date_of_birth": "2003-02-02",
                                  "specific_needs": ["SC"], **overrides})


def adult_man(**overrides):
    return testing.make_person(**{"given_names": "Carlos", "first_surname": "Reyes",
                                  "sex": "male", "date_of_birth": "1980-02-02", **overrides})


def check_in(section, *, person=None, household=None, user=None, **kwargs):
    return services.check_in(actor=testing.SYSTEM, user=user or admin(), section_id=section.pk,
                             registration_number=person.registration_number if person else "",
                             household_number=household.number if household else "", **kwargs)
