"""The database readied for a large import, and put back after it (``imports.import_people``).

A million rows inserted one by one into a table with many indexes cost more than the same rows
inserted into the bare table and the indexes built after, one sort each; and foreign keys checked
one row at a time cost far more than one check of the whole table. So, for an import of at least
``BULK_INDEX_THRESHOLD`` people:

- **SQLite** drops the person table's plain indexes whose keys arrive at random, and makes them
  again at the end (``_sqlite_indexes``); the write-ahead log is copied into the database after
  the commit, on a thread of its own (``checkpoint_afterwards``).
- **PostgreSQL** drops all of the person table's plain indexes, the foreign keys that point at
  the people and households being written and theirs to registration points and arrival groups,
  and makes them again at the end; the keys to the users are checked as each batch is written,
  on the writer's connection, rather than all at the commit, where nothing overlaps them
  (``_postgres_indexes``).

Everything happens in the import's transaction: a rollback brings every index and constraint
back. Unique indexes are never dropped: they guard registration numbers, one head a
household and one household a person.
"""

import logging
import os
import sqlite3
import threading
from contextlib import contextmanager

from django.db import DatabaseError, connection, transaction

log = logging.getLogger(__name__)

BULK_INDEX_THRESHOLD = 50_000  # people
BULK_CACHE_KIB = 512 * 1024  # SQLite page cache during a large import; see _sqlite_bulk_settings
# PostgreSQL: how long an import waits for the tables to itself before it goes the slow way
# (keeping indexes and keys) rather than keep the registry's readers queued behind it.
LOCK_WAIT = "5s"
# PostgreSQL: memory for each index build at the end (the server's default is 64 MB, which
# makes a million-row sort spill to disk).
BUILD_MEMORY = "256MB"
# The tables an import writes whose rows point at the people and households it writes: their
# foreign keys to those two are dropped and checked again at the end in one statement each.
_CHILD_TABLES = ("registry_consent", "registry_specificneed", "registry_householdmember")
# The tables of few rows that the people and households point at, whose foreign keys are dropped
# and checked again the same way (not the users': see _postgres_indexes).
_PLACE_TABLES = ("registry_registrationpoint", "registry_arrivalgroup")


@contextmanager
def bulk_indexes(people: int):
    """Around the writing of a ``people``-person import, in its transaction."""
    if people < BULK_INDEX_THRESHOLD:
        yield
    elif connection.vendor == "sqlite":
        with _sqlite_indexes(people):
            yield
    elif connection.vendor == "postgresql":
        with _postgres_indexes(people):
            yield
    else:
        yield


def _worth_rebuilding(cursor, people: int) -> bool:
    """Rebuilding sorts what is there too: past twice the import's size, it costs more than it
    saves."""
    cursor.execute("SELECT COUNT(*) FROM (SELECT 1 FROM registry_person LIMIT %s) AS existing",
                   [2 * people + 1])
    return cursor.fetchone()[0] <= 2 * people


# ---- SQLite ------------------------------------------------------------------------------------

@contextmanager
def _sqlite_indexes(people: int):
    """The person table's plain (non-unique) indexes whose keys arrive in random order (names,
    dates of birth) are dropped, and built again at the end. Indexes led by columns of few
    values (point, group, nationality) stay (``_kept_up``): their new keys go in at the end of a
    few runs, cheaply, and on the writer thread (registry/bulk.py) rather than in the rebuild at
    the end, which nothing overlaps.

    The full-text index's insert trigger stays for the same reason. Dropping it and adding the
    new rows to the index in one statement at the end had made that statement 4 s of a
    million-person import's tail (5.8 s since migration 0007), with the writer thread idle
    beside the checks; kept, the trigger does that work on the writer thread as the rows go
    in. Measured at a million people: the tail 18.7 s -> 14.6 s, the import 84.9 s -> 80.4 s."""
    with connection.cursor() as cursor, _sqlite_bulk_settings(cursor):
        dropped = _drop_sqlite_indexes(cursor, people)
        yield
        for _name, sql in dropped:
            cursor.execute(sql)


def _drop_sqlite_indexes(cursor, people: int) -> list[tuple[str, str]]:
    """What was dropped (name, SQL to make it again)."""
    if not _worth_rebuilding(cursor, people):
        return []
    cursor.execute("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'registry_person' "
                   "AND type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'")
    dropped = [(name, sql) for name, sql in cursor.fetchall()
               if not _kept_up(_columns(cursor, name))]
    # The audit table's two plain indexes stay: they are keyed by registration and household
    # number (subject, object), which an import hands out in sorted order (bulk.ImportWriter),
    # so their new keys go in at one end, on the writer thread.
    for name, _sql in dropped:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return dropped


_FEW_VALUES = frozenset({"registration_point_id", "arrival_group_id", "registered_by_id",
                         "nationality", "external_id"})  # an import leaves external_id blank


def _kept_up(columns: list[str]) -> bool:
    """Whether an index is kept up during a large import on SQLite rather than rebuilt: when it
    leads with a column of few values, followed (if at all) by another or by ``registered_at``,
    which is the same moment for every row of an import. Then an import's keys land in a few
    contiguous stretches of the index (one a registration point, say), whatever comes after;
    measured at a million people, the situation picture's ``person_point_registered_cov`` cost
    the writer thread 6 s kept up, which it had spare, against 2.1 s of rebuild at the end,
    which nothing overlaps. ``person_point_sex_nat`` goes on by sex, nationality and then date
    of birth: its keys land at random within each point, and it is rebuilt."""
    return (bool(columns) and columns[0] in _FEW_VALUES
            and all(c in _FEW_VALUES or c == "registered_at" for c in columns[1:2]))


def _columns(cursor, index: str) -> list[str]:
    cursor.execute("SELECT name FROM pragma_index_info(%s) ORDER BY seqno", [index])
    return [row[0] for row in cursor.fetchall()]


@contextmanager
def _sqlite_bulk_settings(cursor):
    """For the length of a large import, a page cache that holds its indexes (the default 2 MB
    makes every insert into the random-keyed registration number index a read from the file;
    measured: the write step half as fast) and worker threads for the sorts that rebuild the
    indexes. Both are this connection's settings only, and are put back."""
    cursor.execute("PRAGMA cache_size")
    cache_size = cursor.fetchone()[0]
    cursor.execute("PRAGMA threads")
    threads = cursor.fetchone()[0]
    cursor.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
    cursor.execute(f"PRAGMA threads = {min(4, os.cpu_count() or 1)}")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
        cursor.execute(f"PRAGMA threads = {int(threads)}")


@contextmanager
def checkpoint_afterwards(people: int):
    """SQLite writes a transaction to its write-ahead log, and the commit that leaves the log
    over 1,000 pages copies the whole log into the database (a checkpoint; 4 to 7 s for a
    million people, with nothing to overlap). For a large import the automatic checkpoint is
    off until the commit, and a checkpoint thread of its own (its own connection) does that
    work afterwards, while readers go on reading what was committed (SQLite's documented way:
    sqlite.org/wal.html, "Automatic checkpoint"). The thread is not a daemon: a command that
    ends waits for it."""
    if connection.vendor != "sqlite" or people < BULK_INDEX_THRESHOLD:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")
    if connection.in_atomic_block or connection.is_in_memory_db():
        return  # not committed yet (an outer transaction holds it), or no log to copy
    threading.Thread(target=checkpoint, args=(connection.settings_dict["NAME"],),
                     name="import-checkpoint").start()


def checkpoint(path) -> None:
    """Fresh planner statistics, then the checkpoint. The situation picture's date-range counts
    are skip-scans over the registration point's few values only when the statistics say how
    few they are (``sqlite_stat1``); ``analysis_limit`` keeps ANALYZE to a sample of each index
    (well under a second at a million people)."""
    try:
        database = sqlite3.connect(path, timeout=60)
        try:
            database.execute("PRAGMA analysis_limit = 1000")
            database.execute("ANALYZE")
            database.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            database.close()
    except sqlite3.Error as exc:  # the next commit's automatic checkpoint does it then
        log.warning("checkpoint after the import failed: %s", exc)


# ---- PostgreSQL --------------------------------------------------------------------------------

@contextmanager
def _postgres_indexes(people: int):
    """Measured at 200,000 people: the person rows' COPY took 18.6 s with the table's 13 plain
    indexes and 2.7 s without them, and building them again took 6 s; a foreign key checked row
    by row costs about 6 µs a row, the same key added again to a full table well under a
    second a million rows.

    Dropping an index or a foreign key takes PostgreSQL's ACCESS EXCLUSIVE lock on the tables
    involved, until the commit: readers of the registry's people, registration points and
    arrival groups wait for the import. That is why this is done only for a large import into a
    registry at most twice its size (a first load, typically), and only when the lock can be had
    within ``LOCK_WAIT``; otherwise the import goes the slow way, with every index and key in
    place, and readers carry on.

    The keys to registration points and arrival groups had been kept, each checked row by row.
    Once the rows were made as COPY text on the checking thread (bulk.py), the server was what
    paced a million-person import, and a third of its time went on those checks: dropped and
    added again (0.2 s each), the rows' writing went from 28.2 s to 22.9 s. The keys to the
    users stay: dropping one would lock the users too, and everyone logging in reads them. They
    are checked with every batch (``SET CONSTRAINTS ... IMMEDIATE``), on the writer's connection
    while the next batch is being checked, instead of all at once at the commit."""
    with connection.cursor() as cursor:
        if not _worth_rebuilding(cursor, people) or not _tables_to_ourselves(cursor):
            yield
            return
        # First: the checks already pending (a caller's transaction) run now, because a table
        # with pending checks cannot be altered; and from here on each batch's run as it goes in.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        indexes = _plain_indexes(cursor, "registry_person")
        keys = _keys_to_written_rows(cursor)
        quote = connection.ops.quote_name
        for table, name, _definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
        yield
        cursor.execute("SELECT current_setting('maintenance_work_mem')")
        memory = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [BUILD_MEMORY])
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in keys:  # checks every row, in one statement
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} "
                           f"{definition}")
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [memory])
        # Django declares every foreign key DEFERRABLE INITIALLY DEFERRED: back to that.
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _tables_to_ourselves(cursor) -> bool:
    """The ACCESS EXCLUSIVE lock on the tables whose indexes and keys go, if it comes within
    ``LOCK_WAIT``. Waiting longer would hold up everyone queued behind the import."""
    tables = ", ".join(("registry_person", "registry_household", *_CHILD_TABLES,
                        *_PLACE_TABLES))
    cursor.execute("SELECT current_setting('lock_timeout')")
    wait = cursor.fetchone()[0]
    try:
        with transaction.atomic():  # a savepoint: a lock not had leaves the transaction usable
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_WAIT])
            cursor.execute(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE")
    except DatabaseError as exc:
        log.warning("a large import goes without dropping indexes: %s", exc)
        return False
    finally:  # the savepoint's end leaves set_config(..., true) in force until the commit
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [wait])
    return True


def _plain_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the table's indexes that are no constraint's."""
    cursor.execute("SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                   "JOIN pg_class c ON c.oid = i.indexrelid "
                   "WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary "
                   "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
                   "ORDER BY c.relname", [table])
    return cursor.fetchall()


def _keys_to_written_rows(cursor) -> list[tuple[str, str, str]]:
    """(table, name, definition) of the foreign keys from the import's child tables to the
    people and households it writes, and from those to the registration points and arrival
    groups."""
    cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                   "FROM pg_constraint WHERE contype = 'f' AND ("
                   "(conrelid::regclass::text = ANY(%s) "
                   "AND confrelid::regclass::text IN ('registry_person', 'registry_household')) "
                   "OR (conrelid::regclass::text IN ('registry_person', 'registry_household') "
                   "AND confrelid::regclass::text = ANY(%s))) ORDER BY 1, 2",
                   [list(_CHILD_TABLES), list(_PLACE_TABLES)])
    return cursor.fetchall()
