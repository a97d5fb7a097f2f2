"""``acogida verify``: offline, from the published keys and revocation list, with exit codes.

No test here is marked ``django_db``: pytest-django then refuses any database access, so a query
anywhere in the command fails the test. (The ``acogida`` entry point skips migration for
``verify`` — see ``NO_AUTO_MIGRATE`` in ``acogida/cli.py``.)
"""

import io
import json
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from acogida.cli import NO_AUTO_MIGRATE
from acogida.documents.credentials import CardData, IssuerKey, encode_credential, jwk_for
from acogida.documents.revocations import sign_revocations

AT = "2026-06-01T12:00:00+00:00"


@pytest.fixture(scope="module")
def key() -> IssuerKey:
    return IssuerKey.generate()


@pytest.fixture
def key_file(tmp_path, key):
    path = tmp_path / "issuer-keys.json"
    path.write_text(json.dumps({"keys": [jwk_for(key.kid, key.public_bytes)]}))
    return str(path)


@pytest.fixture(scope="module")
def payload(key) -> str:
    card = CardData(
        number="K7Q2-M9XD-3F", doc_type="work_permit", full_name="Ana Lucía Martínez Cruz",
        given_names="Ana Lucía", first_surname="Martínez", second_surname="Cruz",
        date_of_birth=date(1994, 2, 28), sex="female", nationality="GTM",
        legal_status="Solicitante de refugio — autorizado para trabajar",
        location_code="MX-CHP-TAP", photo=None, valid_from=date(2026, 1, 1),
        valid_until=date(2026, 12, 31), issued_at=datetime(2026, 1, 1, tzinfo=UTC),
        issuer="Acogida")
    return encode_credential(card, key)


def run(*args, stdin: str | None = None, monkeypatch=None) -> tuple[int, str]:
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    try:
        call_command("verify", *args, stdout=out, no_color=True)
    except SystemExit as exc:
        return int(exc.code), out.getvalue()
    return 0, out.getvalue()


def test_verify_is_not_auto_migrated():
    assert "verify" in NO_AUTO_MIGRATE


def test_valid(payload, key_file):
    code, out = run(payload, "--keys", key_file, "--at", AT)
    assert code == 0
    assert "VALID" in out and "NOT VALID" not in out
    assert "Ana Lucía Martínez Cruz" in out and "K7Q2-M9XD-3F" in out and "1994-02-28" in out
    assert "Work permit" in out and "2026-12-31" in out
    assert "No revocation list given" in out


def test_json_output(payload, key_file):
    code, out = run(payload, "--keys", key_file, "--at", AT, "--json")
    assert code == 0
    result = json.loads(out)
    assert result["valid"] is True and result["reason"] == "ok"
    assert result["document"]["number"] == "K7Q2-M9XD-3F"
    assert set(result["document"]) == {"type", "number", "holder_name", "date_of_birth", "photo",
                                       "photo_mime", "valid_from", "valid_until"}


def test_payload_from_stdin(payload, key_file, monkeypatch):
    code, out = run("-", "--keys", key_file, "--at", AT, stdin=payload + "\n",
                    monkeypatch=monkeypatch)
    assert code == 0 and "VALID" in out


def test_revoked(payload, key_file, key, tmp_path):
    path = tmp_path / "revocations.json"
    path.write_text(json.dumps(sign_revocations(["K7Q2-M9XD-3F"], datetime.now(UTC), key)))
    code, out = run(payload, "--keys", key_file, "--revocations", str(path), "--at", AT)
    assert code == 1
    assert "NOT VALID" in out and "revoked" in out
    assert "Revocation list of" in out


@pytest.mark.parametrize(("args", "reason"), [
    (["--at", "2027-01-02T00:00:00+00:00"], "expired"),
    (["--at", "2025-12-31T00:00:00+00:00"], "not_yet_valid"),
])
def test_out_of_dates(payload, key_file, args, reason):
    code, out = run(payload, "--keys", key_file, "--json", *args)
    assert code == 1 and json.loads(out)["reason"] == reason


def test_garbage_and_foreign_keys(payload, key_file, tmp_path):
    code, out = run("not a code", "--keys", key_file, "--json")
    assert code == 1 and json.loads(out) == {"valid": False, "reason": "malformed",
                                            "document": None}
    other = IssuerKey.generate()
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"keys": [jwk_for(other.kid, other.public_bytes)]}))
    code, out = run(payload, "--keys", str(path), "--json")
    assert code == 1 and json.loads(out)["reason"] == "unknown_key"


def test_unreadable_files_exit_2(payload, key_file, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"keys": []}))
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(sign_revocations([], datetime.now(UTC), IssuerKey.generate())))
    for args in (["--keys", str(tmp_path / "missing.json")], ["--keys", str(broken)],
                 ["--keys", str(wrong)], ["--keys", key_file, "--revocations", str(broken)],
                 ["--keys", key_file, "--revocations", str(forged)]):
        with pytest.raises(CommandError) as caught:
            run(payload, *args)
        assert caught.value.returncode == 2, args
