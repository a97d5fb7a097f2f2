import sys

from django.core.management.base import BaseCommand, CommandError

from acogida.accounts import audit, services
from acogida.accounts.access import ROLES
from acogida.core.errors import DomainError


class Command(BaseCommand):
    help = "Manage users: `acogida user create USERNAME --role ROLE` (password read from stdin)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="create a user; the password is read from stdin")
        create.add_argument("username")
        create.add_argument("--role", required=True, choices=ROLES)

    def handle(self, *args, verb, username, role, **options):
        stdin = sys.stdin
        if stdin.isatty():
            import getpass

            password = getpass.getpass("Password: ")
        else:
            password = stdin.readline().rstrip("\n")
        try:
            services.create_user(actor=audit.Actor.system("cli"), username=username, role=role,
                                 password=password)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"created user {username} with role {role}")
