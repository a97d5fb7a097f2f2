"""The person-level export, for administrators only (``export.person_level``): one row per
registered person — registration number, names, sex, date of birth, nationality, registration
point, household number and relationship — and nothing more (no specific needs, no health, no
asylum). It leaves the system only inside an AES-256 encrypted zip (WinZip AES, ``pyzipper``)
under a password the administrator gives; the export is audited with its purpose and the number
of people, never the password. Text that a spreadsheet could run as a formula is prefixed with
``'`` (``tables.cell``).
"""

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acogida.accounts import access, audit
from acogida.core.errors import FieldError, InvalidInput
from acogida.registry.models import HouseholdMember, Person

from .tables import Column, Table, to_csv

MIN_PURPOSE, MAX_PURPOSE = 10, 500
MIN_PASSWORD, MAX_PASSWORD = 12, 200
FILENAME = "people.csv"

COLUMNS = [Column("registration_number", gettext_lazy("Registration number"), ""),
           Column("given_names", gettext_lazy("Given names"), ""),
           Column("first_surname", gettext_lazy("First surname"), ""),
           Column("second_surname", gettext_lazy("Second surname"), ""),
           Column("sex", gettext_lazy("Sex"), ""),
           Column("date_of_birth", gettext_lazy("Date of birth"), ""),
           Column("nationality", gettext_lazy("Nationality"), ""),
           Column("registration_point", gettext_lazy("Registration point"), ""),
           Column("household", gettext_lazy("Household number"), ""),
           Column("relationship", gettext_lazy("Relationship"), "")]


def _check(purpose: str, password: str) -> tuple[str, str]:
    purpose, password = (purpose or "").strip(), password or ""
    errors = []
    if not MIN_PURPOSE <= len(purpose) <= MAX_PURPOSE:
        errors.append(FieldError("purpose", _("Say what the list is for, in %(min)s to %(max)s "
                                              "characters.") % {"min": MIN_PURPOSE,
                                                                "max": MAX_PURPOSE}))
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        errors.append(FieldError("password", _("From %(min)s to %(max)s characters.") % {
            "min": MIN_PASSWORD, "max": MAX_PASSWORD}))
    if errors:
        raise InvalidInput(_("The export was not made: fix the fields named."), errors)
    return purpose, password


def people_rows() -> list[dict]:
    households = {m["person_id"]: m for m in HouseholdMember.objects.filter(
        left_on__isnull=True).values("person_id", "household__number", "relationship")}
    rows = []
    for person in (Person.objects.select_related("registration_point")
                   .only("id", "registration_number", "given_names", "first_surname",
                         "second_surname", "sex", "date_of_birth", "nationality",
                         "registration_point__code").order_by("registration_number")):
        member = households.get(person.pk, {})
        rows.append({"registration_number": person.registration_number,
                     "given_names": person.given_names, "first_surname": person.first_surname,
                     "second_surname": person.second_surname, "sex": person.sex,
                     "date_of_birth": person.date_of_birth.isoformat(),
                     "nationality": person.nationality,
                     "registration_point": person.registration_point.code
                     if person.registration_point_id else "",
                     "household": member.get("household__number", ""),
                     "relationship": member.get("relationship", "")})
    return rows


def encrypted_zip(files: dict[str, bytes], password: str) -> bytes:
    import pyzipper

    buffer = io.BytesIO()
    with pyzipper.AESZipFile(buffer, "w", compression=pyzipper.ZIP_DEFLATED,
                             encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(password.encode("utf-8"))
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def export_people(*, actor: audit.Actor, user, purpose: str, password: str) -> tuple[bytes, int]:
    """The encrypted zip of ``people.csv`` and the number of people in it (audited)."""
    access.require(user, "export.person_level")
    purpose, password = _check(purpose, password)
    rows = people_rows()
    content = to_csv(Table("people", COLUMNS, rows))
    archive = encrypted_zip({FILENAME: content}, password)
    audit.record(actor, "export.person_level", "", "", purpose=purpose, people=len(rows),
                 file=FILENAME, encryption="AES-256 (WinZip AES)")
    return archive, len(rows)
