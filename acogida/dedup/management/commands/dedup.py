"""``acogida dedup run [--threshold P] [--pairs-out FILE.csv] [--retrain]``: score the whole
registry with the trained model (training one first if there is none, or when asked), cluster,
and fill the review queue."""

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from acogida.accounts import audit
from acogida.accounts.models import User
from acogida.core.errors import DomainError
from acogida.dedup import services


def command_user() -> User:
    """The command line's user: the administrator role, never saved (as the other commands)."""
    return User(username="cli", role="admin", is_active=True)


class Command(BaseCommand):
    help = "Identity resolution: score the registry for duplicates and queue them for review."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        run = sub.add_parser("run", help="score the whole registry and fill the review queue")
        run.add_argument("--threshold", type=float, default=services.DEFAULT_THRESHOLD,
                         help="queue pairs at or above this probability "
                              f"(default {services.DEFAULT_THRESHOLD})")
        run.add_argument("--pairs-out", default=None,
                         help="also write every pair at or above the threshold to this CSV "
                              "(registration numbers and external ids in clear: personal data)")
        run.add_argument("--retrain", action="store_true",
                         help="train a new model on the registry first")

    def handle(self, *args, what: str, **options):
        console = Console(file=getattr(self.stdout, "_out", None), highlight=False,
                          soft_wrap=True)
        actor = audit.Actor.system("cli")

        def progress(stage: str, figures: dict) -> None:
            shown = ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}"
                              for k, v in figures.items() if k != "seconds")
            colon = ": " if shown else ""
            console.print(f"[bold]{stage}[/bold] ({figures['seconds']:.1f} s){colon}{shown}")

        try:
            with console.status("Scoring the registry"):
                result = services.run(actor=actor, user=command_user(),
                                      threshold=options["threshold"], retrain=options["retrain"],
                                      pairs_out=options["pairs_out"], progress=progress)
        except (DomainError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        run = result.run
        table = Table(title=f"Dedup run {run.pk} · model {result.model_version}")
        table.add_column("figure")
        table.add_column("value", justify="right")
        for label, value in (("people", run.people), ("pairs at or above threshold", run.pairs),
                             ("clusters of two or more", run.clusters),
                             ("new pairs queued", run.new_pairs),
                             ("pending pairs updated", run.updated_pairs),
                             ("decided pairs not proposed again", run.skipped_decided),
                             ("seconds", f"{run.seconds:.1f}")):
            table.add_row(label, f"{value:,}" if isinstance(value, int) else str(value))
        console.print(table)
        if options["pairs_out"]:
            console.print(f"Pairs written to {options['pairs_out']}.")
            console.print("[bold]Warning:[/bold] the file holds personal data (registration "
                          "numbers and external ids in clear): keep it as safe as the registry "
                          "and delete it when done. Writing it was recorded in the audit trail.")
