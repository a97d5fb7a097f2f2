"""The plan app's settings (docs/plan.md).

``ACOGIDA_PLAN_ENDS`` (YYYY-MM-DD): the last day the plan is in force. Its real end date is
unconfirmed, so by default the plan has no end; setting this closes it without editing the dated
rules. Read from Django settings when set there (tests use the ``settings`` fixture), otherwise
from the environment.
"""

import os
from datetime import date

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import eligibility


def plan_ends() -> date | None:
    value = getattr(settings, "ACOGIDA_PLAN_ENDS", None) or os.environ.get("ACOGIDA_PLAN_ENDS")
    if not value:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"ACOGIDA_PLAN_ENDS must be a date (YYYY-MM-DD), "
                                   f"not {value!r}") from exc


def policy() -> eligibility.Policy:
    return eligibility.load()


def plan_starts() -> date:
    return policy().starts_on
