"""The audit chain: append-only, and any change to history is found and named."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from acogida import testing
from acogida.accounts import audit
from acogida.accounts.models import AuditEntry


@pytest.fixture
def history(db):
    testing.make_household()
    count = AuditEntry.objects.count()
    assert count >= 6
    return count


def _disable_guard():
    """What someone with the database file in hand would do first."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER accounts_auditentry_no_update")
            cursor.execute("DROP TRIGGER accounts_auditentry_no_delete")
        else:
            cursor.execute("ALTER TABLE accounts_auditentry DISABLE TRIGGER "
                           "accounts_auditentry_append_only")


def _sql(statement: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_intact_chain_verifies(history):
    report = audit.verify_chain()
    assert report.ok and report.checked == history
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert f"{history} entries verified" in out.getvalue()


def test_model_refuses_update_and_delete(history):
    entry = AuditEntry.objects.first()
    entry.action = "nothing.happened"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.update(action="x")


def test_database_refuses_raw_update(history):
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic():
        _sql("UPDATE accounts_auditentry SET actor = 'someone' WHERE seq = 2")


def test_altered_row_is_named(history):
    _disable_guard()
    _sql("UPDATE accounts_auditentry SET actor = 'someone-else' WHERE seq = 3")
    report = audit.verify_chain()
    assert not report.ok and report.first_bad_seq == 3 and "altered" in report.reason
    with pytest.raises(CommandError, match="broken at entry 3"):
        call_command("audit", "verify")


def test_deleted_row_is_named(history):
    _disable_guard()
    _sql("DELETE FROM accounts_auditentry WHERE seq = 4")
    report = audit.verify_chain()
    assert not report.ok and report.first_bad_seq == 4 and "missing" in report.reason


def test_deleted_tail_is_found(history):
    _disable_guard()
    _sql("DELETE FROM accounts_auditentry WHERE seq = %s", history)
    report = audit.verify_chain()
    assert not report.ok and report.first_bad_seq == history


def test_rewritten_and_rehashed_row_breaks_the_next_link(history):
    """Recomputing the altered row's own hash is not enough: the next row points at the old one."""
    _disable_guard()
    row = AuditEntry.objects.get(seq=2)
    actor = audit.Actor("forger", row.actor_role, row.client_address)
    event = audit.Event(row.action, row.object_type, row.object_id, row.details)
    import hashlib

    forged = hashlib.sha256(row.prev_hash.encode() + audit._canonical(
        2, row.at.astimezone(audit.UTC), actor, event, row.prev_hash)).hexdigest()
    _sql("UPDATE accounts_auditentry SET actor = 'forger', hash = %s WHERE seq = 2", forged)
    report = audit.verify_chain()
    assert not report.ok and report.first_bad_seq == 3


def test_failed_write_leaves_no_audit_entry(db):
    from acogida.core.errors import InvalidInput

    before = AuditEntry.objects.count()
    with pytest.raises(InvalidInput):
        testing.make_person(nationality="ZZZ")
    assert AuditEntry.objects.filter(action="person.create").count() == 0
    assert AuditEntry.objects.count() == before + 1  # only the user creation


def test_audit_trail_api_is_admin_only(history):
    from acogida.registry.models import Person

    number = Person.objects.first().registration_number
    admin = testing.api_client(testing.make_user("admin"))
    trail = admin.get("/api/v1/audit", {"person": number.lower()}).json()
    assert trail[0]["action"] == "person.create"
    assert all(e["object_id"] == number for e in trail)
    assert admin.get("/api/v1/audit/verify").json()["ok"] is True
    clerk = testing.api_client(testing.make_user("registration"))
    assert clerk.get("/api/v1/audit", {"person": number}).status_code == 403


@pytest.mark.parametrize("details", [{"import": "abc123"}, {}, {"import": "a\x00b", "n": 3}])
@pytest.mark.parametrize("value", ["HH-0001", None, 'quote " and ñ'])
def test_details_encoded_around_one_varying_value_are_the_canonical_encoding(details, value):
    encode = audit.details_varying_in(details, "household")
    assert encode(value) == audit._details_json({**details, "household": value})
    assert json.loads(encode(value)) == {**details, "household": value}
