"""Reference lists the registry validates against: countries, languages, specific needs.

Countries are ISO 3166-1 alpha-3 from ``pycountry`` plus the ICAO codes for a stateless person
(XXA) and an unknown nationality (XXX), which a reception point does meet.
"""

import gettext
import re
from dataclasses import dataclass
from functools import cache

import pycountry
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext_lazy as _

EXTRA_NATIONALITIES = {"XXA": gettext_noop("Stateless"), "XXX": gettext_noop("Unknown")}


@cache
def nationality_codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.countries) | frozenset(EXTRA_NATIONALITIES)


@cache
def _country_translation(language: str) -> gettext.NullTranslations:
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def country_name(code: str, language: str | None = None) -> str:
    language = (language or get_language() or "es")[:2]
    if code in EXTRA_NATIONALITIES:
        return str(_(EXTRA_NATIONALITIES[code]))
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        return code
    return _country_translation(language).gettext(country.name)


_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


def is_language_code(code: str) -> bool:
    """ISO 639-1 or 639-3 code, e.g. "es", "mam" (Mam), "cab" (Garifuna)."""
    if not _LANGUAGE_CODE.match(code):
        return False
    if len(code) == 2:
        return pycountry.languages.get(alpha_2=code) is not None
    return pycountry.languages.get(alpha_3=code) is not None


@dataclass(frozen=True)
class NeedCategory:
    code: str
    label: str
    sensitive: bool


# UNHCR specific-needs categories (shared/domain/standards.md). SV, TR and SM are sensitive:
# stored encrypted and shown only to roles with the "needs.sensitive" permission.
SPECIFIC_NEEDS = {
    n.code: n
    for n in [
        NeedCategory("CR", _("Child at risk"), False),
        NeedCategory("DS", _("Disability"), False),
        NeedCategory("ER", _("Older person at risk"), False),
        NeedCategory("FU", _("Family unity"), False),
        NeedCategory("LP", _("Specific legal and physical protection needs"), False),
        NeedCategory("PG", _("Pregnant or lactating woman"), False),
        NeedCategory("SC", _("Unaccompanied or separated child"), False),
        NeedCategory("SM", _("Serious medical condition"), True),
        NeedCategory("SP", _("Single parent or caregiver"), False),
        NeedCategory("SV", _("Survivor of sexual and gender-based violence"), True),
        NeedCategory("TR", _("Survivor of torture"), True),
        NeedCategory("WR", _("Woman at risk"), False),
    ]
}
SENSITIVE_NEEDS = frozenset(code for code, n in SPECIFIC_NEEDS.items() if n.sensitive)


# The 32 federal entities of Mexico, as a permit's "valid in" lists them.
MEXICAN_STATES = (
    "Aguascalientes", "Baja California", "Baja California Sur", "Campeche", "Chiapas",
    "Chihuahua", "Ciudad de México", "Coahuila", "Colima", "Durango", "Estado de México",
    "Guanajuato", "Guerrero", "Hidalgo", "Jalisco", "Michoacán", "Morelos", "Nayarit",
    "Nuevo León", "Oaxaca", "Puebla", "Querétaro", "Quintana Roo", "San Luis Potosí", "Sinaloa",
    "Sonora", "Tabasco", "Tamaulipas", "Tlaxcala", "Veracruz", "Yucatán", "Zacatecas",
)
