"""Every API route × every role: allowed or refused exactly as accounts.access says.

Routes are read from the live API, so a new endpoint without a declared action, or whose action
has no policy, fails here before it can leak anything.
"""

import re

import pytest

from acogida import testing
from acogida.accounts import access
from acogida.api import api

# (method, path) reachable without login
PUBLIC: set[tuple[str, str]] = {("POST", "/documents/verify"), ("GET", "/documents/revocations")}


def api_routes() -> list[tuple[str, str, str | None]]:
    routes = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    action = getattr(operation.view_func, "acogida_action", None)
                    routes.append((method, f"{prefix}{path}".replace("//", "/"), action))
    return routes


ROUTES = api_routes()


def test_every_route_declares_a_known_action():
    assert len(ROUTES) >= 10
    for method, path, action in ROUTES:
        if (method, path) in PUBLIC:
            continue
        assert action, f"{method} {path} declares no action"
        assert action in access.PERMISSIONS, f"{method} {path}: no policy for {action}"


@pytest.fixture
def world(db):
    household = testing.make_household()
    person = household.members.first().person
    from acogida.documents.services import issue_temporary_id

    document = issue_temporary_id(actor=testing.SYSTEM, user=testing.make_user("admin"),
                                  registration_number=person.registration_number)
    from acogida.shelter.tests.factories import adult_man, check_in, make_shelter

    shelter, sections = make_shelter()
    stay = check_in(sections["Hombres"], person=adult_man())[0]
    return {"registration_number": person.registration_number, "id": household.number,
            "number": document.number, "shelter_id": str(shelter.pk), "stay_id": str(stay.pk),
            **_proposal_world(), **_schooling_world(), **_plan_world(),
            **_claim_world(), **_dedup_world(),
            "filename": "registrations.csv", "key": "water"}  # reporting: an export, a ratio


def _proposal_world() -> dict:
    """A draft placement proposal (nobody waits: it is empty)."""
    from acogida.shelter import proposals

    proposal = proposals.create_proposal(actor=testing.SYSTEM, user=testing.make_user("admin"),
                                         households=[], time_limit_s=1)
    return {"proposal_id": str(proposal.pk)}


def _claim_world() -> dict:
    """An open Mexican claim."""
    from acogida.asylum.tests.factories import open_claim

    return {"claim_number": open_claim(testing.make_person(given_names="Solicitante")).number}


def _schooling_world() -> dict:
    """A primaria with one enrolled child; a draft bulk enrolment proposal."""
    from acogida.schooling.tests.factories import bulk_proposal, child, enrol, make_school

    school = make_school(seats={3: 1})
    enrolment = enrol(child(), school)
    return {"school_id": str(school.pk), "enrolment_id": str(enrolment.pk),
            "school_proposal_id": str(bulk_proposal().pk)}


def _dedup_world() -> dict:
    """A pending candidate pair (two registrations of one person)."""
    from acogida.dedup.tests.factories import pair, twins

    return {"pair_id": str(pair(*twins(given_names="Duplicada"), probability=0.9).pk)}


def _plan_world() -> dict:
    """An open offer of the plan ("Estás en tu casa")."""
    from acogida.plan.tests.factories import eligible_person, offer

    return {"offer_id": str(offer(eligible_person(given_names="Rosa Elena")).pk)}


def _url(path: str, world: dict) -> str:
    return "/api/v1" + re.sub(r"\{(\w+)\}", lambda m: world[m.group(1)], path)


def _call(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    return client.generic(method, url, "{}", content_type="application/json")


@pytest.mark.parametrize("role", access.ROLES)
def test_role_matrix(world, role):
    client = testing.api_client(testing.make_user(role))
    for method, path, action in ROUTES:
        if (method, path) in PUBLIC:
            continue
        response = _call(client, method, _url(path, world))
        allowed = role in access.PERMISSIONS[action]
        if allowed:
            assert response.status_code not in (401, 403), (role, method, path, response.json())
        else:
            assert response.status_code == 403, (role, method, path, response.status_code)
            assert response.json()["detail"]


def test_anonymous_gets_401_everywhere(world, client):
    for method, path, _action in ROUTES:
        if (method, path) in PUBLIC:
            continue
        response = _call(client, method, _url(path, world))
        assert response.status_code == 401, (method, path)
        assert set(response.json()) == {"detail", "errors"}


def test_bad_token_is_refused(world):
    from django.test import Client

    client = Client(headers={"Authorization": "Bearer acg_not-a-token"})
    assert client.get("/api/v1/people?q=x").status_code == 401


def test_inactive_user_token_is_refused(world):
    user = testing.make_user("registration")
    client = testing.api_client(user)
    user.is_active = False
    user.save()
    assert client.get("/api/v1/people?q=x").status_code == 401


def test_session_writes_need_csrf(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(testing.make_user("registration"))
    assert client.get("/api/v1/people?q=hernandez").status_code == 200
    response = client.post("/api/v1/people", "{}", content_type="application/json")
    assert response.status_code == 403
