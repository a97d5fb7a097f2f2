"""The plan app's settings (docs/plan.md).

``ACOGIDA_PLAN_ENDS`` (YYYY-MM-DD): the last day the plan is in force. Its real end date is
unconfirmed, so by default the plan has no end; setting this closes it without editing the dated
rules. Read from Django settings when set there (tests use the ``settings`` fixture), otherwise
from the environment. The plan ends on the earlier of this setting and the rules file's own end
(the last version of ``in_force`` with an ``in_force_to``); a setting before the plan started is
a configuration error.
"""

import os
from datetime import date

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import eligibility


def _setting() -> date | None:
    value = getattr(settings, "ACOGIDA_PLAN_ENDS", None) or os.environ.get("ACOGIDA_PLAN_ENDS")
    if not value:
        return None
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise ImproperlyConfigured(f"ACOGIDA_PLAN_ENDS must be a date (YYYY-MM-DD), "
                                       f"not {value!r}") from exc
    if day < plan_starts():
        raise ImproperlyConfigured(f"ACOGIDA_PLAN_ENDS ({day.isoformat()}) is before the plan "
                                   f"started ({plan_starts().isoformat()})")
    return day


def plan_ends() -> date | None:
    """The last day of the plan: the earlier of the setting and the rules file's own end."""
    return eligibility.earliest(_setting(), policy().ends_on)


def policy() -> eligibility.Policy:
    return eligibility.load()


def plan_starts() -> date:
    return policy().starts_on
