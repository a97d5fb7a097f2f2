"""The documents app's settings, each with a documented default (see docs/documents.md).

Read from Django settings when set there (tests override them with the ``settings`` fixture),
otherwise from the environment, otherwise the default.
"""

import os

from django.conf import settings

from acogida.core.ages import ADULT_AGE  # noqa: F401  (re-exported: ADULT_AGE is read through conf)

DEFAULTS = {
    "ACOGIDA_WORK_PERMIT_MIN_AGE": 18,
    "ACOGIDA_TEMPORARY_ID_VALIDITY_DAYS": 365,
    "ACOGIDA_WORK_PERMIT_VALIDITY_DAYS": 365,
    # A small greyscale copy of the photo goes into the QR code when it fits in this many bytes
    # (0 leaves the photo out: the QR stays small and scans from further away).
    "ACOGIDA_QR_PHOTO_MAX_BYTES": 700,
}


def value(name: str) -> int:
    configured = getattr(settings, name, None)
    if configured is None:
        configured = os.environ.get(name, DEFAULTS[name])
    return int(configured)


def work_permit_min_age() -> int:
    return value("ACOGIDA_WORK_PERMIT_MIN_AGE")


def validity_days(doc_type: str) -> int:
    return value(f"ACOGIDA_{doc_type.upper()}_VALIDITY_DAYS")


def qr_photo_max_bytes() -> int:
    return value("ACOGIDA_QR_PHOTO_MAX_BYTES")
