"""Bulk import of people and households from a CSV or XLSX file (the template in docs/import.md).

One file is one all-or-nothing step: every row is read and checked by ``validation.clean_person``
(the same rules as the API and the web form), every problem is reported at once with its
spreadsheet row number, and only a file with no problem at all is kept. The rows are written in
one transaction (``bulk.ImportWriter``) as they pass their checks, so checking and writing
overlap; the first problem stops the writing, the rest of the file is still checked for the
report, and the rollback takes back what was written. A dry run does all of it but the write.

A file that cannot be read as a table (wrong type, wrong encoding, wrong header) is refused before
any row is read, with a ``BadRequest`` that says how to fix the file.
"""

import gc
import hashlib
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache, partial
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.core.errors import FieldError, InvalidInput

from . import bulk, loading, validation
from .import_tables import LIST_SEPARATOR, bad_file, bounded, header_names, rows_of
from .import_tables import TEMPLATE_COLUMNS as TEMPLATE_COLUMNS  # scripts read it here
from .models import ArrivalGroup, ConsentPurpose, RegistrationPoint, Relationship

log = logging.getLogger(__name__)

_PERSON_COLUMNS = ("given_names", "first_surname", "second_surname", "sex", "date_of_birth",
                   "age", "nationality", "place_of_birth", "languages", "phone", "specific_needs",
                   "external_id")


@dataclass
class ImportReport:
    rows: int = 0  # data rows read (blank rows are not counted)
    people: int = 0  # people written, or that would be written
    households: int = 0
    errors: list[FieldError] = field(default_factory=list)
    written: bool = False
    import_id: str = ""  # the first 12 hex digits of the file's SHA-256, as in the audit log

    def as_dict(self) -> dict:
        return {"rows": self.rows, "people": self.people, "households": self.households,
                "written": self.written,
                "errors": [{"row": e.row, "field": e.field, "message": str(e.message)}
                           for e in self.errors]}


# ---- checking rows -----------------------------------------------------------------------------

@dataclass
class _Row:
    number: int  # as the user sees it in a spreadsheet: the header is row 1
    household_ref: str
    relationship: str
    point: RegistrationPoint | None
    group: ArrivalGroup | None
    values: dict


class _References:
    """Registration points by code and arrival groups by name, read once per import."""

    def __init__(self):
        self.points = {p.code: p for p in RegistrationPoint.objects.all()}
        self.points_folded = {code.casefold(): p for code, p in self.points.items()}
        self.groups = {g.name: g for g in ArrivalGroup.objects.all()}
        self.groups_folded = {name.casefold(): g for name, g in self.groups.items()}

    def point(self, code: str) -> RegistrationPoint | None:
        return self.points.get(code) or self.points_folded.get(code.casefold())

    def group(self, name: str) -> ArrivalGroup | None:
        return self.groups.get(name) or self.groups_folded.get(name.casefold())


def _column_of(field_name: str, purposes: tuple[str, ...], message: str) -> str:
    if field_name != "consents":
        return field_name
    if any(repr(p) in message for p in purposes if p not in ConsentPurpose.values):
        return "consent_purposes"
    return "consent_date"


@lru_cache(maxsize=1024)  # a file has few distinct lists of purposes: each is read once
def _purposes(text) -> tuple[str, ...]:
    """The consent purposes in a cell, each once (a purpose given twice is one consent)."""
    return tuple(dict.fromkeys(p.strip().lower() for p in str(text).split(LIST_SEPARATOR)
                               if p.strip()))


def _checked_rows(table: Iterator[list], names: list[str | None], today: date,
                  references: _References, report: ImportReport,
                  progress=None) -> Iterator[_Row]:
    """Each data row, checked: its problems go to ``report.errors`` as they are found, so a
    caller that stops writing at the first one still sees every row."""
    errors = report.errors
    width = len(names)
    position = {name: i for i, name in enumerate(names) if name is not None}
    unnamed = [i for i, name in enumerate(names) if name is None]
    # Each row's cells are picked by two itemgetter calls; a column the file lacks reads the
    # blank cell put past the last one (at ``width``).
    person_names = [name for name in _PERSON_COLUMNS if name in position]  # 4 at least
    person_cells = itemgetter(*[position[name] for name in person_names])
    extra_positions = [position.get(name, width) for name in
                       ("household_ref", "relationship", "consent_purposes", "consent_date",
                        "registration_point", "arrival_group")]
    extra_cells = itemgetter(*extra_positions)
    lacks_a_column = width in extra_positions
    required = _("This field is required.")
    clean_person = validation.clean_person
    # A file repeats a few lists of consents (purposes and date): each is checked once, and its
    # people share the checked list (the writers only read it).
    @lru_cache(maxsize=4096)
    def checked_consents(purposes: tuple[str, ...], given_on) -> validation.Cleaned:
        return validation.clean_consents(
            [{"purpose": p, "given_on": given_on or today} for p in purposes], today=today)

    number = 1
    for cells in table:
        number += 1
        if progress and not number % 20_000:
            progress("check", number - 1, None)
        if len(cells) < width:
            cells = list(cells) + [""] * (width - len(cells))
        if not any(cells):
            continue
        if len(cells) > width:
            if any(c not in ("", None) for c in cells[width:]):
                errors.append(FieldError("file", _("There are values beyond the last column "
                                                   "of the header."), row=number))
            cells = cells[:width]
        if unnamed and any(cells[i] not in ("", None) for i in unnamed):
            errors.append(FieldError("file", _("There are values in a column without a name "
                                               "in the header."), row=number))
        if lacks_a_column:
            cells = [*cells, ""]  # the blank cell of the columns the file lacks
        (household_ref, relationship, purposes_cell, consent_date, code, group_name) = [
            c.strip() if isinstance(c, str) else c for c in extra_cells(cells)]
        raw = dict(zip(person_names, person_cells(cells), strict=True))
        purposes = _purposes(purposes_cell)
        cleaned = clean_person(raw, today=today)
        consents = checked_consents(purposes, consent_date)
        cleaned.values["consents"] = consents.values["consents"]
        if cleaned.errors or consents.errors:
            for error in cleaned.errors + consents.errors:
                errors.append(FieldError(_column_of(error.field, purposes, str(error.message)),
                                         error.message, row=number))

        code = str(code)
        point = references.point(code) if code else None
        if not code:
            errors.append(FieldError("registration_point", required, row=number))
        elif point is None:
            errors.append(FieldError("registration_point", _(
                "Unknown registration point %(v)r: use the code of a registration point "
                "(%(known)s).") % {"v": code, "known": ", ".join(sorted(references.points))
                                   or "-"}, row=number))
        group_name = str(group_name)
        group = references.group(group_name) if group_name else None
        if group_name and group is None:
            errors.append(FieldError("arrival_group", _("Unknown arrival group %(v)r.")
                                     % {"v": group_name}, row=number))

        household_ref = str(household_ref)
        relationship = str(relationship).lower()
        if household_ref and not relationship:
            errors.append(FieldError("relationship", required, row=number))
        elif relationship and not household_ref:
            errors.append(FieldError("relationship", _(
                "A relationship needs a household_ref: give both, or neither for a person "
                "on their own."), row=number))
        report.rows += 1
        yield _Row(number, household_ref, relationship, point, group, cleaned.values)


class _Member(NamedTuple):
    """What the household rules read of a row (not its person's values: those are written and
    let go)."""

    number: int
    relationship: str
    point: RegistrationPoint | None
    group: ArrivalGroup | None


@dataclass(slots=True)
class _Household:
    ref: str
    key: tuple[int, str] | None  # primary key and number, once the import writes
    members: list[_Member]
    has_head: bool = False


class _HouseholdBook:
    """The rows of each ``household_ref``, in the file's order (a household's rows need not be
    next to each other). The household rules are checked once every row has been read."""

    def __init__(self):
        self.by_ref: dict[str, _Household] = {}
        # A household rule this row already breaks (a second head, an unknown relationship):
        # ``check`` reports it at the end; the import stops writing now, before the database's
        # own rules (one head a household, the relationship's width) refuse the row first.
        self.broken = False

    def add(self, row: _Row, new_household: Callable | None = None) -> tuple[int, str] | None:
        """Note the row's household; the first time a reference is seen, ``new_household(point
        id)`` gives its key. The household's key (``None`` for a person on their own)."""
        if not row.household_ref:
            return None
        household = self.by_ref.get(row.household_ref)
        if household is None:
            key = new_household(row.point.pk) if new_household and row.point else None
            household = self.by_ref[row.household_ref] = _Household(row.household_ref, key, [])
        household.members.append(_Member(row.number, row.relationship, row.point, row.group))
        if row.relationship == Relationship.HEAD:
            self.broken |= household.has_head
            household.has_head = True
        elif row.relationship not in _RELATIONSHIPS:
            self.broken = True
        return household.key

    def check(self, report: ImportReport) -> None:
        for household in self.by_ref.values():
            _check_household(household.ref, household.members, report)
        report.households = len(self.by_ref)
        report.people = report.rows

    def sizes(self) -> Iterator[tuple[str, int]]:
        return ((h.key[1], len(h.members)) for h in self.by_ref.values())


_RELATIONSHIPS = frozenset(Relationship.values)


def _check_household(ref: str, members: list[_Member], report: ImportReport) -> None:
    relationships = [m.relationship for m in members]
    for error in validation.check_household(relationships):
        if error.field == "members":
            rows_named = ", ".join(str(m.number) for m in members[:10])
            if len(members) > 10:
                rows_named += ", …"
            report.errors.append(FieldError("relationship", _(
                "Household %(ref)r (rows %(rows)s): %(message)s")
                % {"ref": ref, "rows": rows_named, "message": error.message},
                row=members[0].number))
        else:
            index = int(re.search(r"\[(\d+)\]", error.field).group(1))
            if members[index].relationship:  # an empty one is already "required"
                report.errors.append(FieldError("relationship", _(
                    "Unknown relationship %(v)r: use one of %(all)s.")
                    % {"v": members[index].relationship,
                       "all": ", ".join(Relationship.values)}, row=members[index].number))
    head = members[0]
    for member in members:
        if member.relationship == Relationship.HEAD:
            head = member
            break
    for member in members:
        # Identity first: _References hands out one object per point and group.
        if (member.point is not head.point and member.point is not None
                and head.point is not None and member.point != head.point):
            report.errors.append(FieldError("registration_point", _(
                "Everyone in household %(ref)r registers at the same point (the head's is "
                "%(code)s).") % {"ref": ref, "code": head.point.code}, row=member.number))
        if member.group is not head.group and member.group != head.group:
            report.errors.append(FieldError("arrival_group", _(
                "Everyone in household %(ref)r arrives with the same group (the head's "
                "is %(name)r).") % {"ref": ref, "name": head.group.name if head.group
                                    else ""}, row=member.number))


@contextmanager
def _no_cyclic_gc():
    """A million rows make a million live dicts; the cyclic collector would walk them all again
    and again (three times the cost of the checks). Nothing here makes cycles worth collecting."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_people(*, actor: audit.Actor, user, data: bytes, filename: str, dry_run: bool,
                  today: date | None = None, progress=None) -> ImportReport:
    """Check every row of the file and, when none is wrong and this is no dry run, write them all.

    ``progress(stage, done, total)`` is called now and then with stage "check" (a dry run) or
    "write" (the command line shows a progress bar with it).
    """
    access.require(user, "person.import")
    with _no_cyclic_gc():
        return _import(actor=actor, user=user, data=data, filename=filename, dry_run=dry_run,
                       today=today or timezone.localdate(), progress=progress)


def _import(*, actor, user, data, filename, dry_run, today, progress) -> ImportReport:
    report = ImportReport(import_id=hashlib.sha256(data).hexdigest()[:12])
    table = iter(rows_of(data, filename))
    header = next(table, None)
    if header is None or not any(str(c or "").strip() for c in header):
        raise bad_file(_("The file is empty: the first row must be the template's header."))
    names = header_names(header)
    references = _References()
    if dry_run:
        if progress:
            progress("check", 0, None)
        book = _HouseholdBook()
        for row in _checked_rows(table, names, today, references, report, progress):
            book.add(row)
        _conclude(book, report, dry_run=True)
        if progress:
            progress("check", report.rows, report.rows)
        return report
    table, expected = bounded(table, data, filename)
    # Rows are written as they pass their checks, in the transaction; a bad row found later
    # stops the writing and the rollback takes back what was written (nothing is lost).
    with loading.checkpoint_afterwards(expected), transaction.atomic(), \
            loading.bulk_indexes(expected), \
            bulk.ImportWriter(actor=actor, user=user, action="person.import",
                              details={"import": report.import_id}, expected=expected,
                              progress=partial(progress, "write") if progress else None
                              ) as writer:
        book, errors = _HouseholdBook(), report.errors
        add_person, new_household = writer.add_person, writer.new_household
        refused = None  # the database's refusal: raised only if the file itself has no problem
        for row in _checked_rows(table, names, today, references, report):
            if errors or book.broken or refused is not None:
                book.add(row)
                continue
            household = book.add(row, new_household)
            if book.broken:
                continue
            try:
                add_person(row.values, row.point.id, row.group.id if row.group else None,
                           household, row.relationship)
            except connection.Database.Error as exc:  # from the writer thread
                refused = exc
        _conclude(book, report, dry_run=False)
        if refused is not None:
            raise refused
        writer.finish(book.sizes())
        audit.record(actor, "import.people", "import", report.import_id, rows=report.rows,
                     people=report.people, households=report.households,
                     filename=Path(filename).name[:200])
    report.written = True
    return report


def _conclude(book: _HouseholdBook, report: ImportReport, *, dry_run: bool) -> None:
    """The household rules, then: a dry run reports every problem; an import with any raises
    (and its transaction rolls back)."""
    book.check(report)
    if not report.rows and not report.errors:
        raise bad_file(_("The file has a header but no rows of people."))
    report.errors.sort(key=lambda e: (e.row or 0))
    if report.errors and not dry_run:
        raise InvalidInput(
            _("Nothing was imported: %(n)d problem(s) in the file. Fix the rows named and upload "
              "it again.") % {"n": len(report.errors)}, report.errors)
