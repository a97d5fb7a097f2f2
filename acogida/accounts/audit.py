"""The audit chain: every read and write of personal data appends a row here.

Each row's hash is SHA-256 over the previous row's hash and the row's canonical JSON, so changing,
inserting or deleting any row breaks every hash after it; ``verify_chain`` names the first row that
does not match. Rows are appended under a lock on the one ``AuditHead`` row, inside the caller's
transaction: if the write being audited rolls back, so does its audit entry.
"""

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain

from django.db import connection, transaction
from django.utils import timezone

from acogida.core.pgcopy import copy_text

from .models import AuditEntry, AuditHead

GENESIS = "0" * 64


@dataclass
class Actor:
    """Who did it and from where: taken from the request, or named by a CLI command."""

    username: str = ""
    role: str = ""
    client_address: str = ""

    @classmethod
    def of(cls, user, client_address: str = "") -> "Actor":
        if user is None or not getattr(user, "is_authenticated", False):
            return cls(client_address=client_address)
        return cls(user.username, user.role, client_address)

    @classmethod
    def system(cls, name: str = "system") -> "Actor":
        return cls(username=name, role="", client_address="cli")


@dataclass
class Event:
    """``subject``: the registration number of the person whose data this touches (a document's
    holder, a household member), so that a person's trail finds every event about them. For a
    person event it is the person's own number."""

    action: str
    object_type: str = ""
    object_id: str = ""
    details: dict = field(default_factory=dict)
    subject: str = ""

    def __post_init__(self):
        self.object_id = str(self.object_id)
        self.details = _plain(self.details)

    def with_subject(self) -> "Event":
        if not self.subject and self.object_type == "person":
            self.subject = self.object_id
        return self


_SCALARS = (str, int, bool, type(None))


def _plain(value):
    if isinstance(value, dict) and all(type(k) is str and type(v) in _SCALARS
                                       for k, v in value.items()):
        return value  # the common case, kept as it is: already plain JSON
    return _plain_deep(value)


def _plain_deep(value):
    """Details as JSON keeps them on both databases: PostgreSQL's jsonb rewrites floats
    (1e16 comes back as 10000000000000000), which would change the hash, so numbers that are
    not whole are kept as text."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): _plain_deep(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_deep(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def _canonical(seq: int, at: datetime, actor: Actor, event: Event, prev_hash: str) -> bytes:
    body = {
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor.username,
        "actor_role": actor.role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": str(event.object_id),
        "client_address": actor.client_address,
        "details": event.details,
        "prev_hash": prev_hash,
    }
    if event.subject:  # absent when empty: entries written before subjects existed still verify
        body["subject"] = event.subject
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record(actor: Actor, action: str, object_type: str = "", object_id: str = "",
           subject: str = "", **details) -> None:
    record_many(actor, [Event(action, object_type, str(object_id), details, subject)])


# json.dumps(str) with ensure_ascii=False is exactly this C function; calling it directly skips
# building an encoder per call, which is most of the cost when a million entries are written.
_string = json.encoder.encode_basestring
_details_slow = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_ROWS_PER_STATEMENT = 5000  # SQLite, within the bound-parameter limit; see registry/bulk.py
_COLUMNS = ("seq", "at", "actor", "actor_role", "action", "object_type", "object_id", "subject",
            "client_address", "details", "prev_hash", "hash")


def _details_json(details) -> str:
    """``details`` as ``_canonical`` encodes them.

    Flat details of text, whole numbers, booleans and nulls (all that the registry writes) are
    encoded here, byte for byte as ``json.dumps(sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)`` would; anything else goes through ``_plain_deep`` and json itself.
    registry/tests/test_imports.py checks that ``verify_chain`` agrees."""
    if type(details) is dict and all(type(key) is str for key in details):
        parts = []
        for key in sorted(details):
            value = details[key]
            kind = type(value)
            if kind is str:
                parts.append(f"{_string(key)}:{_string(value)}")
            elif value is None:
                parts.append(f"{_string(key)}:null")
            elif kind is bool:
                parts.append(f"{_string(key)}:{'true' if value else 'false'}")
            elif kind is int:
                parts.append(f"{_string(key)}:{int.__repr__(value)}")
            else:
                break
        else:
            return "{" + ",".join(parts) + "}"
    return _details_slow(_plain_deep(details))


def details_varying_in(details: dict, key: str) -> Callable[[str | None], str]:
    """For many entries whose details are ``details`` plus ``key`` (text or None, a different
    value each): a function from that value to the details encoded as ``_details_json`` would,
    without encoding the rest again for every entry (a bulk import writes a million)."""
    marker = "\x00"
    parts = _details_json({**details, key: marker}).split(_string(marker))
    if len(parts) != 2:  # the marker is in the other details too: encode each in full
        return lambda value: _details_json({**details, key: value})
    before, after = parts

    def encoded(value: str | None) -> str:
        return f"{before}{'null' if value is None else _string(value)}{after}"

    return encoded


class Chain:
    """Entries appended in steps within one transaction (a bulk import writes a million).

    Opening one takes the lock on the ``AuditHead`` row; ``rows`` hashes events into rows to
    insert (see ``insert_rows``), each linked to the one before; ``close`` moves the head to the
    last of them. Every entry of one chain has the same time.

    The hashed body is ``_canonical``'s: ``json.dumps(..., sort_keys=True)``, so its keys come in
    a fixed order and the parts that repeat (action and actor, time) are encoded once.
    ``verify_chain`` recomputes every hash with ``_canonical``; registry/tests/test_imports.py
    checks the two agree.
    """

    def __init__(self, actor: Actor):
        self.actor = actor
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        self.seq, self.prev = head.seq, head.hash
        at = timezone.now().astimezone(UTC)
        # PostgreSQL's COPY (insert_rows) takes the time as text: rendered once, not per row.
        self.at_db = (at.isoformat() if connection.vendor == "postgresql"
                      else connection.ops.adapt_datetimefield_value(at))
        self._middle = (f',"actor":{_string(actor.username)},"actor_role":{_string(actor.role)},'
                        f'"at":{_string(at.isoformat(timespec="microseconds"))},'
                        f'"client_address":{_string(actor.client_address)},"details":')
        self._starts: dict[str, str] = {}

    def rows(self, events: Iterable[tuple[str, str, str, dict, str]]) -> list[tuple]:
        """Rows for ``(action, object_type, object_id, details, subject)`` events, in order;
        ``details`` a dict, or a str that ``details_varying_in`` encoded."""
        actor, at_db, starts, sha256 = self.actor, self.at_db, self._starts, hashlib.sha256
        username, role, address = actor.username, actor.role, actor.client_address
        rows, prev, seq = [], self.prev, self.seq
        for action, object_type, object_id, details, subject in events:
            seq += 1
            start = starts.get(action)
            if start is None:
                start = starts[action] = '{"action":' + _string(action) + self._middle
            if type(details) is not str:  # a str is already encoded (details_varying_in)
                details = _details_json(details)
            body = (f'{start}{details},"object_id":{_string(object_id)},'
                    f'"object_type":{_string(object_type)},"prev_hash":"{prev}",'
                    f'"seq":{seq}' + (f',"subject":{_string(subject)}}}' if subject else "}"))
            digest = sha256((prev + body).encode()).hexdigest()
            rows.append((seq, at_db, username, role, action, object_type, object_id, subject,
                         address, details, prev, digest))
            prev = digest
        self.seq, self.prev = seq, prev
        return rows

    def close(self) -> None:
        AuditHead.objects.filter(pk=1).update(seq=self.seq, hash=self.prev)


def insert_rows(raw_cursor, vendor: str, rows: list[tuple] | bytes) -> None:
    """Insert ``Chain.rows`` through a DB-API cursor (a bulk import's writer thread has one);
    on PostgreSQL they may come as ``copy_lines`` made them already."""
    if not rows:
        return
    quote = connection.ops.quote_name  # names from the model, not input
    table, names = quote(AuditEntry._meta.db_table), ", ".join(map(quote, _COLUMNS))
    if vendor == "sqlite":  # many rows a statement: half the cost of one row a statement
        one = "(" + ", ".join(["?"] * len(_COLUMNS)) + ")"
        limit = raw_cursor.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        per = max(1, min(_ROWS_PER_STATEMENT, limit // len(_COLUMNS)))
        for start in range(0, len(rows), per):
            part = rows[start:start + per]
            raw_cursor.execute(f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608
                               f"{', '.join([one] * len(part))}", list(chain.from_iterable(part)))
    else:  # PostgreSQL: COPY
        with raw_cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            copy.write(rows if isinstance(rows, bytes) else copy_lines(rows))


def copy_lines(rows: list[tuple]) -> bytes:
    """``Chain.rows`` in PostgreSQL's COPY text format (core/pgcopy.py): a bulk import makes
    them on its checking thread, so that its writer thread only sends them."""
    text = copy_text
    return "".join([
        f"{seq}\t{at}\t{text(actor)}\t{text(role)}\t{text(action)}\t{text(object_type)}\t"
        f"{text(object_id)}\t{text(subject)}\t{text(address)}\t{text(details)}\t{prev}\t"
        f"{digest}\n"
        for seq, at, actor, role, action, object_type, object_id, subject, address, details,
        prev, digest in rows]).encode()


def record_many(actor: Actor, events: Iterable[Event]) -> int:
    """Append events in one step (a bulk import writes thousands at once)."""
    events = [event.with_subject() for event in events]
    if not events:
        return 0
    with transaction.atomic():
        appender = Chain(actor)
        rows = appender.rows((e.action, e.object_type, str(e.object_id), e.details, e.subject)
                           for e in events)
        with connection.cursor() as cursor:
            insert_rows(cursor.cursor, connection.vendor, rows)
        appender.close()
    return len(rows)


@dataclass
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""


def _rows() -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("seq").iterator(chunk_size=5000)


def verify_chain() -> ChainReport:
    """Walk the chain from the start; the first row whose link or hash is wrong is named."""
    prev, expected_seq, checked = GENESIS, 1, 0
    for row in _rows():
        actor = Actor(row.actor, row.actor_role, row.client_address)
        event = Event(row.action, row.object_type, row.object_id, row.details, row.subject)
        if row.seq != expected_seq:
            return ChainReport(False, checked, expected_seq,
                               f"entry {expected_seq} is missing (next is {row.seq})")
        if row.prev_hash != prev:
            return ChainReport(False, checked, row.seq,
                               f"entry {row.seq} does not link to entry {row.seq - 1}")
        digest = hashlib.sha256(
            prev.encode() + _canonical(row.seq, row.at.astimezone(UTC), actor, event, prev)
        ).hexdigest()
        if digest != row.hash:
            return ChainReport(False, checked, row.seq, f"entry {row.seq} was altered")
        prev, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
    head = AuditHead.objects.filter(pk=1).first()
    if head and (head.seq != checked or head.hash != prev) and head.seq > 0:
        return ChainReport(False, checked, checked + 1,
                           f"entries after {checked} are missing (the chain ended at {head.seq})")
    return ChainReport(True, checked)
