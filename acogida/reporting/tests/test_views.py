"""The summary page: figures and bars for coordinators, never a name."""

import pytest
from django.test import Client
from django.urls import reverse

from acogida.testing import make_household, make_user

pytestmark = pytest.mark.django_db


def logged_in(role: str) -> Client:
    client = Client()
    client.force_login(make_user(role))
    return client


def test_coordinator_sees_the_figures_but_no_names():
    make_household()
    response = logged_in("coordinator").get(reverse("stats-summary"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "5 personas registradas" in text
    assert "Honduras (HND)" in text
    assert "Mujer" in text and "Hombre" in text
    assert "5-11 años" in text
    assert "5 integrantes" in text
    assert 'class="bar"' in text
    for name in ("Hernández", "Mejía", "José Luis", "Dayana"):
        assert name not in text


def test_summary_of_an_empty_registry():
    response = logged_in("admin").get(reverse("stats-summary"))
    assert response.status_code == 200
    assert "0 personas registradas" in response.content.decode()


def test_operational_roles_get_a_friendly_403():
    response = logged_in("registration").get(reverse("stats-summary"))
    assert response.status_code == 403
    assert "No permitido" in response.content.decode()
