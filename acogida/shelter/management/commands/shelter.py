"""``acogida shelter place [--dry-run] [--time-limit S]``: place everyone waiting (registered
people in a household with no active stay) through the optimiser, then confirm.

The command acts as the administrator (the audit log names the actor "cli"); a refused
confirmation stops with a one-line reason and a non-zero exit, having checked in no one.
"""

from django.core.management.base import BaseCommand, CommandError

from acogida.accounts import audit
from acogida.accounts.models import User
from acogida.core.errors import DomainError
from acogida.shelter import proposals


def command_user() -> User:
    return User(username="cli", role="admin", is_active=True)


class Command(BaseCommand):
    help = "Shelter placement from the command line."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        place = sub.add_parser("place", help="propose a placement for everyone waiting and "
                                             "confirm it")
        place.add_argument("--dry-run", action="store_true",
                           help="propose and print, check no one in")
        place.add_argument("--time-limit", type=float, default=10, dest="time_limit",
                           help="seconds for the optimiser (default 10)")

    def handle(self, *args, what, dry_run, time_limit, **options):
        actor, user = audit.Actor.system("cli"), command_user()
        try:
            proposal = proposals.create_proposal(actor=actor, user=user,
                                                 time_limit_s=time_limit, language="en")
            view = proposals.proposal_view(user, proposal)
            self.stdout.write(
                f"proposal {proposal.pk} ({view['method']}): {view['placed_people']} people "
                f"in {len(view['assignments'])} households placed, "
                f"{view['unplaced_people']} people in {len(view['unplaced'])} households not")
            for line in view["unplaced"][:50]:
                self.stdout.write(f"  not placed: {line['household']} ({line['size']}): "
                                  f"{line['reason']}")
            if dry_run:
                self.stdout.write("dry run: no one was checked in")
                return
            proposals.confirm_proposal(actor=actor, user=user, proposal_id=proposal.pk)
            self.stdout.write(f"confirmed: {view['placed_people']} people checked in")
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
