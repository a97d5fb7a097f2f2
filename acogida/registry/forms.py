"""The household registration form: typed values in, member rows out, and the domain's field
errors put back beside the input they name (``members[2].date_of_birth`` -> row 3, that input).

Plain classes rather than Django forms: the rows come and go in the browser, and every rule
lives in ``validation`` — this module only reads what was typed and keeps it for redisplay.
"""

import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from acogida.core.errors import FieldError
from acogida.core.reference import SPECIFIC_NEEDS, country_name, nationality_codes

from .models import ConsentPurpose, Relationship

MAX_ROWS = 40
FIRST_NATIONALITIES = ("HND", "SLV", "GTM", "NIC", "MEX")
TEXT_FIELDS = ("given_names", "first_surname", "second_surname", "sex", "date_of_birth", "age",
               "nationality", "place_of_birth", "languages", "phone")
HINT_FIELDS = ("given_names", "first_surname", "second_surname", "sex", "date_of_birth", "age",
               "nationality")
_KEY = re.compile(r"^[a-z0-9]{1,16}$")
_MEMBER_ERROR = re.compile(r"^members\[(\d+)\]\.(\w+)")


def new_key() -> str:
    return secrets.token_hex(4)


@cache
def _nationality_choices(language: str) -> tuple[tuple[str, str], ...]:
    first = [(code, country_name(code, language)) for code in FIRST_NATIONALITIES]
    rest = sorted(((code, country_name(code, language)) for code in nationality_codes()
                   if code not in FIRST_NATIONALITIES), key=lambda item: item[1].casefold())
    return tuple(first + rest)


def nationality_choices() -> tuple[tuple[str, str], ...]:
    """Central American and Mexican nationalities first, then all others by name."""
    return _nationality_choices((get_language() or "es")[:2])


def need_choices() -> list[tuple[str, str, bool]]:
    return [(code, str(need.label), need.sensitive) for code, need in SPECIFIC_NEEDS.items()]


@dataclass
class MemberRow:
    key: str
    relationship: str = ""
    values: dict = field(default_factory=dict)  # as typed, strings
    estimated: bool = False
    needs: list[str] = field(default_factory=list)
    consents: dict = field(default_factory=dict)  # purpose -> (ticked, date as typed)
    errors: dict = field(default_factory=dict)  # field -> [messages]
    candidates: list = field(default_factory=list)  # duplicate hints (candidate_view dicts)
    focus: bool = False  # a row just added takes the keyboard focus

    @classmethod
    def blank(cls, relationship: str = "", today: date | None = None,
              focus: bool = False) -> "MemberRow":
        today = today or timezone.localdate()
        return cls(new_key(), relationship, {"nationality": FIRST_NATIONALITIES[0]},
                   consents={p: (p == ConsentPurpose.REGISTRATION, today.isoformat())
                             for p in ConsentPurpose.values}, focus=focus)

    @classmethod
    def from_post(cls, key: str, data: QueryDict) -> "MemberRow":
        def get(name: str) -> str:
            return data.get(f"m-{key}-{name}", "").strip()

        return cls(
            key=key,
            relationship=get("relationship"),
            values={name: get(name) for name in TEXT_FIELDS},
            estimated=bool(get("date_of_birth_estimated")),
            needs=[c for c in data.getlist(f"m-{key}-specific_needs") if c in SPECIFIC_NEEDS],
            consents={p: (bool(get(f"consent-{p}")), get(f"consent-{p}-date"))
                      for p in ConsentPurpose.values},
        )

    def person_values(self) -> dict:
        """The raw values ``validation.clean_person`` reads: it, not this form, judges them."""
        values = {name: self.values.get(name, "") for name in TEXT_FIELDS}
        if values["date_of_birth"]:
            values.pop("age")
        values["date_of_birth_estimated"] = self.estimated
        values["specific_needs"] = list(self.needs)
        values["consents"] = [{"purpose": purpose, "given_on": given_on or None}
                              for purpose, (ticked, given_on) in self.consents.items() if ticked]
        return values

    def hint_values(self) -> dict:
        return {name: self.values.get(name, "") for name in HINT_FIELDS}

    def consent_rows(self) -> list[tuple[str, str, bool, str]]:
        return [(purpose, str(ConsentPurpose(purpose).label), *self.consents.get(purpose,
                                                                                (False, "")))
                for purpose in ConsentPurpose.values]


@dataclass
class HouseholdForm:
    registration_point: str = ""
    arrival_group: str = ""
    rows: list[MemberRow] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)  # numbers of hints shown
    confirmed_different: bool = False
    reason: str = ""
    errors: dict = field(default_factory=dict)  # form-level field -> [messages]

    @classmethod
    def initial(cls, registration_point: str = "") -> "HouseholdForm":
        return cls(registration_point=registration_point,
                   rows=[MemberRow.blank(Relationship.HEAD)])

    @classmethod
    def from_post(cls, data: QueryDict) -> "HouseholdForm":
        keys = list(dict.fromkeys(k for k in data.getlist("rows") if _KEY.match(k)))[:MAX_ROWS]
        return cls(
            registration_point=data.get("registration_point", "").strip(),
            arrival_group=data.get("arrival_group", "").strip(),
            rows=[MemberRow.from_post(key, data) for key in keys],
            candidates=list(dict.fromkeys(c for c in data.getlist("dup_candidates") if c))[:20],
            confirmed_different=bool(data.get("dup_confirm")),
            reason=data.get("dup_reason", "").strip(),
        )

    def add_error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(str(message))

    def check_input(self) -> None:
        """What only the form knows: a point was chosen, hints shown were looked at."""
        if not self.registration_point:
            self.add_error("registration_point", _("Choose the registration point."))
        if self.candidates and not self.confirmed_different:
            self.add_error("dup_confirm", _("Possible duplicates were shown: open them, and "
                                            "tick this only if these are different people."))

    def members(self) -> list[dict]:
        return [{"relationship": row.relationship, "person": row.person_values()}
                for row in self.rows]

    def duplicate_review(self) -> dict | None:
        if not self.candidates:
            return None
        return {"candidates": self.candidates, "reason": self.reason}

    def attach(self, detail: str, errors: list[FieldError]) -> None:
        """Put each domain error beside its input; what names no input goes on top."""
        for error in errors:
            message = str(error.message)
            if match := _MEMBER_ERROR.match(error.field):
                index, name = int(match.group(1)), match.group(2)
                if index < len(self.rows):
                    self.rows[index].errors.setdefault(name, []).append(message)
                    continue
            if error.field in ("registration_point", "arrival_group"):
                # The service names the unknown value; the detail says what is wrong with it.
                self.add_error(error.field, detail)
            elif error.field.startswith("duplicate_review"):
                self.add_error("dup_reason", message)
            else:
                self.add_error("members", message)
        if not errors:
            self.add_error("members", detail)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(row.errors for row in self.rows)

    def error_list(self) -> list[tuple[str, str, str]]:
        """(input id, label, message) for the summary at the top of the page."""
        items = [(name, "", message) for name, messages in self.errors.items()
                 for message in messages]
        for number, row in enumerate(self.rows, start=1):
            for name, messages in row.errors.items():
                items += [(f"m-{row.key}-{name}", _("Member %(n)d") % {"n": number}, message)
                          for message in messages]
        return items
