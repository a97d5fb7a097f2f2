"""Writes on the registry. Every function runs in one transaction, checks access, enforces the
rules of ``validation`` and writes the audit entries; a failure anywhere leaves nothing behind."""

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from itertools import chain

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.core import ids
from acogida.core.errors import Conflict, FieldError, InvalidInput, NotFound
from acogida.core.names import first_token_key, index_form
from acogida.core.reference import SENSITIVE_NEEDS

from .models import (
    ArrivalGroup,
    Consent,
    Household,
    HouseholdMember,
    Person,
    RegistrationPoint,
    Relationship,
    SpecificNeed,
)
from .validation import check_household, clean_person

PERSON_FIELDS = ("given_names", "first_surname", "second_surname", "sex", "date_of_birth",
                 "date_of_birth_estimated", "nationality", "place_of_birth", "languages", "phone")


FOLDED_WIDTH = Person._meta.get_field("given_names_folded").max_length
KEY_WIDTH = Person._meta.get_field("given_key").max_length


@lru_cache(maxsize=100_000)
def _name_part(text: str) -> tuple[str, str]:
    """Folded form and sound key of one name part; names repeat, so an import folds each once.
    Cut to their columns' widths: folding can lengthen a name ("ﬃ" is "ffi") and one long word
    makes a long key; the bulk path writes without the model's length checks."""
    return index_form(text)[:FOLDED_WIDTH], first_token_key(text)[:KEY_WIDTH]


def name_index(given_names: str, first_surname: str, second_surname: str) -> dict:
    """The derived columns that search and duplicate detection read (see core.names)."""
    (given, given_key), (first, first_key), (second, second_key) = (
        _name_part(given_names), _name_part(first_surname), _name_part(second_surname))
    return {
        "given_names_folded": given,
        "first_surname_folded": first,
        "second_surname_folded": second,
        # Led by a space so that " word" matches the start of any word (trigram LIKE on PG).
        "search_text": " " + " ".join(p for p in (given, first, second) if p),
        "given_key": given_key,
        "first_surname_key": first_key,
        "second_surname_key": second_key,
    }


def _taken(model, column: str, candidates: list[str]) -> set[str]:
    """Which of ``candidates`` are already used: one query per 50,000 (one parameter each)."""
    quote, taken = connection.ops.quote_name, set()
    table, column = quote(model._meta.db_table), quote(column)  # names from the model, not input
    if connection.vendor == "postgresql":
        sql = f"SELECT {column} FROM {table} WHERE {column} = ANY(%s)"  # noqa: S608
        wrap = list
    else:
        sql = f"SELECT {column} FROM {table} WHERE {column} IN (SELECT value FROM json_each(%s))"  # noqa: S608, E501
        wrap = json.dumps
    with connection.cursor() as cursor:
        for start in range(0, len(candidates), 50_000):
            cursor.execute(sql, [wrap(candidates[start:start + 50_000])])
            taken.update(row[0] for row in cursor.fetchall())
    return taken


def unused_numbers(model, count: int) -> list[str]:
    """``count`` fresh numbers not yet in ``model.<number field>``, in sorted order: random, so
    checked once."""
    field_name = "registration_number" if model is Person else "number"
    column = model._meta.get_field(field_name).column
    if not model.objects.exists():  # a first import of a million: nothing to check against
        return ids.new_numbers(count)
    chosen: set[str] = set()
    # A merged record's number still leads to its survivor (acogida.dedup): never reissued.
    aliases = None
    if model is Person:
        from acogida.dedup.models import PersonAlias

        aliases = PersonAlias if PersonAlias.objects.exists() else None
    while len(chosen) < count:
        batch = set(ids.new_numbers(count - len(chosen))) - chosen
        batch -= _taken(model, column, list(batch))
        if aliases is not None:
            batch -= _taken(aliases, "registration_number", list(batch))
        chosen |= batch
    return sorted(chosen)


@dataclass
class NewMember:
    relationship: str
    values: dict  # cleaned by validation.clean_person


@dataclass
class NewHousehold:
    """One household to write (``members`` empty with a single ``person`` means no household)."""

    registration_point: RegistrationPoint
    members: list[NewMember]
    arrival_group: ArrivalGroup | None = None
    duplicate_review: dict = field(default_factory=dict)
    household: bool = True
    existing: list[tuple[str, Person]] = field(default_factory=list)  # already registered


class Written:
    """What ``write_registrations`` wrote. The model objects are made only when asked for: the
    form and the API read one, an import of a million people reads none."""

    def __init__(self, households: list[tuple], people: list[tuple], now, registered_by):
        self._households, self._people = households, people
        self._now, self._registered_by = now, registered_by

    @cached_property
    def households(self) -> list[Household]:
        return [_loaded(Household(id=pk, number=number, registration_point=plan.registration_point,
                                  created_at=self._now))
                for pk, number, plan in self._households]

    @cached_property
    def people(self) -> list[Person]:
        return [_loaded(Person(
            id=pk, registration_number=number, **{k: values[k] for k in PERSON_FIELDS},
            **name_index(values["given_names"], values["first_surname"],
                         values["second_surname"]),
            sensitive_needs=sorted(set(values["specific_needs"]) & SENSITIVE_NEEDS),
            registration_point=plan.registration_point, arrival_group=plan.arrival_group,
            registered_by=self._registered_by, registered_at=self._now, updated_at=self._now,
            duplicate_review=plan.duplicate_review)) for pk, number, values, plan in self._people]


def _loaded(obj):
    obj._state.adding, obj._state.db = False, connection.alias
    return obj


def _reserve_ids(model, count: int) -> list[int] | range:
    """Primary keys for ``count`` new rows, taken before they are inserted so that the rows that
    point at them (needs, consents, members) go in by the same plain ``executemany``."""
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence's name is looked up once: in the query below, for every row, it cost
            # 6.4 s a million keys against 0.65 s for the keys themselves.
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            # Without anyone else taking numbers meanwhile, they are one run: then only its
            # ends come back, not a million rows; else every one.
            cursor.execute("WITH taken AS MATERIALIZED (SELECT nextval(%s::regclass) AS id "
                           "FROM generate_series(1, %s)), "
                           "run AS (SELECT MIN(id) AS low, MAX(id) AS high FROM taken) "
                           "SELECT low, high FROM run WHERE high - low + 1 = %s "
                           "UNION ALL SELECT id, id FROM taken, run WHERE high - low + 1 <> %s",
                           [sequence, count, count, count])
            rows = cursor.fetchall()
            if len(rows) == 1:
                return range(rows[0][0], rows[0][1] + 1)
            return [low for low, _high in rows]
        # SQLite: the write lock is held from BEGIN IMMEDIATE (settings), so no one else can
        # take these numbers; AUTOINCREMENT never reuses the number of a deleted row.
        cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = %s",
                       [table])
        after = cursor.fetchone()[0]
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608
        after = max(after, cursor.fetchone()[0])
        return range(after + 1, after + 1 + count)


def _insert(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert plain rows. SQLite: many rows to a statement, because the full-text index's
    trigger flushes its pending terms after every statement (one row a statement costs three
    times as much); PostgreSQL: COPY."""
    if not rows:
        return
    quote = connection.ops.quote_name  # names from the model, not input
    table, names = quote(model._meta.db_table), ", ".join(map(quote, columns))
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if connection.vendor == "postgresql":
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        per_statement = max(1, min(500, limit // len(columns)))
        one = "(" + ", ".join(["?"] * len(columns)) + ")"
        full = f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * per_statement)}"  # noqa: S608
        for start in range(0, len(rows) - per_statement + 1, per_statement):
            raw.execute(full, list(chain.from_iterable(rows[start:start + per_statement])))
        if rest := rows[len(rows) - len(rows) % per_statement:]:
            raw.execute(f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(rest))}",  # noqa: S608
                        list(chain.from_iterable(rest)))


# bulk._Builder.person makes a row in this order, and bulk._person_line reads it so.
_PERSON_COLUMNS = (
    "id", "registration_number", "given_names", "first_surname", "second_surname",
    "given_names_folded", "first_surname_folded", "second_surname_folded", "search_text",
    "given_key", "first_surname_key", "second_surname_key", "sex", "date_of_birth",
    "date_of_birth_estimated", "nationality", "place_of_birth", "languages", "phone", "photo",
    "sensitive_needs", "registration_point_id", "arrival_group_id", "registered_by_id",
    "registered_at", "updated_at", "duplicate_review", "external_id")


def write_registrations(*, actor: audit.Actor, user, plans: list[NewHousehold],
                        action: str = "person.create", audit_details: dict | None = None
                        ) -> Written:
    """Write cleaned households and people in bulk; the one write path for the form, the API and
    the import. Callers have validated every value; this only writes, in the caller's transaction.

    Plain ``executemany`` rather than model objects: an import writes a million people, and
    building a million ``Person`` objects would cost more than writing them.
    """
    ops = connection.ops
    now = timezone.now()
    now_db = ops.adapt_datetimefield_value(now)
    joined_db = ops.adapt_datefield_value(timezone.localdate(now))
    registered_by = (user if getattr(user, "is_authenticated", False)
                     and getattr(user, "pk", None) else None)
    registered_by_id = registered_by.pk if registered_by else None
    members = [(plan, member) for plan in plans for member in plan.members]
    with_household = [plan for plan in plans if plan.household]

    dates: dict = {}
    json_values: dict = {}
    languages_db: dict = {}
    adapt_date, adapt_json = ops.adapt_datefield_value, ops.adapt_json_value
    encrypt = Person._meta.get_field("sensitive_needs").get_prep_value
    name_part = _name_part

    def as_json(value):
        key = json.dumps(value, sort_keys=True)
        if key not in json_values:
            json_values[key] = adapt_json(value, None)
        return json_values[key]

    with transaction.atomic():
        numbers = unused_numbers(Person, len(members))
        person_ids = _reserve_ids(Person, len(members))
        household_numbers = unused_numbers(Household, len(with_household))
        household_ids = _reserve_ids(Household, len(with_household))
        household_of = {id(plan): (pk, number) for plan, pk, number
                        in zip(with_household, household_ids, household_numbers, strict=True)}

        person_rows, need_rows, consent_rows, member_rows, written = [], [], [], [], []
        per_plan = {}
        for (plan, member), pk, number in zip(members, person_ids, numbers, strict=True):
            values = member.values
            if id(plan) not in per_plan:
                per_plan[id(plan)] = (
                    plan.registration_point.pk,
                    plan.arrival_group.pk if plan.arrival_group else None,
                    as_json(plan.duplicate_review))
            point_id, group_id, review = per_plan[id(plan)]
            given, first, second = values["given_names"], values["first_surname"], \
                values["second_surname"]
            (given_folded, given_key), (first_folded, first_key), (second_folded, second_key) = (
                name_part(given), name_part(first), name_part(second))
            birth = values["date_of_birth"]
            if birth not in dates:
                dates[birth] = adapt_date(birth)
            needs = values["specific_needs"]
            sensitive = [code for code in needs if code in SENSITIVE_NEEDS]
            languages = values["languages"]
            person_rows.append((
                pk, number, given, first, second, given_folded, first_folded, second_folded,
                # as name_index() makes it
                " " + " ".join(p for p in (given_folded, first_folded, second_folded) if p),
                given_key, first_key, second_key, values["sex"], dates[birth],
                values["date_of_birth_estimated"], values["nationality"],
                values["place_of_birth"], languages_db[key] if (key := tuple(languages))
                in languages_db else languages_db.setdefault(key, as_json(languages)),
                values["phone"], "", encrypt(sorted(sensitive)) if sensitive else "",
                point_id, group_id, registered_by_id, now_db, now_db, review,
                values.get("external_id", "")))
            for code in needs:
                if code not in SENSITIVE_NEEDS:
                    need_rows.append((pk, code))
            for consent in values.get("consents", ()):
                given = consent["given_on"]
                if given not in dates:
                    dates[given] = adapt_date(given)
                consent_rows.append((pk, consent["purpose"], dates[given]))
            if plan.household:
                member_rows.append((household_of[id(plan)][0], pk, member.relationship,
                                    joined_db))
            written.append((pk, number, values, plan))
        for plan in with_household:
            for relationship, person in plan.existing:
                member_rows.append((household_of[id(plan)][0], person.pk, relationship,
                                    joined_db))

        _insert(Person, _PERSON_COLUMNS, person_rows)
        _insert(SpecificNeed, ("person_id", "code"), need_rows)
        _insert(Consent, ("person_id", "purpose", "given_on"), consent_rows)
        _insert(Household, ("id", "number", "registration_point_id", "created_at"),
                [(pk, number, plan.registration_point.pk, now_db)
                 for plan in with_household for pk, number in [household_of[id(plan)]]])
        _insert(HouseholdMember, ("household_id", "person_id", "relationship", "joined_on"),
                member_rows)

        extra = audit_details or {}
        audit.record_many(actor, [
            *(audit.Event("household.create", "household", household_of[id(plan)][1],
                          {"members": len(plan.members), **extra})
              for plan in with_household),
            *(audit.Event("household.add_member", "person", person.registration_number,
                          {"household": household_of[id(plan)][1]})
              for plan in with_household for _r, person in plan.existing),
            *(audit.Event(action, "person", number,
                          {"household": household_of[id(plan)][1] if plan.household else None,
                           **extra})
              for pk, number, values, plan in written),
        ])
    return Written([(pk, number, plan) for plan in with_household
                    for pk, number in [household_of[id(plan)]]], written, now, registered_by)


def _point(code_or_obj) -> RegistrationPoint:
    if isinstance(code_or_obj, RegistrationPoint):
        return code_or_obj
    point = RegistrationPoint.objects.filter(code=code_or_obj).first()
    if point is None:
        raise InvalidInput(_("Unknown registration point."),
                           [FieldError("registration_point", str(code_or_obj))])
    return point


def _group(name_or_obj) -> ArrivalGroup | None:
    if name_or_obj in (None, "") or isinstance(name_or_obj, ArrivalGroup):
        return name_or_obj or None
    group = ArrivalGroup.objects.filter(name=name_or_obj).first()
    if group is None:
        raise InvalidInput(_("Unknown arrival group."), [FieldError("arrival_group",
                                                                    str(name_or_obj))])
    return group


def _review(duplicate_review: dict | None) -> dict:
    """A clerk who goes on despite possible duplicates must say why."""
    if not duplicate_review or not duplicate_review.get("candidates"):
        return {}
    reason = str(duplicate_review.get("reason") or "").strip()
    if not reason:
        raise InvalidInput(_("Say why these are not the same people before going on."),
                           [FieldError("duplicate_review.reason", _("This field is required."))])
    return {"candidates": [str(c) for c in duplicate_review["candidates"]][:20],
            "reason": reason[:500]}


@transaction.atomic
def register_household(*, actor: audit.Actor, user, registration_point, members: list[dict],
                       arrival_group=None, duplicate_review: dict | None = None,
                       today: date | None = None) -> Household:
    """Register a household at once: new members with their values, or people already
    registered by number.

    ``members``: ``[{"relationship": "head", "person": {...values...}},
                   {"relationship": "child", "registration_number": "K7Q2-M9XD-3F"}, ...]``
    """
    access.require(user, "household.write")
    today = today or timezone.localdate()
    errors = check_household([str(m.get("relationship")) for m in members])
    new_members, existing = [], []
    for index, member in enumerate(members):
        relationship = str(member.get("relationship"))
        if member.get("registration_number"):
            existing.append((index, relationship, member["registration_number"]))
            continue
        cleaned = clean_person(member.get("person") or {}, today=today)
        errors += [FieldError(f"members[{index}].{e.field}", e.message) for e in cleaned.errors]
        new_members.append(NewMember(relationship, cleaned.values))
    if not members:
        errors.append(FieldError("members", _("A household needs at least one member.")))
    found, missing = _existing_members(existing)
    errors += missing
    if errors:
        raise InvalidInput(_("The household was not registered: fix the fields named."), errors)
    plan = NewHousehold(_point(registration_point), new_members, _group(arrival_group),
                        _review(duplicate_review), existing=found)
    return write_registrations(actor=actor, user=user, plans=[plan]).households[0]


def _existing_members(existing: list[tuple[int, str, str]]
                      ) -> tuple[list[tuple[str, Person]], list[FieldError]]:
    numbers = [ids.normalize(number) for _i, _r, number in existing]
    if repeated := sorted({n for n in numbers if numbers.count(n) > 1}):
        raise InvalidInput(_("A person is listed twice in this household."), [
            FieldError("members", _("%(n)s appears more than once.") % {"n": n})
            for n in repeated])
    people = {p.registration_number: p for p in
              Person.objects.select_for_update().filter(registration_number__in=numbers)}
    housed = set(HouseholdMember.objects.filter(person__in=people.values(), left_on__isnull=True)
                 .values_list("person__registration_number", flat=True))
    found, errors, conflicts = [], [], []
    for index, relationship, number in existing:
        person = people.get(ids.normalize(number))
        where = f"members[{index}].registration_number"
        if person is None:
            errors.append(FieldError(where, _("No person with number %(n)s.") % {"n": number}))
        elif person.registration_number in housed:
            conflicts.append(FieldError(where, _("%(n)s is already in another household.")
                                        % {"n": person.registration_number}))
        else:
            found.append((relationship, person))
    if conflicts:
        raise Conflict(_("A person belongs to one household at a time."), conflicts)
    return found, errors


@transaction.atomic
def register_person(*, actor: audit.Actor, user, registration_point, person: dict,
                    arrival_group=None, duplicate_review: dict | None = None,
                    today: date | None = None) -> Person:
    """Register one person on their own (no household yet)."""
    access.require(user, "person.write")
    cleaned = clean_person(person, today=today or timezone.localdate())
    if cleaned.errors:
        raise InvalidInput(_("The person was not registered: fix the fields named."),
                           cleaned.errors)
    plan = NewHousehold(_point(registration_point), [NewMember("", cleaned.values)],
                        _group(arrival_group), _review(duplicate_review), household=False)
    return write_registrations(actor=actor, user=user, plans=[plan]).people[0]


@transaction.atomic
def update_person(*, actor: audit.Actor, user, registration_number: str, changes: dict,
                  today: date | None = None) -> Person:
    """Change some of a person's values; names, dates and codes go through the same rules."""
    access.require(user, "person.write")
    person = Person.objects.select_for_update().filter(
        registration_number=ids.normalize(registration_number)).first()
    if person is None:
        raise NotFound(_("No person with that registration number."))
    cleaned = clean_person(changes, today=today or timezone.localdate(), partial=True)
    if cleaned.errors:
        raise InvalidInput(_("Nothing was changed: fix the fields named."), cleaned.errors)
    values = cleaned.values
    changed = sorted(k for k in values if k in PERSON_FIELDS and getattr(person, k) != values[k])
    for key in changed:
        setattr(person, key, values[key])
    if "specific_needs" in values:
        changed += _replace_needs(person, values["specific_needs"],
                                  sees_sensitive=access.sees(user, "needs.sensitive"))
    if "consents" in values:
        _merge_consents(person, values["consents"])
        changed.append("consents")
    for key, value in name_index(person.given_names, person.first_surname,
                                 person.second_surname).items():
        setattr(person, key, value)
    person.updated_at = timezone.now()
    person.full_clean(exclude=["registered_by", "photo"])
    person.save()
    # Which fields changed, never their values: the audit log is not a second copy of the data.
    audit.record(actor, "person.update", "person", person.registration_number, fields=changed)
    return person


def _replace_needs(person: Person, codes: Iterable[str], *, sees_sensitive: bool) -> list[str]:
    """A role that cannot see the sensitive codes cannot change them either: what it sends
    replaces only the codes it was shown."""
    codes = set(codes)
    if not sees_sensitive:
        codes = (codes - SENSITIVE_NEEDS) | set(person.sensitive_needs)
    before = set(person.needs.values_list("code", flat=True)) | set(person.sensitive_needs)
    if before == codes:
        return []
    person.needs.all().delete()
    SpecificNeed.objects.bulk_create([SpecificNeed(person=person, code=c)
                                      for c in sorted(codes - SENSITIVE_NEEDS)])
    person.sensitive_needs = sorted(codes & SENSITIVE_NEEDS)
    return ["specific_needs"]


def _merge_consents(person: Person, consents: list[dict]) -> None:
    for consent in consents:
        Consent.objects.update_or_create(person=person, purpose=consent["purpose"],
                                         defaults={"given_on": consent["given_on"],
                                                   "withdrawn_on": None})


@transaction.atomic
def add_to_household(*, actor: audit.Actor, user, household_number: str,
                     registration_number: str, relationship: str) -> HouseholdMember:
    """Add an already registered person to a household (a person is in one at a time)."""
    access.require(user, "household.write")
    household = Household.objects.filter(number=ids.normalize(household_number)).first()
    person = (Person.objects.select_for_update()
              .filter(registration_number=ids.normalize(registration_number)).first())
    if household is None or person is None:
        raise NotFound(_("No such household or person."))
    if relationship == Relationship.HEAD or relationship not in Relationship.values:
        raise InvalidInput(_("Choose the relationship to the head."),
                           [FieldError("relationship", relationship)])
    if HouseholdMember.objects.filter(person=person, left_on__isnull=True).exists():
        raise Conflict(_("%(p)s is already in a household.") % {"p": person.registration_number},
                       [FieldError("registration_number", person.registration_number)])
    member = HouseholdMember.objects.create(household=household, person=person,
                                            relationship=relationship,
                                            joined_on=timezone.localdate())
    audit.record(actor, "household.add_member", "household", household.number,
                 person=person.registration_number)
    return member
