"""Writes on users and tokens."""

import os
import secrets
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.core.errors import Conflict, FieldError, InvalidInput, NotFound

from . import audit
from .access import ROLES
from .models import ApiToken, User


def stored_user(user):
    """The user to keep on a row as who did it: the command line acts as an unsaved user, for
    whom nothing is kept (the audit entry names the actor)."""
    return user if getattr(user, "pk", None) else None


@transaction.atomic
def create_user(*, actor: audit.Actor, username: str, role: str, password: str,
                check_password: bool = True) -> User:
    if role not in ROLES:
        raise InvalidInput(_("Unknown role."), [FieldError(
            "role", _("Choose one of: %(roles)s.") % {"roles": ", ".join(ROLES)})])
    if User.objects.filter(username=username).exists():
        raise Conflict(_("A user with that name exists."), [FieldError("username", username)])
    user = User(username=username, role=role, is_staff=(role == "admin"))
    if check_password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise InvalidInput(_("The password is too weak."),
                               [FieldError("password", m) for m in exc.messages]) from exc
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit.record(actor, "user.create", "user", username, role=role)
    return user


TOKEN_DAYS = int(os.environ.get("ACOGIDA_TOKEN_DAYS", "90"))


@transaction.atomic
def create_token(*, actor: audit.Actor, user: User, days: int = TOKEN_DAYS) -> str:
    """A new bearer token, valid for ``days``; the clear value is returned once, never stored."""
    token = "acg_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, digest=ApiToken.digest_of(token), prefix=token[:12],
                            expires_at=timezone.now() + timedelta(days=days))
    audit.record(actor, "token.create", "user", user.username, prefix=token[:12], days=days)
    return token


@transaction.atomic
def revoke_tokens(*, actor: audit.Actor, prefix: str = "", user: User | None = None) -> int:
    """Revoke the token that starts with ``prefix``, or every token of ``user``."""
    tokens = ApiToken.objects.filter(revoked_at__isnull=True)
    if prefix:
        if len(prefix) < 8:
            raise InvalidInput(_("Give at least the first 8 characters of the token."),
                               [FieldError("prefix", prefix)])
        tokens = tokens.filter(prefix__startswith=prefix[:12])
    elif user is not None:
        tokens = tokens.filter(user=user)
    else:
        raise InvalidInput(_("Name a token or a user."))
    found = list(tokens.select_related("user"))
    if not found:
        raise NotFound(_("No active token matches."))
    ApiToken.objects.filter(pk__in=[t.pk for t in found]).update(revoked_at=timezone.now())
    audit.record_many(actor, [audit.Event("token.revoke", "user", t.user.username,
                                          {"prefix": t.prefix}) for t in found])
    return len(found)


def user_for_token(token: str) -> User | None:
    found = (ApiToken.objects.select_related("user")
             .filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True).first())
    now = timezone.now()
    if found is None or not found.user.is_active or (found.expires_at and found.expires_at < now):
        return None
    # Touch at most once a minute: a write per API call would serialise readers on SQLite.
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.user
