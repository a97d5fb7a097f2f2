"""Writes of identity resolution: a run over the registry, decisions on pairs, merge, unmerge.

Each service takes keyword-only arguments, checks access, runs in ``transaction.atomic`` and
writes the audit entry. The engine (``acogida.dedup.engine``) is pure; this module adapts the
registry to it (``records``) and its results back to the review queue.
"""

from __future__ import annotations

import csv
import inspect
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.core import ids
from acogida.core.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
)
from acogida.core.numbers import parse_id
from acogida.registry.models import HouseholdMember, Person

from . import engine, merge
from .models import CandidatePair, Merge, PairStatus, PersonAlias, Run, TrainedModelRecord
from .selectors import latest_model

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


# ---- the trained model -------------------------------------------------------------------------

def _engine_options(function, options: dict | None) -> dict:
    """The keyword options ``function`` accepts (the engine's budgets change between
    versions: an option it does not know is left out rather than failing the run)."""
    accepted = inspect.signature(function).parameters
    return {k: v for k, v in (options or {}).items() if k in accepted}


def _train(table, actor: audit.Actor, sample_size: int = TRAINING_SAMPLE,
           options: dict | None = None) -> tuple[TrainedModelRecord, engine.TrainedModel]:
    if table.num_rows < MIN_TRAINING_RECORDS:
        raise Conflict(_("Too few people to train the model (%(n)s; at least %(min)s).")
                       % {"n": table.num_rows, "min": MIN_TRAINING_RECORDS})
    sample = table
    if table.num_rows > sample_size:
        import random

        rows = sorted(random.Random(42).sample(range(table.num_rows), sample_size))
        sample = table.take(rows)
    try:
        model = engine.train_arrow(sample, **_engine_options(engine.train_arrow, options))
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
        training_options: dict | None = None,
        progress: Callable[[str, dict], None] | None = None) -> RunResult:
    """Score the whole registry, cluster, and fill the review queue.

    Pairs decided ``not_duplicate`` are never proposed again; pending and deferred pairs are
    updated in place. ``progress(stage, figures)`` is called after each stage.
    ``training_options``: keyword options for the engine's training (e.g. its pair budgets),
    passed only where the engine accepts them. ``pairs_out`` (the command line only) writes
    registration numbers and external ids in clear: audited as ``dedup.pairs_out``."""
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
        stored_model = _train(table, actor, max(MIN_TRAINING_RECORDS, training_sample),
                              training_options)
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
        written = _write_pairs(pairs_out, rows, external)
        with transaction.atomic():
            audit.record(actor, "dedup.pairs_out", "dedup_pairs", "", count=written,
                         path=str(pairs_out)[:300])
    try:
        with transaction.atomic():
            _serialise("acogida.dedup.queue")
            result = _record_run(actor, started, threshold, stored, model, retrained,
                                 len(people), rows, cluster_of, sizes)
    except IntegrityError as exc:  # a concurrent run on a database without advisory locks
        raise Conflict(_("Another run filled the review queue at the same time: run again.")) \
            from exc
    new, updated, skipped = result.new_pairs, result.updated_pairs, result.skipped_decided
    lap("queue", new=new, updated=updated, skipped=skipped)
    return RunResult(result, model.version, stages)


def _serialise(key: str) -> None:
    """Hold a transaction-wide lock named ``key`` on PostgreSQL (two runs, or two merges of one
    pair, wait for each other). SQLite needs none: its transactions are IMMEDIATE, one writer at
    a time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])


def _record_run(actor, started, threshold, stored, model, retrained, people: int,
                rows: list[dict], cluster_of: dict, sizes: dict) -> Run:
    result = Run.objects.create(
        started_at=started, started_by=actor.username, threshold=threshold, model=stored,
        retrained=retrained, people=people, pairs=len(rows),
        clusters=sum(1 for n in sizes.values() if n > 1))
    new, updated, skipped = _fill_queue(result, model, rows, cluster_of)
    result.new_pairs, result.updated_pairs, result.skipped_decided = new, updated, skipped
    result.finished_at = timezone.now()
    result.seconds = round((result.finished_at - started).total_seconds(), 3)
    result.save()
    audit.record(actor, "dedup.run", "dedup_run", result.pk, threshold=str(threshold),
                 people=result.people, pairs=result.pairs, new=new, updated=updated,
                 skipped=skipped, model=model.version, retrained=retrained)
    return result


def _write_pairs(path: str | Path, rows: list[dict], external: dict[str, str]) -> int:
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["left", "right", "probability", "left_external_id",
                         "right_external_id"])
        for row in sorted(rows, key=lambda r: -r["match_probability"]):
            left, right = sorted((row["unique_id_l"], row["unique_id_r"]))
            writer.writerow([left, right, f"{row['match_probability']:.6f}",
                             external.get(left, ""), external.get(right, "")])
    return len(rows)


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


def _echo(text, limit: int = 20) -> str:
    """Typed input repeated in a message, cut short."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "…"


def _pair(pair_id) -> CandidatePair:
    number = parse_id(pair_id)
    pair = None if number is None else \
        CandidatePair.objects.select_for_update().filter(pk=number).first()
    if pair is None:
        raise NotFound(_("No candidate pair with that id."))
    return pair


def _set_status(pair: CandidatePair, status: str, actor: audit.Actor, reason: str) -> None:
    """Record a decision on ``pair`` (status, reason, who and when)."""
    pair.status, pair.reason = status, reason
    pair.decided_by, pair.decided_at = actor.username, timezone.now()
    pair.updated_at = pair.decided_at
    pair.save(update_fields=["status", "reason", "decided_by", "decided_at", "updated_at"])


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
        survivor = ids.normalize(str(survivor)[:40]) if survivor else pair.left_number
        if survivor not in (pair.left_number, pair.right_number):
            raise InvalidInput(_("The survivor must be one of the pair."), [FieldError(
                "survivor", _("%(a)s or %(b)s") % {"a": pair.left_number,
                                                    "b": pair.right_number})])
        other = pair.right_number if survivor == pair.left_number else pair.left_number
        _merge(actor=actor, user=user, survivor_number=survivor, merged_number=other, pair=pair,
               reason=reason)
    _set_status(pair, DECISIONS[decision], actor, reason)
    for number in (pair.left_number, pair.right_number):
        audit.record(actor, "dedup.decide", "dedup_pair", pair.pk, subject=number,
                     decision=decision)
    return pair


@dataclass
class BulkReport:
    merged: list[int] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {"pair", "reason"}


def _bulk_survivor(pair: CandidatePair) -> tuple[str, str]:
    """(survivor, merged) of a pair accepted in bulk: the record holding an issued document,
    then the one registered first (then the smaller number)."""
    from acogida.documents.models import Document

    numbers = (pair.left_number, pair.right_number)
    issued = set(Document.objects.filter(
        holder__registration_number__in=numbers, status="issued").values_list(
        "holder__registration_number", flat=True))
    registered = dict(Person.objects.filter(registration_number__in=numbers).values_list(
        "registration_number", "registered_at"))
    ranked = sorted(numbers, key=lambda n: (n not in issued, registered.get(n) is None,
                                            registered.get(n) or 0, n))
    return ranked[0], ranked[1]


_NUMBER_IN_TEXT = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}\b")


def _skip_reason(user, exc: DomainError) -> str:
    """Why a pair was skipped; without the numbers for a role that may not read people."""
    text = str(exc.detail)
    return text if access.can(user, "person.read") else _NUMBER_IN_TEXT.sub("…", text)


def bulk_accept(*, actor: audit.Actor, user, min_probability: float) -> BulkReport:
    """Merge every pending pair at or above ``min_probability`` (at least
    ``BULK_MIN_PROBABILITY``), best first; a pair that cannot be merged is skipped and reported.
    Each merge is its own transaction: one conflict does not undo the others. The survivor is
    the record holding an issued document, else the one registered first."""
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
                if pair.status != PairStatus.PENDING or pair.probability < threshold:
                    continue  # decided or rescored since the list was read
                survivor, merged = _bulk_survivor(pair)
                _merge(actor=actor, user=user, survivor_number=survivor, merged_number=merged,
                       pair=pair, reason="bulk")
                _set_status(pair, PairStatus.MERGED, actor, "bulk")
            report.merged.append(pair_id)
        except (Conflict, NotFound, Forbidden) as exc:
            report.skipped.append({"pair": pair_id, "reason": _skip_reason(user, exc)})
    with transaction.atomic():
        audit.record(actor, "dedup.bulk_accept", "dedup_pair", "", min_probability=str(threshold),
                     merged=len(report.merged), skipped=len(report.skipped))
    return report


# ---- merge and unmerge -------------------------------------------------------------------------

def _lock_people(survivor_number: str, merged_number: str) -> tuple[Person, Person]:
    """Both people, locked in one query in primary-key order (two merges touching the same
    people wait for each other instead of deadlocking)."""
    found = {p.registration_number: p for p in Person.objects.select_for_update().filter(
        registration_number__in=[survivor_number, merged_number]).order_by("pk")}
    for number, role in ((survivor_number, _("survivor")), (merged_number, _("merged record"))):
        if number in found:
            continue
        alias = PersonAlias.objects.filter(registration_number=number).select_related(
            "person").first()
        if alias is not None:
            raise Conflict(_("%(n)s was already merged into %(s)s.")
                           % {"n": number, "s": alias.person.registration_number})
        raise NotFound(_("No person with the %(role)s's registration number %(n)s.")
                       % {"role": role, "n": _echo(number)})
    return found[survivor_number], found[merged_number]


def _merge(*, actor: audit.Actor, user, survivor_number: str, merged_number: str,
           pair: CandidatePair | None, reason: str) -> Merge:
    if survivor_number == merged_number:
        raise Conflict(_("A record cannot be merged into itself."))
    _serialise("acogida.dedup.merge:" + ":".join(sorted((survivor_number, merged_number))))
    survivor, merged = _lock_people(survivor_number, merged_number)
    try:
        with transaction.atomic():
            outcome = merge.merge_rows(
                survivor=survivor, merged=merged, actor=actor,
                may_revoke=access.can(user, "document.revoke.duplicate"))
            record = Merge.objects.create(
                survivor_number=survivor_number, merged_number=merged_number, pair=pair,
                merged_at=timezone.now(), merged_by=actor.username, reason=reason,
                journal=outcome["journal"], summary=outcome["summary"])
            PersonAlias.objects.create(registration_number=merged_number, person=survivor,
                                       merge=record)
    except IntegrityError as exc:  # a rule the merge did not foresee, or a concurrent change
        raise Conflict(_("The two records could not be merged without breaking a rule of the "
                         "registry: resolve the difference first, then merge.")) from exc
    revoked = [d["document"] for d in outcome["revoked"]]
    for subject in (survivor_number, merged_number):
        audit.record(actor, "dedup.merge", "person", survivor_number, subject=subject,
                     survivor=survivor_number, merged=merged_number, merge=record.pk,
                     revoked_documents=revoked,
                     **{k.replace(".", "_"): v for k, v in outcome["summary"].items()})
    return record


@transaction.atomic
def merge_people(*, actor: audit.Actor, user, survivor: str, merged: str, reason: str = "",
                 override_reason: str = "") -> Merge:
    """Merge two records directly (no candidate pair needed). A pair decided "not a duplicate"
    is merged only with an ``override_reason`` (else 409)."""
    access.require(user, "dedup.decide")
    reason, override_reason = _reason(reason), _reason(override_reason)
    survivor = ids.normalize(str(survivor or "")[:40])
    merged = ids.normalize(str(merged or "")[:40])
    a, b = sorted((survivor, merged))
    pair = CandidatePair.objects.select_for_update().filter(left_number=a, right_number=b).first()
    if pair is not None and pair.status == PairStatus.NOT_DUPLICATE and not override_reason:
        raise Conflict(_("These two records were decided not to be duplicates: give a reason "
                         "to override that decision."))
    record = _merge(actor=actor, user=user, survivor_number=survivor, merged_number=merged,
                    pair=pair, reason=override_reason or reason)
    if pair is not None:
        _set_status(pair, PairStatus.MERGED, actor, override_reason or reason)
    return record


@transaction.atomic
def unmerge(*, actor: audit.Actor, user, registration_number: str) -> Merge:
    """Undo the merge of ``registration_number`` (the merged record's number): both records
    come back as they were, the alias goes. A document revoked as a duplicate stays revoked:
    ``record.revoked_documents`` names it (and the audit says so), its holder needs a new one."""
    access.require(user, "person.unmerge")
    number = ids.normalize(str(registration_number or "")[:40])
    record = Merge.objects.select_for_update().filter(
        merged_number=number, unmerged_at__isnull=True).first()
    if record is None:
        if Merge.objects.filter(survivor_number=number, unmerged_at__isnull=True).exists():
            raise Conflict(_("%(n)s is the surviving record of a merge: unmerge the merged "
                             "record's number instead.") % {"n": number})
        raise Conflict(_("%(n)s was never merged.") % {"n": _echo(number)})
    if not Person.objects.filter(registration_number=record.survivor_number).exists():
        raise Conflict(_("The surviving record %(s)s was merged again since: undo that merge "
                         "first.") % {"s": record.survivor_number})
    if Person.objects.filter(registration_number=number).exists():
        raise Conflict(_("%(n)s is in the registry again.") % {"n": number})
    PersonAlias.objects.filter(merge=record, registration_number=number).delete()
    try:
        with transaction.atomic():
            outcome = merge.undo(record.journal)
    except IntegrityError as exc:
        raise Conflict(_("The merge cannot be undone: a record changed since would break a rule "
                         "of the registry. Resolve it first.")) from exc
    record.unmerged_at, record.unmerged_by = timezone.now(), actor.username
    record.save(update_fields=["unmerged_at", "unmerged_by"])
    if record.pair_id:
        pair = CandidatePair.objects.select_for_update().filter(pk=record.pair_id).first()
        if pair is not None:
            _set_status(pair, PairStatus.DEFERRED, actor, "unmerged")
    record.revoked_documents = outcome["revoked"]
    record.kept_fields = outcome["kept"]
    reissue = [d["document"] for d in outcome["revoked"]]
    for subject in (record.survivor_number, number):
        audit.record(actor, "dedup.unmerge", "person", number, subject=subject,
                     survivor=record.survivor_number, merged=number, merge=record.pk,
                     revoked_documents=reissue, new_document_needed=bool(reissue),
                     **{k.replace(".", "_"): v
                        for k, v in merge.clear_summary(outcome["counts"]).items()})
    return record
