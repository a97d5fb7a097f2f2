"""The write path of a bulk import: a million people in one transaction, with their audit entries.

``services.write_registrations`` writes what a form or an API call registers; an import writes the
same rows (households, people, needs, consents, members, one audit entry per person and household)
but many more of them, so it goes its own way (``ImportWriter``):

- registration numbers and primary keys for the whole file are taken at once, before anything is
  written (one uniqueness check, not one per batch);
- each row, once checked, is built on the calling thread into the tables' rows in the columns'
  order (plain tuples for SQLite; for PostgreSQL, lines of COPY text, so that the writer only
  sends them: ``_Builder``), and every ``CHUNK`` people a writer thread inserts them while the
  calling thread goes on checking and building: the database does its part with the GIL
  released (SQLite steps and PostgreSQL COPY both do), so on two cores the two overlap;
- the audit chain (``audit.Chain``) is hashed on the calling thread in the same order as the
  rows, and its rows go through the writer too.

The caller holds the transaction: if anything fails, on either thread, or a later row of the file
turns out to be wrong, the writer is stopped before the exception leaves here and the rollback
takes everything with it.
"""

import json
import queue
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import date
from itertools import chain

from django.db import connection
from django.utils import timezone

from acogida.accounts import audit
from acogida.accounts.services import stored_user
from acogida.core.pgcopy import NULL, copy_text
from acogida.core.reference import SENSITIVE_NEEDS

from .models import Consent, Household, HouseholdMember, Person, SpecificNeed
from .services import _PERSON_COLUMNS, _name_part, _reserve_ids, unused_numbers

CHUNK = 10_000  # people per chunk handed to the writer
QUEUED_CHUNKS = 2  # chunks built ahead of the writer: enough to keep it busy, memory bounded
# SQLite: rows a statement, as far as the bound-parameter limit allows. Few statements matter on
# two threads: after every statement the writer waits for the GIL (up to the 5 ms switch
# interval) while the other thread builds rows; 500 a statement cost seconds a million.
ROWS_PER_STATEMENT = 5000
SWITCH_INTERVAL = 0.0005  # seconds; see ImportWriter

_NEED_COLUMNS = ("person_id", "code")
_CONSENT_COLUMNS = ("person_id", "purpose", "given_on")
_HOUSEHOLD_COLUMNS = ("id", "number", "registration_point_id", "created_at")
_MEMBER_COLUMNS = ("household_id", "person_id", "relationship", "joined_on")


def insert_rows(raw_cursor, vendor: str, model, columns: tuple[str, ...], rows) -> None:
    """Insert rows through a DB-API cursor. SQLite: plain tuples, many rows a statement (a
    statement has a fixed cost, and the full-text trigger flushes after every one);
    PostgreSQL: COPY of the rows already in its text format (bytes, ``_Builder``)."""
    if not rows:
        return
    quote = connection.ops.quote_name  # names from the model, not input
    table, names = quote(model._meta.db_table), ", ".join(map(quote, columns))
    if vendor == "postgresql":
        with raw_cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            copy.write(rows)
        return
    limit = raw_cursor.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per_statement = max(1, min(ROWS_PER_STATEMENT, limit // len(columns)))
    one = "(" + ", ".join(["?"] * len(columns)) + ")"
    full = f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * per_statement)}"  # noqa: S608
    whole = len(rows) - len(rows) % per_statement
    for start in range(0, whole, per_statement):
        raw_cursor.execute(full, list(chain.from_iterable(rows[start:start + per_statement])))
    if rest := rows[whole:]:
        raw_cursor.execute(f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608
                           f"{', '.join([one] * len(rest))}", list(chain.from_iterable(rest)))


class _Stopped(Exception):
    """The writer was stopped before its queue was empty."""


class _Writer:
    """Runs jobs, in order, on one thread with its own cursor on the caller's connection.

    Only one thread uses the connection at a time: the caller touches it again only after
    ``close``. A job that fails stops the writer; the caller sees the exception at its next
    ``submit`` or at ``close``."""

    def __init__(self):
        self._jobs: queue.Queue = queue.Queue(maxsize=QUEUED_CHUNKS)
        self._error: BaseException | None = None
        self._raw = connection.connection  # the DB-API connection, as Django opened it
        self._vendor = connection.vendor
        self._thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        cursor = self._raw.cursor()
        try:
            while (job := self._jobs.get()) is not None:
                if self._error is None:  # after a failure, drain without running
                    try:
                        job(cursor, self._vendor)
                    except BaseException as exc:  # re-raised on the caller's thread
                        self._error = exc
        finally:
            cursor.close()

    def submit(self, job: Callable) -> None:
        self._raise()
        self._jobs.put(job)

    def close(self) -> None:
        """Wait until every job has run; re-raise the first failure."""
        self._wait()
        self._raise()

    def stop(self) -> None:
        """Wait until the writer is done with the connection, skipping what is still queued."""
        if self._error is None:
            self._error = _Stopped()
        self._wait()

    def _wait(self) -> None:
        """A second Ctrl-C does not cut the wait short: the rollback that follows must not run
        while the writer still uses the connection."""
        if not self._thread.is_alive():
            return
        sent, interrupted = False, None
        while True:
            try:
                if not sent:
                    self._jobs.put(None)
                    sent = True
                self._thread.join()
                break
            except KeyboardInterrupt as exc:
                interrupted = exc
        if interrupted is not None:
            raise interrupted

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error


class _Rows:
    """The rows of one chunk, in the columns' order (``services._PERSON_COLUMNS`` etc.): plain
    tuples, but for PostgreSQL the people as lines of COPY text (``_Builder``), and ``pack``
    makes each table one piece of COPY text before the writer gets them."""

    def __init__(self):
        self.people, self.needs, self.consents = [], [], []
        self.households, self.members, self.audit = [], [], []

    def pack(self) -> None:
        """PostgreSQL: each table's rows as one piece of COPY text (the people are lines
        already; the other rows hold no null and no free text)."""
        self.people = "".join(self.people).encode()
        for name in ("needs", "consents", "households", "members"):
            setattr(self, name, "".join(map(_plain_line, getattr(self, name))).encode())

    def __call__(self, cursor, vendor: str) -> None:
        """Insert them: the writer's job. Households before members, people before what points
        at them (SQLite checks foreign keys at commit, PostgreSQL at once)."""
        insert_rows(cursor, vendor, Person, _PERSON_COLUMNS, self.people)
        insert_rows(cursor, vendor, SpecificNeed, _NEED_COLUMNS, self.needs)
        insert_rows(cursor, vendor, Consent, _CONSENT_COLUMNS, self.consents)
        insert_rows(cursor, vendor, Household, _HOUSEHOLD_COLUMNS, self.households)
        insert_rows(cursor, vendor, HouseholdMember, _MEMBER_COLUMNS, self.members)
        audit.insert_rows(cursor, vendor, self.audit)


class _Builder:
    """Turns checked rows into the tables' rows. What repeats across a million people (dates,
    language lists, name parts) is adapted for the database once."""

    def __init__(self, user):
        ops = connection.ops
        now = timezone.now()
        # PostgreSQL's COPY takes every value as text, and the rows are written in that form
        # here, on the calling thread: formatted on the writer thread (psycopg's write_row),
        # they held up the writer, which is what paces a large import, while this thread
        # waited for it (measured at 200,000 people: a third of its time). Times, dates and
        # JSON are rendered once each.
        self.copy = connection.vendor == "postgresql"
        if self.copy:
            self._adapt_date = date.isoformat
            self._adapt_json = lambda value, _: copy_text(json.dumps(value))
            self.now_db = now.isoformat()
        else:
            self._adapt_date, self._adapt_json = ops.adapt_datefield_value, ops.adapt_json_value
            self.now_db = ops.adapt_datetimefield_value(now)
        self.joined_db = self._adapt_date(timezone.localdate(now))
        registered_by = stored_user(user)
        self.registered_by_id = registered_by.pk if registered_by else None
        self._encrypt = Person._meta.get_field("sensitive_needs").get_prep_value
        self._dates: dict = {}
        self._languages: dict = {}
        self._no_review = self._adapt_json({}, None)

    def _date(self, value):
        try:
            return self._dates[value]
        except KeyError:
            adapted = self._dates[value] = None if value is None else self._adapt_date(value)
            return adapted

    def _languages_db(self, languages: list[str]):
        key = tuple(languages)
        adapted = self._languages.get(key)
        if adapted is None:
            adapted = self._languages[key] = self._adapt_json(languages, None)
        return adapted

    def person(self, out: _Rows, values: dict, point_id: int, group_id: int | None,
               household: tuple[int, str] | None, relationship: str, pk: int,
               number: str) -> None:
        """One person's rows (person, needs, consents, household membership) into ``out``."""
        given, first, second = (values["given_names"], values["first_surname"],
                                values["second_surname"])
        (given_folded, given_key), (first_folded, first_key), (second_folded, second_key) = (
            _name_part(given), _name_part(first), _name_part(second))
        # as services.name_index() makes it
        search_text = " " + " ".join(p for p in (given_folded, first_folded, second_folded) if p)
        needs_of = values["specific_needs"]
        sensitive = [code for code in needs_of if code in SENSITIVE_NEEDS]
        sensitive_db = self._encrypt(sorted(sensitive)) if sensitive else ""
        date_db, now_db = self._date, self.now_db
        row = (pk, number, given, first, second, given_folded, first_folded, second_folded,
               search_text, given_key, first_key, second_key, values["sex"],
               date_db(values["date_of_birth"]), values["date_of_birth_estimated"],
               values["nationality"], values["place_of_birth"],
               self._languages_db(values["languages"]), values["phone"], "", sensitive_db,
               point_id, group_id, self.registered_by_id, now_db, now_db, self._no_review,
               values.get("external_id", ""))
        out.people.append(_person_line(row) if self.copy else row)
        for code in needs_of:
            if code not in SENSITIVE_NEEDS:
                out.needs.append((pk, code))
        for consent in values.get("consents", ()):
            out.consents.append((pk, consent["purpose"], date_db(consent["given_on"])))
        if household is not None:
            out.members.append((household[0], pk, relationship, self.joined_db))


# ---- PostgreSQL's COPY text, one line a row, in the columns' order ------------------------------
# Folded names and keys are only [a-z0-9 ], numbers and codes come from fixed lists, and dates,
# times and JSON are rendered by the builder: only what a person typed goes through copy_text.
# Only checked rows get here (an import writes nothing once a row has an error), so the
# required values (sex, nationality, date of birth) are never None: one would be written as
# the text "None", where psycopg's write_row sent a null.

def _person_line(row: tuple) -> str:
    """A person's row, as ``_Builder.person`` makes it, as a line of COPY text."""
    (pk, number, given, first, second, given_folded, first_folded, second_folded, search_text,
     given_key, first_key, second_key, sex, born, estimated, nationality, place, languages, phone,
     photo, sensitive, point_id, group_id, registered_by_id, registered_at, updated_at, review,
     external_id) = row
    group = NULL if group_id is None else group_id
    registered_by = NULL if registered_by_id is None else registered_by_id
    return (f"{pk}\t{number}\t{copy_text(given)}\t{copy_text(first)}\t{copy_text(second)}\t"
            f"{given_folded}\t{first_folded}\t{second_folded}\t{search_text}\t{given_key}\t"
            f"{first_key}\t{second_key}\t{sex}\t{born}\t{'t' if estimated else 'f'}\t"
            f"{nationality}\t{copy_text(place)}\t{languages}\t{copy_text(phone)}\t{photo}\t"
            f"{copy_text(sensitive)}\t{point_id}\t{group}\t{registered_by}\t{registered_at}\t"
            f"{updated_at}\t{review}\t{copy_text(external_id)}\n")


def _plain_line(row: tuple) -> str:
    """A row with no null and no free text: a need, a consent, a membership, a household."""
    return "\t".join(map(str, row)) + "\n"


class ImportWriter:
    """Writes an import's people while the rest of the file is still being checked.

    The caller checks a row, then hands it over with ``add_person`` (and a new household with
    ``new_household`` the first time its reference is seen); every ``CHUNK`` people, their rows
    are built and hashed into the audit chain here, on the calling thread, and inserted by the
    writer thread, so checking, building and inserting overlap. A household's own audit entry
    names how many members it has, known only at the end: ``finish`` writes those. Nothing here
    commits: the caller's transaction holds it all, and a bad row found later rolls it back.

    Registration numbers and primary keys are taken up front for ``expected`` people (and as
    many households, at most), an upper bound of the file's rows: numbers and keys left over are
    simply never used. Numbers go out in sorted order, so the unique index on them grows at one
    end instead of at random places (measured: a third off the people's insert at a million).
    """

    def __init__(self, *, actor: audit.Actor, user, action: str, details: dict, expected: int,
                 progress: Callable | None = None):
        # Everything read from the database is read now: afterwards the writer owns the connection.
        self._numbers = iter(unused_numbers(Person, expected))
        self._person_ids = iter(_reserve_ids(Person, expected))
        self._household_numbers = iter(unused_numbers(Household, expected))
        self._household_ids = iter(_reserve_ids(Household, expected))
        self._chain = audit.Chain(actor)
        self._builder = _Builder(user)
        self._action, self._details = action, details
        self._person_details = audit.details_varying_in(details, "household")
        self._expected, self._progress = expected, progress
        self._rows, self._events, self.people = _Rows(), [], 0
        self._writer = _Writer()
        # The writer needs the GIL back after every statement the database ran without it, and
        # with the calling thread busy checking rows it waits for the switch interval (5 ms by
        # default) each time: measured, a fifth of its time at a million people. 0.5 ms took
        # that wait away and the whole import 5% faster. Put back when the import ends.
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, SWITCH_INTERVAL))

    def __enter__(self) -> "ImportWriter":
        return self

    def __exit__(self, kind, exc, traceback) -> None:
        # A rollback must not run while the writer still uses the connection.
        try:
            self._writer.stop()
        finally:
            sys.setswitchinterval(self._switch_interval)

    def new_household(self, point_id: int) -> tuple[int, str]:
        pk, number = next(self._household_ids), next(self._household_numbers)
        self._rows.households.append((pk, number, point_id, self._builder.now_db))
        return pk, number

    def add_person(self, values: dict, point_id: int, group_id: int | None,
                   household: tuple[int, str] | None, relationship: str) -> None:
        pk, number = next(self._person_ids), next(self._numbers)
        self._builder.person(self._rows, values, point_id, group_id, household, relationship,
                             pk, number)
        self._events.append((self._action, "person", number,
                             self._person_details(household[1] if household else None), number))
        if len(self._rows.people) >= CHUNK:
            self._submit()

    def _submit(self) -> None:
        rows, self._rows = self._rows, _Rows()
        rows.audit = self._chain.rows(self._events)
        self._events = []
        people = len(rows.people)
        if self._builder.copy:
            rows.pack()
            rows.audit = audit.copy_lines(rows.audit)
        self._writer.submit(rows)
        self.people += people
        if self._progress and people:
            self._progress(self.people, self._expected)

    def finish(self, household_sizes: Iterable[tuple[str, int]]) -> None:
        """Write what is left and the households' audit entries ``(number, members)``; wait
        until the writer is done."""
        self._submit()
        # Hashed and handed over a chunk at a time, so that the writer inserts one chunk while
        # the next is hashed (a million people make some 300,000 households).
        for number, members in household_sizes:
            self._events.append(("household.create", "household", number,
                                 {"members": members, **self._details}, ""))
            if len(self._events) >= CHUNK:
                self._submit()
        self._submit()
        self._writer.close()
        self._chain.close()
        if self._progress:  # ``expected`` was an upper bound
            self._progress(self.people, self.people)
