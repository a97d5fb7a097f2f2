"""Writes on users and tokens."""

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.core.errors import Conflict, FieldError, InvalidInput

from . import audit
from .access import ROLES
from .models import ApiToken, User


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


@transaction.atomic
def create_token(*, actor: audit.Actor, user: User) -> str:
    """A new bearer token; the clear value is returned once and never stored."""
    token = "acg_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, digest=ApiToken.digest_of(token), prefix=token[:8])
    audit.record(actor, "token.create", "user", user.username)
    return token


def user_for_token(token: str) -> User | None:
    found = (ApiToken.objects.select_related("user")
             .filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True).first())
    if found is None or not found.user.is_active:
        return None
    now = timezone.now()
    # Touch at most once a minute: a write per API call would serialise readers on SQLite.
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.user
