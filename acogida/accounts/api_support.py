"""What every API endpoint shares: who is calling, and which action it performs.

``@action("person.read")`` declares the endpoint's action from ``access.PERMISSIONS`` and refuses
roles without it before the body runs. The access-matrix test reads the declarations, so an
endpoint without one fails the suite.
"""

import functools

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from . import access, audit
from .services import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class Session(SessionAuth):
    """The browser session, with Django's CSRF check for writes."""


API_AUTH = [BearerToken(), Session()]


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def actor_of(request: HttpRequest) -> audit.Actor:
    return audit.Actor.of(request.auth if getattr(request, "auth", None) else request.user,
                          client_address(request))


def user_of(request: HttpRequest):
    return request.auth if getattr(request, "auth", None) else request.user


def action(name: str):
    if name not in access.PERMISSIONS:
        raise KeyError(f"no access policy for action {name!r}")

    def decorate(view):
        @functools.wraps(view)
        def guarded(request, *args, **kwargs):
            access.require(user_of(request), name)
            return view(request, *args, **kwargs)

        guarded.acogida_action = name
        return guarded

    return decorate
