from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.documents import keys
from acogida.documents.models import Document, Status


@pytest.fixture
def family(db):
    household = testing.make_household()
    return [m.person for m in household.members.order_by("id")]


def run(*args) -> str:
    out = StringIO()
    call_command("documents", *args, stdout=out)
    return out.getvalue()


def test_issue_and_revoke(family):
    head = family[0]
    out = run("issue", "--type", "work_permit", "--person", head.registration_number,
              "--legal-basis", "plan_enrolment", "--state", "Chiapas")
    document = Document.objects.get(holder=head)
    assert document.number in out and "requested" in out
    assert document.valid_states == ["Chiapas"]
    entry = AuditEntry.objects.filter(action="document.issue").latest("seq")
    assert (entry.actor, entry.client_address) == ("cli", "cli")
    out = run("revoke", document.number, "--reason", "error de captura")
    document.refresh_from_db()
    assert document.status == Status.REVOKED and "revoked" in out
    with pytest.raises(CommandError, match="already revoked|ya está"):
        run("revoke", document.number, "--reason", "again")


def test_domain_errors_become_command_errors(family):
    child = family[2]
    with pytest.raises(CommandError, match="18"):
        run("issue", "--type", "work_permit", "--person", child.registration_number,
            "--legal-basis", "humanitarian_status")
    with pytest.raises(CommandError, match="(?i)persona|person"):
        run("issue", "--type", "temporary_id", "--person", "0000-0000-00")


def test_rotate_key_and_expire(family):
    before = keys.current_key().kid
    out = run("rotate-key")
    assert keys.current_key().kid != before and keys.current_key().kid in out
    run("issue", "--type", "temporary_id", "--person", family[0].registration_number)
    document = Document.objects.get()
    assert "0 document(s)" in run("expire")
    later = document.valid_until.replace(year=document.valid_until.year + 1).isoformat()
    assert "1 document(s)" in run("expire", "--today", later)
