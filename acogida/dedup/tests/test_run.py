"""A run over the registry: the model is trained without labels, the synthetic caravan's
near-duplicates are queued, decisions are remembered, ``--pairs-out`` writes the CSV."""

import csv
import io

import pytest
from django.core.management import call_command

from acogida import testing
from acogida.dedup import services
from acogida.dedup.models import CandidatePair, Run, TrainedModelRecord
from acogida.registry.models import Person

from .factories import caravan, trained_model

pytestmark = pytest.mark.django_db


def _duplicates_in_registry() -> set[frozenset[str]]:
    """The synthetic caravan's near-duplicates: same surnames' sound and birth year."""
    from acogida.registry.synthetic import strip_accents

    seen: dict[tuple, list[str]] = {}
    for number, given, first, born in Person.objects.values_list(
            "registration_number", "given_names", "first_surname", "date_of_birth"):
        key = (strip_accents(given.split()[0]).lower()[:3],
               strip_accents(first).lower().replace("h", "")[:3], born.year)
        seen.setdefault(key, []).append(number)
    return {frozenset(v) for v in seen.values() if len(v) == 2}


def test_a_run_finds_the_near_duplicates_and_fills_the_queue(tmp_path):
    caravan(400)
    trained_model()
    coordinator = testing.make_user("coordinator")
    out = tmp_path / "pairs.csv"
    first = services.run(actor=testing.SYSTEM, user=coordinator, threshold=0.8, pairs_out=out)
    assert not first.run.retrained and TrainedModelRecord.objects.count() == 1
    assert first.run.people == 400
    assert first.run.pairs == first.run.new_pairs == CandidatePair.objects.count() > 0
    with open(out, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["left", "right", "probability", "left_external_id",
                             "right_external_id"]
    assert len(rows) == first.run.pairs
    assert all(float(r["probability"]) >= 0.8 for r in rows)
    queued = {frozenset((p.left_number, p.right_number)) for p in CandidatePair.objects.all()}
    likely = _duplicates_in_registry()
    assert len(queued & likely) >= len(likely) // 3

    # decided "not a duplicate": never proposed again; pending ones updated, not duplicated
    rejected = CandidatePair.objects.order_by("id").first()
    services.decide(actor=testing.SYSTEM, user=testing.make_user("caseworker"),
                    pair_id=rejected.pk, decision="not_duplicate", reason="twins")
    again = services.run(actor=testing.SYSTEM, user=coordinator, threshold=0.8)
    assert not again.run.retrained and TrainedModelRecord.objects.count() == 1
    assert again.run.new_pairs == 0
    assert again.run.skipped_decided == 1
    assert again.run.updated_pairs == first.run.pairs - 1
    assert CandidatePair.objects.count() == first.run.pairs
    assert CandidatePair.objects.get(pk=rejected.pk).status == "not_duplicate"
    assert Run.objects.count() == 2


def test_the_command_prints_figures_and_writes_pairs(tmp_path):
    caravan(300, seed=11)
    trained_model()
    out = tmp_path / "p.csv"
    buffer = io.StringIO()
    call_command("dedup", "run", "--threshold", "0.9", "--pairs-out", str(out), stdout=buffer)
    text = buffer.getvalue()
    assert "pairs" in text and "people" in text
    assert out.read_text(encoding="utf-8").startswith(
        "left,right,probability,left_external_id,right_external_id")


def test_a_registry_too_small_to_train_says_so():
    testing.make_person()
    with pytest.raises(services.Conflict):
        services.run(actor=testing.SYSTEM, user=testing.make_user("admin"))


def test_pairs_out_is_audited():
    from acogida.accounts.models import AuditEntry

    caravan(300, seed=11)
    trained_model()
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        buffer = io.StringIO()
        call_command("dedup", "run", "--pairs-out", f"{folder}/p.csv", stdout=buffer)
    assert "personal data" in buffer.getvalue()
    entry = AuditEntry.objects.get(action="dedup.pairs_out")
    assert entry.details["count"] >= 0 and entry.details["path"].endswith("p.csv")
