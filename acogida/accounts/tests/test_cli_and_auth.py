import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client

from acogida import testing
from acogida.accounts.models import ApiToken, User


def _stdin(monkeypatch, text):
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


@pytest.mark.django_db
def test_user_create_reads_password_from_stdin(monkeypatch):
    _stdin(monkeypatch, "correct horse battery staple\n")
    call_command("user", "create", "ana", "--role", "caseworker", stdout=io.StringIO())
    user = User.objects.get(username="ana")
    assert user.role == "caseworker" and user.check_password("correct horse battery staple")


@pytest.mark.django_db
def test_user_create_refuses_weak_password_and_duplicates(monkeypatch):
    _stdin(monkeypatch, "123\n")
    with pytest.raises(CommandError, match="password: "):
        call_command("user", "create", "ana", "--role", "caseworker")
    _stdin(monkeypatch, "a much longer passphrase\n")
    call_command("user", "create", "ana", "--role", "admin", stdout=io.StringIO())
    _stdin(monkeypatch, "a much longer passphrase\n")
    with pytest.raises(CommandError, match="exists"):
        call_command("user", "create", "ana", "--role", "admin")


@pytest.mark.django_db
def test_token_create_prints_a_working_token():
    testing.make_point()
    user = testing.make_user("registration", username="clerk")
    out = io.StringIO()
    call_command("token", "create", "clerk", stdout=out)
    token = out.getvalue().strip()
    assert token.startswith("acg_")
    assert not ApiToken.objects.filter(digest=token).exists()  # only the hash is stored
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/v1/people", {"q": "x"}).status_code == 200
    assert user.api_tokens.count() == 1
    with pytest.raises(CommandError, match="no user"):
        call_command("token", "create", "nobody")


def test_passwords_hashed_with_argon2_in_production():
    # The test run swaps in a fast hasher (conftest); the settings module itself uses Argon2.
    import importlib

    import acogida.settings as production

    importlib.reload(production)
    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600 and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


@pytest.mark.django_db
def test_login_is_throttled_after_repeated_failures(client):
    testing.make_user("registration", username="clerk")
    for _ in range(5):
        response = client.post("/login/", {"username": "clerk", "password": "wrong password"})
        assert response.status_code in (200, 429)
    response = client.post("/login/", {"username": "clerk", "password": "a long test password"})
    assert response.status_code == 429  # locked, even with the right password


@pytest.mark.django_db
def test_tokens_can_be_listed_revoked_and_expire():
    from datetime import timedelta

    from django.utils import timezone

    testing.make_user("registration", username="clerk")
    out = io.StringIO()
    call_command("token", "create", "clerk", "--days", "30", stdout=out)
    token = out.getvalue().strip()
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/v1/people", {"q": "x"}).status_code == 200

    listing = io.StringIO()
    call_command("token", "list", "clerk", stdout=listing)
    assert token[:12] in listing.getvalue() and "active" in listing.getvalue()

    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/people", {"q": "x"}).status_code == 401
    ApiToken.objects.update(expires_at=timezone.now() + timedelta(days=1))
    assert client.get("/api/v1/people", {"q": "x"}).status_code == 200

    call_command("token", "revoke", token[:10], stdout=io.StringIO())
    assert client.get("/api/v1/people", {"q": "x"}).status_code == 401
    with pytest.raises(CommandError):  # already revoked: nothing matches
        call_command("token", "revoke", token[:10])
