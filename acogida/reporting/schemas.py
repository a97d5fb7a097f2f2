"""The filters' query parameters, shared by every ``/stats/{topic}`` endpoint (this app's and
the other apps', e.g. ``/stats/health`` and ``/stats/schooling``)."""

from ninja import Field, Schema

from .filters import Filters, parse


class FiltersIn(Schema):
    """Every figure takes these; a bad value is a 422 naming the field."""

    date_from: str | None = Field(None, description="YYYY-MM-DD")
    date_to: str | None = Field(None, description="YYYY-MM-DD")
    state: str | None = Field(None, description="state, e.g. Chiapas (case-insensitive)")
    place: str | None = Field(None, description="registration point code or part of a name")
    group: str | None = Field(None, description="arrival group id")


def filters_of(query: FiltersIn) -> Filters:
    """The parsed filters (422 naming the field when one is not valid)."""
    return parse(query.dict())
