"""Reads on the registry. Every read of a person's data is audited here, so the web app and the
API cannot forget it; what a role may see is cut here, so no view can show more."""

import contextlib
import logging
import re
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import BooleanField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acogida.accounts import access, audit
from acogida.core import ids, paging
from acogida.core.errors import FieldError, NotFound
from acogida.core.names import first_token_key, tokens

from . import matching
from .models import Household, HouseholdMember, Person
from .validation import clean_person, parse_date

log = logging.getLogger(__name__)

PAGE_SIZE = 25
MAX_COUNT = 1000  # "1000+" is as precise as a clerk needs, and counting further costs time


@dataclass
class Page(paging.Page):
    count_capped: bool = False  # more than ``count`` matched


def _current_memberships() -> QuerySet[HouseholdMember]:
    return HouseholdMember.objects.filter(left_on__isnull=True).select_related("household")


def _people() -> QuerySet[Person]:
    # Each relation into a list (to_attr): Django attaches a plain list to each person, where a
    # bare "needs" would build a queryset for each (a third of a search's time, measured).
    return Person.objects.select_related("registration_point", "arrival_group").prefetch_related(
        Prefetch("needs", to_attr="needs_loaded"),
        Prefetch("consents", to_attr="consents_loaded"),
        Prefetch("memberships", queryset=_current_memberships(), to_attr="current_memberships"),
    )


def _loaded(person: Person, relation: str) -> list:
    """A relation as ``_people()`` fetched it, or from the database for a person it did not."""
    loaded = getattr(person, f"{relation}_loaded", None)
    return loaded if loaded is not None else list(getattr(person, relation).all())


# The order of a page of results, and the columns fetched to sort up to MAX_COUNT + 1 matches.
_ORDER = ("first_surname_folded", "second_surname_folded", "given_names_folded", "id")
# Prefix lengths SQLite's full-text index keeps ready (migration 0007). A longer word is asked as
# a whole word first (``_name_keys``).
_FTS_PREFIXES = (2, 3, 4, 5)
_LONG_WORD = max(_FTS_PREFIXES)


def _first_keys(matches: QuerySet[Person]) -> list[tuple]:
    """The sort keys (``_ORDER``) of up to MAX_COUNT + 1 of ``matches``."""
    return list(matches.values_list(*_ORDER)[:MAX_COUNT + 1])


def _name_keys(words: list[str]) -> list[tuple]:
    """The sort keys (``_ORDER``) of up to MAX_COUNT + 1 people whose names have words starting
    with each of ``words``, those with the words whole first.

    A common surname typed whole ("hernandez") matches a tenth of a caravan. As a prefix longer
    than SQLite's index keeps, the index gathers every match first (26 ms for "hernandez
    hernandez" at a million people); PostgreSQL's trigram index reads every trigram's whole list
    of rows (60-80 ms for "luis hernandez"). Asked as whole words, SQLite stops at the limit
    (0.6 ms) and PostgreSQL reads one list a word (9 ms). So the words are asked whole first, and
    when that alone passes the cap, those are the matches ("1000+": the clerk narrows the search
    either way); otherwise the prefix query finds everyone, "hernandezz" too, and the whole-word
    matches stay among the first MAX_COUNT + 1."""
    whole = _whole_word_keys(words) if _whole_words_first(words) else []
    if len(whole) > MAX_COUNT:
        return whole
    prefixed = _prefix_keys(words)
    if not whole:
        return prefixed
    found = {key[-1] for key in whole}
    return (whole + [key for key in prefixed if key[-1] not in found])[:MAX_COUNT + 1]


def _whole_words_first(words: list[str]) -> bool:
    if connection.vendor == "sqlite":
        # Shorter words stay prefixes, which its index keeps ready.
        return any(len(w) > _LONG_WORD for w in words)
    # PostgreSQL: a single word's prefix query is fast either way (a common word's rows are
    # found early in the table; a rare word's, in the index), and so is a word typed twice
    # ("hernandez hernandez": 3.5 ms as a prefix, 37 ms whole). Its index reads a prefix's
    # rows whole: every word is asked whole.
    return len(set(words)) > 1


def _fts_match(words: list[str], *, whole_words: bool = False) -> str:
    """SQLite FTS5: every word starts a word of the name; with ``whole_words``, the long words
    must be whole words of the name."""
    return " AND ".join(f'"{w}"' if whole_words and len(w) > _LONG_WORD else f'"{w}"*'
                        for w in words)


def _fts_keys(match: str) -> list[tuple]:
    # The limit is inside: ``id IN (SELECT ... MATCH)`` would read every match first.
    columns = ", ".join(f"person.{connection.ops.quote_name(c)}" for c in _ORDER)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM (SELECT rowid FROM registry_person_fts WHERE "  # noqa: S608
                       "registry_person_fts MATCH %s LIMIT %s) AS found "
                       "JOIN registry_person AS person ON person.id = found.rowid",
                       [match, MAX_COUNT + 1])
        return cursor.fetchall()


def _whole_word_keys(words: list[str]) -> list[tuple]:
    if connection.vendor == "sqlite":
        return _fts_keys(_fts_match(words, whole_words=True))
    # PostgreSQL: the whole-word index (migration 0008) picks the rows; each is checked again
    # as the prefix query would check it, because the text-search parser is not the folding:
    # it drops a word over 2,047 characters and splits some words with digits ("0e1f").
    # strpos, not LIKE: the trigram index must not be asked as well (a bitmap of both indexes
    # took 20-150 ms where this one alone took 2-40). The words go in as parameters.
    sql = ("to_tsvector('simple'::regconfig, search_text) @@ plainto_tsquery('simple', %s)"
           + " AND strpos(search_text, %s) > 0" * len(words))
    condition = RawSQL(sql, [" ".join(words), *(f" {w}" for w in words)],  # noqa: S611
                       output_field=BooleanField())
    return _first_keys(Person.objects.filter(condition))


def _prefix_keys(words: list[str]) -> list[tuple]:
    if connection.vendor == "sqlite":
        return _fts_keys(_fts_match(words))
    return _first_keys(Person.objects.filter(_name_filter(words)))


def _name_filter(words: list[str]) -> Q:
    """Every word must start a word of the name. SQLite: FTS5 prefix query; PostgreSQL: LIKE on
    the space-led folded name, served by the trigram index (see migration 0002)."""
    if connection.vendor == "sqlite":
        return Q(id__in=RawSQL(
            "SELECT rowid FROM registry_person_fts WHERE registry_person_fts MATCH %s",
            (_fts_match(words),)))
    condition = Q()
    for word in words:
        condition &= Q(search_text__contains=f" {word}")
    return condition


def _matched_keys(number: str | None, birth: date | None, words: list[str],
                  external_id: str = "") -> list[tuple]:
    """The sort keys (``_ORDER``) of up to MAX_COUNT + 1 people the query matches."""
    if number:
        matches = Person.objects.filter(registration_number=number)
    elif external_id and external_id.isprintable() and \
            Person.objects.filter(external_id=external_id).exists():
        matches = Person.objects.filter(external_id=external_id)  # another system's id, exact
    elif words and not birth:
        return _name_keys(words)
    elif birth or words:
        condition = Q(date_of_birth=birth) if birth else Q()
        if words:
            condition &= _name_filter(words)
        matches = Person.objects.filter(condition)
    else:
        return []
    return _first_keys(matches)


def parse_query(q: str) -> tuple[str | None, date | None, list[str]]:
    """A search box takes a registration number, a date of birth, name words, or a mix."""
    number = ids.normalize(q) if ids.is_valid(q) else None
    birth, words = None, []
    for part in q.split():
        if re.match(r"^\d{1,4}[-/]\d{1,2}[-/]\d{1,4}$", part) and (parsed := parse_date(part)):
            birth = parsed
        else:
            words += tokens(part)
    return number, birth, [w for w in words if len(w) >= 1][:8]


def search_people(*, actor: audit.Actor, user, q: str, page: int = 1,
                  page_size: int = PAGE_SIZE) -> Page:
    access.require(user, "person.read")
    # At most 1,001 matches, sorted here: ordering in the database made PostgreSQL walk the
    # name index and filter by id, 80 ms a page at 300,000 people.
    number, birth, words = parse_query(q or "")
    matched = sorted(_matched_keys(number, birth, words, (q or "").strip()[:100]))
    page = max(1, page)
    ids_on_page = [row[-1] for row in matched[(page - 1) * page_size: page * page_size]]
    items = list(_people().filter(id__in=ids_on_page).order_by(*_ORDER))
    # How the person was found, never the words typed: a query is a name or a birth date, and
    # the append-only log must not become a second, unerasable copy of the registry.
    searched_by = {"by": [kind for kind, given in (("number", number), ("date_of_birth", birth),
                                                  ("name", words)) if given]}
    audit.record_many(actor, [audit.Event("person.list", "person", p.registration_number,
                                          searched_by) for p in items])
    return Page(items, min(len(matched), MAX_COUNT), page, page_size,
                count_capped=len(matched) > MAX_COUNT)


def find_person(registration_number: str, field: str = "person", *,
                queryset: QuerySet[Person] | None = None, lock: bool = False) -> Person:
    """The person with this registration number, for a service's own lookup: not audited (the
    caller records what it does) and with no access check (the caller's action has one). A merged
    record's number leads to the survivor. ``field`` names the input in the 404's errors."""
    from acogida.dedup.selectors import survivor_of

    queryset = Person.objects.all() if queryset is None else queryset
    if lock:
        queryset = queryset.select_for_update()
    number = ids.normalize(registration_number or "")
    person = queryset.filter(registration_number=number).first()
    if person is None and (survivor := survivor_of(number)) is not None:
        person = queryset.filter(pk=survivor.pk).first()
    if person is None:
        raise NotFound(_("No person with that registration number."),
                       [FieldError(field, _("No person with that registration number."))])
    return person


def get_person(*, actor: audit.Actor, user, registration_number: str) -> Person:
    access.require(user, "person.read")
    number = ids.normalize(registration_number)
    person = _people().filter(registration_number=number).first()
    from acogida.dedup.selectors import aliases_of, survivor_of

    if person is None:
        # A merged record's number leads to the survivor (acogida.dedup), which says so.
        survivor = survivor_of(number)
        person = _people().filter(pk=survivor.pk).first() if survivor else None
        if person is not None:
            person.found_by_alias = number
    if person is None:
        raise NotFound(_("No person with that registration number."))
    person.alias_numbers = aliases_of(person)
    audit.record(actor, "person.read", "person", person.registration_number)
    return person


def get_household(*, actor: audit.Actor, user, number: str) -> Household:
    access.require(user, "household.read")
    household = (Household.objects.select_related("registration_point")
                 .prefetch_related(Prefetch(
                     "members", queryset=HouseholdMember.objects.filter(left_on__isnull=True)
                     .select_related("person__registration_point", "person__arrival_group")
                     .prefetch_related(
                         "person__needs", "person__consents",
                         Prefetch("person__memberships", queryset=_current_memberships(),
                                  to_attr="current_memberships"))
                     .order_by("id"), to_attr="current_members"))
                 .filter(number=ids.normalize(number)).first())
    if household is None:
        raise NotFound(_("No household with that number."))
    audit.record_many(actor, [
        audit.Event("household.read", "household", household.number),
        *(audit.Event("person.read", "person", m.person.registration_number,
                      {"via": "household"}) for m in household.current_members),
    ])
    return household


def current_household(person: Person) -> HouseholdMember | None:
    members = getattr(person, "current_memberships", None)
    if members is None:
        members = list(person.memberships.filter(left_on__isnull=True).select_related("household"))
    return members[0] if members else None


def specific_needs(user, person: Person) -> list[str]:
    codes = [n.code for n in _loaded(person, "needs")]
    if access.sees(user, "needs.sensitive"):
        codes += person.sensitive_needs
    return sorted(codes)


# ---- duplicate hints ---------------------------------------------------------------------------

REASON_TEXT = {
    "given.same": gettext_lazy("same given name"),
    "given.similar": gettext_lazy("similar given names"),
    "surnames.same": gettext_lazy("same surnames"),
    "surnames.similar": gettext_lazy("similar surnames"),
    "surnames.swapped": gettext_lazy("surnames swapped"),
    "dob.exact": gettext_lazy("same date of birth"),
    "dob.swapped": gettext_lazy("day and month of birth swapped"),
    "dob.estimated": gettext_lazy("estimated date of birth close"),
    "dob.near": gettext_lazy("date of birth within a month"),
    "dob.year": gettext_lazy("same year of birth"),
    "dob.different": gettext_lazy("different date of birth"),
    "sex.same": gettext_lazy("same sex"),
    "sex.different": gettext_lazy("different sex"),
    "nationality.same": gettext_lazy("same nationality"),
    "nationality.different": gettext_lazy("different nationality"),
}
BLOCK_LIMIT = 200
HINT_THRESHOLD = 0.6


@dataclass
class Candidate:
    person: Person
    match: matching.Match


def _blocks(record: matching.NameRecord) -> Q:
    """Index-backed candidate blocks: nothing here scans the table (see Person.Meta.indexes)."""
    given = first_token_key(record.given_names)
    first = first_token_key(record.first_surname)
    second = first_token_key(record.second_surname)
    dob = record.date_of_birth
    blocks = Q()
    if dob:
        blocks |= Q(date_of_birth=dob)
        if dob.day <= 12 and dob.day != dob.month:
            with contextlib.suppress(ValueError):
                blocks |= Q(date_of_birth=dob.replace(day=dob.month, month=dob.day))
        near = Q(date_of_birth__range=(dob.replace(year=max(1, dob.year - 2), month=1, day=1),
                                       dob.replace(year=dob.year + 2, month=12, day=31)))
    else:
        near = Q()
    if given and first:
        blocks |= Q(first_surname_key=first, given_key=given) & near
        blocks |= Q(second_surname_key=first, given_key=given) & near
    if given and second:
        blocks |= Q(first_surname_key=second, given_key=given) & near
    if first and second:
        blocks |= Q(first_surname_key=first, second_surname_key=second) & near
    return blocks


def duplicate_candidates(*, actor: audit.Actor, user, values: dict, limit: int = 10,
                         exclude: list[str] | tuple = ()) -> list[Candidate]:
    """People already registered who may be the person being registered, best first."""
    access.require(user, "person.duplicates_check")
    # The registry's own rules turn a date or a stated age into a birth date; a date they refuse
    # (in the future, over 120 years ago, not a date) gives no date evidence, not an error.
    birth = clean_person({"date_of_birth": values.get("date_of_birth"), "age": values.get("age")},
                         today=timezone.localdate(), partial=True)
    record = matching.NameRecord(
        given_names=str(values.get("given_names") or ""),
        first_surname=str(values.get("first_surname") or ""),
        second_surname=str(values.get("second_surname") or ""),
        date_of_birth=None if birth.errors else birth.values.get("date_of_birth"),
        date_of_birth_estimated=bool(birth.values.get("date_of_birth_estimated")),
        sex=str(values.get("sex") or ""), nationality=str(values.get("nationality") or ""),
    )
    if not (tokens(record.given_names) or tokens(record.first_surname)):
        return []
    blocks = _blocks(record)
    if not blocks:
        return []
    found = (Person.objects.filter(blocks).exclude(registration_number__in=list(exclude))
             .only("registration_number", "given_names", "first_surname", "second_surname",
                   "date_of_birth", "date_of_birth_estimated", "sex", "nationality",
                   "place_of_birth")[:BLOCK_LIMIT])
    scored = []
    found = list(found)
    from acogida.dedup import selectors as dedup  # the trained model, when there is one

    try:
        model = dedup.live_model()
        if model is not None:
            by_model = []
            for person, probability, explanation in dedup.score_hint(model, {
                    **values, "date_of_birth": record.date_of_birth,
                    "date_of_birth_estimated": record.date_of_birth_estimated}, found):
                if probability >= HINT_THRESHOLD:
                    by_model.append(Candidate(person, matching.Match(probability, [
                        matching.Reason(f"model.{part['comparison']}",
                                        round(part["match_weight"], 3), part["level"])
                        for part in explanation if part["comparison"] != "prior"])))
            scored, found = by_model, []
    except Exception:  # noqa: BLE001 - a broken model must not stop a registration
        log.exception("duplicate check: the trained model failed; the registry's rules score")
    for person in found:
        match = matching.score(record, matching.NameRecord(
            person.given_names, person.first_surname, person.second_surname,
            person.date_of_birth, person.date_of_birth_estimated, person.sex,
            person.nationality))
        if match.score >= HINT_THRESHOLD:
            scored.append(Candidate(person, match))
    scored.sort(key=lambda c: (-c.match.score, c.person.registration_number))
    scored = scored[:limit]
    audit.record_many(actor, [audit.Event("person.duplicate_hint", "person",
                                          c.person.registration_number) for c in scored])
    return scored



# ---- what a role sees of a person --------------------------------------------------------------

def person_view(user, person: Person) -> dict:
    """A person's values cut to the caller's field groups; the API and the pages both use it."""
    groups = access.visible_groups(user)
    member = current_household(person)
    data = {
        "registration_number": person.registration_number,
        "given_names": person.given_names,
        "first_surname": person.first_surname,
        "second_surname": person.second_surname,
        "full_name": person.full_name,
        "sex": person.sex,
        "date_of_birth": person.date_of_birth,
        "date_of_birth_estimated": person.date_of_birth_estimated,
        "nationality": person.nationality,
        "household": member.household.number if member else None,
        "relationship": member.relationship if member else None,
        "external_id": person.external_id,
    }
    if hasattr(person, "alias_numbers"):  # read one by one: merged records' numbers (dedup)
        data["aliases"] = person.alias_numbers
    if getattr(person, "found_by_alias", None):
        data["found_by_alias"] = person.found_by_alias
    if "origin" in groups:
        data.update(place_of_birth=person.place_of_birth, languages=person.languages)
    if "contact" in groups:
        data.update(phone=person.phone, has_photo=bool(person.photo))
    if "needs" in groups:
        data["specific_needs"] = specific_needs(user, person)
    if "consent" in groups:
        data["consents"] = [{"purpose": c.purpose, "given_on": c.given_on,
                             "withdrawn_on": c.withdrawn_on} for c in _loaded(person, "consents")]
    if "registration" in groups:
        data.update(registration_point=person.registration_point.code,
                    arrival_group=person.arrival_group.name if person.arrival_group else None,
                    registered_at=person.registered_at)
    return data


def household_view(user, household: Household) -> dict:
    return {
        "id": household.number, "number": household.number,
        "registration_point": household.registration_point.code,
        "created_at": household.created_at, "size": len(household.current_members),
        "members": [{"relationship": m.relationship, "person": person_view(user, m.person)}
                    for m in household.current_members],
    }


def candidate_view(candidate: Candidate) -> dict:
    person = candidate.person
    return {
        "registration_number": person.registration_number, "full_name": person.full_name,
        "date_of_birth": person.date_of_birth, "sex": person.sex,
        "nationality": person.nationality, "score": round(candidate.match.score, 3),
        "reasons": [{"code": r.code, "text": str(REASON_TEXT.get(r.code, r.text)),
                     "weight": round(r.weight, 3)} for r in candidate.match.reasons],
    }


# ---- small reads for other apps (the plan): ids, dates, states, no names, not audited ---------

def households_on(people, day: date) -> dict[int, int]:
    """Person id → the household they belonged to on ``day`` (joined on or before it and not
    left by then); ``people``: a queryset or ids."""
    return dict(HouseholdMember.objects.filter(person__in=people, joined_on__lte=day)
                .filter(Q(left_on__isnull=True) | Q(left_on__gt=day))
                .values_list("person_id", "household_id"))


def members_on(household_ids, day: date) -> dict[int, int]:
    """Person id → household id, for everyone who belonged to one of the households on
    ``day`` (asked a few thousand households at a time)."""
    household_ids, found = sorted(household_ids), {}
    for start in range(0, len(household_ids), 5000):
        found.update(HouseholdMember.objects.filter(
            household_id__in=household_ids[start:start + 5000], joined_on__lte=day)
            .filter(Q(left_on__isnull=True) | Q(left_on__gt=day))
            .values_list("person_id", "household_id"))
    return found


def registration_facts(people) -> list[tuple]:
    """(person id, registered_at, the registration point's state, nationality) for each of
    ``people`` (a queryset)."""
    return list(people.values_list("pk", "registered_at", "registration_point__state",
                                   "nationality"))


def registration_points_where(condition: Q | None = None):
    """Registration points matching ``condition`` (on the point's own fields)."""
    from .models import RegistrationPoint

    return RegistrationPoint.objects.filter(condition or Q())
