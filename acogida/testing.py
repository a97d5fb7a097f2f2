"""Factories for tests and benchmarks, built on the services (as a clerk would create data)."""

import itertools
from datetime import date

from django.test import Client

from acogida.accounts import audit
from acogida.accounts import services as account_services
from acogida.accounts.access import ROLES
from acogida.accounts.models import User
from acogida.registry import services
from acogida.registry.models import ArrivalGroup, RegistrationPoint

_counter = itertools.count(1)
SYSTEM = audit.Actor.system("tests")


def make_user(role: str = "registration", username: str | None = None) -> User:
    return account_services.create_user(
        actor=SYSTEM, username=username or f"{role}-{next(_counter)}", role=role,
        password="a long test password", check_password=False)


def users_by_role() -> dict[str, User]:
    return {role: make_user(role) for role in ROLES}


def api_client(user: User, language: str = "en") -> Client:
    """A client with a bearer token; messages in English unless asked (the default is Spanish)."""
    token = account_services.create_token(actor=SYSTEM, user=user)
    return Client(headers={"Authorization": f"Bearer {token}", "Accept-Language": language})


def make_point(code: str = "TAP", name: str = "Tapachula", state: str = "Chiapas",
               municipality: str = "Tapachula") -> RegistrationPoint:
    return RegistrationPoint.objects.get_or_create(
        code=code, defaults={"name": name, "state": state, "municipality": municipality})[0]


def make_group(name: str = "Caravana octubre 2018") -> ArrivalGroup:
    return ArrivalGroup.objects.get_or_create(
        name=name, defaults={"first_seen_on": date(2018, 10, 13),
                             "first_seen_at": "San Pedro Sula"})[0]


def person_values(**overrides) -> dict:
    values = {"given_names": "María José", "first_surname": "López", "second_surname": "Díaz",
              "sex": "female", "date_of_birth": "1990-05-01", "nationality": "HND",
              "place_of_birth": "San Pedro Sula", "languages": ["es"], "phone": "",
              "specific_needs": [], "consents": [{"purpose": "registration",
                                                  "given_on": "2018-10-21"}]}
    values.update(overrides)
    return values


def make_person(user: User | None = None, point: RegistrationPoint | None = None, **overrides):
    user = user or make_user("registration")
    return services.register_person(actor=SYSTEM, user=user,
                                    registration_point=point or make_point(),
                                    person=person_values(**overrides))


def family_of_five() -> list[dict]:
    return [
        {"relationship": "head", "person": person_values(
            given_names="José Luis", first_surname="Hernández", second_surname="Cruz",
            sex="male", date_of_birth="1985-03-12", specific_needs=["SP"])},
        {"relationship": "spouse", "person": person_values(
            given_names="Ana Yolanda", first_surname="Mejía", second_surname="Peña",
            sex="female", date_of_birth="1988-07-30", specific_needs=["PG", "SV"])},
        {"relationship": "child", "person": person_values(
            given_names="Kevin Josué", first_surname="Hernández", second_surname="Mejía",
            sex="male", age=9, date_of_birth=None)},
        {"relationship": "child", "person": person_values(
            given_names="Dayana", first_surname="Hernández", second_surname="Mejía",
            sex="female", date_of_birth="2012-01-05")},
        {"relationship": "child", "person": person_values(
            given_names="Ñaqui", first_surname="Hernández", second_surname="Mejía",
            sex="female", date_of_birth="2016-11-20")},
    ]


def make_household(user: User | None = None, members: list[dict] | None = None, **kwargs):
    user = user or make_user("registration")
    return services.register_household(actor=SYSTEM, user=user,
                                       registration_point=kwargs.pop("point", None) or make_point(),
                                       members=members or family_of_five(), **kwargs)


def clear_audit_log() -> None:
    """Empty the append-only audit table between transactional tests (SQLite's guard triggers
    refuse the DELETE that Django's flush sends; PostgreSQL's TRUNCATE does not fire them)."""
    from django.db import connection

    from acogida.accounts.models import AuditHead

    if connection.vendor != "sqlite":
        return
    from importlib import import_module

    guard = import_module("acogida.accounts.migrations.0002_append_only")
    with connection.cursor() as cursor:
        for statement in guard.SQLITE_REVERSE:
            cursor.execute(statement)
        cursor.execute("DELETE FROM accounts_auditentry")
        for statement in guard.SQLITE:
            cursor.execute(statement)
    AuditHead.objects.all().delete()
