from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from acogida.accounts import audit, services
from acogida.accounts.models import ApiToken, User
from acogida.core.errors import DomainError


class Command(BaseCommand):
    help = ("API tokens: `acogida token create USERNAME [--days N]` prints a new bearer token "
            "once; `list USERNAME` shows a user's tokens; `revoke PREFIX` or `revoke --user U`.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="print a new API token for a user")
        create.add_argument("username")
        create.add_argument("--days", type=int, default=services.TOKEN_DAYS,
                            help=f"days until it expires (default {services.TOKEN_DAYS})")
        listing = sub.add_parser("list", help="a user's tokens: prefix, created, expires, state")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="revoke a token by its first characters, or all "
                                               "of a user's tokens")
        revoke.add_argument("prefix", nargs="?", default="")
        revoke.add_argument("--user", default="")

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        return user

    def handle(self, *args, verb, **options):
        actor = audit.Actor.system("cli")
        try:
            if verb == "create":
                if options["days"] < 1:
                    raise CommandError("--days must be at least 1")
                self.stdout.write(services.create_token(
                    actor=actor, user=self._user(options["username"]), days=options["days"]))
            elif verb == "list":
                now = timezone.now()
                for token in ApiToken.objects.filter(
                        user=self._user(options["username"])).order_by("created_at"):
                    state = ("revoked" if token.revoked_at else
                             "expired" if token.expires_at and token.expires_at < now else
                             "active")
                    expires = token.expires_at.date() if token.expires_at else "never"
                    self.stdout.write(f"{token.prefix}…  created {token.created_at.date()}  "
                                      f"expires {expires}  {state}")
            else:
                user = self._user(options["user"]) if options["user"] else None
                count = services.revoke_tokens(actor=actor, prefix=options["prefix"], user=user)
                self.stdout.write(f"revoked {count} token(s)")
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
