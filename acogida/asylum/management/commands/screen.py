"""`acogida screen FILE.json [--format json|text] [--lang es|en]`: the screening aid on a facts
file, nothing stored. `acogida screen --all`: re-screen every open claim under the rules in force
today, keep the new results, and report what changed (a policy change shows here first).

The command acts as the administrator (the audit log names the actor "cli"). Exit status 1 with a
one-line reason when the facts are invalid.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from acogida.accounts import audit
from acogida.accounts.models import User
from acogida.core.errors import DomainError


def command_user() -> User:
    return User(username="cli", role="admin", is_active=True)


def as_text(result: dict) -> str:
    lines = [result.get("disclaimer", ""), f"as of {result.get('as_of')}", ""]
    for code, found in result.get("results", {}).items():
        heard = found.get("right_to_be_heard") or {}
        lines.append(f"{code}: right to be heard: {heard.get('value')} "
                     f"({heard.get('citation', '')})")
        for pathway in found.get("pathways", []):
            lines.append(f"  {pathway['pathway']}: {pathway['assessment']}")
            for reason in pathway.get("reasons", []):
                lines.append(f"    - {reason.get('text')} [{reason.get('rule')}; "
                             f"{reason.get('citation')}]")
        for step in found.get("procedural", []):
            lines.append(f"  {step['rule']}: {step['status']} {step.get('deadline') or ''}")
        for missing in found.get("missing_facts", []):
            lines.append(f"  missing: {missing}")
    lines.append("")
    lines.append("policies: " + ", ".join(result.get("policies_applied", [])))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Pre-screen case facts (a file) or re-screen every open claim (--all)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="case facts as JSON (the screening schema)")
        parser.add_argument("--all", action="store_true", help="re-screen every open claim")
        parser.add_argument("--format", choices=("json", "text"), default="json")
        parser.add_argument("--lang", choices=("es", "en"), default="en")

    def handle(self, *args, file, all, format, lang, **options):
        if all == bool(file):
            raise CommandError("give either a facts file or --all")
        if all:
            return self.rescreen(lang)
        from acogida.asylum.screening import ScreeningInputError, screen

        try:
            facts = json.loads(Path(file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"{file}: cannot read JSON facts ({exc})") from exc
        try:
            result = screen(facts, lang=lang)
        except ScreeningInputError as exc:
            raise CommandError("invalid facts: " + "; ".join(
                f"{path}: {message}" for path, message in exc.errors)) from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2)
                          if format == "json" else as_text(result))

    def rescreen(self, lang: str) -> None:
        from acogida.asylum import services
        from acogida.asylum.models import Claim
        from acogida.asylum.screening import diff_results

        actor, user = audit.Actor.system("cli"), command_user()
        table = Table("claim", "change")
        screened = changed = skipped = 0
        for claim in Claim.objects.filter(open=True):
            previous = claim.screenings.first()
            try:
                new = services.screen_claim(actor=actor, user=user, number=claim.number,
                                            lang=lang)
            except DomainError as exc:
                skipped += 1
                table.add_row(claim.number, f"not screened: {exc.detail}")
                continue
            screened += 1
            if previous is not None:
                diff = diff_results(previous.result, new.result)
                if diff["changed"]:
                    changed += 1
                    table.add_row(claim.number, "; ".join(
                        f"{a['jurisdiction']} {a['pathway']}: {a['old']} → {a['new']}"
                        for a in diff["assessments"]) or "policies changed")
        console = Console(file=self.stdout, width=120)
        if table.row_count:
            console.print(table)
        console.print(f"{screened} claims screened, {changed} changed, {skipped} not screened")
