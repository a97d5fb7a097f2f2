"""`acogida claims refresh [--date D]`: recompute every open claim's next deadline and close the
refusals whose appeal window has passed unused. Run it daily (cron or a systemd timer): deadlines
move with the calendar, not only with a case officer's steps."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from acogida.asylum import services


class Command(BaseCommand):
    help = "Claims housekeeping: refresh deadlines and close refusals no longer appealable."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        refresh = sub.add_parser("refresh", help="recompute next deadlines and open flags")
        refresh.add_argument("--date", help="as on this day (YYYY-MM-DD; default today)")

    def handle(self, *args, action, **options):
        today = None
        if options.get("date"):
            try:
                today = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date: not a date ({options['date']})") from exc
        changed = services.refresh_deadlines(today)
        self.stdout.write(f"{changed} claims updated")
