"""Services benchmark: writes and exports at caravan scale, through the same services the API
and the pages call.

    python benchmarks/services.py [--people 1000000] [--database-url URL] [--seed S]

A fresh database (as ``benchmarks/registry.py`` makes it: SQLite in a temporary data dir, or a
new PostgreSQL database ``acogida_bench`` next to the one in --database-url, dropped at the end)
holds a synthetic caravan of --people imported in bulk. Then, one function per measurement:

- ``measure_encounter``: p95 of ``health.services.record_encounter`` (checks, encryption of
  diagnoses and notes, the audit entry) for people picked at random in the registry.
  Target p95 <= 50 ms.
- ``measure_fhir``: the FHIR R4B bundles of --fhir-people people (each with two encounters and
  their diagnoses, three vaccinations and a referral) read through
  ``health.selectors.health_records`` (the audited bulk read) and validated and written with
  ``health.fhir.bundle_json``. Target <= 10 s for 1,000 people. Also the per-person path of
  ``GET /people/{n}/health/fhir`` (``person_health``), for 100 of them.
- ``measure_plan_page``: p95 of a person's plan page (``GET /api/v1/people/{n}/plan``, i.e.
  ``plan.selectors.person_plan``: eligibility today, applications, offers with their members'
  names (audited), the benefits ledger) for people with an application and an offer made at a
  Chiapas registration point (half of them accepted), as ``medical`` (who also gets the count of
  IMSS encounters) and as ``caseworker``. Target p95 <= 200 ms. A failure ends the run.

Add a function to ``MEASUREMENTS`` to time something else.
"""

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import registry as registry_bench  # noqa: E402  (benchmarks/registry.py: the database, the caravan)

TARGETS = {"encounter_p95_ms": 50.0, "fhir_seconds": 10.0, "plan_p95_ms": 200.0}
Row = tuple[str, str, str, bool | None]  # what, figure, target, met (None: no target)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000,
                        help="registry size (default 1,000,000; 100,000 for a quicker run)")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--calls", type=int, default=300, help="timed calls per p95")
    parser.add_argument("--fhir-people", type=int, default=1_000)
    parser.add_argument("--keep", action="store_true",
                        help="keep the data dir and the database for a closer look")
    return parser.parse_args(argv)


def p95(values: list[float]) -> float:
    return registry_bench.percentile(values, 95)


def build_registry(args) -> dict:
    start = time.perf_counter()
    report = registry_bench.import_caravan(args.people, args.seed)
    print(f"registry: {report.people:,} people imported in {time.perf_counter() - start:.0f} s")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"people": report.people}


def _numbers(count: int, rng: random.Random) -> list[str]:
    """``count`` registration numbers picked at random (by id, without reading the table)."""
    from django.db.models import Max, Min

    from acogida.registry.models import Person

    bounds = Person.objects.aggregate(low=Min("id"), high=Max("id"))
    ids = rng.sample(range(bounds["low"], bounds["high"] + 1),
                     min(count * 2, bounds["high"] - bounds["low"] + 1))
    found = list(Person.objects.filter(id__in=ids).values_list("registration_number",
                                                               flat=True))
    rng.shuffle(found)
    return found[:count]


def _medic():
    from acogida.accounts.models import User

    return User(username="bench-medical", role="medical", is_active=True)


# ---- measurements -------------------------------------------------------------------------------

def measure_encounter(state: dict, args) -> list[Row]:
    from acogida.accounts import audit
    from acogida.health import services

    rng, medic, actor = random.Random(args.seed + 1), _medic(), audit.Actor.system("benchmark")
    numbers = _numbers(args.calls + 20, rng)

    def record(number: str):
        return lambda: services.record_encounter(
            actor=actor, user=medic, registration_number=number, date=None,
            facility_kind="shelter_medical_post", facility_name="Puesto médico El Barretal",
            reason="respiratory", triage="routine",
            diagnoses=[{"text": "Infección aguda de las vías respiratorias superiores",
                        "icd10": "J06.9"}],
            notes="Se indica hidratación oral y reposo. Control en 48 horas si no mejora.")

    for number in numbers[:20]:
        record(number)()  # warm up
    times = registry_bench.timed(record(n) for n in numbers[20:])
    figure = p95(times)
    return [("encounter creation (service)",
             f"p50 {statistics.median(times):.1f} ms, p95 {figure:.1f} ms",
             f"p95 <= {TARGETS['encounter_p95_ms']:.0f} ms",
             figure <= TARGETS["encounter_p95_ms"])]


def _health_records(numbers: list[str], rng: random.Random) -> None:
    """Two encounters (diagnoses, notes), three vaccinations and one referral each."""
    from django.utils import timezone

    from acogida.accounts import audit
    from acogida.health import services

    actor, medic, today = audit.Actor.system("benchmark"), _medic(), timezone.localdate()
    encounters, vaccinations = [], []
    for number in numbers:
        for back in (3, 20):
            encounters.append({
                "registration_number": number, "date": today - timedelta(days=back),
                "facility_kind": "mobile_clinic", "facility_name": "Clínica móvil",
                "reason": rng.choice(["respiratory", "skin", "injury"]), "triage": "routine",
                "diagnoses": [{"text": "Faringitis aguda", "icd10": "J02.9"},
                              {"text": "Ampollas en los pies"}],
                "notes": "Sin signos de alarma. Se explican los signos por los que debe volver."})
        vaccinations += [{"registration_number": number, "vaccine": code, "dose": 1,
                          "date": today - timedelta(days=10), "lot": "L12345"}
                         for code in ("TD", "INFLUENZA", "SRP")]
    services.record_many(actor=actor, user=medic, encounters=encounters,
                         vaccinations=vaccinations)
    for number in numbers:
        services.create_referral(actor=actor, user=medic, registration_number=number,
                                 to_facility="Hospital General de Tijuana", urgency="urgent",
                                 reason="Fiebre persistente de cinco días.")


def measure_fhir(state: dict, args) -> list[Row]:
    from acogida.accounts import audit
    from acogida.health import fhir, selectors

    rng = random.Random(args.seed + 2)
    numbers = _numbers(args.fhir_people, rng)
    start = time.perf_counter()
    _health_records(numbers, rng)
    made = time.perf_counter() - start
    actor, medic = audit.Actor.system("benchmark"), _medic()
    start = time.perf_counter()
    size = sum(len(fhir.bundle_json(record)) for record in selectors.health_records(
        actor=actor, user=medic, registration_numbers=numbers, purpose="fhir"))
    seconds = time.perf_counter() - start
    one = numbers[:100]
    start = time.perf_counter()
    for number in one:  # the API's path, person by person
        fhir.bundle_json(selectors.person_health(actor=actor, user=medic,
                                                 registration_number=number, purpose="fhir"))
    single = (time.perf_counter() - start) / len(one) * 1000
    return [(f"  (records for {len(numbers):,} people, record_many + referrals)",
             f"{made:.1f} s", "", None),
            (f"FHIR export of {len(numbers):,} people",
             f"{seconds:.1f} s ({seconds / len(numbers) * 1000:.1f} ms each, "
             f"{size / 1e6:.1f} MB)", f"<= {TARGETS['fhir_seconds']:.0f} s",
             seconds <= TARGETS["fhir_seconds"]),
            ("  one person's bundle (GET .../health/fhir path)", f"{single:.1f} ms", "", None)]


def _plan_records(numbers: list[str]) -> None:
    """An application for each, an offer at a Chiapas point (the plan's place, that day), half
    of them accepted: through the services, as a caseworker would."""
    from django.utils import timezone

    from acogida.accounts import audit
    from acogida.accounts.models import User
    from acogida.core.errors import DomainError
    from acogida.plan import services
    from acogida.registry.selectors import registration_points_where

    actor = audit.Actor.system("benchmark")
    clerk = User(username="bench-caseworker", role="caseworker", is_active=True)
    today = timezone.localdate()
    services.record_applications(actor=actor, user=clerk, applications=[
        services.NewApplication(n, "refugee_status", today) for n in numbers])
    point = registration_points_where().filter(state="Chiapas").order_by("code").first()
    decisions = []
    for i, number in enumerate(numbers):
        try:  # a person not eligible (a Mexican, say) or already offered is simply skipped
            offer = services.make_offer(actor=actor, user=clerk, place=f"point:{point.code}",
                                        registration_number=number)
        except DomainError:
            continue
        if i % 2 == 0:
            decisions.append(services.Decision(offer.pk, "accepted", today))
    services.decide_many(actor=actor, user=clerk, decisions=decisions)


def measure_plan_page(state: dict, args) -> list[Row]:
    """p95 of a person's plan page, as medical staff and as a caseworker."""
    from acogida.accounts import audit
    from acogida.accounts.models import User
    from acogida.plan import selectors as plan_selectors
    from acogida.plan.models import Offer

    actor = audit.Actor.system("benchmark")
    numbers = _numbers(args.calls + 20, random.Random(args.seed + 3))
    start = time.perf_counter()
    _plan_records(numbers)
    seeded = time.perf_counter() - start
    rows: list[Row] = [(f"  (plan records for {len(numbers):,} people: "
                        f"{Offer.objects.count():,} offers)", f"{seeded:.1f} s", "", None)]
    for role in ("medical", "caseworker"):
        user = User(username=f"bench-{role}", role=role, is_active=True)
        for number in numbers[:20]:  # warm up
            plan_selectors.person_plan(actor=actor, user=user, registration_number=number)
        times = registry_bench.timed(
            (lambda n=n, u=user: plan_selectors.person_plan(actor=actor, user=u,
                                                            registration_number=n))
            for n in numbers[20:])
        figure = p95(times)
        rows.append((f"plan page as {role} (plan.selectors.person_plan)",
                     f"p50 {statistics.median(times):.1f} ms, p95 {figure:.1f} ms",
                     f"p95 <= {TARGETS['plan_p95_ms']:.0f} ms", figure <= TARGETS["plan_p95_ms"]))
    return rows


MEASUREMENTS: list[Callable[[dict, argparse.Namespace], list[Row]]] = [
    measure_encounter, measure_fhir, measure_plan_page]


def run(args) -> int:
    url = registry_bench.setup_environment(args.database_url)
    from django.db import connection

    print(f"database: {connection.vendor} ({url})")
    state = build_registry(args)
    rows: list[Row] = []
    for measurement in MEASUREMENTS:
        rows += measurement(state, args)
    print()
    print(f"{state['people']:,} people on {connection.vendor}")
    width = max(len(r[0]) for r in rows)
    for what, figure, target, met in rows:
        verdict = "" if met is None else ("met" if met else "MISSED")
        print(f"  {what:<{width}}  {figure:<40} {target:<40} {verdict}")
    return 0 if all(r[3] is not False for r in rows) else 1


def main(argv=None) -> int:
    return registry_bench.run_and_clean_up(run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
