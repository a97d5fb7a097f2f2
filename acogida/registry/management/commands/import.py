"""``acogida import people FILE [--dry-run]``: check a CSV or XLSX file and import its people.

Every row is checked, in one transaction; when a row is wrong nothing is imported and
every problem is listed as ``row N, field: message``. The command acts as the administrator.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from acogida.accounts import access, audit
from acogida.accounts.models import User
from acogida.core.errors import DomainError
from acogida.registry import imports

MAX_LISTED = 200
STAGES = {"check": "checking rows", "write": "checking and writing people"}


def command_user() -> User:
    """The command line's user: the administrator role, never saved (``registered_by`` stays
    empty; the audit log names the actor "cli")."""
    user = User(username="cli", role="admin", is_active=True)
    if not access.can(user, "person.import"):
        raise CommandError("the administrator role may not import people (accounts/access.py)")
    return user


class Command(BaseCommand):
    help = "Import people and households from a CSV or XLSX file in the import template."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        people = sub.add_parser("people", help="people and households (docs/import.md)")
        people.add_argument("file", help="a .csv (UTF-8) or .xlsx file")
        people.add_argument("--dry-run", action="store_true",
                            help="check every row and report, but write nothing")

    def handle(self, *args, what, file, dry_run=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        console = Console(file=self.stdout, highlight=False, soft_wrap=True)
        with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                      TimeElapsedColumn(), console=console, transient=True) as progress:
            tasks = {}

            def report_progress(stage, done, total):
                if stage not in tasks:
                    tasks[stage] = progress.add_task(STAGES.get(stage, stage), total=total)
                progress.update(tasks[stage], completed=done, total=total)

            try:
                report = imports.import_people(
                    actor=audit.Actor.system("cli"), user=command_user(),
                    data=path.read_bytes(), filename=path.name, dry_run=dry_run,
                    progress=report_progress)
                errors = report.errors
            except DomainError as exc:
                report, errors = None, exc.errors
                detail = str(exc.detail)
        for error in errors[:MAX_LISTED]:
            where = f"row {error.row}, " if error.row is not None else ""
            console.print(f"{where}{error.field}: {error.message}", markup=False)
        if len(errors) > MAX_LISTED:
            console.print(f"… and {len(errors) - MAX_LISTED} more ({len(errors)} problems in all)")
        if report is None:
            raise CommandError(f"{path.name}: {detail}")
        if errors:
            raise CommandError(f"{path.name}: {report.rows} rows, {len(errors)} problem(s): "
                               "nothing was imported")
        verb = "would import" if dry_run else "imported"
        summary = (f"{path.name}: {report.rows} rows, {verb} {report.people} people in "
                   f"{report.households} households")
        console.print(summary + ("" if dry_run else f" (import {report.import_id})"),
                      markup=False)
