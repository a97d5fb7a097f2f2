"""Merge two registrations into one, and undo it exactly.

The relations are discovered, not listed: every foreign key or one-to-one field, in any app, that
points at ``Person`` (``_meta`` reverse relations, hidden ones included) is followed, so a future
app's relation is moved too. For each row of the merged record:

- **moved**: its field is set to the survivor (journal: app_label, model, pk, field, old value);
- **parked**: where moving would break a conditional unique constraint that the survivor's own
  row already fills (a current household, an active document of the same type, an active stay,
  an active school enrolment), the merged record's row is first ended the way its app ends one
  (``PARKERS``), its previous values kept, then moved;
- **set aside**: where moving would break an unconditional unique constraint (the same consent
  purpose, the same vaccine dose, the same specific-need code), the row records the same fact as
  the survivor's: it is deleted and kept whole in the journal;
- anything else that cannot be moved (two open asylum claims in one jurisdiction) stops the
  merge with a ``Conflict``: a person must decide.

Finally the merged ``Person`` row is deleted and kept whole in the journal. ``undo`` replays the
journal backwards. Pure ORM, no access checks: ``services`` does those and the audit.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime

from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import audit
from acogida.core.errors import Conflict
from acogida.registry.models import Person

SKIP_APPS = frozenset()  # every app's relation is followed, dedup's own aliases included


def relations() -> list[models.ForeignKey]:
    """Every concrete forward field, in any model, that points at ``Person``."""
    out = []
    for rel in Person._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
            continue
        field = rel.field
        if field.model._meta.app_label in SKIP_APPS or not field.concrete:
            continue
        out.append(field)
    out.sort(key=lambda f: (f.model._meta.label, f.name))
    return out


# ---- plain values for the journal --------------------------------------------------------------

def _plain(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def dump_row(row: models.Model) -> dict:
    return json.loads(serializers.serialize("json", [row]))[0]


def load_row(data: dict) -> None:
    for obj in serializers.deserialize("json", json.dumps([data])):
        obj.save()


def _label(model) -> str:
    return model._meta.label


def _model(label: str):
    from django.apps import apps

    return apps.get_model(label)


# ---- constraints -------------------------------------------------------------------------------

def _unique_sets(model, field) -> list[tuple[str, tuple[str, ...], models.Q | None]]:
    """(name, fields, condition) of each uniqueness rule on ``model`` that involves ``field``."""
    out = []
    if field.unique:
        out.append((f"{model._meta.db_table}.{field.name}", (field.name,), None))
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields and \
                field.name in constraint.fields:
            out.append((constraint.name, tuple(constraint.fields), constraint.condition))
    for together in model._meta.unique_together:
        if field.name in together:
            out.append(("_".join(together), tuple(together), None))
    return out


def _clash(row, field, survivor) -> tuple[str, bool] | None:
    """The first uniqueness rule that moving ``row`` to ``survivor`` would break:
    (name, conditional), or None."""
    model = type(row)
    manager = model._base_manager
    for name, names, condition in _unique_sets(model, field):
        if condition is not None and not manager.filter(condition, pk=row.pk).exists():
            continue
        lookup = {field.name: survivor}
        for other in names:
            if other != field.name:
                lookup[model._meta.get_field(other).attname] = getattr(
                    row, model._meta.get_field(other).attname)
        existing = manager.filter(**lookup).exclude(pk=row.pk)
        if condition is not None:
            existing = existing.filter(condition)
        if existing.exists():
            return name, condition is not None
    return None


# ---- parking: end a row the way its app ends one -----------------------------------------------

def _park_membership(row, now: datetime, actor: audit.Actor) -> dict:
    return {"left_on": timezone.localdate(now)}


def _park_document(row, now: datetime, actor: audit.Actor) -> dict:
    # As documents.services.revoke does it (status, time, reason; the number goes on the public
    # revocation list, which is read from the status), with the same audit action.
    from acogida.documents.models import Status

    audit.record(actor, "document.revoke", "document", row.number,
                 subject=row.holder.registration_number, via="dedup.merge")
    return {"status": Status.REVOKED, "ended_at": now, "end_reason": "duplicate"}


def _park_stay(row, now: datetime, actor: audit.Actor) -> dict:
    return {"checked_out_at": now}


def _park_enrolment(row, now: datetime, actor: audit.Actor) -> dict:
    return {"status": "left", "left_at": now}


PARKERS: dict[str, Callable[..., dict]] = {
    "one_current_household_per_person": _park_membership,
    "one_active_document_per_type": _park_document,
    "one_active_stay_per_person": _park_stay,
    "one_active_enrolment_per_child": _park_enrolment,
}


def _dependents(row) -> bool:
    """Does any other row point at ``row``? Then it cannot be set aside."""
    for rel in type(row)._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one) and \
                rel.related_model._base_manager.filter(**{rel.field.name: row.pk}).exists():
            return True
    return False


# ---- merge and undo ----------------------------------------------------------------------------

def merge_rows(*, survivor: Person, merged: Person, actor: audit.Actor) -> dict:
    """Move, park or set aside every row of ``merged``; delete ``merged``. The journal."""
    now = timezone.now()
    journal = {"person": dump_row(merged), "moved": [], "parked": [], "set_aside": []}
    summary: Counter = Counter()
    for field in relations():
        model = field.model
        rows = list(model._base_manager.filter(**{field.attname: merged.pk}).order_by("pk"))
        for row in rows:
            key = {"model": _label(model), "pk": _plain(row.pk)}
            clash = _clash(row, field, survivor)
            if clash is not None:
                name, conditional = clash
                if conditional and name in PARKERS:
                    changes = PARKERS[name](row, now, actor)
                    old = {k: _plain(getattr(row, model._meta.get_field(k).attname))
                           for k in changes}
                    model._base_manager.filter(pk=row.pk).update(**changes)
                    journal["parked"].append({**key, "old": old})
                    summary[f"{_label(model)}.parked"] += 1
                    row.refresh_from_db()
                    clash = _clash(row, field, survivor)
                elif not conditional and not _dependents(row):
                    journal["set_aside"].append({**key, "row": dump_row(row)})
                    model._base_manager.filter(pk=row.pk).delete()
                    summary[f"{_label(model)}.set_aside"] += 1
                    continue
                if clash is not None:
                    raise Conflict(_("Both records hold a %(model)s that cannot be combined "
                                     "(%(rule)s): resolve it first, then merge.")
                                   % {"model": model._meta.verbose_name, "rule": clash[0]})
            model._base_manager.filter(pk=row.pk).update(**{field.attname: survivor.pk})
            journal["moved"].append({**key, "field": field.attname, "old": _plain(merged.pk),
                                     "new": _plain(survivor.pk)})
            summary[f"{_label(model)}.moved"] += 1
    Person.objects.filter(pk=merged.pk).delete()
    return {"journal": journal, "summary": dict(sorted(summary.items()))}


def undo(journal: dict) -> dict:
    """Put back what ``merge_rows`` changed. Rows changed since then keep their later changes
    except in the fields the merge itself wrote."""
    load_row(journal["person"])
    summary: Counter = Counter()
    for entry in reversed(journal["moved"]):
        model = _model(entry["model"])
        field = model._meta.get_field(entry["field"]) if entry["field"] in {
            f.name for f in model._meta.fields} else next(
            f for f in model._meta.fields if f.attname == entry["field"])
        value = field.target_field.to_python(entry["old"])
        model._base_manager.filter(pk=entry["pk"]).update(**{field.attname: value})
        summary[f"{entry['model']}.moved_back"] += 1
    for entry in reversed(journal["parked"]):
        model = _model(entry["model"])
        values = {}
        for name, value in entry["old"].items():
            field = model._meta.get_field(name)
            values[name] = None if value is None else field.to_python(value)
        model._base_manager.filter(pk=entry["pk"]).update(**values)
        summary[f"{entry['model']}.restored"] += 1
    for entry in reversed(journal["set_aside"]):
        load_row(entry["row"])
        summary[f"{entry['model']}.recreated"] += 1
    return dict(sorted(summary.items()))


def today() -> date:
    return timezone.localdate()
