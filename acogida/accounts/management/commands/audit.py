from django.core.management.base import BaseCommand, CommandError

from acogida.accounts import audit


class Command(BaseCommand):
    help = "The audit chain: `acogida audit verify` walks it and names the first bad entry."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("verify", help="check every entry's hash and link")

    def handle(self, *args, verb, **options):
        report = audit.verify_chain()
        if not report.ok:
            raise CommandError(f"audit chain broken at entry {report.first_bad_seq}: "
                               f"{report.reason} ({report.checked} entries verified before it)")
        self.stdout.write(f"audit chain intact: {report.checked} entries verified")
