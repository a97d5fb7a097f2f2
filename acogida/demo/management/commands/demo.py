"""`acogida demo`: a local demo in one command.

Creates the registration points along the 2018 route and the arrival group, one user per role
(passwords generated once per data dir and kept in ``<data dir>/demo-logins.txt``, mode 0600),
seeds a synthetic caravan through the same bulk import a clerk uses, prints the logins and serves.

Run again on the same data dir, it seeds nothing new ("already seeded: N people") and serves;
``--reset`` deletes the demo's SQLite database first and starts over (the logins file and the
keys stay, so the passwords do not change).
"""

import csv
import io
import os
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, transaction
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from acogida.accounts import audit
from acogida.accounts import services as account_services
from acogida.accounts.access import ROLE_LABELS, ROLES
from acogida.accounts.models import User
from acogida.asylum.demo import seed_claims
from acogida.core import ids
from acogida.core.errors import DomainError
from acogida.core.serving import serve
from acogida.dedup.demo import seed_dedup
from acogida.documents.demo import seed_documents
from acogida.health.demo import seed_health
from acogida.plan.demo import seed_plan
from acogida.registry import imports, synthetic
from acogida.registry.models import ArrivalGroup, Household, Person, RegistrationPoint
from acogida.reporting.demo import seed_flows
from acogida.schooling.demo import seed_schools
from acogida.shelter.demo import seed_shelters

LOGINS_FILE = "demo-logins.txt"
ACTOR = audit.Actor.system("demo")


def logins_path() -> Path:
    return Path(settings.DATA_DIR) / LOGINS_FILE


def read_logins(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    logins = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and not line.startswith("#"):
            logins[parts[0]] = parts[1]
    return logins


def new_password() -> str:
    """12 characters from the unambiguous alphabet, grouped for reading: ``k7q2-m9xd-3fpa``."""
    raw = "".join(secrets.choice(ids.ALPHABET) for _ in range(12)).lower()
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def write_logins(path: Path, logins: dict[str, str]) -> None:
    """Written whole to a private temporary file, then renamed over the old one."""
    text = ("# Acogida demo logins for this data dir. Generated once; keep this file private.\n"
            "# username      password\n"
            + "".join(f"{user:<14}{password}\n" for user, password in logins.items()))
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def ensure_logins() -> dict[str, str]:
    path = logins_path()
    logins = read_logins(path)
    missing = [role for role in ROLES if role not in logins]
    if missing:
        logins.update({role: new_password() for role in missing})
        write_logins(path, logins)
    elif path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return logins


@transaction.atomic
def ensure_reference_data() -> ArrivalGroup:
    """The registration points along the route and the caravan (kept if they already exist)."""
    created = []
    for point in synthetic.REGISTRATION_POINTS:
        _obj, new = RegistrationPoint.objects.get_or_create(
            code=point.code, defaults={"name": point.name, "state": point.state,
                                       "municipality": point.municipality})
        if new:
            created.append(point.code)
    group = synthetic.ARRIVAL_GROUP
    caravan, new = ArrivalGroup.objects.get_or_create(
        name=group["name"], defaults={"first_seen_on": group["first_seen_on"],
                                      "first_seen_at": group["first_seen_at"]})
    if created or new:
        audit.record(ACTOR, "reference.create", "reference", "demo",
                     registration_points=created, arrival_group=group["name"] if new else None)
    return caravan


def ensure_users(logins: dict[str, str]) -> dict[str, str]:
    """One user per role, named after it; returns what to print for each."""
    shown = {}
    for role in ROLES:
        user = User.objects.filter(username=role).first()
        if user is None:
            account_services.create_user(actor=ACTOR, username=role, role=role,
                                         password=logins[role])
            shown[role] = logins[role]
        elif user.check_password(logins[role]):
            shown[role] = logins[role]
        else:
            shown[role] = "(an existing user: password not set by the demo)"
    return shown


def caravan_csv(people: int, seed: int, on_row=None) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(synthetic.COLUMNS)
    today = timezone.localdate()
    for number, row in enumerate(synthetic.caravan_rows(people, seed, today=today), start=1):
        writer.writerow(row.values())
        if on_row and number % 500 == 0:
            on_row(number)
    return buffer.getvalue().encode()


def reset_database() -> None:
    """Delete the demo's SQLite database and build an empty one; nothing else is touched."""
    name = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor != "sqlite" or not name or name.startswith(("file:", ":memory:")) \
            or not Path(name).is_file():
        raise CommandError("--reset deletes only the SQLite database of the data dir; for "
                           "another database, drop and recreate it yourself")
    connections.close_all()
    for suffix in ("", "-wal", "-shm"):
        Path(name + suffix).unlink(missing_ok=True)
    call_command("migrate", interactive=False, verbosity=0)


class Command(BaseCommand):
    help = ("Set up a demo: reference data, one user per role, a synthetic caravan of N people "
            "(deterministic for a seed); print the logins; then serve the app.")

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=7000,
                            help="people to seed (default 7000, about 2,000 households)")
        parser.add_argument("--seed", type=int, default=2018,
                            help="random seed: the same seed gives the same caravan")
        parser.add_argument("--no-serve", action="store_true",
                            help="set up and seed, then exit instead of serving")
        parser.add_argument("--reset", action="store_true",
                            help="delete the demo database first and seed again")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, people, seed, no_serve, reset, host, port, **options):
        if people < 0:
            raise CommandError("--people must be 0 or more")
        console = Console(file=getattr(self.stdout, "_out", None), highlight=False,
                          markup=False, soft_wrap=True)
        started = time.monotonic()
        if reset:
            reset_database()
            console.print("Deleted the demo database; starting over.")
        logins = ensure_logins()
        ensure_reference_data()
        shown = ensure_users(logins)
        existing = Person.objects.count()
        if existing:
            console.print(f"already seeded: {existing:,} people in "
                          f"{Household.objects.count():,} households "
                          "(acogida demo --reset starts over)")
        elif people:
            with ids.drawn_from(seed):  # the same seed, the same registration numbers
                self.seed(console, people, seed)
        console.print(f"Ready in {time.monotonic() - started:.1f} s. "
                      f"Data dir: {settings.DATA_DIR}")
        self.print_logins(console, shown, host, port)
        if not no_serve:
            serve(host=host, port=port, out=self.stdout)

    def seed(self, console: Console, people: int, seed: int) -> None:
        importer = User.objects.get(username="registration")
        columns = [TextColumn("{task.description:<34}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn()]
        with Progress(*columns, console=console, transient=False) as progress:
            generate = progress.add_task("Generating a synthetic caravan", total=people)
            data = caravan_csv(people, seed,
                               on_row=lambda n: progress.update(generate, completed=n))
            progress.update(generate, completed=people)
            # Rows are checked and written in one pass (registry/imports.py): one bar.
            writing = progress.add_task("Checking and registering people", total=people)

            def report(stage, done, total):
                if stage == "write":
                    progress.update(writing, completed=done)

            try:
                result = imports.import_people(actor=ACTOR, user=importer, data=data,
                                               filename="demo.csv", dry_run=False,
                                               progress=report)
            except DomainError as exc:
                raise CommandError(f"the demo caravan was not imported: {exc}") from exc
        console.print(f"Seeded {result.people:,} people in {result.households:,} households "
                      f"(seed {seed}).")
        with console.status("Issuing temporary IDs and work permits"):
            documents = seed_documents(actor=ACTOR, seed=seed)
        console.print("Documents: " + ", ".join(f"{n:,} {kind.replace('_', ' ')}"
                                                for kind, n in documents.items()) + ".")
        with console.status("Opening shelters and placing the caravan"):
            placed = seed_shelters(ACTOR, people=people)
        console.print(f"Shelters: {placed['shelters']} along the route; {placed['placed']:,} "
                      f"people placed by the optimiser ({placed['method']}), "
                      f"{placed['walk_ins']:,} walk-ins over capacity (override recorded), "
                      f"{placed['unplaced']:,} still waiting.")
        with console.status("Offering the plan “Estás en tu casa” in Chiapas and Oaxaca"):
            plan = seed_plan(ACTOR, seed=seed)
        console.print(f"Plan: {plan['applications']:,} applications to COMAR or INM; offered to "
                      f"{plan['offered']:,} people at {plan['places']} places; "
                      f"{plan['outcomes'].get('accepted', 0):,} accepted, "
                      f"{plan['outcomes'].get('declined', 0):,} declined, "
                      f"{plan['outcomes'].get('moved_on', 0):,} moved on; "
                      f"{plan['pet']:,} in PET.")
        with console.status("Opening asylum claims"):
            claims = seed_claims(ACTOR, seed=seed)
        console.print(f"Asylum claims: {claims['claims']:,} ({claims.get('mx', 0):,} with COMAR, "
                      f"{claims.get('us', 0):,} in the United States; "
                      f"{claims.get('open', 0):,} still open).")
        flows = seed_flows(ACTOR, seed=seed)
        console.print(f"Flow counts: {flows:,} (the 2018 caravan's figures with their sources, "
                      "and synthetic daily counts along the route).")
        with console.status("Recording encounters, vaccinations and referrals"):
            health = seed_health(ACTOR, seed=seed)
        console.print(f"Health: {health['encounters']:,} encounters for "
                      f"{health['people_seen']:,} people, {health['vaccinations']:,} vaccinations "
                      f"for {health['children_vaccinated']:,} young children, "
                      f"{health['pregnancy_follow_ups']:,} pregnancy follow-ups, "
                      f"{health['referrals']:,} referrals "
                      f"({health['open_urgent_referrals']:,} open and urgent).")
        with console.status("Opening schools and enrolling children"):
            schooled = seed_schools(ACTOR)
        console.print(f"Schools: {schooled['schools']} near the shelters; "
                      f"{schooled['enrolled']:,} children enrolled and "
                      f"{schooled['waitlisted']:,} waitlisted through bulk proposals for "
                      f"{len(schooled['shelters'])} shelters.")
        with console.status("Looking for people registered twice"):
            dedup = seed_dedup(ACTOR)
        console.print(f"Duplicates: {dedup['pairs']:,} possible pairs queued for review "
                      f"({dedup['clusters']:,} groups) in {dedup['seconds']:.1f} s"
                      + (f"; skipped: {dedup['skipped']}" if dedup.get("skipped") else "") + ".")

    def print_logins(self, console: Console, shown: dict[str, str], host: str,
                     port: int) -> None:
        table = Table(title="Demo logins (also in " + str(logins_path()) + ")")
        table.add_column("username")
        table.add_column("password")
        table.add_column("role")
        for role in ROLES:
            table.add_row(role, shown[role], str(ROLE_LABELS[role]))
        console.print(table)
        shown_host = f"[{host}]" if ":" in host else host
        console.print(f"Open http://{shown_host}:{port}/login/ and log in with one of these; "
                      f"the API's documentation is at http://{shown_host}:{port}/api/v1/docs")
