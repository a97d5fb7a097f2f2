"""``acogida verify PAYLOAD --keys issuer-keys.json [--revocations revocations.json] [--json]``

Checks a document's QR payload offline: no database, no network, only the issuer's published
public keys (the JWK set) and, optionally, a downloaded revocation list. PAYLOAD ``-`` reads it from
standard input. Exit code 0 valid, 1 not valid, 2 when the key or revocation file cannot be used.
(``acogida.cli`` lists ``verify`` among the commands that skip the automatic migration.)
"""

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from acogida.documents.credentials import (
    KeySetInvalid,
    Verification,
    public_keys_from_jwks,
    verify_credential,
)
from acogida.documents.revocations import RevocationListInvalid, verify_revocations

REASON_TEXT = {
    "ok": "signature good, within its dates, not revoked",
    "bad_signature": "the signature does not match: the content was altered or forged",
    "unknown_key": "signed by a key that is not among the issuer's keys",
    "expired": "the document has expired",
    "not_yet_valid": "the document is not valid yet",
    "revoked": "the document has been revoked",
    "malformed": "this is not a readable document code",
}
LABELS = (("type", "Type"), ("number", "Number"), ("holder_name", "Name"),
          ("date_of_birth", "Date of birth"), ("valid_from", "Valid from"),
          ("valid_until", "Valid until"))
TYPE_TEXT = {"temporary_id": "Temporary ID (Tarjeta de identidad temporal)",
             "work_permit": "Work permit (Permiso de trabajo)"}


def _read_json(path: str, what: str) -> object:
    try:
        return json.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(f"cannot read the {what} file {path}: {exc}", returncode=2) from exc


class Command(BaseCommand):
    help = "Verify a document's QR payload offline, against the issuer's published keys."
    requires_system_checks: list[str] = []  # nothing here needs the project checked
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("payload", help="the QR text (Base45), or - to read it from stdin")
        parser.add_argument("--keys", required=True, help="the issuer's JWK set (JSON)")
        parser.add_argument("--revocations", help="a signed revocation list (JSON)")
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="print the result as JSON")
        parser.add_argument("--at", help="check as of this ISO 8601 time instead of now")

    def handle(self, *args, payload, keys, revocations=None, as_json=False, at=None, **options):
        try:
            public_keys = public_keys_from_jwks(_read_json(keys, "key"))
        except KeySetInvalid as exc:
            raise CommandError(f"{keys}: {exc}", returncode=2) from exc
        revoked: frozenset[str] = frozenset()
        listed_at = None
        if revocations:
            document = _read_json(revocations, "revocation list")
            try:
                revoked = verify_revocations(document, public_keys)
            except RevocationListInvalid as exc:
                raise CommandError(f"{revocations}: {exc}", returncode=2) from exc
            listed_at = document["generated_at"]
        now = self._moment(at)
        if payload == "-":
            payload = sys.stdin.read()
        result = verify_credential(payload, public_keys, revoked=revoked, now=now)
        if as_json:
            self.stdout.write(_json_dumps(result.as_dict()))
        else:
            self._print(result, listed_at)
        if not result.valid:
            raise SystemExit(1)

    def _moment(self, at: str | None) -> datetime:
        if not at:
            return datetime.now(UTC)
        try:
            moment = datetime.fromisoformat(at)
        except ValueError as exc:
            raise CommandError(f"--at: not an ISO 8601 time: {at}", returncode=2) from exc
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def _print(self, result: Verification, listed_at: str | None) -> None:
        style = self.style.SUCCESS if result.valid else self.style.ERROR
        verdict = "VALID" if result.valid else "NOT VALID"
        bar = "█" * 44
        self.stdout.write(style(bar))
        self.stdout.write(style(f"██  {verdict:^36}  ██"))
        self.stdout.write(style(bar))
        self.stdout.write(f"Reason: {result.reason} — {REASON_TEXT[result.reason]}")
        if result.document:
            for name, label in LABELS:
                value = result.document[name]
                if name == "type":
                    value = TYPE_TEXT.get(value, value)
                self.stdout.write(f"{label + ':':<15}{value}")
            has_photo = "yes (use --json to get it)" if result.document["photo"] else "no"
            self.stdout.write(f"{'Photo:':<15}{has_photo}")
        if listed_at:
            self.stdout.write(f"Revocation list of {listed_at}")
        else:
            self.stdout.write("No revocation list given: a revoked document would show as valid.")


def _json_dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
