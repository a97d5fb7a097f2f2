"""Writes of identity resolution: a run over the registry, decisions on pairs, merge, unmerge.

Each service takes keyword-only arguments, checks access, runs in ``transaction.atomic`` and
writes the audit entry. The engine (``acogida.dedup.engine``) is pure; this module adapts the
registry to it (``records``) and its results back to the review queue.
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.core import ids
from acogida.core.errors import Conflict, FieldError, InvalidInput, NotFound
from acogida.registry.models import HouseholdMember, Person

from . import engine, merge
from .models import CandidatePair, Merge, PairStatus, PersonAlias, Run, TrainedModelRecord

DEFAULT_THRESHOLD = 0.8
BULK_MIN_PROBABILITY = 0.95  # bulk-accept refuses anything lower: a person looks at the rest
MIN_TRAINING_RECORDS = 50
TRAINING_SAMPLE = 20_000  # records; EM on a larger registry sees a random sample of this size


# ---- the registry as the engine sees it --------------------------------------------------------

def records() -> list[engine.Record]:
    """Every person as an ``engine.Record``, with the household signature of their current
    household's other members. Plain ``values_list`` queries: no model objects."""
    people = list(Person.objects.order_by("id").values_list(
        "id", "registration_number", "given_names", "first_surname", "second_surname", "sex",
        "date_of_birth", "date_of_birth_estimated", "nationality", "place_of_birth",
        "external_id"))
    by_id = {row[0]: row for row in people}
    households: dict[int, list[int]] = defaultdict(list)
    of_person: dict[int, int] = {}
    for household_id, person_id in HouseholdMember.objects.filter(
            left_on__isnull=True).values_list("household_id", "person_id"):
        households[household_id].append(person_id)
        of_person[person_id] = household_id
    out = []
    for pk, number, given, first, second, sex, born, estimated, nat, pob, external in people:
        household = of_person.get(pk)
        relatives = [(by_id[other][2], by_id[other][6]) for other in households.get(household, ())
                     if other != pk and other in by_id] if household else []
        out.append(engine.Record(
            id=number, given_names=given, first_surname=first, second_surname=second, sex=sex,
            date_of_birth=born, date_of_birth_estimated=estimated, nationality=nat,
            place_of_birth=pob, household_signature=engine.household_signature(relatives),
            external_id=external))
    return out


def record_of(person: Person, relatives: list[tuple[str, object]] = ()) -> engine.Record:
    return engine.Record(
        id=person.registration_number, given_names=person.given_names,
        first_surname=person.first_surname, second_surname=person.second_surname,
        sex=person.sex, date_of_birth=person.date_of_birth,
        date_of_birth_estimated=person.date_of_birth_estimated,
        nationality=person.nationality, place_of_birth=person.place_of_birth,
        household_signature=engine.household_signature(list(relatives)),
        external_id=person.external_id)


# ---- the trained model -------------------------------------------------------------------------

def latest_model() -> tuple[TrainedModelRecord, engine.TrainedModel] | None:
    """The latest stored model this engine can read, or None."""
    for stored in TrainedModelRecord.objects.all()[:5]:
        try:
            return stored, engine.TrainedModel.from_json(stored.model_json)
        except (ValueError, KeyError):
            continue  # trained by another engine version: retrain
    return None


def _train(table, actor: audit.Actor,
           sample_size: int = TRAINING_SAMPLE) -> tuple[TrainedModelRecord, engine.TrainedModel]:
    if table.num_rows < MIN_TRAINING_RECORDS:
        raise Conflict(_("Too few people to train the model (%(n)s; at least %(min)s).")
                       % {"n": table.num_rows, "min": MIN_TRAINING_RECORDS})
    sample = table
    if table.num_rows > sample_size:
        import random

        rows = sorted(random.Random(42).sample(range(table.num_rows), sample_size))
        sample = table.take(rows)
    try:
        model = engine.train_arrow(sample)
    except Exception as exc:  # Splink's own errors: too little data to estimate
        raise Conflict(_("The model could not be trained on this registry: %(e)s")
                       % {"e": str(exc)[:200]}) from exc
    stored = TrainedModelRecord.objects.create(
        version=model.version, trained_at=model.trained_at, record_count=model.record_count,
        model_json=model.to_json(), trained_by=actor.username)
    audit.record(actor, "dedup.train", "dedup_model", stored.pk, version=model.version,
                 records=model.record_count)
    return stored, model


# ---- a run -------------------------------------------------------------------------------------

@dataclass
class RunResult:
    run: Run
    model_version: str
    stages: dict[str, float] = field(default_factory=dict)


def _threshold(value: float | None, name: str = "threshold") -> float:
    try:
        value = DEFAULT_THRESHOLD if value is None else float(value)
    except (TypeError, ValueError):
        value = -1.0
    if not 0.0 < value <= 1.0:
        raise InvalidInput(_("The threshold is a probability above 0 and at most 1."),
                           [FieldError(name, _("between 0 (excluded) and 1"))])
    return value


def run(*, actor: audit.Actor, user, threshold: float | None = None, retrain: bool = False,
        pairs_out: str | Path | None = None, training_sample: int = TRAINING_SAMPLE,
        progress: Callable[[str, dict], None] | None = None) -> RunResult:
    """Score the whole registry, cluster, and fill the review queue.

    Pairs decided ``not_duplicate`` are never proposed again; pending and deferred pairs are
    updated in place. ``progress(stage, figures)`` is called after each stage."""
    access.require(user, "dedup.run")
    threshold = _threshold(threshold)
    note = progress or (lambda stage, figures: None)
    started, clock = timezone.now(), time.monotonic()
    stages: dict[str, float] = {}

    def lap(stage: str, **figures) -> None:
        nonlocal clock
        stages[stage] = round(time.monotonic() - clock, 3)
        clock = time.monotonic()
        note(stage, {"seconds": stages[stage], **figures})

    people = records()
    external = {r.id: r.external_id for r in people}
    table = engine.records_to_arrow(people)
    lap("export", people=len(people))
    stored_model = None if retrain else latest_model()
    retrained = stored_model is None
    if retrained:
        stored_model = _train(table, actor, max(MIN_TRAINING_RECORDS, training_sample))
        lap("train", version=stored_model[1].version)
    stored, model = stored_model
    try:
        scored = engine.predict_pairs_from_arrow(model, table, threshold=threshold)
    except Exception as exc:  # a model Splink cannot evaluate: say so, retrain
        raise Conflict(_("The stored model could not score the registry (%(e)s): run again "
                         "with retrain.") % {"e": str(exc).splitlines()[0][:200]}) from exc
    lap("predict", pairs=scored.num_rows)
    clusters = engine.cluster_arrow(table.column("id"), scored, threshold) if scored.num_rows \
        else None
    cluster_of = {} if clusters is None else dict(zip(
        clusters.column("unique_id").to_pylist(),
        (str(c) for c in clusters.column("cluster_id").to_pylist()), strict=True))
    sizes: dict[str, int] = defaultdict(int)
    for cluster_id in cluster_of.values():
        sizes[cluster_id] += 1
    lap("cluster", clusters=sum(1 for n in sizes.values() if n > 1))

    rows = scored.to_pylist()
    if pairs_out:
        _write_pairs(pairs_out, rows, external)
    with transaction.atomic():
        result = Run.objects.create(
            started_at=started, started_by=actor.username, threshold=threshold, model=stored,
            retrained=retrained, people=len(people), pairs=len(rows),
            clusters=sum(1 for n in sizes.values() if n > 1))
        new, updated, skipped = _fill_queue(result, model, rows, cluster_of)
        result.new_pairs, result.updated_pairs, result.skipped_decided = new, updated, skipped
        result.finished_at = timezone.now()
        result.seconds = round((result.finished_at - started).total_seconds(), 3)
        result.save()
        audit.record(actor, "dedup.run", "dedup_run", result.pk, threshold=str(threshold),
                     people=result.people, pairs=result.pairs, new=new, updated=updated,
                     skipped=skipped, model=model.version, retrained=retrained)
    lap("queue", new=new, updated=updated, skipped=skipped)
    return RunResult(result, model.version, stages)


def _write_pairs(path: str | Path, rows: list[dict], external: dict[str, str]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["left", "right", "probability", "left_external_id",
                         "right_external_id"])
        for row in sorted(rows, key=lambda r: -r["match_probability"]):
            left, right = sorted((row["unique_id_l"], row["unique_id_r"]))
            writer.writerow([left, right, f"{row['match_probability']:.6f}",
                             external.get(left, ""), external.get(right, "")])


def _fill_queue(result: Run, model: engine.TrainedModel, rows: list[dict],
                cluster_of: dict[str, str]) -> tuple[int, int, int]:
    now = timezone.now()
    gamma_names = [c.name for c in engine.COMPARISONS]
    existing = {(p.left_number, p.right_number): p for p in CandidatePair.objects.all()}
    new, changed, skipped = [], [], 0
    for row in rows:
        left, right = sorted((row["unique_id_l"], row["unique_id_r"]))
        gammas = {name: row[f"gamma_{name}"] for name in gamma_names}
        _total, explanation = model.explain(gammas)
        values = {"probability": float(row["match_probability"]),
                  "match_weight": float(row["match_weight"]), "explanation": explanation,
                  "cluster_id": cluster_of.get(left, "")}
        pair = existing.get((left, right))
        if pair is None:
            new.append(CandidatePair(left_number=left, right_number=right, run=result,
                                     created_at=now, updated_at=now, **values))
        elif pair.status in (PairStatus.PENDING, PairStatus.DEFERRED):
            for key, value in values.items():
                setattr(pair, key, value)
            pair.run, pair.updated_at = result, now
            changed.append(pair)
        else:
            skipped += 1  # decided: never proposed again
    CandidatePair.objects.bulk_create(new, batch_size=500)
    CandidatePair.objects.bulk_update(changed, ["probability", "match_weight", "explanation",
                                                "cluster_id", "run", "updated_at"],
                                      batch_size=500)
    return len(new), len(changed), skipped


# ---- decisions ---------------------------------------------------------------------------------

DECISIONS = {"merge": PairStatus.MERGED, "not_duplicate": PairStatus.NOT_DUPLICATE,
             "defer": PairStatus.DEFERRED}


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if len(reason) > 300 or any(ord(ch) < 32 and ch not in "\t" for ch in reason):
        raise InvalidInput(_("The reason is at most 300 characters, on one line."),
                           [FieldError("reason", _("At most 300 characters."))])
    return reason


def _pair(pair_id) -> CandidatePair:
    pair = CandidatePair.objects.select_for_update().filter(pk=pair_id).first() \
        if str(pair_id).isdigit() else None
    if pair is None:
        raise NotFound(_("No candidate pair with that id."))
    return pair


@transaction.atomic
def decide(*, actor: audit.Actor, user, pair_id: int, decision: str, survivor: str = "",
           reason: str = "") -> CandidatePair:
    """Merge the pair, mark it not a duplicate (never proposed again), or defer it."""
    access.require(user, "dedup.decide")
    if decision not in DECISIONS:
        raise InvalidInput(_("Unknown decision."), [FieldError(
            "decision", _("One of: %(v)s.") % {"v": ", ".join(DECISIONS)})])
    reason = _reason(reason)
    pair = _pair(pair_id)
    if pair.status == PairStatus.MERGED:
        raise Conflict(_("This pair was already merged."))
    if decision == "merge":
        survivor = ids.normalize(survivor) if survivor else pair.left_number
        if survivor not in (pair.left_number, pair.right_number):
            raise InvalidInput(_("The survivor must be one of the pair."), [FieldError(
                "survivor", _("%(a)s or %(b)s") % {"a": pair.left_number,
                                                    "b": pair.right_number})])
        other = pair.right_number if survivor == pair.left_number else pair.left_number
        _merge(actor=actor, survivor_number=survivor, merged_number=other, pair=pair,
               reason=reason)
    pair.status, pair.reason = DECISIONS[decision], reason
    pair.decided_by, pair.decided_at = actor.username, timezone.now()
    pair.updated_at = pair.decided_at
    pair.save(update_fields=["status", "reason", "decided_by", "decided_at", "updated_at"])
    for number in (pair.left_number, pair.right_number):
        audit.record(actor, "dedup.decide", "dedup_pair", pair.pk, subject=number,
                     decision=decision)
    return pair


@dataclass
class BulkReport:
    merged: list[int] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {"pair", "reason"}


def bulk_accept(*, actor: audit.Actor, user, min_probability: float) -> BulkReport:
    """Merge every pending pair at or above ``min_probability`` (at least
    ``BULK_MIN_PROBABILITY``), best first; a pair that cannot be merged is skipped and reported.
    Each merge is its own transaction: one conflict does not undo the others."""
    access.require(user, "dedup.bulk_accept")
    threshold = _threshold(min_probability, "min_probability")
    if threshold < BULK_MIN_PROBABILITY:
        raise InvalidInput(_("Bulk acceptance needs a probability of at least %(p)s; review "
                             "the others one by one.") % {"p": BULK_MIN_PROBABILITY},
                           [FieldError("min_probability", f">= {BULK_MIN_PROBABILITY}")])
    report = BulkReport()
    pending = list(CandidatePair.objects.filter(
        status=PairStatus.PENDING, probability__gte=threshold).order_by(
        "-probability", "id").values_list("id", flat=True))
    for pair_id in pending:
        try:
            with transaction.atomic():
                pair = _pair(pair_id)
                _merge(actor=actor, survivor_number=pair.left_number,
                       merged_number=pair.right_number, pair=pair, reason="bulk")
                pair.status, pair.reason = PairStatus.MERGED, "bulk"
                pair.decided_by, pair.decided_at = actor.username, timezone.now()
                pair.updated_at = pair.decided_at
                pair.save(update_fields=["status", "reason", "decided_by", "decided_at",
                                         "updated_at"])
            report.merged.append(pair_id)
        except (Conflict, NotFound) as exc:
            report.skipped.append({"pair": pair_id, "reason": str(exc.detail)})
    with transaction.atomic():
        audit.record(actor, "dedup.bulk_accept", "dedup_pair", "", min_probability=str(threshold),
                     merged=len(report.merged), skipped=len(report.skipped))
    return report


# ---- merge and unmerge -------------------------------------------------------------------------

def _live(number: str, role: str) -> Person:
    person = Person.objects.select_for_update().filter(registration_number=number).first()
    if person is None:
        alias = PersonAlias.objects.filter(registration_number=number).select_related(
            "person").first()
        if alias is not None:
            raise Conflict(_("%(n)s was already merged into %(s)s.")
                           % {"n": number, "s": alias.person.registration_number})
        raise NotFound(_("No person with the %(role)s's registration number %(n)s.")
                       % {"role": role, "n": number})
    return person


def _merge(*, actor: audit.Actor, survivor_number: str, merged_number: str,
           pair: CandidatePair | None, reason: str) -> Merge:
    if survivor_number == merged_number:
        raise Conflict(_("A record cannot be merged into itself."))
    survivor = _live(survivor_number, "survivor")
    merged = _live(merged_number, "merged record")
    outcome = merge.merge_rows(survivor=survivor, merged=merged, actor=actor)
    record = Merge.objects.create(
        survivor_number=survivor_number, merged_number=merged_number, pair=pair,
        merged_at=timezone.now(), merged_by=actor.username, reason=reason,
        journal=outcome["journal"], summary=outcome["summary"])
    PersonAlias.objects.create(registration_number=merged_number, person=survivor, merge=record)
    for subject in (survivor_number, merged_number):
        audit.record(actor, "dedup.merge", "person", survivor_number, subject=subject,
                     survivor=survivor_number, merged=merged_number, merge=record.pk,
                     **{k.replace(".", "_"): v for k, v in outcome["summary"].items()})
    return record


@transaction.atomic
def merge_people(*, actor: audit.Actor, user, survivor: str, merged: str,
                 reason: str = "") -> Merge:
    """Merge two records directly (no candidate pair needed)."""
    access.require(user, "dedup.decide")
    reason = _reason(reason)
    survivor, merged = ids.normalize(survivor or ""), ids.normalize(merged or "")
    a, b = sorted((survivor, merged))
    pair = CandidatePair.objects.filter(left_number=a, right_number=b).first()
    record = _merge(actor=actor, survivor_number=survivor, merged_number=merged, pair=pair,
                    reason=reason)
    if pair is not None:
        pair.status, pair.decided_by, pair.decided_at = (PairStatus.MERGED, actor.username,
                                                         timezone.now())
        pair.save(update_fields=["status", "decided_by", "decided_at"])
    return record


@transaction.atomic
def unmerge(*, actor: audit.Actor, user, registration_number: str) -> Merge:
    """Undo the merge of ``registration_number`` (the merged record's number): both records
    come back exactly as they were, the alias goes."""
    access.require(user, "person.unmerge")
    number = ids.normalize(registration_number or "")
    record = Merge.objects.select_for_update().filter(
        merged_number=number, unmerged_at__isnull=True).first()
    if record is None:
        if Merge.objects.filter(survivor_number=number, unmerged_at__isnull=True).exists():
            raise Conflict(_("%(n)s is the surviving record of a merge: unmerge the merged "
                             "record's number instead.") % {"n": number})
        raise Conflict(_("%(n)s was never merged.") % {"n": number})
    if not Person.objects.filter(registration_number=record.survivor_number).exists():
        raise Conflict(_("The surviving record %(s)s was merged again since: undo that merge "
                         "first.") % {"s": record.survivor_number})
    if Person.objects.filter(registration_number=number).exists():
        raise Conflict(_("%(n)s is in the registry again.") % {"n": number})
    PersonAlias.objects.filter(merge=record, registration_number=number).delete()
    summary = merge.undo(record.journal)
    record.unmerged_at, record.unmerged_by = timezone.now(), actor.username
    record.save(update_fields=["unmerged_at", "unmerged_by"])
    if record.pair_id:
        CandidatePair.objects.filter(pk=record.pair_id).update(
            status=PairStatus.DEFERRED, reason="unmerged", updated_at=timezone.now())
    for subject in (record.survivor_number, number):
        audit.record(actor, "dedup.unmerge", "person", number, subject=subject,
                     survivor=record.survivor_number, merged=number, merge=record.pk,
                     **{k.replace(".", "_"): v for k, v in summary.items()})
    return record
