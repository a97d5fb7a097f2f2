"""Where an offer is made: a registration point or a shelter, named the way people name them.

A place is written ``point:TAP`` or ``shelter:12`` (the API's and the pages' keys); a bare text
is matched, in this order, against a point's code, then a point's or shelter's exact name, then a
unique part of one. Ambiguous or unknown text is refused with the candidates named.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from acogida.core import numbers
from acogida.core.errors import FieldError, InvalidInput
from acogida.registry import selectors as registry
from acogida.shelter import selectors as shelters

POINT, SHELTER = "point", "shelter"


@dataclass(frozen=True)
class Place:
    kind: str
    id: int
    code: str
    name: str
    state: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.code if self.kind == POINT else self.id}"

    def as_dict(self) -> dict:
        return {"kind": self.kind, "key": self.key, "id": self.id, "name": self.name,
                "state": self.state}


def of_point(point) -> Place:
    """A registration point as a place."""
    return Place(POINT, point.pk, point.code, point.name, point.state)


def of_shelter(shelter) -> Place:
    """A shelter as a place."""
    return Place(SHELTER, shelter.pk, str(shelter.pk), shelter.name, shelter.state)


def _refuse(text: str, candidates: list[Place] | None = None) -> InvalidInput:
    if candidates:
        return InvalidInput(_("More than one place matches: name one of them."), [
            FieldError("place", f"{p.key} ({p.name})") for p in candidates[:10]])
    return InvalidInput(_("No registration point or shelter with that name."),
                        [FieldError("place", text[:100])])


def resolve(text: str) -> Place:
    text = (text or "").strip()
    if not text or len(text) > 200:
        raise _refuse(text)
    kind, _sep, rest = text.partition(":")
    if kind == POINT and rest:
        point = registry.registration_points_where(Q(code__iexact=rest)).first()
        if point:
            return of_point(point)
        raise _refuse(text)
    if kind == SHELTER and rest:
        shelter_id = numbers.parse_id(rest)  # ASCII digits only: "²" is refused, not a 500
        shelter = (shelters.shelters_where(Q(pk=shelter_id)).first()
                   if shelter_id is not None else None)
        if shelter:
            return of_shelter(shelter)
        raise _refuse(text)
    if point := registry.registration_points_where(Q(code__iexact=text)).first():
        return of_point(point)
    exact = ([of_point(p) for p in registry.registration_points_where(Q(name__iexact=text))]
             + [of_shelter(s) for s in shelters.shelters_where(Q(name__iexact=text))])
    if len(exact) == 1:
        return exact[0]
    partial = exact or (
        [of_point(p) for p in registry.registration_points_where(
            Q(name__icontains=text) | Q(municipality__iexact=text)).order_by("code")]
        + [of_shelter(s) for s in shelters.shelters_where(Q(name__icontains=text))
           .order_by("pk")])
    if len(partial) == 1:
        return partial[0]
    raise _refuse(text, partial)


def plan_places(states: list[str]) -> list[Place]:
    """The points and shelters in the plan's states (the pages offer these)."""
    folded = Q()
    for state in states:
        folded |= Q(state__iexact=state)
    if not states:
        return []
    return ([of_point(p) for p in registry.registration_points_where(folded).order_by("code")]
            + [of_shelter(s) for s in shelters.shelters_where(folded).order_by("name")])
