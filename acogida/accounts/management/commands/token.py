from django.core.management.base import BaseCommand, CommandError

from acogida.accounts import audit, services
from acogida.accounts.models import User


class Command(BaseCommand):
    help = "API tokens: `acogida token create USERNAME` prints a new bearer token once."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="print a new API token for a user")
        create.add_argument("username")

    def handle(self, *args, verb, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        self.stdout.write(services.create_token(actor=audit.Actor.system("cli"), user=user))
