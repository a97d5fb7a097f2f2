"""What every API endpoint shares: who is calling, and which action it performs.

``@action("person.read")`` declares the endpoint's action from ``access.PERMISSIONS``. Routers
made with ``AccessRouter`` turn that declaration into the endpoint's authentication, so the role
is checked before the request body is even read (a denied role gets 403, never a 422 that
describes the schema); the body also re-checks, as a second line. The access-matrix test reads the
declarations, so an endpoint without one fails the suite.
"""

import functools

from django.http import HttpRequest
from ninja import Router
from ninja.constants import NOT_SET
from ninja.security import HttpBearer, SessionAuth

from . import access, audit
from .services import user_for_token
from .web_support import client_address


class BearerToken(HttpBearer):
    def __init__(self, action: str | None = None):
        self.action = action
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_token(token)
        if user is None:
            return None
        request.user = user
        if self.action:
            access.require(user, self.action)
        return user


class Session(SessionAuth):
    """The browser session, with Django's CSRF check for writes."""

    def __init__(self, action: str | None = None):
        self.action = action
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = super().authenticate(request, key)
        if user is not None and self.action:
            access.require(user, self.action)
        return user


def allow(action_name: str) -> list:
    return [BearerToken(action_name), Session(action_name)]


class AccessRouter(Router):
    def add_api_operation(self, path, methods, view_func, *, auth=NOT_SET, **kwargs):
        declared = getattr(view_func, "acogida_action", None)
        if auth is NOT_SET and declared:
            auth = allow(declared)
        return super().add_api_operation(path, methods, view_func, auth=auth, **kwargs)


def user_of(request: HttpRequest):
    return request.auth if getattr(request, "auth", None) else request.user


def actor_of(request: HttpRequest) -> audit.Actor:
    return audit.Actor.of(user_of(request), client_address(request))


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


# Default for endpoints that declare no action (none should: the access-matrix test says so).
API_AUTH = [BearerToken(), Session()]
