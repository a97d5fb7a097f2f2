"""The audit chain: every read and write of personal data appends a row here.

Each row's hash is SHA-256 over the previous row's hash and the row's canonical JSON, so changing,
inserting or deleting any row breaks every hash after it; ``verify_chain`` names the first row that
does not match. Rows are appended under a lock on the one ``AuditHead`` row, inside the caller's
transaction: if the write being audited rolls back, so does its audit entry.
"""

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain

from django.db import connection, transaction
from django.utils import timezone

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


def _encoder():
    """Pieces of ``_canonical`` built once per batch: a million events hash in seconds.

    The body is ``json.dumps(..., sort_keys=True)``, so its keys come in this fixed order; the
    parts that repeat (action and actor, time) are encoded once. ``verify_chain`` recomputes every
    hash with ``_canonical``; registry/tests/test_imports.py checks the two agree.
    """
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    details_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False).encode
    return dumps, details_dumps


def record_many(actor: Actor, events: Iterable[Event]) -> int:
    """Append events in one step (a bulk import writes thousands at once)."""
    events = [event.with_subject() for event in events]
    if not events:
        return 0
    dumps, details_dumps = _encoder()
    sha256 = hashlib.sha256
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        at = timezone.now().astimezone(UTC)
        at_db = connection.ops.adapt_datetimefield_value(at)
        middle = (f',"actor":{dumps(actor.username)},"actor_role":{dumps(actor.role)},'
                  f'"at":{dumps(at.isoformat(timespec="microseconds"))},'
                  f'"client_address":{dumps(actor.client_address)},"details":')
        starts: dict[str, str] = {}
        sqlite = connection.vendor == "sqlite"
        rows, prev, seq = [], head.hash, head.seq
        for event in events:
            seq += 1
            action = event.action
            start = starts.get(action)
            if start is None:
                start = starts[action] = '{"action":' + dumps(action) + middle
            details = details_dumps(event.details)
            object_id = str(event.object_id)
            subject = event.subject
            body = (f'{start}{details},"object_id":{dumps(object_id)},'
                    f'"object_type":{dumps(event.object_type)},"prev_hash":"{prev}",'
                    f'"seq":{seq}' + (f',"subject":{dumps(subject)}}}' if subject else "}"))
            digest = sha256((prev + body).encode()).hexdigest()
            rows.append((seq, at_db, actor.username, actor.role, action, event.object_type,
                         object_id, subject, actor.client_address,
                         details, prev, digest))
            prev = digest
        columns = ("seq", "at", "actor", "actor_role", "action", "object_type", "object_id",
                   "subject", "client_address", "details", "prev_hash", "hash")
        quote = connection.ops.quote_name  # names from the model, not input
        table, names, marks = (quote(AuditEntry._meta.db_table), ", ".join(map(quote, columns)),
                               ", ".join(["%s"] * len(columns)))
        with connection.cursor() as cursor:
            if sqlite:  # many rows a statement: half the cost of one row a statement
                limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
                one, per = f"({marks})", max(1, min(500, limit // len(columns)))
                for start in range(0, len(rows), per):
                    part = rows[start:start + per]
                    cursor.cursor.execute(
                        f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(part))}"  # noqa: S608
                        .replace("%s", "?"), list(chain.from_iterable(part)))
            else:  # PostgreSQL: COPY
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        AuditHead.objects.filter(pk=1).update(seq=seq, hash=prev)
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
