"""Public, unauthenticated views: the issuer's public keys, for verifiers to download."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from . import keys


@require_GET
def issuer_keys(request: HttpRequest) -> JsonResponse:
    """The JWK set (Ed25519, ``kid`` per key, the current key first). Old keys stay listed, so
    cards signed before a rotation keep verifying."""
    response = JsonResponse(keys.jwks())
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response
