"""``acogida report daily --date D --lang es|en --out FILE.pdf``: the daily situation report.

The command acts as the administrator (the audit log names the actor "cli"); a bad option stops
with a one-line reason and a non-zero exit.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from acogida.accounts import audit
from acogida.accounts.models import User
from acogida.core.errors import DomainError
from acogida.reporting import report


class Command(BaseCommand):
    help = "Situation reports: `report daily` writes the daily report as a PDF."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        daily = sub.add_parser("daily", help="the daily situation report (PDF)")
        daily.add_argument("--date", default=None, help="YYYY-MM-DD (default: today)")
        daily.add_argument("--lang", default="es", help="es (default) or en")
        daily.add_argument("--out", required=True, help="the PDF file to write")

    def handle(self, *args, what, **options):
        user = User(username="cli", role="admin", is_active=True)
        try:
            day, lang = report.parse_options(options["date"], options["lang"])
            pdf = report.daily_pdf(actor=audit.Actor.system("cli"), user=user, day=day,
                                   lang=lang)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        out = Path(options["out"])
        try:
            out.write_bytes(pdf)
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror}") from exc
        self.stdout.write(f"Wrote {out} ({len(pdf):,} bytes, {lang}, {day}).")
