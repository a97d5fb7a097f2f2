"""The rules a person's record must meet, in one place.

``clean_person`` takes the raw values of one person (from the API, the web form or an import row)
and returns the cleaned values and every problem found, field by field. The single-record services
and the bulk import both call it: no rule is enforced on one path and forgotten on the other.
No database here: an import validates 100,000 rows before it writes one.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.utils.translation import gettext as _

from acogida.core.errors import FieldError
from acogida.core.names import MAX_NAME_LENGTH, has_control_characters, nfc
from acogida.core.reference import (
    SPECIFIC_NEEDS,
    is_language_code,
    nationality_codes,
)

from .models import ConsentPurpose, Relationship, Sex

OLDEST_AGE = 120
SEX_ALIASES = {
    "f": "female", "female": "female", "mujer": "female", "femenino": "female",
    "m": "male", "male": "male", "hombre": "male", "masculino": "male",
    "x": "other", "o": "other", "other": "other", "otro": "other",
}
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,24}$")
_LETTER = re.compile(r"[^\W\d_]")
_DATE_PATTERNS = (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
                  re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"))
_LIST_SEPARATORS = re.compile(r"[;,|]")
# Django's ``Choices.values`` builds a new list on every call; an import asks a million times.
_SEXES = tuple(Sex.values)
_PURPOSES = frozenset(ConsentPurpose.values)
_RELATIONSHIPS = frozenset(Relationship.values)
_is_language_code = lru_cache(maxsize=4096)(is_language_code)


@dataclass
class Cleaned:
    values: dict = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)

    def fail(self, name: str, message: str) -> None:
        self.errors.append(FieldError(name, message))


def _text(out: Cleaned, raw: dict, name: str, *, required: bool, is_name: bool) -> None:
    value = raw.get(name)
    if type(value) is not str:
        value = "" if value is None else str(value)
    value, problem = _checked_text(value, is_name)
    if not value:
        if required:
            out.fail(name, _("This field is required."))
    elif problem == "long":
        out.fail(name, _("At most %(n)d characters (this has %(m)d).")
                 % {"n": MAX_NAME_LENGTH, "m": len(value)})
    elif problem == "control":
        out.fail(name, _("Contains a control character; retype it without pasting."))
    elif problem == "letter":
        out.fail(name, _("A name needs at least one letter."))
    out.values[name] = value


@lru_cache(maxsize=1 << 17)  # names repeat: an import of a million people checks each once
def _checked_text(text: str, is_name: bool) -> tuple[str, str]:
    """The NFC text and what is wrong with it ("" when nothing; the message is made by the
    caller, in the language active then)."""
    value = _nfc(text)
    if len(value) > MAX_NAME_LENGTH:
        return value, "long"
    # isprintable() is False for every control, format, private or unassigned character (and
    # for spaces other than " "): only then is the exact check needed.
    if not value.isprintable() and has_control_characters(value):
        return value, "control"
    if is_name and value and not _LETTER.search(value):
        return value, "letter"
    return value, ""


def _nfc(text: str) -> str:
    # Plain ASCII is already NFC; only the strip is left to do.
    return text.strip() if text.isascii() else nfc(text)


def parse_date(value) -> date | None:
    """ISO dates (YYYY-MM-DD) and the day-first form clerks type (DD/MM/YYYY)."""
    if isinstance(value, date):
        return value
    return _parse_date_text(str(value).strip())


@lru_cache(maxsize=65536)  # a million people are born on some 40,000 days
def _parse_date_text(text: str) -> date | None:
    for pattern in _DATE_PATTERNS:
        if match := pattern.match(text):
            parts = [int(p) for p in match.groups()]
            year, month, day = parts if len(match.group(1)) == 4 else parts[::-1]
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return None


def _date_of_birth(out: Cleaned, raw: dict, today: date) -> None:
    dob, age = raw.get("date_of_birth"), raw.get("age")
    has_dob = dob not in (None, "")
    has_age = age not in (None, "")
    out.values["date_of_birth_estimated"] = bool(raw.get("date_of_birth_estimated")) or (
        has_age and not has_dob)
    if has_dob:
        parsed = parse_date(dob)
        if parsed is None:
            out.fail("date_of_birth", _("Not a date: %(v)s (use YYYY-MM-DD).") % {"v": dob})
        elif parsed > today:
            out.fail("date_of_birth", _("Date of birth %(d)s is in the future.")
                     % {"d": parsed.isoformat()})
        elif today.year - parsed.year > OLDEST_AGE:
            out.fail("date_of_birth", _("Date of birth %(d)s means an age over %(n)d.")
                     % {"d": parsed.isoformat(), "n": OLDEST_AGE})
        out.values["date_of_birth"] = parsed
    elif has_age:
        try:
            years = int(str(age).strip())
        except ValueError:
            years = -1
        if not 0 <= years <= OLDEST_AGE:
            out.fail("age", _("Age must be a whole number from 0 to %(n)d.") % {"n": OLDEST_AGE})
            out.values["date_of_birth"] = None
        else:
            # 1 January of the year of birth: the convention that matching expects of estimates.
            out.values["date_of_birth"] = date(today.year - years, 1, 1)
    else:
        out.fail("date_of_birth", _("Give the date of birth, or the age if it is not known."))
        out.values["date_of_birth"] = None


def _split(value) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in _LIST_SEPARATORS.split(str(value)) if v.strip()]


@lru_cache(maxsize=4096)  # a file has few distinct lists ("es", "es;mam", ...)
def _languages_of_text(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return _languages(_split(text))


def _languages(values: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The codes, each once in the order given, and the unknown ones."""
    codes = [code.lower() for code in values]
    return (tuple(dict.fromkeys(codes)),
            tuple(code for code in codes if not _is_language_code(code)))


@lru_cache(maxsize=4096)
def _needs_of_text(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return _needs(_split(text))


def _needs(values: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The known codes, sorted, and the unknown ones."""
    codes = [code.upper() for code in values]
    return (tuple(sorted(set(codes) & set(SPECIFIC_NEEDS))),
            tuple(code for code in codes if code not in SPECIFIC_NEEDS))


def _codes(out: Cleaned, raw: dict, today: date) -> None:
    sex = raw.get("sex")
    sex = SEX_ALIASES.get((sex if type(sex) is str else str(sex or "")).strip().lower())
    if sex is None:
        out.fail("sex", _("Sex must be one of: %(v)s.") % {"v": ", ".join(_SEXES)})
    out.values["sex"] = sex

    nationality = raw.get("nationality")
    nationality = (nationality if type(nationality) is str
                   else str(nationality or "")).strip().upper()
    if nationality not in nationality_codes():
        out.fail("nationality", _("Unknown nationality code %(v)r (use ISO 3166-1 alpha-3, "
                                  "e.g. HND, SLV, GTM).") % {"v": nationality})
    out.values["nationality"] = nationality

    languages = raw.get("languages")
    languages, bad = (_languages_of_text(languages) if type(languages) is str
                      else _languages(_split(languages)))
    if bad:
        out.fail("languages", _("Unknown language code(s): %(v)s (use ISO 639, e.g. es, mam).")
                 % {"v": ", ".join(bad)})
    out.values["languages"] = list(languages)

    needs = raw.get("specific_needs")
    needs, bad = (_needs_of_text(needs) if type(needs) is str else _needs(_split(needs)))
    if bad:
        out.fail("specific_needs", _("Unknown specific-needs code(s): %(v)s.")
                 % {"v": ", ".join(bad)})
    out.values["specific_needs"] = list(needs)

    phone = raw.get("phone")
    phone = (phone if type(phone) is str else str(phone or "")).strip()
    if phone and not _PHONE.match(phone):
        out.fail("phone", _("Not a phone number: digits, spaces and an optional leading +."))
    out.values["phone"] = phone


def _consents(out: Cleaned, raw: dict, today: date) -> None:
    checked = clean_consents(raw.get("consents") or [], today=today)
    out.values["consents"] = checked.values["consents"]
    out.errors += checked.errors


def clean_consents(items: Iterable[dict], *, today: date) -> Cleaned:
    """The consents given (``{"purpose", "given_on"}`` each) as ``values["consents"]``, and
    what is wrong with them. ``clean_person`` checks a person's consents with this; an import,
    whose rows repeat a few lists of consents, checks each list once (imports.py)."""
    out = Cleaned()
    consents = []
    for item in items:
        purpose = str(item.get("purpose") or "").strip()
        given = parse_date(item.get("given_on") or today)
        if purpose not in _PURPOSES:
            out.fail("consents", _("Unknown consent purpose %(v)r.") % {"v": purpose})
        elif consents and any(c["purpose"] == purpose for c in consents):
            out.fail("consents", _("Consent for %(v)r is given twice.") % {"v": purpose})
        elif given is None:
            out.fail("consents", _("Not a date: %(v)s (use YYYY-MM-DD).")
                     % {"v": item.get("given_on")})
        elif given > today:
            out.fail("consents", _("Consent date %(d)s is in the future.")
                     % {"d": given.isoformat()})
        else:
            consents.append({"purpose": purpose, "given_on": given})
    out.values["consents"] = consents
    return out


def _external_id(out: Cleaned, raw: dict) -> None:
    """Another system's id for the person: optional, kept as given (trimmed); one line."""
    value = raw.get("external_id")
    value = (value if type(value) is str else str(value or "")).strip()
    if len(value) > 100 or any(ord(ch) < 32 for ch in value):
        out.fail("external_id", _("At most 100 characters, on one line."))
    out.values["external_id"] = value


def clean_person(raw: dict, *, today: date, partial: bool = False) -> Cleaned:
    """Every problem with one person's values; with ``partial`` only the keys given are checked."""
    out = Cleaned()
    if not partial:  # every check, without the bookkeeping below (an import calls this a lot)
        _text(out, raw, "given_names", required=True, is_name=True)
        _text(out, raw, "first_surname", required=True, is_name=True)
        _text(out, raw, "second_surname", required=False, is_name=True)
        _text(out, raw, "place_of_birth", required=False, is_name=False)
        _date_of_birth(out, raw, today)
        _consents(out, raw, today)
        _codes(out, raw, today)
        _external_id(out, raw)
        return out
    checks = [
        (("given_names",), lambda: _text(out, raw, "given_names", required=True, is_name=True)),
        (("first_surname",), lambda: _text(out, raw, "first_surname", required=True,
                                           is_name=True)),
        (("second_surname",), lambda: _text(out, raw, "second_surname", required=False,
                                            is_name=True)),
        (("place_of_birth",), lambda: _text(out, raw, "place_of_birth", required=False,
                                            is_name=False)),
        (("date_of_birth", "age"), lambda: _date_of_birth(out, raw, today)),
        (("consents",), lambda: _consents(out, raw, today)),
        (("external_id",), lambda: _external_id(out, raw)),
    ]
    for keys, check in checks:
        if any(k in raw for k in keys):
            check()
    sub = Cleaned()
    _codes(sub, {**_CODE_DEFAULTS, **raw}, today)
    for key in _CODE_DEFAULTS:
        if key in raw:
            out.values[key] = sub.values[key]
            out.errors += [e for e in sub.errors if e.field == key]
    return out


_CODE_DEFAULTS = {"sex": "other", "nationality": "XXX", "languages": [], "specific_needs": [],
                  "phone": ""}


def check_household(relationships: list[str]) -> list[FieldError]:
    """Exactly one head; every relationship known."""
    errors = []
    for index, relationship in enumerate(relationships):
        if relationship not in _RELATIONSHIPS:
            errors.append(FieldError(f"members[{index}].relationship",
                                     _("Unknown relationship %(v)r.") % {"v": relationship}))
    heads = relationships.count(Relationship.HEAD)
    if heads != 1:
        errors.append(FieldError("members", _("A household needs exactly one head (%(n)d given).")
                                 % {"n": heads}))
    return errors
