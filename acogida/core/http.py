"""Responses that carry a person's data as a file (a photo, a card PDF, a health record)."""

from django.http import HttpResponse


def private_file(data: bytes | str, content_type: str, filename: str = "") -> HttpResponse:
    """Shown inline, never kept by a browser's or a proxy's cache: these bytes identify a person."""
    response = HttpResponse(data, content_type=content_type)
    if filename:
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
