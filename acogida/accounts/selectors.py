from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from acogida.core import ids
from acogida.core.errors import FieldError, InvalidInput

from . import access, audit
from .models import AuditEntry


def person_trail(*, actor: audit.Actor, user, registration_number: str,
                 limit: int = 500) -> QuerySet[AuditEntry]:
    access.require(user, "audit.read")
    if not ids.is_valid(registration_number):
        raise InvalidInput(_("Not a registration number."), [FieldError(
            "person", _("Give a registration number such as K7Q2-M9XD-3F."))])
    registration_number = ids.normalize(registration_number)
    audit.record(actor, "audit.read", "person", registration_number)
    # A record merged into this one (acogida.dedup) brought its history along: follow its number.
    from acogida.dedup.selectors import alias_numbers

    numbers = [registration_number, *alias_numbers(registration_number)]
    about = Q(subject__in=numbers) | Q(object_type="person", object_id__in=numbers)
    return list(AuditEntry.objects.filter(about).order_by("seq")[:max(1, min(limit, 5000))])
