"""The review pages: the queue, the pair side by side (chart escaped), decisions, runs, unmerge."""

import pytest
from django.test import Client

from acogida import testing
from acogida.dedup.models import CandidatePair, PersonAlias

from .factories import pair, twins

pytestmark = pytest.mark.django_db


def _client(role: str) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(testing.make_user(role))
    return client


def test_queue_and_pair_side_by_side_with_a_chart_and_counts():
    a, b = twins(date_of_birth="1990-05-01")
    candidate = pair(a, b, 0.97)
    client = _client("caseworker")
    html = client.get("/duplicates/").content.decode()
    assert a.registration_number in html and "0.970" in html
    html = client.get(f"/duplicates/pairs/{candidate.pk}/").content.decode()
    assert "<svg" in html and "exact &lt;b&gt;" in html and "exact <b>" not in html
    assert "<mark>" in html  # the names differ (accents)
    assert "documents" in html and "medical encounters" not in html  # no health.read
    assert 'value="merge"' in html
    assert client.get("/duplicates/?min_probability=abc").status_code == 200
    assert client.get("/duplicates/pairs/99999/").status_code == 404


def test_registration_reviews_but_does_not_decide():
    a, b = twins()
    candidate = pair(a, b)
    client = _client("registration")
    assert 'value="merge"' not in client.get(
        f"/duplicates/pairs/{candidate.pk}/").content.decode()
    assert client.post(f"/duplicates/pairs/{candidate.pk}/decide",
                       {"decision": "merge"}).status_code == 403
    assert CandidatePair.objects.get().status == "pending"


def test_merge_from_the_page_then_unmerge_from_the_person_page():
    a, b = twins()
    candidate = pair(a, b)
    client = _client("caseworker")
    response = client.post(f"/duplicates/pairs/{candidate.pk}/decide",
                           {"decision": "merge", "survivor": a.registration_number})
    assert response.status_code == 302
    html = client.get(f"/people/{b.registration_number}/").content.decode()
    assert "was merged into this record" in html
    assert f"/people/{b.registration_number}/unmerge" in html
    client.post(f"/people/{b.registration_number}/unmerge")
    assert not PersonAlias.objects.exists()
    response = client.post(f"/people/{b.registration_number}/unmerge", follow=True)
    assert "never merged" in response.content.decode()


def test_runs_page_for_coordinators_with_bulk_accept():
    client = _client("coordinator")
    html = client.get("/duplicates/runs/").content.decode()
    assert "bulk-accept" in html
    response = client.post("/duplicates/bulk-accept", {"min_probability": "0.2"}, follow=True)
    assert response.status_code == 200 and "at least" in response.content.decode()
    response = client.post("/duplicates/runs/start", {"threshold": "x"}, follow=True)
    assert response.status_code == 200
    assert _client("registration").get("/duplicates/runs/").status_code == 403
