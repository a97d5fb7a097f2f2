"""The write path of a bulk import: a million people in one transaction, with their audit entries.

``services.write_registrations`` writes what a form or an API call registers; an import writes the
same rows (households, people, needs, consents, members, one audit entry per person and household)
but many more of them, so it goes its own way:

- registration numbers and primary keys for the whole file are taken at once, before anything is
  written (one uniqueness check, not one per batch);
- rows are built as plain tuples in the columns' order, chunk by chunk, on the calling thread,
  while a writer thread inserts the previous chunk: the database does its part with the GIL
  released (SQLite steps and PostgreSQL COPY both do), so on two cores the two overlap;
- the audit chain (``audit.Chain``) is hashed on the calling thread in the same order as the
  rows, and its rows go through the writer too.

The caller holds the transaction: if anything fails, on either thread, the writer is stopped
before the exception leaves here and the rollback takes everything with it.
"""

import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from itertools import chain

from django.db import connection
from django.utils import timezone

from acogida.accounts import audit
from acogida.core.reference import SENSITIVE_NEEDS

from .models import Consent, Household, HouseholdMember, Person, SpecificNeed
from .services import _PERSON_COLUMNS, NewHousehold, _name_part, _reserve_ids, unused_numbers

CHUNK = 10_000  # people per chunk handed to the writer
QUEUED_CHUNKS = 2  # chunks built ahead of the writer: enough to keep it busy, memory bounded
# SQLite: rows a statement, as far as the bound-parameter limit allows. Few statements matter on
# two threads: after every statement the writer waits for the GIL (up to the 5 ms switch
# interval) while the other thread builds rows; 500 a statement cost seconds a million.
ROWS_PER_STATEMENT = 5000

_NEED_COLUMNS = ("person_id", "code")
_CONSENT_COLUMNS = ("person_id", "purpose", "given_on")
_HOUSEHOLD_COLUMNS = ("id", "number", "registration_point_id", "created_at")
_MEMBER_COLUMNS = ("household_id", "person_id", "relationship", "joined_on")


def insert_rows(raw_cursor, vendor: str, model, columns: tuple[str, ...], rows: list) -> None:
    """Insert plain rows through a DB-API cursor. SQLite: many rows a statement (a statement has
    a fixed cost, and the full-text trigger, when present, flushes after every one); PostgreSQL:
    COPY."""
    if not rows:
        return
    quote = connection.ops.quote_name  # names from the model, not input
    table, names = quote(model._meta.db_table), ", ".join(map(quote, columns))
    if vendor == "postgresql":
        with raw_cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
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
        self.stop()
        self._raise()

    def stop(self) -> None:
        """Wait until the writer is done with the connection (after a failure: skip what is
        queued)."""
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error


def _chunks(plans: list[NewHousehold], size: int) -> Iterator[list[NewHousehold]]:
    batch, people = [], 0
    for plan in plans:
        batch.append(plan)
        people += len(plan.members)
        if people >= size:
            yield batch
            batch, people = [], 0
    if batch:
        yield batch


class _Rows:
    """The rows of one chunk, in the columns' order (``services._PERSON_COLUMNS`` etc.)."""

    def __init__(self):
        self.people, self.needs, self.consents = [], [], []
        self.households, self.members, self.audit = [], [], []

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
    """Turns plans into rows. What repeats across a million people (dates, language lists,
    registration points, name parts) is adapted for the database once."""

    def __init__(self, user, action: str, details: dict):
        ops = connection.ops
        now = timezone.now()
        self.now_db = ops.adapt_datetimefield_value(now)
        self.joined_db = ops.adapt_datefield_value(timezone.localdate(now))
        registered_by = (user if getattr(user, "is_authenticated", False)
                         and getattr(user, "pk", None) else None)
        self.registered_by_id = registered_by.pk if registered_by else None
        self.action, self.details = action, details
        self._adapt_date, self._adapt_json = ops.adapt_datefield_value, ops.adapt_json_value
        self._encrypt = Person._meta.get_field("sensitive_needs").get_prep_value
        self._dates: dict = {}
        self._languages: dict = {}
        self._no_review = self._adapt_json({}, None)

    def _date(self, value):
        adapted = self._dates.get(value)
        if adapted is None:
            adapted = self._dates[value] = self._adapt_date(value)
        return adapted

    def _languages_db(self, languages: list[str]):
        key = tuple(languages)
        adapted = self._languages.get(key)
        if adapted is None:
            adapted = self._languages[key] = self._adapt_json(languages, None)
        return adapted

    def rows(self, plans: list[NewHousehold], person_ids: Iterator[int],
             numbers: Iterator[str], household_ids: Iterator[int],
             household_numbers: Iterator[str]) -> tuple[_Rows, list[tuple]]:
        """The chunk's rows and its audit events: its households first, then its people, as
        ``write_registrations`` orders them."""
        out = _Rows()
        household_events, person_events = [], []
        now_db, joined_db, registered_by_id = self.now_db, self.joined_db, self.registered_by_id
        action, details = self.action, self.details
        name_part, date_db, languages_db = _name_part, self._date, self._languages_db
        encrypt, sensitive_codes = self._encrypt, SENSITIVE_NEEDS
        people, needs, consents, members = out.people, out.needs, out.consents, out.members
        for plan in plans:
            point_id = plan.registration_point.pk
            group_id = plan.arrival_group.pk if plan.arrival_group else None
            review = (self._adapt_json(plan.duplicate_review, None) if plan.duplicate_review
                      else self._no_review)
            household_pk = household_number = None
            if plan.household:
                household_pk, household_number = next(household_ids), next(household_numbers)
                out.households.append((household_pk, household_number, point_id, now_db))
                household_events.append(("household.create", "household", household_number,
                                         {"members": len(plan.members), **details}, ""))
            for member in plan.members:
                values = member.values
                pk, number = next(person_ids), next(numbers)
                given, first, second = (values["given_names"], values["first_surname"],
                                        values["second_surname"])
                (given_folded, given_key), (first_folded, first_key), \
                    (second_folded, second_key) = name_part(given), name_part(first), \
                    name_part(second)
                needs_of = values["specific_needs"]
                sensitive = [code for code in needs_of if code in sensitive_codes]
                people.append((
                    pk, number, given, first, second, given_folded, first_folded, second_folded,
                    # as services.name_index() makes it
                    " " + " ".join(p for p in (given_folded, first_folded, second_folded) if p),
                    given_key, first_key, second_key, values["sex"],
                    date_db(values["date_of_birth"]), values["date_of_birth_estimated"],
                    values["nationality"], values["place_of_birth"],
                    languages_db(values["languages"]), values["phone"], "",
                    encrypt(sorted(sensitive)) if sensitive else "", point_id, group_id,
                    registered_by_id, now_db, now_db, review, values.get("external_id", "")))
                for code in needs_of:
                    if code not in sensitive_codes:
                        needs.append((pk, code))
                for consent in values.get("consents", ()):
                    consents.append((pk, consent["purpose"], date_db(consent["given_on"])))
                if household_pk is not None:
                    members.append((household_pk, pk, member.relationship, joined_db))
                person_events.append((action, "person", number,
                                      {"household": household_number, **details}, number))
        return out, household_events + person_events


def write_import(*, actor: audit.Actor, user, plans: list[NewHousehold], action: str,
                 details: dict, progress: Callable | None = None) -> None:
    """Write every plan (new people only: no ``existing`` members) in the caller's transaction.

    ``progress(done, total)`` is called after each chunk is handed to the writer."""
    total = sum(len(plan.members) for plan in plans)
    with_household = sum(1 for plan in plans if plan.household)
    # Everything read from the database is read now: afterwards the writer owns the connection.
    numbers = iter(unused_numbers(Person, total))
    person_ids = iter(_reserve_ids(Person, total))
    household_numbers = iter(unused_numbers(Household, with_household))
    household_ids = iter(_reserve_ids(Household, with_household))
    appender = audit.Chain(actor)
    builder = _Builder(user, action, details)
    writer = _Writer()
    try:
        done = 0
        for batch in _chunks(plans, CHUNK):
            rows, events = builder.rows(batch, person_ids, numbers, household_ids,
                                        household_numbers)
            rows.audit = appender.rows(events)
            writer.submit(rows)
            done += len(rows.people)
            if progress:
                progress(done, total)
    except BaseException:
        writer.stop()  # the rollback must not run while the writer still uses the connection
        raise
    writer.close()
    appender.close()
