"""``acogida plan offer --place P [--on DATE] [--dry-run]``: the plan from the command line.

``offer`` offers the plan to everyone eligible at a registration point or shelter (matched by
code, name or a unique part of a name) who has not been offered it yet, as the bulk offer of the
API and the pages does, and prints the counts. The command acts as the administrator (the audit
log names the actor "cli"); a refused or impossible request stops with a one-line reason and a
non-zero exit.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from acogida.accounts import audit
from acogida.accounts.models import User
from acogida.core.errors import DomainError
from acogida.plan import services


def command_user() -> User:
    """The command line's user: the administrator role, never saved."""
    return User(username="cli", role="admin", is_active=True)


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--on must be a date (YYYY-MM-DD), not {value!r}") from exc


class Command(BaseCommand):
    help = "The \"Estás en tu casa\" plan: offer it to everyone eligible at a place."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        offer = sub.add_parser("offer", help="offer the plan to everyone eligible at a place")
        offer.add_argument("--place", required=True,
                           help="a registration point (code or name) or a shelter (name)")
        offer.add_argument("--on", default=None, help="YYYY-MM-DD (default: today)")
        offer.add_argument("--dry-run", action="store_true",
                           help="count who would be offered; write nothing")

    def handle(self, *args, what, **options):
        console = Console(file=getattr(self.stdout, "_out", None), highlight=False,
                          markup=False, soft_wrap=True)
        try:
            result = services.bulk_offer(actor=audit.Actor.system("cli"), user=command_user(),
                                         place=options["place"], on=_date(options["on"]),
                                         dry_run=options["dry_run"])
        except DomainError as exc:
            raise CommandError(" ".join(str(exc).split())) from exc
        table = Table(title=f"{result.place.name} ({result.place.state}), {result.on}"
                            + (" — dry run, nothing written" if result.dry_run else ""))
        table.add_column("")
        table.add_column("people", justify="right")
        table.add_row("offered" if not result.dry_run else "would be offered",
                      f"{result.offered:,}")
        for reason, n in sorted(result.skipped.items()):
            table.add_row(f"skipped: {reason}", f"{n:,}")
        console.print(table)
        console.print(f"{result.offers:,} offers for {result.offered:,} people; "
                      f"{result.skipped_total:,} skipped.")
