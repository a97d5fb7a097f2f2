"""Duplicates for tests: two registrations of one person with linked records on both sides,
a record graph snapshot, and a small synthetic caravan with a trained model (trained once)."""

from django.utils import timezone

from acogida import testing
from acogida.dedup import merge
from acogida.dedup.models import CandidatePair, PersonAlias, TrainedModelRecord
from acogida.registry.models import Person

_MODEL: dict = {}


def graph(registration_number: str) -> dict:
    """Every row, in every app, that points at the person, as plain dicts; and the row itself."""
    person = Person.objects.get(registration_number=registration_number)
    rows = []
    for field in merge.relations():
        for row in field.model._base_manager.filter(**{field.attname: person.pk}).order_by("pk"):
            rows.append(merge.dump_row(row))
    rows.sort(key=lambda r: (r["model"], str(r["pk"])))
    return {"person": merge.dump_row(person), "rows": rows}


def twins(**overrides):
    """Two registrations of María José López Díaz (one without accents)."""
    first = testing.make_person(**overrides)
    plain = {"given_names": "Maria Jose", "first_surname": "Lopez", "second_surname": "Diaz"}
    second = testing.make_person(**{**plain, **overrides})
    return first, second


def pair(left, right, probability: float = 0.999, status: str = "pending") -> CandidatePair:
    a, b = sorted((left.registration_number, right.registration_number))
    now = timezone.now()
    return CandidatePair.objects.create(
        left_number=a, right_number=b, probability=probability, match_weight=12.0,
        explanation=[{"comparison": "prior", "level": "two random records are the same person",
                      "gamma": None, "match_weight": -10.0, "m": None, "u": None},
                     {"comparison": "given_names", "level": "exact <b>", "gamma": 6,
                      "match_weight": 22.0, "m": 0.9, "u": 0.001}],
        status=status, created_at=now, updated_at=now)


def caravan(people: int = 400, seed: int = 7) -> None:
    """A synthetic caravan (about 1.5% near-duplicates) imported as the demo does."""
    from acogida.demo.management.commands.demo import caravan_csv, ensure_reference_data
    from acogida.registry import imports

    ensure_reference_data()
    imports.import_people(actor=testing.SYSTEM, user=testing.make_user("registration"),
                          data=caravan_csv(people, seed), filename="demo.csv", dry_run=False)


def trained_model() -> None:
    """A model trained once per session on the engine's synthetic registry, stored in this
    test's database (training takes seconds; the tests need a model, not its training)."""
    from acogida.dedup import engine
    from acogida.dedup.engine.synthetic import generate_arrow

    if "json" not in _MODEL:
        table = generate_arrow(1500, seed=3).select(engine.RECORD_SCHEMA.names)
        model = engine.train_arrow(table)
        _MODEL.update(json=model.to_json(), version=model.version,
                      trained_at=model.trained_at, count=model.record_count)
    TrainedModelRecord.objects.create(version=_MODEL["version"],
                                      trained_at=_MODEL["trained_at"],
                                      record_count=_MODEL["count"], model_json=_MODEL["json"])


def alias_count() -> int:
    return PersonAlias.objects.count()
