"""The dedup API: the queue, decisions, bulk acceptance, unmerge, alias lookups, 409s, roles."""

import json

import pytest

from acogida import testing
from acogida.dedup.models import CandidatePair

from .factories import caravan, pair, trained_model, twins

pytestmark = pytest.mark.django_db


def _post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def test_queue_lists_pending_pairs_best_first_with_filters():
    a, b = twins()
    c = testing.make_person(given_names="Marí José")
    pair(a, b, 0.99)
    pair(a, c, 0.85)
    client = testing.api_client(testing.make_user("registration"))
    body = client.get("/api/v1/dedup/pairs").json()
    assert body["count"] == 2
    assert [p["probability"] for p in body["items"]] == [0.99, 0.85]
    assert body["items"][0]["explanation"][0]["comparison"] == "prior"
    assert client.get("/api/v1/dedup/pairs?min_probability=0.9").json()["count"] == 1
    assert client.get("/api/v1/dedup/pairs?status=merged").json()["count"] == 0
    assert client.get("/api/v1/dedup/pairs?status=nonsense").status_code == 422
    assert client.get("/api/v1/dedup/pairs?min_probability=abc").status_code == 422
    assert client.get("/api/v1/dedup/pairs?page=0").status_code == 422


def test_decision_merge_then_alias_lookup_then_unmerge():
    a, b = twins()
    candidate = pair(a, b)
    client = testing.api_client(testing.make_user("caseworker"))
    response = _post(client, f"/api/v1/dedup/pairs/{candidate.pk}/decision",
                     {"decision": "merge", "survivor": b.registration_number, "reason": "same"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "merged"

    found = client.get(f"/api/v1/people/{a.registration_number}").json()
    assert found["registration_number"] == b.registration_number
    assert found["found_by_alias"] == a.registration_number
    assert found["aliases"] == [a.registration_number]
    page = testing.make_user("caseworker")
    from django.test import Client

    web = Client(headers={"Accept-Language": "en"})
    web.force_login(page)
    html = web.get(f"/people/{a.registration_number}/").content.decode()
    assert b.registration_number in html and a.registration_number in html

    # the pair is decided: a second decision, a merge into itself, a second merge → 409
    again = _post(client, f"/api/v1/dedup/pairs/{candidate.pk}/decision", {"decision": "merge"})
    assert again.status_code == 409 and again.json()["detail"]

    response = _post(client, f"/api/v1/people/{a.registration_number}/unmerge")
    assert response.status_code == 200
    assert client.get(f"/api/v1/people/{a.registration_number}").json()[
        "registration_number"] == a.registration_number
    never = _post(client, f"/api/v1/people/{a.registration_number}/unmerge")
    assert never.status_code == 409 and "never merged" in never.json()["detail"]


def test_merge_into_itself_and_records_already_merged_are_conflicts():
    from acogida.dedup import services

    a, b = twins()
    user = testing.make_user("admin")
    with pytest.raises(services.Conflict, match="itself"):
        services.merge_people(actor=testing.SYSTEM, user=user, survivor=a.registration_number,
                              merged=a.registration_number)
    services.merge_people(actor=testing.SYSTEM, user=user, survivor=a.registration_number,
                          merged=b.registration_number)
    with pytest.raises(services.Conflict, match="already merged"):
        services.merge_people(actor=testing.SYSTEM, user=user, survivor=a.registration_number,
                              merged=b.registration_number)
    client = testing.api_client(user)
    survivor = _post(client, f"/api/v1/people/{a.registration_number}/unmerge")
    assert survivor.status_code == 409 and "surviving" in survivor.json()["detail"]


def test_bad_decisions_are_422_never_500():
    a, b = twins()
    candidate = pair(a, b)
    client = testing.api_client(testing.make_user("admin"))
    url = f"/api/v1/dedup/pairs/{candidate.pk}/decision"
    assert _post(client, url, {"decision": "maybe"}).status_code == 422
    assert _post(client, url, {"decision": "merge", "survivor": "XX"}).status_code == 422
    assert _post(client, url, {"decision": "defer", "reason": "x" * 400}).status_code == 422
    assert _post(client, "/api/v1/dedup/pairs/999999/decision",
                 {"decision": "defer"}).status_code == 404
    assert _post(client, url, {"decision": "defer"}).json()["status"] == "deferred"
    assert _post(client, "/api/v1/dedup/runs", {"threshold": 7}).status_code == 422


def test_not_duplicate_is_remembered():
    a, b = twins()
    candidate = pair(a, b)
    client = testing.api_client(testing.make_user("caseworker"))
    _post(client, f"/api/v1/dedup/pairs/{candidate.pk}/decision", {"decision": "not_duplicate"})
    assert client.get("/api/v1/dedup/pairs").json()["count"] == 0
    assert CandidatePair.objects.get().status == "not_duplicate"


def test_bulk_accept_merges_near_certain_pairs_and_reports_conflicts():
    from acogida.asylum.tests.factories import open_claim

    a, b = twins()
    c, d = twins(date_of_birth="1991-01-01")
    e = testing.make_person(given_names="María Jose", date_of_birth="1991-01-01")
    open_claim(c)
    open_claim(d)
    pair(a, b, 0.999)
    pair(c, d, 0.998)
    pair(c, e, 0.90)
    client = testing.api_client(testing.make_user("coordinator"))
    assert _post(client, "/api/v1/dedup/pairs/bulk-accept",
                 {"min_probability": 0.5}).status_code == 422
    body = _post(client, "/api/v1/dedup/pairs/bulk-accept", {"min_probability": 0.99}).json()
    assert len(body["merged"]) == 1 and len(body["skipped"]) == 1
    assert "claim" in body["skipped"][0]["reason"]
    assert CandidatePair.objects.filter(status="pending").count() == 2


@pytest.mark.parametrize("role,allowed", [("coordinator", True), ("admin", True),
                                          ("caseworker", False), ("registration", False)])
def test_runs_by_role(role, allowed):
    client = testing.api_client(testing.make_user(role))
    response = _post(client, "/api/v1/dedup/runs", {"threshold": 0.9})
    if allowed:
        assert response.status_code == 409  # too few people to train: said, not a 500
    else:
        assert response.status_code == 403


def test_run_endpoint_returns_figures():
    caravan(200, seed=3)
    trained_model()
    client = testing.api_client(testing.make_user("coordinator"))
    response = _post(client, "/api/v1/dedup/runs", {"threshold": 0.9})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["people"] == 200 and not body["retrained"]
    assert body["pairs"] == body["new_pairs"]


def test_the_queue_is_audited_and_cheap(django_assert_max_num_queries):
    from acogida.accounts.models import AuditEntry

    people = [testing.make_person(given_names=f"Ana {chr(65 + i)}") for i in range(12)]
    for left, right in zip(people[::2], people[1::2], strict=True):
        pair(left, right, 0.9)
    client = testing.api_client(testing.make_user("registration"))
    with django_assert_max_num_queries(20):
        body = client.get("/api/v1/dedup/pairs").json()
    assert body["count"] == 6
    listed = AuditEntry.objects.filter(action="person.list", details__via="dedup")
    assert set(listed.values_list("subject", flat=True)) == {
        p.registration_number for p in people}


def test_odd_pair_ids_are_404_never_500():
    client = testing.api_client(testing.make_user("admin"))
    assert _post(client, "/api/v1/dedup/pairs/²/decision",
                 {"decision": "defer"}).status_code in (404, 422)
    from django.test import Client

    web = Client()
    web.force_login(testing.make_user("caseworker"))
    assert web.get("/duplicates/pairs/99999999999/").status_code == 404
    from acogida.dedup import selectors

    with pytest.raises(selectors.NotFound):
        selectors.get_pair(actor=testing.SYSTEM, user=testing.make_user("admin"), pair_id="²")


def test_bulk_accept_rechecks_chooses_the_card_holder_and_hides_numbers_from_coordinators():
    from acogida.asylum.tests.factories import open_claim
    from acogida.dedup import services
    from acogida.dedup.models import PersonAlias
    from acogida.documents.models import Document
    from acogida.documents.services import issue_temporary_id

    a, b = twins()
    issue_temporary_id(actor=testing.SYSTEM, user=testing.make_user("admin"),
                       registration_number=b.registration_number)
    Document.objects.filter(holder=b).update(status="issued")
    c, d = twins(date_of_birth="1991-01-01")
    open_claim(c)
    open_claim(d)
    pair(a, b, 0.999)
    pair(c, d, 0.998)
    report = services.bulk_accept(actor=testing.SYSTEM, user=testing.make_user("coordinator"),
                                  min_probability=0.99)
    assert len(report.merged) == 1 and len(report.skipped) == 1
    # the record holding the issued card survives, whichever number is smaller
    assert PersonAlias.objects.get().person.registration_number == b.registration_number
    assert c.registration_number not in report.skipped[0]["reason"]
    assert d.registration_number not in report.skipped[0]["reason"]


def test_document_revoke_duplicate_policy():
    from acogida.accounts import access

    allowed = {role for role in ("coordinator", "caseworker", "admin", "registration",
                                 "medical", "shelter")
               if access.can(testing.make_user(role), "document.revoke.duplicate")}
    assert allowed == {"coordinator", "caseworker", "admin"}
    assert not access.can(testing.make_user("coordinator"), "document.revoke")


def test_unmerge_reports_the_documents_to_reissue():
    from acogida.documents.services import issue_temporary_id

    a, b = twins()
    admin = testing.make_user("admin")
    for person in (a, b):
        issue_temporary_id(actor=testing.SYSTEM, user=admin,
                           registration_number=person.registration_number)
    candidate = pair(a, b)
    client = testing.api_client(testing.make_user("caseworker"))
    assert _post(client, f"/api/v1/dedup/pairs/{candidate.pk}/decision",
                 {"decision": "merge", "survivor": a.registration_number}).status_code == 200
    body = _post(client, f"/api/v1/people/{b.registration_number}/unmerge").json()
    assert len(body["new_documents_needed"]) == 1
