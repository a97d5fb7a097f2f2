"""The one NinjaAPI, mounted at /api/v1/: auth, error shapes, one router per app.

Every error leaves as ``{"detail": "...", "errors": [{"field": "...", "message": "..."}]}``.
"""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from acogida.accounts.api import router as accounts_router
from acogida.accounts.api_support import API_AUTH
from acogida.asylum.api import router as asylum_router
from acogida.core.errors import DomainError
from acogida.dedup.api import router as dedup_router
from acogida.documents.api import router as documents_router
from acogida.health.api import router as health_router
from acogida.plan.api import router as plan_router
from acogida.registry.api import router as registry_router
from acogida.registry.api_imports import router as imports_router
from acogida.reporting.api import router as reporting_router
from acogida.schooling.api import router as schooling_router
from acogida.shelter.api import router as shelter_router
from acogida.shelter.api_proposals import router as placement_router

log = logging.getLogger(__name__)

api = NinjaAPI(
    title="Acogida API",
    version="1",
    description="Registry of a caravan's reception. Bearer tokens: `acogida token create USER`.",
    auth=API_AUTH,
    urls_namespace="api-v1",
)
api.add_router("", registry_router)
api.add_router("", imports_router)
api.add_router("", accounts_router)
api.add_router("", reporting_router)
api.add_router("", documents_router)
api.add_router("", shelter_router)
api.add_router("", placement_router)
api.add_router("", health_router)
api.add_router("", schooling_router)
api.add_router("", plan_router)
api.add_router("", asylum_router)
api.add_router("", dedup_router)


def _error(request, status: int, detail: str, errors: list | None = None):
    return api.create_response(request, {"detail": detail, "errors": errors or []},
                               status=status)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


def _location(loc: tuple) -> str:
    # ("body", "payload", "members", 2, "sex") -> "members[2].sex"
    parts = [p for p in loc if p not in ("body", "payload", "query", "params", "path", "form")]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    errors = [{"field": _location(tuple(e.get("loc", ()))), "message": e.get("msg", "")}
              for e in exc.errors]
    return _error(request, 422, _("The request has invalid or missing fields."), errors)


@api.exception_handler(DjangoValidationError)
def model_validation_error(request, exc: DjangoValidationError):
    """A model's own check caught what a service's rules should have: still the client's input,
    so a 422 that names the field, never a 500."""
    errors = [{"field": name, "message": str(message)}
              for name, messages in getattr(exc, "message_dict", {"": exc.messages}).items()
              for message in messages]
    return _error(request, 422, _("The request has invalid fields."), errors)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return _error(request, 401, _("Log in or send a valid bearer token."))


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, _("Not found."))


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(Exception)
def unexpected(request, exc):
    log.exception("unhandled error on %s", request.path)
    return _error(request, 500, _("Something went wrong on the server; nothing was changed."))
