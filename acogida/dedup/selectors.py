"""Reads of identity resolution: the review queue, one pair side by side, aliases, runs.

Reading a pair shows two people's identity: each such read is audited (``person.read`` with
``via: dedup``), as the registry's own reads are. Linked records are counted, never shown: the
reviewer learns that a side holds two stays and a claim, not what they say.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.core.errors import FieldError, InvalidInput, NotFound
from acogida.core.numbers import parse_id
from acogida.core.paging import Page
from acogida.registry.models import Person

from . import engine
from .models import CandidatePair, PairStatus, PersonAlias, Run, TrainedModelRecord

PAGE_SIZE = 25

# What a side-by-side page compares, in order: (field, label).
COMPARED = (
    ("given_names", _("Given names")), ("first_surname", _("First surname")),
    ("second_surname", _("Second surname")), ("sex", _("Sex")),
    ("date_of_birth", _("Date of birth")), ("date_of_birth_estimated", _("Estimated")),
    ("nationality", _("Nationality")), ("place_of_birth", _("Place of birth")),
    ("external_id", _("External id")), ("phone", _("Phone")), ("languages", _("Languages")),
    ("arrival_group", _("Arrival group")), ("photo", _("Photo")),
    ("registration_point", _("Registered at")), ("registered_at", _("Registered on")),
)
# Shown only to roles that see sensitive specific needs (a merge unites them).
SENSITIVE_COMPARED = (("sensitive_needs", _("Sensitive specific needs")),)

# Linked records counted per side, and the action a role needs to learn of them.
COUNTS = (
    ("documents.Document", "holder", "document.status", _("documents")),
    ("shelter.Stay", "person", "stay.read", _("shelter stays")),
    ("asylum.Claim", "principal", "claim.read", _("asylum claims")),
    ("asylum.Dependant", "person", "claim.read", _("claims as dependant")),
    ("health.Encounter", "person", "health.read", _("medical encounters")),
    ("schooling.Enrolment", "person", "school.read", _("school enrolments")),
    ("plan.PlanApplication", "person", "plan.read", _("plan applications")),
    ("registry.HouseholdMember", "person", "household.read", _("household memberships")),
)


def _probability(value) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1
    if not 0.0 <= number <= 1.0:
        raise InvalidInput(_("min_probability is a number between 0 and 1."),
                           [FieldError("min_probability", _("between 0 and 1"))])
    return number


def list_pairs(*, actor: audit.Actor, user, status: str | None = "pending",
               min_probability=None, page: int = 1, page_size: int = PAGE_SIZE) -> Page:
    """Pairs by status, best first. Pairs whose records are no longer both in the registry
    (one was merged in another pair) are left out: deciding them would mean nothing. Each
    person on the page is audited (``person.list``, via dedup), as the registry's search is."""
    access.require(user, "dedup.review")
    pairs = CandidatePair.objects.all()
    if status:
        if status not in PairStatus.values:
            raise InvalidInput(_("Unknown status."), [FieldError(
                "status", _("One of: %(v)s.") % {"v": ", ".join(PairStatus.values)})])
        pairs = pairs.filter(status=status)
    if (minimum := _probability(min_probability)) is not None:
        pairs = pairs.filter(probability__gte=minimum)
    if status != PairStatus.MERGED:
        gone = PersonAlias.objects.values("registration_number")
        pairs = pairs.exclude(Q(left_number__in=gone) | Q(right_number__in=gone))
    pairs = pairs.order_by("-probability", "id")
    page = max(1, min(int(page or 1), 100_000))
    count = pairs.count()
    items = list(pairs[(page - 1) * page_size: page * page_size])
    numbers = sorted({n for p in items for n in (p.left_number, p.right_number)})
    audit.record_many(actor, [audit.Event("person.list", "person", n, {"via": "dedup"})
                              for n in numbers])
    return Page(items, count, page, page_size)


def pair_people(pairs: list[CandidatePair]) -> dict[str, Person]:
    numbers = {n for p in pairs for n in (p.left_number, p.right_number)}
    return {p.registration_number: p for p in Person.objects.filter(
        registration_number__in=numbers).select_related("registration_point", "arrival_group")}


def get_pair(*, actor: audit.Actor, user, pair_id) -> CandidatePair:
    access.require(user, "dedup.review")
    number = parse_id(pair_id)
    pair = None if number is None else CandidatePair.objects.filter(pk=number).first()
    if pair is None:
        raise NotFound(_("No candidate pair with that id."))
    audit.record_many(actor, [audit.Event("person.read", "person", n, {"via": "dedup"})
                              for n in (pair.left_number, pair.right_number)])
    return pair


def _value(person: Person | None, name: str):
    if person is None:
        return None
    if name == "registration_point":
        return person.registration_point.code
    if name == "arrival_group":
        return person.arrival_group.name if person.arrival_group_id else ""
    if name == "photo":
        return str(_("yes")) if person.photo else ""
    value = getattr(person, name)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value.isoformat() if hasattr(value, "isoformat") else value


def counts(user, person: Person | None) -> list[dict]:
    """How many linked records of each kind the person has, for kinds the role may know of."""
    if person is None:
        return []
    from django.apps import apps

    out = []
    for label, field_name, action, title in COUNTS:
        if not access.can(user, action):
            continue
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        out.append({"kind": label, "label": str(title),
                    "count": model._base_manager.filter(**{field_name: person}).count()})
    return out


def pair_view(user, pair: CandidatePair, people: dict[str, Person] | None = None, *,
              with_counts: bool = True) -> dict:
    """One pair for display. ``with_counts`` False (lists): no linked-record counts, which cost
    a query per kind and side."""
    people = people if people is not None else pair_people([pair])
    left, right = people.get(pair.left_number), people.get(pair.right_number)
    compared = COMPARED + (SENSITIVE_COMPARED if access.sees(user, "needs.sensitive") else ())
    fields = []
    for name, label in compared:
        a, b = _value(left, name), _value(right, name)
        fields.append({"field": name, "label": str(label), "left": a, "right": b,
                       "same": a == b,
                       # kept by a merge whichever side survives (copied onto the survivor)
                       "one_side": (a in (None, "")) != (b in (None, ""))})
    return {
        "id": pair.pk, "left": pair.left_number, "right": pair.right_number,
        "left_name": left.full_name if left else None,
        "right_name": right.full_name if right else None,
        "probability": pair.probability, "match_weight": pair.match_weight,
        "status": pair.status, "cluster_id": pair.cluster_id,
        "explanation": pair.explanation, "reason": pair.reason,
        "decided_by": pair.decided_by or None, "decided_at": pair.decided_at,
        "fields": fields,
        "left_counts": counts(user, left) if with_counts else [],
        "right_counts": counts(user, right) if with_counts else [],
        "both_present": left is not None and right is not None,
    }


# ---- aliases -----------------------------------------------------------------------------------

def survivor_of(number: str) -> Person | None:
    """The person a merged record's number now leads to."""
    alias = PersonAlias.objects.filter(registration_number=number).select_related(
        "person").first()
    return alias.person if alias else None


def aliases_of(person: Person) -> list[str]:
    return sorted(PersonAlias.objects.filter(person=person).values_list(
        "registration_number", flat=True))


def latest_runs(*, user, limit: int = 10) -> list[Run]:
    if not (access.can(user, "dedup.run") or access.can(user, "dedup.review")):
        access.require(user, "dedup.run")
    return list(Run.objects.select_related("model")[:limit])


def queue_figures() -> dict:
    by_status = dict(CandidatePair.objects.values_list("status").annotate(n=Count("id")))
    return {status: by_status.get(status, 0) for status in PairStatus.values}


def alias_numbers(registration_number: str) -> list[str]:
    """The numbers merged into the person with ``registration_number`` (an audit trail of the
    survivor follows them)."""
    return sorted(PersonAlias.objects.filter(
        person__registration_number=registration_number).values_list(
        "registration_number", flat=True))


# ---- the trained model and the live duplicate check (registry.selectors.duplicate_candidates) --

def latest_model() -> tuple[TrainedModelRecord, engine.TrainedModel] | None:
    """The latest stored model this engine can read, or None."""
    for stored in TrainedModelRecord.objects.all()[:5]:
        try:
            return stored, engine.TrainedModel.from_json(stored.model_json)
        except (ValueError, KeyError):
            continue  # trained by another engine version: retrain
    return None


# (stored model pk, parsed model or None): replaced as a whole, never changed in place, so a
# concurrent request reads either the old pair or the new one.
_LIVE: tuple[int | None, engine.TrainedModel | None] = (None, None)


def live_model() -> engine.TrainedModel | None:
    """The latest trained model as an ``engine.TrainedModel``, or None; parsed once per stored
    model (one small query per call to find which is the latest)."""
    global _LIVE
    latest = TrainedModelRecord.objects.values_list("pk", flat=True).first()
    if latest is None:
        return None
    cached_pk, cached = _LIVE
    if cached_pk != latest:
        found = latest_model()
        cached = found[1] if found else None  # an older model this engine can read, or none
        _LIVE = (latest, cached)
    return cached


def score_hint(model, values: dict, people: list[Person]) -> list[tuple[Person, float, list]]:
    """(person, probability, explanation) for each candidate, best first, by the same model and
    weights as the batch run, but without the household comparison: the person being registered
    has no household yet, so that comparison gets no signature (its level for a missing value)
    for every candidate. ``values``: the cleaned values of the person being registered."""
    query = engine.Record(
        id="", given_names=values.get("given_names") or "",
        first_surname=values.get("first_surname") or "",
        second_surname=values.get("second_surname") or "", sex=values.get("sex") or "",
        date_of_birth=values.get("date_of_birth"),
        date_of_birth_estimated=bool(values.get("date_of_birth_estimated")),
        nationality=values.get("nationality") or "",
        place_of_birth=values.get("place_of_birth") or "")
    by_number = {p.registration_number: p for p in people}
    candidates = [engine.Record(
        id=p.registration_number, given_names=p.given_names, first_surname=p.first_surname,
        second_surname=p.second_surname, sex=p.sex, date_of_birth=p.date_of_birth,
        date_of_birth_estimated=p.date_of_birth_estimated, nationality=p.nationality,
        place_of_birth=p.place_of_birth if values.get("place_of_birth") else "")
        for p in people]
    return [(by_number[s.right_id], s.probability, s.explanation)
            for s in engine.score_candidates(model, query, candidates)]
