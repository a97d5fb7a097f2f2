"""Merge two registrations into one, and undo it exactly.

The relations are discovered, not listed: every foreign key or one-to-one field, in any app, that
points at ``Person`` (``_meta`` reverse relations, hidden ones included) is followed, so a future
app's relation is moved too; a relation this module cannot move (many-to-many, a uniqueness rule
written as an expression) fails loudly instead of being skipped. For each row of the merged record:

- **moved**: its field is set to the survivor (journal: app_label, model, pk, field, old value);
- **resolved** where moving would break a conditional unique constraint that the survivor's own
  row already fills (``RESOLVERS``): of two current memberships of one household the merged
  record's is ended (and it hands the head of household on); two current households stop the
  merge; of two active documents of one type the less advanced one (requested < printed <
  issued; a tie: the newer) is revoked with reason ``duplicate``; the merged record's open stay
  is checked out, its active school enrolment marked ``left``;
- **combined** where moving would break an unconditional unique constraint (``COMBINERS``): a
  consent keeps the earliest date it was given and any withdrawal; shelter needs keep every need
  either side recorded. The survivor's row takes the combination, the merged record's row is set
  aside (deleted, kept whole in the journal);
- **set aside** for any other unconditional constraint only when the two rows record the very
  same fact (every field but the key and the bookkeeping equal); rows that differ stop the merge
  with a ``Conflict`` naming the kind of record: a person must decide;
- anything else that cannot be moved (two open asylum claims in one jurisdiction) stops the
  merge with a ``Conflict``.

The survivor's own fields are combined with the merged record's first (``PERSON_UNITED``,
``PERSON_FILLED``), its previous values journalled. After the moves, a row that would name the
same person twice (``SELF_REFERENCES``) stops the merge. Finally the merged ``Person`` row is
deleted and kept whole in the journal.

``undo`` replays the journal backwards, each change only where the row still holds what the
merge wrote (anything else is drift: a ``Conflict``, nothing changed). A revoked document is
never reinstated (the card may have been destroyed, the number is on the revocation list): the
result names it, and its holder needs a new one. Pure ORM, no access checks: ``services`` does
those and the audit of the merge itself.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import audit
from acogida.core.errors import Conflict, Forbidden
from acogida.registry.models import Person

# Relations whose counts say something about a person's health or asylum case: counted only in
# the encrypted journal, never in the clear summary or the audit trail.
SENSITIVE_APPS = frozenset({"health", "asylum"})
# Fields that say when and by whom a row was written, not what it records.
BOOKKEEPING = frozenset({"created_at", "recorded_at", "updated_at", "created_by", "recorded_by"})
# The survivor's own fields: lists united, blanks filled from the merged record.
PERSON_UNITED = ("sensitive_needs", "languages")
PERSON_FILLED = ("phone", "photo", "external_id", "place_of_birth", "arrival_group")
# Conditional constraints a machine must not resolve: the merge stops, a person decides.
DECIDED_BY_PEOPLE = frozenset({"one_open_claim_per_person_and_jurisdiction"})
# (model, field, path): after the moves no row may name the survivor through both.
SELF_REFERENCES = (
    ("documents.Document", "holder", "guardian"),
    ("asylum.Dependant", "person", "claim__principal"),
    ("plan.OfferMember", "person", "offer__person"),
)
# Pairs of references to Person in one row that may well name the same person.
SAME_PERSON_ALLOWED = frozenset({
    ("documents.Document", "holder", "received_by"),  # the holder collects their own card
    ("documents.Document", "guardian", "received_by"),  # or their guardian does
    ("documents.Document", "holder", "replaces__holder"),  # a replacement card
})


class Unsupported(NotImplementedError):
    """A relation to ``Person`` this module does not know how to move: teach it, do not skip."""


def relations() -> list[models.ForeignKey]:
    """Every concrete forward field, in any model, that points at ``Person``."""
    if Person._meta.many_to_many:
        raise Unsupported(f"Person has many-to-many fields {Person._meta.many_to_many}")
    out = []
    for rel in Person._meta.get_fields(include_hidden=True):
        if not rel.auto_created or rel.concrete:
            continue
        if rel.many_to_many:
            raise Unsupported(f"{rel.related_model._meta.label}.{rel.field.name}: a "
                              "many-to-many relation to Person")
        if not (rel.one_to_many or rel.one_to_one) or not rel.field.concrete:
            continue
        out.append(rel.field)
    out.sort(key=lambda f: (f.model._meta.label, f.name))
    return out


# ---- plain values for the journal --------------------------------------------------------------

class _Encoder(DjangoJSONEncoder):
    """As Django's, but datetimes keep their microseconds (so undo restores them exactly)."""

    def default(self, o):
        if isinstance(o, datetime):
            return o.isoformat()
        return super().default(o)


def _plain(value):
    if isinstance(value, FieldFile):
        value = value.name or ""
    return json.loads(json.dumps(value, cls=_Encoder))


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


def _field(model, attname: str) -> models.Field:
    return next(f for f in model._meta.concrete_fields if f.attname == attname or f.name == attname)


def _python(model, attname: str, value):
    """A journalled plain value back to what the field holds."""
    field = _field(model, attname)
    if value is None:
        return None
    if field.is_relation:
        return field.target_field.to_python(value)
    if isinstance(field, models.DateField | models.TimeField | models.DecimalField |
                  models.UUIDField):  # DateTimeField is a DateField
        return field.to_python(value)
    return value


def _current(model, pk, attnames) -> dict | None:
    row = model._base_manager.filter(pk=pk).values(*(_field(model, a).attname
                                                     for a in attnames)).first()
    if row is None:
        return None
    return {a: _plain(row[_field(model, a).attname]) for a in attnames}


# ---- constraints -------------------------------------------------------------------------------

def unique_sets(model, field) -> list[tuple[str, tuple[str, ...], models.Q | None]]:
    """(name, fields, condition) of each uniqueness rule on ``model`` that involves ``field``."""
    out = []
    if field.unique:
        out.append((f"{model._meta.db_table}.{field.name}", (field.name,), None))
    for constraint in model._meta.constraints:
        if not isinstance(constraint, models.UniqueConstraint):
            continue
        if constraint.expressions:
            raise Unsupported(f"{_label(model)}: unique constraint {constraint.name} is written "
                              "as an expression; dedup.merge cannot tell what it compares")
        if field.name in constraint.fields:
            out.append((constraint.name, tuple(constraint.fields), constraint.condition))
    for together in model._meta.unique_together:
        if field.name in together:
            out.append(("_".join(together), tuple(together), None))
    return out


def _clash(row, field, survivor) -> tuple[str, models.Q | None, models.Model] | None:
    """The first uniqueness rule that moving ``row`` to ``survivor`` would break:
    (name, condition, the survivor's row that fills it), or None."""
    model = type(row)
    manager = model._base_manager
    for name, names, condition in unique_sets(model, field):
        if condition is not None and not manager.filter(condition, pk=row.pk).exists():
            continue
        lookup = {field.attname: survivor.pk}
        for other in names:
            if other != field.name:
                attname = model._meta.get_field(other).attname
                lookup[attname] = getattr(row, attname)
        existing = manager.filter(**lookup).exclude(pk=row.pk)
        if condition is not None:
            existing = existing.filter(condition)
        found = existing.order_by("pk").first()
        if found is not None:
            return name, condition, found
    return None


def _facts(row, field) -> dict:
    """What a row records: every concrete field but its key, the moving field, bookkeeping."""
    return {f.attname: _plain(getattr(row, f.attname)) for f in type(row)._meta.concrete_fields
            if not f.primary_key and f.name != field.name and f.name not in BOOKKEEPING}


def _dependents(row) -> bool:
    """Does any other row point at ``row``? Then it cannot be set aside."""
    for rel in type(row)._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one) and \
                rel.related_model._base_manager.filter(**{rel.field.name: row.pk}).exists():
            return True
    return False


# ---- the merge ---------------------------------------------------------------------------------

class _Merger:
    """One merge: the steps it takes, journalled in order, and what they count."""

    def __init__(self, survivor: Person, merged: Person, actor: audit.Actor, may_revoke: bool):
        self.survivor, self.merged, self.actor = survivor, merged, actor
        self.may_revoke = may_revoke
        self.now = timezone.now()
        self.steps: list[dict] = []
        self.counts: Counter = Counter()
        self.revoked: list[dict] = []

    def _key(self, row) -> dict:
        return {"model": _label(type(row)), "pk": _plain(row.pk)}

    def update(self, row, changes: dict, kind: str) -> None:
        """Change fields of ``row`` (by attname), journalling their previous values."""
        model = type(row)
        old = {a: _plain(getattr(row, a)) for a in changes}
        model._base_manager.filter(pk=row.pk).update(**changes)
        for attname, value in changes.items():
            setattr(row, attname, value)
        self.steps.append({"op": "update", "kind": kind, **self._key(row), "old": old,
                           "new": {a: _plain(v) for a, v in changes.items()}})
        self.counts[f"{_label(model)}.{kind}"] += 1

    def set_aside(self, row) -> None:
        self.steps.append({"op": "set_aside", **self._key(row), "row": dump_row(row)})
        type(row)._base_manager.filter(pk=row.pk).delete()
        self.counts[f"{_label(type(row))}.set_aside"] += 1

    def move(self, row, field) -> None:
        type(row)._base_manager.filter(pk=row.pk).update(**{field.attname: self.survivor.pk})
        self.steps.append({"op": "move", **self._key(row), "field": field.attname,
                           "old": _plain(self.merged.pk), "new": _plain(self.survivor.pk)})
        self.counts[f"{_label(type(row))}.moved"] += 1

    def revoke(self, document) -> None:
        """As documents.services.revoke: status, time, reason ``duplicate``, the same audit
        action (the number goes on the public revocation list, which is read from the status)."""
        from acogida.documents.models import Status

        if not self.may_revoke:
            raise Forbidden(_("This merge would revoke a duplicate document, which your role "
                              "may not do."))
        holder = Person.objects.filter(pk=document.holder_id).values_list(
            "registration_number", flat=True).first() or ""
        self.update(document, {"status": Status.REVOKED, "ended_at": self.now,
                               "end_reason": "duplicate"}, "revoked")
        audit.record(self.actor, "document.revoke", "document", document.number, subject=holder,
                     via="dedup.merge", reason="duplicate")
        self.revoked.append({"document": document.number, "holder": holder})

    # -- the survivor's own fields --

    def combine_person(self) -> dict:
        survivor, merged = self.survivor, self.merged
        old, new = {}, {}
        for name in PERSON_UNITED:
            mine, theirs = getattr(survivor, name) or [], getattr(merged, name) or []
            united = list(mine) + [v for v in theirs if v not in mine]
            if united != list(mine):
                old[name], new[name] = _plain(mine), united
        for name in PERSON_FILLED:
            attname = Person._meta.get_field(name).attname
            mine, theirs = _plain(getattr(survivor, attname)), _plain(getattr(merged, attname))
            if mine in (None, "") and theirs not in (None, ""):
                old[attname], new[attname] = mine, theirs
        if not new:
            return {}
        old["updated_at"], new["updated_at"] = _plain(survivor.updated_at), _plain(self.now)
        Person.objects.filter(pk=survivor.pk).update(
            **{a: _python(Person, a, v) for a, v in new.items()})
        self.counts["registry.Person.combined"] += 1
        return {"old": old, "new": new}


def _kind(model) -> str:
    return str(model._meta.verbose_name)


# -- conditional constraints: end one of the two rows the way its app ends one --

def _resolve_membership(m: _Merger, row, existing) -> None:
    if row.household_id != existing.household_id:
        raise Conflict(_("The two records belong to different current households: a person "
                         "must decide which one is right (move one of them first), then merge."))
    m.update(row, {"left_on": timezone.localdate(m.now)}, "parked")
    if row.relationship == "head" and existing.relationship != "head":
        m.update(existing, {"relationship": "head"}, "combined")


_DOCUMENT_RANK = {"requested": 0, "printed": 1, "issued": 2}


def _resolve_document(m: _Merger, row, existing) -> None:
    def rank(doc):  # the less advanced first; between equals, the newer first
        return (_DOCUMENT_RANK.get(doc.status, 0), -doc.requested_at.timestamp(), -doc.pk)

    m.revoke(min((row, existing), key=rank))


def _resolve_stay(m: _Merger, row, existing) -> None:
    m.update(row, {"checked_out_at": m.now}, "parked")


def _resolve_enrolment(m: _Merger, row, existing) -> None:
    m.update(row, {"status": "left", "left_at": m.now}, "parked")


RESOLVERS: dict[str, Callable[[_Merger, models.Model, models.Model], None]] = {
    "one_current_household_per_person": _resolve_membership,
    "one_active_document_per_type": _resolve_document,
    "one_active_stay_per_person": _resolve_stay,
    "one_active_enrolment_per_child": _resolve_enrolment,
}


# -- unconditional constraints: the survivor's row takes what both say --

def _combine_consent(kept, extra) -> dict:
    changes = {}
    if extra.given_on < kept.given_on:
        changes["given_on"] = extra.given_on
    withdrawals = [d for d in (kept.withdrawn_on, extra.withdrawn_on) if d]
    if withdrawals and min(withdrawals) != kept.withdrawn_on:
        changes["withdrawn_on"] = min(withdrawals)
    return changes


def _combine_flags(kept, extra) -> dict:
    return {f.attname: True for f in type(kept)._meta.concrete_fields
            if isinstance(f, models.BooleanField) and getattr(extra, f.attname)
            and not getattr(kept, f.attname)}


COMBINERS: dict[str, Callable[[models.Model, models.Model], dict]] = {
    "registry.Consent": _combine_consent,
    "shelter.ShelterNeeds": _combine_flags,
}


def _handle_row(m: _Merger, row, field) -> None:
    model = type(row)
    clash = _clash(row, field, m.survivor)
    if clash is not None:
        name, condition, existing = clash
        if condition is not None:
            if name not in RESOLVERS:
                raise Conflict(_("Both records hold an open %(kind)s that cannot be combined: "
                                 "a person must resolve it first, then merge.")
                               % {"kind": _kind(model)})
            RESOLVERS[name](m, row, existing)
            row.refresh_from_db()
            if _clash(row, field, m.survivor) is not None:
                raise Conflict(_("Both records hold a %(kind)s that cannot be combined: "
                                 "resolve it first, then merge.") % {"kind": _kind(model)})
        else:
            combiner = COMBINERS.get(_label(model))
            if combiner is None and _facts(row, field) != _facts(existing, field):
                raise Conflict(_("Both records hold a %(kind)s that records different facts: "
                                 "a person must decide which is right, then merge.")
                               % {"kind": _kind(model)})
            if _dependents(row):
                raise Conflict(_("Both records hold a %(kind)s that cannot be combined: "
                                 "resolve it first, then merge.") % {"kind": _kind(model)})
            if combiner is not None and (changes := combiner(existing, row)):
                m.update(existing, changes, "combined")
            m.set_aside(row)
            return
    m.move(row, field)


def _check_self_references(survivor: Person) -> None:
    from django.apps import apps

    for label, field_name, path in SELF_REFERENCES:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        if model._base_manager.filter(**{field_name: survivor.pk, path: survivor.pk}).exists():
            raise Conflict(_("After the merge a %(kind)s would name the same person twice (for "
                             "instance as holder and guardian): resolve it first, then merge.")
                           % {"kind": _kind(model)})


def clear_summary(counts: dict) -> dict:
    """The counts that may be stored and audited in clear: no health or asylum relations."""
    return {k: v for k, v in sorted(counts.items()) if k.split(".")[0] not in SENSITIVE_APPS}


def merge_rows(*, survivor: Person, merged: Person, actor: audit.Actor,
               may_revoke: bool = True) -> dict:
    """Combine, move, resolve or set aside every row of ``merged``; delete ``merged``.

    Returns ``{"journal", "summary", "revoked"}``: the journal (encrypted at rest: it holds the
    removed rows and every count), the clear summary (no health or asylum counts) and the
    documents revoked as duplicates. ``may_revoke`` False: a merge that would revoke a document
    raises ``Forbidden``."""
    m = _Merger(survivor, merged, actor, may_revoke)
    journal: dict = {"version": 2, "survivor": _plain(survivor.pk), "person": dump_row(merged),
                     "survivor_fields": m.combine_person()}
    for field in relations():
        rows = list(field.model._base_manager.filter(**{field.attname: merged.pk}).order_by("pk"))
        for row in rows:
            _handle_row(m, row, field)
    _check_self_references(survivor)
    Person.objects.filter(pk=merged.pk).delete()
    counts = dict(sorted(m.counts.items()))
    journal.update(steps=m.steps, counts=counts)
    return {"journal": journal, "summary": clear_summary(counts), "revoked": m.revoked}


# ---- undo --------------------------------------------------------------------------------------

def _drift(entry: dict) -> Conflict:
    model = _model(entry["model"])
    return Conflict(_("A %(kind)s the merge changed was changed or removed since: the merge "
                      "cannot be undone exactly. Put it back first.") % {"kind": _kind(model)})


def _legacy_steps(journal: dict) -> list[dict]:
    """Journals written before ``steps`` (version 1), in the order their undo replayed them."""
    steps = [{"op": "set_aside", **e} for e in journal.get("set_aside", [])]
    steps += [{"op": "update", "new": None, **e,
               "kind": "revoked" if e["model"] == "documents.Document" else "parked"}
              for e in journal.get("parked", [])]
    steps += [{"op": "move", **e} for e in journal.get("moved", [])]
    return steps


def undo(journal: dict) -> dict:
    """Put back what ``merge_rows`` changed, each change only where the row still holds what the
    merge wrote; anything else raises ``Conflict`` (the caller's transaction then rolls back).

    Returns ``{"counts", "revoked", "kept"}``: what was put back per model; the documents left
    revoked (their holders need new ones); the survivor's fields kept because they were edited
    after the merge."""
    load_row(journal["person"])
    counts: Counter = Counter()
    revoked: list[dict] = []
    steps = journal["steps"] if "steps" in journal else _legacy_steps(journal)
    for entry in reversed(steps):
        model = _model(entry["model"])
        if entry["op"] == "move":
            attname = _field(model, entry["field"]).attname
            done = model._base_manager.filter(**{
                "pk": entry["pk"], attname: _python(model, attname, entry["new"])}).update(
                **{attname: _python(model, attname, entry["old"])})
            if done != 1:
                raise _drift(entry)
            counts[f"{entry['model']}.moved_back"] += 1
        elif entry["op"] == "update":
            if entry.get("kind") == "revoked":  # never reinstated: the holder needs a new one
                found = model._base_manager.filter(pk=entry["pk"]).values_list(
                    "number", "holder__registration_number").first()
                if found is not None:
                    revoked.append({"document": found[0], "holder": found[1]})
                continue
            current = _current(model, entry["pk"], list(entry["old"]))
            if current is None or (entry["new"] is not None and current != entry["new"]):
                raise _drift(entry)
            model._base_manager.filter(pk=entry["pk"]).update(
                **{a: _python(model, a, v) for a, v in entry["old"].items()})
            counts[f"{entry['model']}.restored"] += 1
        else:  # set_aside
            load_row(entry["row"])
            counts[f"{entry['model']}.recreated"] += 1
    kept = []
    if fields := journal.get("survivor_fields"):
        survivor = journal["survivor"]
        current = _current(Person, survivor, list(fields["new"]))
        restore = {}
        for attname, value in fields["new"].items():
            if current is not None and current[attname] == value:
                restore[attname] = _python(Person, attname, fields["old"][attname])
            elif attname != "updated_at":
                kept.append(attname)
        if restore:
            Person.objects.filter(pk=survivor).update(**restore)
            counts["registry.Person.restored"] += 1
    return {"counts": dict(sorted(counts.items())), "revoked": revoked, "kept": kept}

