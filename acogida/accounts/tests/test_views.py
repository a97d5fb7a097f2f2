"""Logging in, the start page by role, the language switch, the nav bar and the audit page."""

import pytest
from django.test import Client
from django.urls import reverse

from acogida.accounts.models import AuditEntry
from acogida.testing import make_household, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "a long test password"


def logged_in(role: str) -> Client:
    client = Client()
    client.force_login(make_user(role))
    return client


def test_login_page_is_spanish_with_labelled_inputs():
    response = Client().get(reverse("login"))
    assert response.status_code == 200
    text = response.content.decode()
    assert '<html lang="es">' in text
    assert "Iniciar sesión" in text
    assert '<label for="id_username">' in text and 'id="id_username"' in text
    assert '<label for="id_password">' in text and 'id="id_password"' in text


def test_login_takes_a_clerk_to_the_search_page():
    user = make_user("registration")
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD},
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("person-search")
    assert "Buscar personas" in response.content.decode()


def test_a_wrong_password_says_so_on_the_page():
    user = make_user("registration")
    response = Client().post(reverse("login"), {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_five_failures_lock_the_user_name():
    user = make_user("registration")
    client = Client()
    for _ in range(5):
        client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code in (403, 429)
    assert "Demasiados intentos" in response.content.decode()


def test_start_page_depends_on_the_role():
    assert logged_in("coordinator").get(reverse("home"))["Location"] == reverse("stats-summary")
    assert logged_in("shelter").get(reverse("home"))["Location"] == reverse("person-search")
    assert Client().get(reverse("home"))["Location"].startswith(reverse("login"))


def test_the_nav_bar_shows_only_what_the_role_may_use():
    text = logged_in("coordinator").get(reverse("stats-summary")).content.decode()
    assert reverse("stats-summary") in text
    assert reverse("person-search") not in text
    assert reverse("household-register") not in text
    assert reverse("audit-trail") not in text

    text = logged_in("registration").get(reverse("person-search")).content.decode()
    assert reverse("household-register") in text and reverse("people-import") in text
    assert reverse("audit-trail") not in text and reverse("stats-summary") not in text

    text = logged_in("admin").get(reverse("person-search")).content.decode()
    assert reverse("audit-trail") in text


def test_english_can_be_chosen_in_the_header():
    client = logged_in("registration")
    page = client.get(reverse("person-search")).content.decode()
    assert "Buscar personas" in page
    assert 'name="language" value="en"' in page
    client.post(reverse("set_language"), {"language": "en", "next": reverse("person-search")})
    page = client.get(reverse("person-search")).content.decode()
    assert '<html lang="en">' in page
    assert "Search people" in page and "Buscar personas" not in page


def test_logout_ends_the_session():
    client = logged_in("registration")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("person-search")).status_code == 302


def test_an_htmx_request_without_a_session_is_sent_to_the_login_page():
    response = Client().get(reverse("person-search"), {"q": "x"}, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("login")


# ---- audit ------------------------------------------------------------------------------------

def test_admin_sees_who_read_a_record():
    household = make_household()
    person = household.members.first().person
    officer = make_user("caseworker", username="officer-ana")
    reader = Client()
    reader.force_login(officer)
    reader.get(reverse("person-detail", args=[person.registration_number]))

    response = logged_in("admin").get(reverse("audit-trail"),
                                      {"number": person.registration_number.lower()})
    assert response.status_code == 200
    text = response.content.decode()
    assert "officer-ana" in text
    assert "person.read" in text
    assert "Oficial de casos" in text


def test_a_bad_number_is_shown_beside_the_field():
    response = logged_in("admin").get(reverse("audit-trail"), {"number": "nonsense"})
    assert response.status_code == 200
    assert 'id="id_number-error"' in response.content.decode()


def test_verifying_the_chain_reports_and_is_audited():
    make_household()
    response = logged_in("admin").post(reverse("audit-trail"))
    assert response.status_code == 200
    assert "La cadena está íntegra" in response.content.decode()
    assert AuditEntry.objects.filter(action="audit.verify").exists()


def test_only_admins_see_the_audit_page():
    for role in ("registration", "caseworker", "coordinator"):
        client = logged_in(role)
        assert client.get(reverse("audit-trail")).status_code == 403
        assert client.post(reverse("audit-trail")).status_code == 403
    assert not AuditEntry.objects.filter(action="audit.verify").exists()


def test_scripts_and_styles_are_served_by_the_app_itself():
    """Offline: no CDN. Needs ``STATICFILES_DIRS = [BASE_DIR / "static"]`` in settings."""
    page = Client().get(reverse("login")).content.decode()
    assert "/static/django_htmx/htmx-2.min.js" in page and "/static/acogida/acogida.css" in page
    assert "https://" not in page and "http://" not in page
    for path in ("/static/django_htmx/htmx-2.min.js", "/static/acogida/acogida.css",
                 "/static/acogida/acogida.js"):
        assert Client().get(path).status_code == 200, path
