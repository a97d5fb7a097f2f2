from django.db.models import QuerySet

from . import access, audit
from .models import AuditEntry


def person_trail(*, actor: audit.Actor, user, registration_number: str,
                 limit: int = 500) -> QuerySet[AuditEntry]:
    access.require(user, "audit.read")
    audit.record(actor, "audit.read", "person", registration_number)
    return list(AuditEntry.objects.filter(object_type="person", object_id=registration_number)
                .order_by("seq")[:limit])
