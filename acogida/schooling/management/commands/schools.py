"""``acogida schools enrol --shelter S [--dry-run]``: enrol every eligible child of a shelter.

Every child of school age (3–17 on 31 December of the school year's first year) staying in the
shelter and not yet enrolled gets the nearest school of their level with a free seat in their
grade, siblings together; without a seat within reach they wait at the nearest school. The
proposal's summary is printed; ``--dry-run`` stops there (nothing is saved), otherwise the
proposal is made and confirmed at once (all or nothing). The command acts as the administrator
(the audit log names the actor "cli"); a refused or impossible request stops with a one-line
reason and a non-zero exit.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date
from rich.console import Console
from rich.table import Table

from acogida.accounts import audit
from acogida.accounts.models import User
from acogida.core.errors import DomainError
from acogida.schooling import proposals
from acogida.schooling.models import Level, School


def command_user() -> User:
    """The command line's user: the administrator role, never saved."""
    return User(username="cli", role="admin", is_active=True)


def _by_school(data: dict) -> list[tuple[str, str, int, int, int]]:
    names = {int(k): v["name"] for k, v in data["schools"].items()}
    rows: dict[tuple, list[int]] = {}
    for line in data["lines"]:
        if line["school"] is None:
            continue
        key = (names.get(line["school"], str(line["school"])), line["level"], line["grade"])
        counts = rows.setdefault(key, [0, 0])
        counts[0 if line["outcome"] == "enrol" else 1] += 1
    return [(*key, *counts) for key, counts in sorted(rows.items())]


class Command(BaseCommand):
    help = "Enrol the children of school age staying in a shelter (a proposal, then confirmed)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        enrol = sub.add_parser("enrol", help="enrol every eligible child staying in a shelter")
        enrol.add_argument("--shelter", required=True, help="the shelter's id or exact name")
        enrol.add_argument("--dry-run", action="store_true",
                           help="print the proposal and change nothing")
        enrol.add_argument("--school-year", type=int, default=None,
                           help="the year the school year starts (default: today's)")
        enrol.add_argument("--today", default=None, help="YYYY-MM-DD (default: today)")

    def handle(self, *args, what, **options):
        console = Console(file=getattr(self.stdout, "_out", None), highlight=False,
                          markup=False, soft_wrap=True, width=120)
        actor, user = audit.Actor.system("cli"), command_user()
        try:
            today = parse_date(options["today"]) if options["today"] else None
        except ValueError:
            today = None
        if options["today"] and today is None:
            raise CommandError("--today must be a real date, YYYY-MM-DD")
        try:
            if not School.objects.exists():
                raise CommandError("no schools yet: add schools first (POST /api/v1/schools)")
            if options["dry_run"]:
                data = proposals.plan(user=user, shelter=options["shelter"],
                                      school_year=options["school_year"], today=today)
                self.report(console, data, title="Proposal (dry run: nothing saved)")
                return
            proposal = proposals.create_proposal(
                actor=actor, user=user, shelter=options["shelter"],
                school_year=options["school_year"], today=today)
            self.report(console, proposal.data, title=f"Proposal {proposal.pk}")
            proposal = proposals.confirm_proposal(actor=actor, user=user,
                                                  proposal_id=proposal.pk)
        except DomainError as exc:
            raise CommandError(str(exc).replace("\n", " ")) from exc
        result = proposal.data["result"]
        console.print(f"Confirmed proposal {proposal.pk}: {result['enrolled']} enrolled, "
                      f"{result['waitlisted']} waitlisted.")

    def report(self, console: Console, data: dict, *, title: str) -> None:
        counts = proposals.summary(data)
        table = Table(title=f"{title} · {data['shelter']['name']} · school year "
                            f"{data['school_year']}–{data['school_year'] + 1}")
        for column in ("school", "level", "grade", "enrol", "waitlist"):
            table.add_column(column, justify="right" if column in ("grade", "enrol",
                                                                     "waitlist") else "left")
        for name, level, grade, enrol, waitlist in _by_school(data):
            table.add_row(name, str(Level(level).label), str(grade), str(enrol), str(waitlist))
        console.print(table)
        console.print(f"{counts['enrol']} to enrol, {counts['waitlist']} to waitlist (no seat), "
                      f"{counts['no_school']} with no school of their level within "
                      f"{data['max_km']:g} km, {counts['already']} already enrolled, "
                      f"{data['not_school_age']} not of school age.")
