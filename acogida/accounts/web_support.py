"""What every web page shares: who is asking, and how domain errors become pages.

The web twin of ``api_support``: a view wrapped in ``@page`` needs a login, and the services'
``Forbidden`` and ``NotFound`` become Django's 403 and 404 pages (templates/403.html, 404.html).
Access itself is still decided by ``access`` inside the services and selectors.
"""

import functools

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import resolve_url

from acogida.core.errors import Forbidden, NotFound

from . import audit


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def actor_of(request: HttpRequest) -> audit.Actor:
    return audit.Actor.of(request.user, client_address(request))


def page(view):
    """Login required; domain refusals become the friendly 403 and 404 pages."""

    @functools.wraps(view)
    def refusing(request: HttpRequest, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Forbidden as exc:
            raise PermissionDenied(str(exc.detail)) from exc
        except NotFound as exc:
            raise Http404(str(exc.detail)) from exc

    logged_in = login_required(refusing)

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs):
        if getattr(request, "htmx", False) and not request.user.is_authenticated:
            # A partial must not swap the login page into a table: send the browser there.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
            return response
        return logged_in(request, *args, **kwargs)

    return guarded
