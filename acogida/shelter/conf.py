"""The shelter app's settings, each with a documented default (see docs/shelters.md).

Read from Django settings when set there (tests override them with the ``settings`` fixture),
otherwise from the environment, otherwise the default.
"""

import os

from django.conf import settings

from acogida.core.ages import ADULT_AGE  # noqa: F401  (re-exported: ADULT_AGE is read through conf)

DEFAULTS = {
    # Free entry and exit: a resident absent this many consecutive roll calls has left.
    "ACOGIDA_ABSENT_NIGHTS": 3,
    # Women's sections take women and their children: boys up to this age (inclusive).
    "ACOGIDA_WOMEN_SECTION_BOY_AGE": 12,
}


def value(name: str) -> int:
    configured = getattr(settings, name, None)
    if configured is None:
        configured = os.environ.get(name, DEFAULTS[name])
    return int(configured)


def absent_nights() -> int:
    return max(1, value("ACOGIDA_ABSENT_NIGHTS"))


def boy_age_limit() -> int:
    return value("ACOGIDA_WOMEN_SECTION_BOY_AGE")
