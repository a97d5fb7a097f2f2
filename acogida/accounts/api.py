from datetime import datetime

from django.http import HttpRequest
from ninja import Schema

from acogida.core import ids

from . import audit, selectors
from .api_support import AccessRouter, action, actor_of, user_of

router = AccessRouter(tags=["audit"])


class AuditEntryOut(Schema):
    seq: int
    at: datetime
    actor: str
    actor_role: str
    action: str
    object_type: str
    object_id: str
    client_address: str
    details: dict


class AuditVerifyOut(Schema):
    ok: bool
    checked: int
    first_bad_seq: int | None
    reason: str


@router.get("/audit", response=list[AuditEntryOut])
@action("audit.read")
def audit_trail(request: HttpRequest, person: str, limit: int = 500):
    """The audit trail of one person's record, oldest first (admin)."""
    return selectors.person_trail(actor=actor_of(request), user=user_of(request),
                                  registration_number=ids.normalize(person), limit=limit)


@router.get("/audit/verify", response=AuditVerifyOut)
@action("audit.verify")
def audit_verify(request: HttpRequest):
    """Walk the whole chain; names the first entry that was altered, inserted or deleted."""
    report = audit.verify_chain()
    audit.record(actor_of(request), "audit.verify", ok=report.ok, checked=report.checked)
    return report.__dict__
