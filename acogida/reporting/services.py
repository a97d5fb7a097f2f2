"""Writes: flow counts and edits to the Sphere ratios. Keyword-only, atomic, checked, audited."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.accounts.services import stored_user
from acogida.core.errors import FieldError, InvalidInput, NotFound
from acogida.registry.models import ArrivalGroup

from .models import FlowCount, FlowKind, SphereStandard


@transaction.atomic
def record_flow_count(*, actor: audit.Actor, user, date: date, place: str, state: str,
                      source: str, people_in: int = 0, people_out: int = 0,
                      families: int | None = None, children: int | None = None,
                      group: int | None = None, notes: str = "",
                      kind: str = FlowKind.ARRIVED) -> FlowCount:
    """One source's count at one place on one day; other sources for the same day are kept.
    ``kind``: what ``people_in`` counts: new arrivals that day (default), people present at the
    place, or a cumulative total."""
    access.require(user, "flows.write")
    errors = []
    if kind not in FlowKind.values:
        errors.append(FieldError("kind", _("One of: %(kinds)s.") % {
            "kinds": ", ".join(FlowKind.values)}))
    for name, value in (("people_in", people_in), ("people_out", people_out),
                        ("families", families), ("children", children)):
        if value is not None and value < 0:
            errors.append(FieldError(name, _("Must be 0 or more.")))
    if children is not None and people_in and children > people_in:
        errors.append(FieldError("children", _("More children than people counted.")))
    for name, value in (("place", place), ("state", state), ("source", source)):
        if not (value or "").strip():
            errors.append(FieldError(name, _("Required.")))
    if date > timezone.localdate():
        errors.append(FieldError("date", _("A count cannot be in the future.")))
    arrival_group = None
    if group is not None:
        arrival_group = ArrivalGroup.objects.filter(pk=group).first()
        if arrival_group is None:
            errors.append(FieldError("group", _("No arrival group with that number.")))
    if errors:
        raise InvalidInput(_("The flow count is not valid."), errors)
    flow = FlowCount(date=date, kind=kind, place=place.strip(), state=state.strip(),
                     source=source.strip(),
                     people_in=people_in, people_out=people_out, families=families,
                     children=children, arrival_group=arrival_group, notes=notes.strip(),
                     recorded_by=stored_user(user),
                     recorded_by_name=getattr(user, "username", ""), recorded_at=timezone.now())
    flow.full_clean()
    flow.save()
    audit.record(actor, "flow.record", "flow_count", flow.pk, date=str(date), place=flow.place,
                 kind=kind, people_in=people_in, source=flow.source)
    return flow


@transaction.atomic
def update_sphere_standard(*, actor: audit.Actor, user, key: str,
                           per_person: Decimal | None = None,
                           people_per_unit: int | None = None, source: str | None = None,
                           note: str | None = None) -> SphereStandard:
    access.require(user, "planning.write")
    standard = SphereStandard.objects.select_for_update().filter(key=key).first()
    if standard is None:
        raise NotFound(_("No planning ratio with that key."))
    errors = []
    if per_person is not None and people_per_unit is not None:
        errors.append(FieldError("people_per_unit", _("Give either a per-person amount or "
                                                      "people per unit, not both.")))
    if per_person is not None:
        if per_person <= 0:
            errors.append(FieldError("per_person", _("Must be more than 0.")))
        elif standard.per_person is None:
            errors.append(FieldError("per_person", _("This ratio counts people per unit.")))
    if people_per_unit is not None:
        if people_per_unit <= 0:
            errors.append(FieldError("people_per_unit", _("Must be more than 0.")))
        elif standard.people_per_unit is None:
            errors.append(FieldError("people_per_unit", _("This ratio is an amount per person.")))
    if source is not None and not source.strip():
        errors.append(FieldError("source", _("A ratio needs its source.")))
    if errors:
        raise InvalidInput(_("The ratio is not valid."), errors)
    before = {"per_person": str(standard.per_person), "people_per_unit": standard.people_per_unit,
              "source": standard.source}
    if per_person is not None:
        standard.per_person = per_person
    if people_per_unit is not None:
        standard.people_per_unit = people_per_unit
    if source is not None:
        standard.source = source.strip()
    if note is not None:
        standard.note = note.strip()
    standard.updated_at, standard.updated_by = timezone.now(), getattr(user, "username", "")
    standard.full_clean()
    standard.save()
    audit.record(actor, "planning.ratio.update", "sphere_standard", key, before=before,
                 after={"per_person": str(standard.per_person),
                        "people_per_unit": standard.people_per_unit, "source": standard.source})
    return standard
