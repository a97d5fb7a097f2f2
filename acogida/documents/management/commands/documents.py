"""``acogida documents issue|revoke|rotate-key|expire``: documents from the command line.

The command acts as the administrator (the audit log names the actor "cli"); a refused or
impossible request stops with a one-line reason and a non-zero exit.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date

from acogida.accounts import audit
from acogida.accounts.models import User
from acogida.core.errors import DomainError
from acogida.documents import services
from acogida.documents.models import DocumentType, LegalBasis


def command_user() -> User:
    """The command line's user: the administrator role, never saved."""
    return User(username="cli", role="admin", is_active=True)


class Command(BaseCommand):
    help = "Issue, revoke and expire documents; rotate the issuer's signing key."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        issue = sub.add_parser("issue", help="request a document (it joins the print queue)")
        issue.add_argument("--type", required=True, choices=DocumentType.values, dest="doc_type")
        issue.add_argument("--person", required=True, help="the holder's registration number")
        issue.add_argument("--legal-basis", choices=LegalBasis.values, default=None,
                           help="required for a work permit")
        issue.add_argument("--employer", default="", help="work permit: a named employer")
        issue.add_argument("--state", action="append", default=[], dest="states",
                           help="work permit: a state where it is valid (repeat; none = all)")
        issue.add_argument("--office", default=None, help="issuing registration point code")
        revoke = sub.add_parser("revoke", help="revoke a document")
        revoke.add_argument("number")
        revoke.add_argument("--reason", required=True)
        sub.add_parser("rotate-key", help="a new issuer signing key (old cards stay valid)")
        expire = sub.add_parser("expire", help="mark documents past their validity expired")
        expire.add_argument("--today", default=None, help="YYYY-MM-DD (default: today)")

    def handle(self, *args, what, **options):
        actor, user = audit.Actor.system("cli"), command_user()
        try:
            if what == "issue":
                document = services.request_document(
                    actor=actor, user=user, registration_number=options["person"],
                    doc_type=options["doc_type"], legal_basis=options["legal_basis"],
                    employer=options["employer"], valid_states=options["states"],
                    office=options["office"])
                self.stdout.write(
                    f"{document.number}  {document.doc_type}  {document.holder.full_name}  "
                    f"valid {document.valid_from} to {document.valid_until}  (requested)")
            elif what == "revoke":
                document = services.revoke(actor=actor, user=user, number=options["number"],
                                           reason=options["reason"])
                self.stdout.write(f"{document.number}  revoked: {document.end_reason}")
            elif what == "rotate-key":
                key = services.rotate_issuer_key(actor=actor, user=user)
                self.stdout.write(f"new issuer key {key.kid}: it signs new documents; "
                                  "cards signed before stay valid")
            else:
                try:
                    today = parse_date(options["today"]) if options["today"] else None
                except ValueError:  # well-formed but impossible, e.g. 2024-02-30
                    today = None
                if options["today"] and today is None:
                    raise CommandError("--today must be a real date, YYYY-MM-DD")
                count = services.expire_documents(today, actor=actor)
                self.stdout.write(f"{count} document(s) expired")
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
