"""Situation picture benchmark: the dashboard, every ``/stats/{topic}`` and the daily PDF at
caravan scale.

    python benchmarks/dashboard.py [--people 1000000] [--database-url URL] [--repeat 5]

A fresh database (as ``benchmarks/registry.py`` makes it: SQLite in a temporary data dir, or a
new PostgreSQL database ``acogida_bench`` next to the one in --database-url, dropped at the end)
holds a synthetic caravan of --people imported through the bulk import
(``registry.imports.import_people``, as ``benchmarks/registry.py``). The import stamps everyone
with the moment of the import: the registration times are then spread over each registration
point's days of October–December 2018 with one UPDATE per point and day.

The other panels' data is written with ``bulk_create`` (the services check, encrypt and audit
row by row, which would take hours at this size; the figures read only the stored rows), in
proportion to --people:

    shelters 20 (4 sections each)     stays 10 %  (a third still staying)
    documents 10 % (requested, about 70 % handed over, 2 % revoked)
    flow counts 2 sources × 7 places × 60 days (independent of the size)
    claims 2 %, encounters 5 %, vaccinations 3 %, referrals 0.5 %,
    schools 30 and enrolments 2 %, plan offers 1 %

No audit rows are written in bulk (the audit log is a hash chain), so the documents' "verified"
column counts nothing here. Then, each timed --repeat times after one warm-up call, as a
coordinator: ``GET /dashboard/`` (Django test client, logged in) and the nine
``GET /api/v1/stats/{topic}`` (bearer token) without a filter, with a date range (November
2018) and with a date range and a state; and ``GET /api/v1/reports/daily.pdf``.
Targets: p95 <= 1 s for the dashboard and each endpoint, <= 10 s for the PDF.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import registry as registry_bench  # noqa: E402  (benchmarks/registry.py: the database, the caravan)

TARGETS = {"page_p95_s": 1.0, "pdf_s": 10.0}
TOPICS = ("registrations", "plan", "shelters", "claims", "documents", "health", "schooling",
          "demographics", "flows")
FILTERS = {
    "no filter": {},
    "Nov 2018": {"date_from": "2018-11-01", "date_to": "2018-11-30"},
    "Nov 2018 + Baja California": {"date_from": "2018-11-01", "date_to": "2018-11-30",
                                   "state": "Baja California"},
}
REPORT_DAY = "2018-11-20"
BATCH = 5_000


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000,
                        help="registry size (default 1,000,000; 100,000 for a quicker run)")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per figure")
    parser.add_argument("--keep", action="store_true",
                        help="keep the data dir and the database for a closer look")
    parser.add_argument("--data-dir", default="",
                        help="use this data dir (kept) instead of a temporary one")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the database a --keep run left (SQLite: in --data-dir; "
                             "PostgreSQL: acogida_bench) without building it again; pending "
                             "migrations are applied first (implies --keep)")
    parser.add_argument("--only", default="",
                        help="comma-separated: measure only these (dashboard, a topic, pdf)")
    args = parser.parse_args(argv)
    if args.reuse:
        args.keep = True
        if not args.database_url and not args.data_dir:
            parser.error("--reuse on SQLite needs --data-dir")
    return args


def _aware(day: date, hour: int = 12):
    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour))


# ---- the registry ------------------------------------------------------------------------------

def build_registry(args) -> int:
    """The caravan through the bulk import, then registration times spread over the route."""
    from django.db import connection

    from acogida.registry.models import Person, RegistrationPoint
    from acogida.registry.synthetic import REGISTRATION_POINTS

    start = time.perf_counter()
    report = registry_bench.import_caravan(args.people, args.seed)
    print(f"registry: {report.people:,} people imported in {time.perf_counter() - start:.0f} s "
          f"({len(report.errors)} errors)")
    start = time.perf_counter()
    table = Person._meta.db_table
    with connection.cursor() as cursor:
        for point in REGISTRATION_POINTS:
            pk = RegistrationPoint.objects.get(code=point.code).pk
            for day in range(point.days):
                cursor.execute(
                    f"UPDATE {table} SET registered_at = %s "  # noqa: S608
                    "WHERE registration_point_id = %s AND id %% %s = %s",
                    [connection.ops.adapt_datetimefield_value(
                        _aware(point.first_day + timedelta(days=day), 10)),
                     pk, point.days, day])
    print(f"  registration times spread over the route in {time.perf_counter() - start:.1f} s")
    return report.people


def _ids(count: int, rng: random.Random, **filters) -> list[int]:
    """``count`` distinct people's ids picked at random among those ``filters`` select."""
    from acogida.registry.models import Person

    ids = list(Person.objects.filter(**filters).values_list("id", flat=True))
    return rng.sample(ids, min(count, len(ids)))


def _bulk(model, objects) -> int:
    made = 0
    batch = []
    for obj in objects:
        batch.append(obj)
        if len(batch) >= BATCH:
            model.objects.bulk_create(batch)
            made += len(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch)
        made += len(batch)
    return made


# ---- the other panels' data (bulk_create: a fraction of the registry) ------------------------

def seed_shelters(people: int, rng: random.Random, admin) -> str:
    from acogida.registry.synthetic import REGISTRATION_POINTS
    from acogida.shelter.models import Section, Shelter, Stay

    shelters, sections = [], []
    for i in range(20):
        point = REGISTRATION_POINTS[i % len(REGISTRATION_POINTS)]
        shelters.append(Shelter(name=f"Albergue {i + 1} {point.municipality}",
                                kind="sports_centre", state=point.state,
                                municipality=point.municipality, covered_area_m2=3000 + 100 * i,
                                toilets=40 + i, taps=10, showers=30, medical_post=i % 2 == 0))
    Shelter.objects.bulk_create(shelters)
    shelters = list(Shelter.objects.order_by("id"))
    per_section = max(10, people // 10 // 20 // 4 * 9 // 10)  # a tenth of the caravan, crowded
    for shelter in shelters:
        for kind in ("family", "women", "men", "child_safe"):
            sections.append(Section(shelter=shelter, name=kind, kind=kind,
                                    capacity=per_section))
    Section.objects.bulk_create(sections)
    sections = list(Section.objects.order_by("id"))
    ids = _ids(people // 10, rng)
    stays = []
    for n, pk in enumerate(ids):
        day = date(2018, 11, 1) + timedelta(days=rng.randrange(40))
        out = None if n % 3 == 0 else _aware(day + timedelta(days=rng.randrange(1, 10)), 9)
        stays.append(Stay(person_id=pk, section=rng.choice(sections),
                          checked_in_at=_aware(day, 18), checked_in_by=admin,
                          checked_out_at=out, end_reason="left" if out else ""))
    return f"{_bulk(Stay, stays):,} stays in {len(shelters)} shelters"


def seed_documents(people: int, rng: random.Random, admin) -> str:
    from acogida.documents.models import Document
    from acogida.registry.models import RegistrationPoint

    points = list(RegistrationPoint.objects.all())
    docs = []
    for n, pk in enumerate(_ids(people // 10, rng)):
        day = date(2018, 10, 20) + timedelta(days=rng.randrange(50))
        handed = n % 10 < 7
        revoked = n % 50 == 0
        docs.append(Document(
            number=f"B{n:012d}", doc_type="temporary_id" if n % 4 else "work_permit",
            holder_id=pk, status="revoked" if revoked else "issued" if handed else "requested",
            legal_status="Solicitante de refugio", issue_date=day, valid_from=day,
            valid_until=day + timedelta(days=365), office=rng.choice(points), officer=admin,
            officer_name=admin.username, requested_at=_aware(day, 11), qr_payload="NCF…",
            card={}, handed_over_at=_aware(day + timedelta(days=2), 11) if handed else None,
            ended_at=_aware(day + timedelta(days=20), 11) if revoked else None))
    return f"{_bulk(Document, docs):,} documents"


def seed_flows(rng: random.Random, admin) -> str:
    from acogida.registry.models import ArrivalGroup
    from acogida.registry.synthetic import REGISTRATION_POINTS
    from acogida.reporting.models import FlowCount

    group = ArrivalGroup.objects.first()
    counts, now = [], _aware(date(2018, 12, 31))
    for point in REGISTRATION_POINTS:
        for day in range(60):
            for source in ("Synthetic: police", "Synthetic: organisers"):
                kind = "arrived" if point.code == "TIJ" else "present"
                counts.append(FlowCount(
                    date=date(2018, 10, 15) + timedelta(days=day), kind=kind,
                    place=point.municipality, state=point.state, arrival_group=group,
                    people_in=rng.randrange(200, 6000), source=source, recorded_by=admin,
                    recorded_by_name=admin.username, recorded_at=now))
    return f"{_bulk(FlowCount, counts):,} flow counts"


def seed_claims(people: int, rng: random.Random, admin) -> str:
    from acogida.asylum.models import Claim, Status

    statuses = [s for s in Status.values]
    claims = []
    for n, pk in enumerate(_ids(people // 50, rng)):
        day = date(2018, 10, 25) + timedelta(days=rng.randrange(60))
        status = rng.choice(statuses)
        closed = status in ("recognised", "complementary_protection", "withdrawn", "abandoned",
                            "appeal_decided")
        claims.append(Claim(
            number=f"C{n:012d}", principal_id=pk, jurisdiction="MX" if n % 5 else "US",
            status=status, entered_on=day - timedelta(days=5),
            lodged_on=None if status == "intake" else day, open=not closed,
            next_deadline=None if closed else day + timedelta(days=rng.randrange(5, 60)),
            created_by=admin, created_at=_aware(day), updated_at=_aware(day)))
    return f"{_bulk(Claim, claims):,} claims"


def seed_health(people: int, rng: random.Random, admin) -> str:
    from acogida.health.models import Encounter, Referral, Vaccination
    from acogida.health.schedule import SCHEDULE

    reasons = ["respiratory", "diarrhoea", "injury", "skin", "chronic", "other"]
    encounters = []
    for pk in _ids(people // 20, rng):
        day = date(2018, 10, 20) + timedelta(days=rng.randrange(60))
        encounters.append(Encounter(
            person_id=pk, date=day, facility_kind="shelter_medical_post",
            facility_name="Puesto médico", clinician=admin, clinician_name=admin.username,
            reason=rng.choice(reasons), triage="routine", pregnancy_follow_up=False,
            created_at=_aware(day)))
    made = _bulk(Encounter, encounters)
    small = _ids(people * 3 // 100, rng, date_of_birth__gte=date(2013, 11, 1))
    vaccinations = []
    for pk in small:
        day = date(2018, 10, 20) + timedelta(days=rng.randrange(60))
        dose = rng.choice(SCHEDULE)
        vaccinations.append(Vaccination(person_id=pk, vaccine=dose.vaccine, dose=dose.dose,
                                        date=day, lot="L1", recorded_by=admin,
                                        created_at=_aware(day)))
    given = _bulk(Vaccination, vaccinations)
    referrals = []
    for pk in _ids(people // 200, rng):
        day = date(2018, 10, 20) + timedelta(days=rng.randrange(60))
        referrals.append(Referral(person_id=pk, to_facility="Hospital General",
                                  urgency=rng.choice(["urgent", "routine", "emergency"]),
                                  status=rng.choice(["sent", "accepted", "closed"]),
                                  reason="", created_by=admin, created_at=_aware(day),
                                  updated_at=_aware(day)))
    sent = _bulk(Referral, referrals)
    return f"{made:,} encounters, {given:,} vaccinations, {sent:,} referrals"


def seed_schooling(people: int, rng: random.Random, admin) -> str:
    from acogida.schooling.models import Enrolment, Level, School, SchoolGrade

    levels = {"preescolar": (1, 3), "primaria": (1, 6), "secundaria": (1, 3),
              "media_superior": (1, 3)}
    schools = [School(name=f"Escuela {i + 1}", level=Level.values[i % 4], state="Baja California",
                      municipality="Tijuana") for i in range(30)]
    School.objects.bulk_create(schools)
    schools = list(School.objects.order_by("id"))
    SchoolGrade.objects.bulk_create([
        SchoolGrade(school=s, grade=g, seats=max(5, people // 1000))
        for s in schools for g in range(levels[s.level][0], levels[s.level][1] + 1)])
    enrolments = []
    children = _ids(people // 50, rng, date_of_birth__gte=date(2001, 1, 1),
                    date_of_birth__lte=date(2015, 12, 31))
    for pk in children:
        school = rng.choice(schools)
        grade = rng.randint(*levels[school.level])
        day = date(2018, 11, 1) + timedelta(days=rng.randrange(50))
        status = rng.choice(["requested", "waitlisted", "enrolled", "attending", "left"])
        enrolments.append(Enrolment(
            person_id=pk, school=school, level=school.level, grade=grade,
            suggested_level=school.level, suggested_grade=grade, status=status,
            requested_at=_aware(day), requested_by=admin,
            enrolled_at=_aware(day + timedelta(days=3)) if status in ("enrolled", "attending")
            else None))
    return f"{len(schools)} schools, {_bulk(Enrolment, enrolments):,} enrolments"


def seed_plan(people: int, rng: random.Random, admin) -> str:
    from acogida.plan.models import Offer, OfferMember
    from acogida.registry.models import Person, RegistrationPoint

    points = {p.pk: p for p in RegistrationPoint.objects.all()}
    ids = _ids(people // 100, rng)
    where = dict(Person.objects.filter(id__in=ids).values_list("id", "registration_point_id"))
    offers = []
    for pk in ids:
        point = points[where[pk]]
        day = date(2018, 10, 25) + timedelta(days=rng.randrange(40))
        status = rng.choice(["offered", "accepted", "declined", "withdrawn", "moved_on"])
        offers.append(Offer(person_id=pk, point=point, place_state=point.state, people=1,
                            offered_on=day, offered_by=admin.username, status=status,
                            decided_on=None if status == "offered"
                            else day + timedelta(days=rng.randrange(1, 5)),
                            decided_by="" if status == "offered" else admin.username,
                            created_at=_aware(day)))
    made = _bulk(Offer, offers)
    _bulk(OfferMember, (OfferMember(offer_id=o, person_id=p) for o, p in
                        Offer.objects.values_list("id", "person_id")))
    return f"{made:,} plan offers"


SEEDS = [seed_shelters, seed_documents, seed_claims, seed_health, seed_schooling, seed_plan]


# ---- measuring ------------------------------------------------------------------------------

def _times(call, repeat: int) -> list[float]:
    call()  # warm up: the first call fills the caches a running server has
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    return out


def _get(client, path: str, params: dict, expect: str = ""):
    def call():
        response = client.get(path, params)
        if response.status_code != 200:
            raise SystemExit(f"{path} {params}: {response.status_code} {response.content[:300]!r}")
        if expect and expect not in response.get("Content-Type", ""):
            raise SystemExit(f"{path}: {response.get('Content-Type')}")
    return call


def measure(args) -> list[tuple]:
    from django.test import Client

    from acogida import testing
    from acogida.accounts.models import User

    coordinator = (User.objects.filter(username="bench-coordinator").first()
                   or testing.make_user("coordinator", username="bench-coordinator"))
    web = Client(headers={"Accept-Language": "es"})
    web.force_login(coordinator)
    api = testing.api_client(coordinator)
    only = {w.strip() for w in args.only.split(",") if w.strip()}

    def wanted(what: str) -> bool:
        return not only or what in only

    rows = []
    for label, params in FILTERS.items():
        if wanted("dashboard"):
            times = _times(_get(web, "/dashboard/", params, "text/html"), args.repeat)
            rows.append(("dashboard", label, times, TARGETS["page_p95_s"]))
        for topic in TOPICS:
            if wanted(topic):
                times = _times(_get(api, f"/api/v1/stats/{topic}", params, "json"), args.repeat)
                rows.append((f"/stats/{topic}", label, times, TARGETS["page_p95_s"]))
    if wanted("pdf"):
        times = _times(_get(api, "/api/v1/reports/daily.pdf",
                            {"date": REPORT_DAY, "lang": "es"}, "application/pdf"),
                       max(1, min(args.repeat, 3)))
        rows.append((f"daily report PDF ({REPORT_DAY})", "", times, TARGETS["pdf_s"]))
    return rows


def setup(args) -> str:
    """The environment and a migrated database: a new one (``benchmarks/registry.py``), or with
    --reuse the one a --keep run left, its pending migrations applied."""
    if args.data_dir:
        Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    if not args.reuse:
        if args.data_dir:  # setup_environment makes a temporary data dir: use ours instead
            real_mkdtemp = tempfile.mkdtemp
            tempfile.mkdtemp = lambda *a, **k: str(Path(args.data_dir).resolve())
            try:
                return registry_bench.setup_environment(args.database_url)
            finally:
                tempfile.mkdtemp = real_mkdtemp
        return registry_bench.setup_environment(args.database_url)
    os.environ["ACOGIDA_DATA_DIR"] = str(Path(args.data_dir or tempfile.mkdtemp(
        prefix="acogida-bench-")).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acogida.settings")
    if args.database_url.startswith(("postgres://", "postgresql://")):
        base = args.database_url.rsplit("/", 1)[0]
        os.environ["DATABASE_URL"] = f"{base}/{registry_bench.BENCH_DB}"
    elif args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    import django

    django.setup()
    from django.core.management import call_command

    start = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=1)
    print(f"migrations applied in {time.perf_counter() - start:.1f} s")
    return os.environ.get("DATABASE_URL", f"sqlite ({os.environ['ACOGIDA_DATA_DIR']})")


def run(args) -> int:
    url = setup(args)
    from django.db import connection
    from django.test.utils import setup_test_environment

    from acogida import testing

    setup_test_environment()  # the test client's host ("testserver") is allowed
    print(f"database: {connection.vendor} ({url})")
    if args.reuse:
        from acogida.registry.models import Person

        people = Person.objects.count()
        print(f"reusing {people:,} people")
    else:
        people = build_registry(args)
        admin = testing.make_user("admin", username="bench-admin")
        rng = random.Random(args.seed + 7)
        start = time.perf_counter()
        made = [seed(people, rng, admin) for seed in SEEDS] + [seed_flows(rng, admin)]
        print(f"other panels (bulk_create) in {time.perf_counter() - start:.0f} s: "
              + "; ".join(made))
    with connection.cursor() as cursor:
        # Fresh statistics, as after a big import (SQLite: the skip-scans need them). On
        # PostgreSQL also the visibility map autovacuum would set soon after the bulk writes:
        # without it an index-only scan still reads the table.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    rows = measure(args)
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    print()
    print(f"{people:,} people on {connection.vendor}; {args.repeat} timed calls each after a "
          f"warm-up; load average {' '.join(load)}")
    print(f"  {'what':<34} {'filter':<28} {'p50 s':>7} {'p95 s':>7}  target")
    missed = 0
    for what, label, times, target in rows:
        worst = registry_bench.percentile(times, 95)
        ok = worst <= target
        missed += not ok
        print(f"  {what:<34} {label:<28} {statistics.median(times):>7.3f} {worst:>7.3f}  "
              f"<= {target:g} s {'met' if ok else 'MISSED'}")
    return 1 if missed else 0


def main(argv=None) -> int:
    return registry_bench.run_and_clean_up(run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
