"""Bulk import: what a clerk uploading a spreadsheet notices — rows imported, or every problem
listed with its row, and nothing half-written."""

import csv
import io
import json
import os
import sqlite3
import sys
import time
from datetime import date, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from acogida import testing
from acogida.accounts import audit
from acogida.accounts.models import AuditEntry
from acogida.core import ids
from acogida.core.errors import BadRequest, Forbidden, InvalidInput, NotFound
from acogida.registry import bulk, import_files, imports, loading, selectors
from acogida.registry.models import Consent, Household, HouseholdMember, Person, SpecificNeed

TODAY = date(2018, 11, 20)
ACTOR = audit.Actor.system("tests")
HEADER = ("household_ref,relationship,given_names,first_surname,second_surname,sex,"
          "date_of_birth,age,nationality,registration_point")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def clerk(db):
    testing.make_point()
    testing.make_group()
    return testing.make_user("registration")


def run(user, text, *, dry_run=False, filename="people.csv", encoding="utf-8"):
    data = text.encode(encoding) if isinstance(text, str) else text
    return imports.import_people(actor=ACTOR, user=user, data=data, filename=filename,
                                 dry_run=dry_run, today=TODAY)


def csv_text(*rows, header=HEADER):
    return "\n".join([header, *rows]) + "\n"


def errors_of(excinfo):
    return [(e.row, e.field) for e in excinfo.value.errors]


def counts():
    return (Person.objects.count(), Household.objects.count(), HouseholdMember.objects.count(),
            Consent.objects.count(), SpecificNeed.objects.count(), AuditEntry.objects.count())


# ---- a good file -------------------------------------------------------------------------------

def test_a_family_and_a_person_alone_are_imported(clerk):
    report = run(clerk, csv_text(
        "H1,head,María José,López,Díaz,female,1990-05-01,,HND,TAP",
        "H1,child,Kevin Josué,Mejía,López,M,,9,hnd,TAP",
        ",,José,Hernández,,male,1985-03-12,,SLV,TAP"))
    assert (report.rows, report.people, report.households, report.written) == (3, 3, 1, True)
    assert report.errors == []
    household = Household.objects.get()
    members = {m.person.given_names: m.relationship for m in household.members.all()}
    assert members == {"María José": "head", "Kevin Josué": "child"}
    kevin = Person.objects.get(given_names="Kevin Josué")
    assert kevin.date_of_birth == date(2009, 1, 1) and kevin.date_of_birth_estimated
    assert kevin.nationality == "HND"
    assert all(ids.is_valid(p.registration_number) for p in Person.objects.all())
    # every column the bulk writers fill in, as a form's registration fills it
    maria = Person.objects.get(given_names="María José")
    assert not maria.date_of_birth_estimated and maria.arrival_group is None
    assert maria.registered_by == clerk and maria.registered_at == maria.updated_at
    assert (maria.duplicate_review, maria.languages, maria.sensitive_needs, maria.phone,
            maria.place_of_birth, maria.external_id, maria.photo.name) == ({}, [], [], "", "",
                                                                          "", "")
    assert maria.search_text == " maria jose lopez diaz"
    assert (household.members.get(relationship="head").joined_on
            == timezone.localdate(maria.registered_at))
    assert not HouseholdMember.objects.filter(person__given_names="José").exists()


def test_every_person_is_audited_and_the_chain_holds(clerk):
    report = run(clerk, csv_text("H1,head,Ana,Cruz,,F,1990-01-01,,HND,TAP",
                                 "H1,spouse,Luis,Paz,,M,1989-01-01,,HND,TAP"))
    entries = AuditEntry.objects.filter(action="person.import")
    assert entries.count() == 2
    assert all(e.details["import"] == report.import_id for e in entries)
    summary = AuditEntry.objects.get(action="import.people")
    assert summary.object_id == report.import_id
    assert summary.details == {"rows": 2, "people": 2, "households": 1,
                               "filename": "people.csv"}
    assert audit.verify_chain().ok


def test_bulk_audit_hashes_match_the_chain_check(db):
    actor = audit.Actor("Ñandú \"x\"", "admin", "::1")
    audit.record_many(actor, [
        audit.Event("person.import", "person", "K7Q2-M9XD-3F",
                    {"b": 1, "a": ["ñ", {"z": None, "y": 1.5}], "q": "O'Neil \"x\"\n\t"}),
        audit.Event("household.create", "household", 42, {}),
        audit.Event("person.import", "person", "ÁÉ", {"household": None, "import": "ab"}),
    ])
    report = audit.verify_chain()
    assert report.ok, report.reason
    assert report.checked == AuditEntry.objects.count()


@pytest.mark.parametrize("details", [
    {}, {"household": None, "import": "0123456789ab"}, {"b": 1, "a": True, "c": False},
    {"q": "O'Neil \"x\"\n\t\\ \u2028 \x00 ñ 😀", "n": -12345678901234567890},
    {"z": 1.5}, {"nested": {"k": [1, "x", None]}}, {1: "int key"}, {"é": "ü", "E": "e"},
])
def test_fast_details_encoding_is_the_canonical_one(details):
    canonical = json.dumps(audit._plain(details), sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False)
    assert audit._details_json(details) == canonical


def test_imported_people_are_found_by_search(clerk):
    run(clerk, csv_text(",,María José,Hernández,López,F,1990-01-01,,HND,TAP"))
    page = selectors.search_people(actor=ACTOR, user=clerk, q="maria hern")
    assert [p.given_names for p in page.items] == ["María José"]


def test_names_round_trip_exactly(clerk):
    names = [("Ñaqui María-José", "O'Neil", "de la Peña y Núñez"),
             ("Zoë", "Güity-Arzú", "D'Alessandro"),
             # backslashes, and PostgreSQL COPY's null marker typed as a name (core/pgcopy.py)
             ("Luis\\", "\\N", "Paz\\\\Ríos")]
    run(clerk, csv_text(*[f",,{g},{f},{s},F,1990-01-01,,HND,TAP" for g, f, s in names]))
    stored = set(Person.objects.values_list("given_names", "first_surname", "second_surname"))
    assert stored == set(names)


def test_all_optional_columns(clerk):
    header = ",".join(imports.TEMPLATE_COLUMNS)
    row = ("H7,head,Ana,Cruz,Paz,F,1990-01-01,,HND,Tegucigalpa,es;cab,+504 9999 1234,SP;SV,"
           "registration;contact,2018-10-21,TAP,Caravana octubre 2018")
    run(clerk, csv_text(row, header=header))
    person = Person.objects.get()
    assert person.languages == ["es", "cab"] and person.phone == "+504 9999 1234"
    assert person.arrival_group.name == "Caravana octubre 2018"
    assert list(person.needs.values_list("code", flat=True)) == ["SP"]
    assert person.sensitive_needs == ["SV"]  # encrypted at rest, like the API's
    consents = set(person.consents.values_list("purpose", "given_on"))
    assert consents == {("registration", date(2018, 10, 21)), ("contact", date(2018, 10, 21))}


def test_consent_date_defaults_to_the_import_date(clerk):
    header = "given_names,first_surname,sex,age,nationality,registration_point,consent_purposes"
    run(clerk, csv_text("Ana,Cruz,F,30,HND,TAP,registration", header=header))
    assert Consent.objects.get().given_on == TODAY


# ---- files that cannot be read -----------------------------------------------------------------

def test_data_in_the_first_row_is_a_wrong_header(clerk):
    with pytest.raises(BadRequest) as excinfo:
        run(clerk, "Ana,Cruz,F,1990-01-01,HND,TAP\nLuis,Paz,M,1980-01-01,HND,TAP\n")
    assert "header" in str(excinfo.value.detail)
    assert ("ana" in {e.field for e in excinfo.value.errors})


def test_an_unknown_column_is_named(clerk):
    with pytest.raises(BadRequest) as excinfo:
        run(clerk, csv_text(",,Ana,Cruz,,F,1990-01-01,,HND,TAP,x",
                            header=HEADER + ",Apodo"))
    assert errors_of(excinfo) == [(1, "apodo")]
    assert "'apodo'" in str(excinfo.value.errors[0].message)
    assert Person.objects.count() == 0


def test_a_missing_required_column_is_named(clerk):
    header = HEADER.replace(",nationality", "")
    with pytest.raises(BadRequest) as excinfo:
        run(clerk, csv_text(",,Ana,Cruz,,F,1990-01-01,,TAP", header=header))
    assert errors_of(excinfo) == [(1, "nationality")]


def test_date_of_birth_or_age_column_is_required(clerk):
    header = "given_names,first_surname,sex,nationality,registration_point"
    with pytest.raises(BadRequest) as excinfo:
        run(clerk, csv_text("Ana,Cruz,F,HND,TAP", header=header))
    assert errors_of(excinfo) == [(1, "date_of_birth")]


def test_header_is_case_and_space_insensitive_and_in_any_order(clerk):
    header = " Nationality ,GIVEN_NAMES,first_surname , Sex,Age,registration_point"
    report = run(clerk, csv_text("HND,Ana,Cruz,F,30,TAP", header=header))
    assert report.people == 1


def test_latin1_file_is_refused_with_the_fix(clerk):
    with pytest.raises(BadRequest) as excinfo:
        run(clerk, csv_text(",,José,Peña,,M,1990-01-01,,HND,TAP"), encoding="cp1252")
    message = str(excinfo.value.detail)
    assert "UTF-8" in message and "Latin-1" in message and "CSV UTF-8" in message
    assert excinfo.value.errors[0].row == 2  # the line with the first bad byte
    assert Person.objects.count() == 0


def test_utf8_with_bom_is_read(clerk):
    data = b"\xef\xbb\xbf" + csv_text(",,José,Peña,,M,1990-01-01,,HND,TAP").encode()
    report = run(clerk, data)
    assert report.people == 1 and Person.objects.get().first_surname == "Peña"


def test_semicolon_delimiter_is_sniffed(clerk):
    text = csv_text(";;José;Peña;;M;01/05/1990;;HND;TAP", header=HEADER.replace(",", ";"))
    run(clerk, text)
    assert Person.objects.get().date_of_birth == date(1990, 5, 1)


@pytest.mark.parametrize("filename, data, words", [
    ("people.txt", b"x", "csv"),
    ("people.csv", b"", "empty"),
    ("people.xlsx", b"not a zip at all", "xlsx"),
    ("people.csv", b"PK\x03\x04rest", "Excel"),
])
def test_unreadable_files(clerk, filename, data, words):
    with pytest.raises(BadRequest) as excinfo:
        run(clerk, data, filename=filename)
    assert words.lower() in str(excinfo.value.detail).lower()


# ---- rows that break a rule --------------------------------------------------------------------

def test_every_bad_row_is_reported_and_nothing_is_written(clerk):
    long_name = "A" * 201
    text = csv_text(
        ",,Ana,Cruz,,F,1990-01-01,,HND,TAP",
        ",,Luis,Paz,,M,2019-01-01,,HND,TAP",  # born after the import date
        ",,Rosa,Ríos,,F,1990-01-01,,ZZZ,TAP",
        f",,{long_name},Ríos,,F,1990-01-01,,HND,TAP",
        ",,Ma\x07ría,Ríos,,F,1990-01-01,,HND,TAP",
        ",,Eva,Ríos,,F,1990-01-01,,HND,NOPE")
    before = counts()
    with pytest.raises(InvalidInput) as excinfo:
        run(clerk, text)
    assert errors_of(excinfo) == [(3, "date_of_birth"), (4, "nationality"), (5, "given_names"),
                                  (6, "given_names"), (7, "registration_point")]
    messages = [str(e.message) for e in excinfo.value.errors]
    assert "2019-01-01" in messages[0] and "ZZZ" in messages[1]
    assert "200" in messages[2] and "201" in messages[2]
    assert counts() == before


def test_dry_run_reports_errors_and_writes_nothing(clerk):
    before = counts()
    report = run(clerk, csv_text(",,Ana,Cruz,,F,1990-01-01,,HND,TAP",
                                 ",,Luis,Paz,,X?,1990-01-01,,HND,TAP"), dry_run=True)
    assert report.written is False and report.rows == 2
    assert [(e.row, e.field) for e in report.errors] == [(3, "sex")]
    assert counts() == before


def test_dry_run_of_a_good_file_writes_nothing(clerk):
    before = counts()
    report = run(clerk, csv_text("H1,head,Ana,Cruz,,F,1990-01-01,,HND,TAP"), dry_run=True)
    assert (report.people, report.households, report.written, report.errors) == (1, 1, False, [])
    assert counts() == before


def test_household_without_a_head(clerk):
    with pytest.raises(InvalidInput) as excinfo:
        run(clerk, csv_text("H1,spouse,Ana,Cruz,,F,1990-01-01,,HND,TAP",
                            "H1,child,Luis,Cruz,,M,2010-01-01,,HND,TAP"))
    assert errors_of(excinfo) == [(2, "relationship")]
    assert "(0" in str(excinfo.value.errors[0].message)
    assert "H1" in str(excinfo.value.errors[0].message)


def test_household_with_two_heads(clerk):
    with pytest.raises(InvalidInput) as excinfo:
        run(clerk, csv_text("H1,head,Ana,Cruz,,F,1990-01-01,,HND,TAP",
                            ",,Eva,Paz,,F,1990-01-01,,HND,TAP",
                            "H1,head,Luis,Cruz,,M,1980-01-01,,HND,TAP"))
    assert errors_of(excinfo) == [(2, "relationship")]
    assert "2, 4" in str(excinfo.value.errors[0].message)


def test_relationship_rules(clerk):
    with pytest.raises(InvalidInput) as excinfo:
        run(clerk, csv_text("H1,head,Ana,Cruz,,F,1990-01-01,,HND,TAP",
                            "H1,,Luis,Cruz,,M,2010-01-01,,HND,TAP",
                            "H1,cousin,Eva,Cruz,,F,2010-01-01,,HND,TAP",
                            ",child,Rosa,Cruz,,F,2010-01-01,,HND,TAP"))
    assert errors_of(excinfo) == [(3, "relationship"), (4, "relationship"),
                                  (5, "relationship")]


def test_blank_rows_are_skipped_and_rows_keep_their_numbers(clerk):
    with pytest.raises(InvalidInput) as excinfo:
        run(clerk, csv_text(",,Ana,Cruz,,F,1990-01-01,,HND,TAP", ",,,,,,,,,",
                            ",,Luis,,,M,1990-01-01,,HND,TAP"))
    assert errors_of(excinfo) == [(4, "first_surname")]


def test_100000_rows_with_one_bad_row(clerk):
    good = ",,María José,Hernández,López,F,1990-05-01,,HND,TAP"
    rows = [good] * 100_000
    rows[73_456] = ",,María José,Hernández,López,F,1990-05-01,,HONDURAS,TAP"
    text = csv_text(*rows)
    with pytest.raises(InvalidInput) as excinfo:
        run(clerk, text)
    assert errors_of(excinfo) == [(73_458, "nationality")]
    assert Person.objects.count() == 0


# ---- all or nothing ----------------------------------------------------------------------------

def test_a_crash_mid_import_leaves_the_data_as_it_was(clerk, monkeypatch):
    testing.make_person(user=clerk)
    before = counts()
    real = bulk._Rows.__call__
    calls = []

    def crash_on_third_chunk(self, cursor, vendor):  # on the writer thread
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(self, cursor, vendor)

    monkeypatch.setattr(bulk._Rows, "__call__", crash_on_third_chunk)
    monkeypatch.setattr(bulk, "CHUNK", 2)
    monkeypatch.setattr(loading, "BULK_INDEX_THRESHOLD", 1)
    indexes = _person_indexes()
    rows = [f"H{i // 2},{'head' if i % 2 == 0 else 'child'},Ana,Cruz,,F,2000-01-01,,HND,TAP"
            for i in range(10)]
    with pytest.raises(RuntimeError):
        run(clerk, csv_text(*rows))
    assert len(calls) == 3
    assert counts() == before
    assert _person_indexes() == indexes
    assert audit.verify_chain().ok


def test_a_crash_while_building_rows_stops_the_writer_and_leaves_nothing(clerk, monkeypatch):
    before = counts()
    real = bulk._Builder.person
    calls = []

    def crash_in_second_chunk(self, *args):  # on the calling thread, the writer busy
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("out of memory")
        return real(self, *args)

    monkeypatch.setattr(bulk._Builder, "person", crash_in_second_chunk)
    monkeypatch.setattr(bulk, "CHUNK", 2)
    rows = [f",,Ana{i},Cruz,,F,2000-01-01,,HND,TAP" for i in range(6)]
    with pytest.raises(RuntimeError, match="out of memory"):
        run(clerk, csv_text(*rows))
    assert counts() == before
    assert audit.verify_chain().ok


def test_a_large_import_in_many_chunks_is_whole_and_audited(clerk, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", 3)
    monkeypatch.setattr(loading, "BULK_INDEX_THRESHOLD", 1)
    rows = [f"H{i // 3},{'head' if i % 3 == 0 else 'child'},Ana{i},Cruz,Paz,F,2000-01-01,,HND,"
            "TAP" for i in range(30)] + [f",,Luis{i},Díaz,,M,1980-01-01,,SLV,TAP"
                                         for i in range(7)]
    report = run(clerk, csv_text(*rows))
    assert (report.people, report.households) == (37, 10)
    assert counts()[:3] == (37, 10, 30)
    numbers = set(Person.objects.values_list("registration_number", flat=True))
    assert len(numbers) == 37 and all(ids.is_valid(n) for n in numbers)
    assert AuditEntry.objects.filter(action="person.import", subject__in=numbers).count() == 37
    assert AuditEntry.objects.filter(action="household.create").count() == 10
    chain = audit.verify_chain()
    assert chain.ok, chain.reason
    page = selectors.search_people(actor=ACTOR, user=clerk, q="ana29 cruz")
    assert [p.given_names for p in page.items] == ["Ana29"]


def test_a_household_whose_rows_are_apart_is_one_household(clerk, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", 2)  # its members are written in different chunks
    rows = [",,Luis,Díaz,,M,1980-01-01,,SLV,TAP",
            "H1,head,Ana,Cruz,Paz,F,1985-01-01,,HND,TAP",
            ",,Rosa,Díaz,,F,1981-01-01,,SLV,TAP",
            "H2,head,Juan,Mejía,,M,1970-01-01,,HND,TAP",
            ",,Pedro,Díaz,,M,1982-01-01,,SLV,TAP",
            "H1,child,Sofía,Cruz,Paz,F,2010-01-01,,HND,TAP",
            "H2,spouse,Marta,Reyes,,F,1972-01-01,,HND,TAP",
            "H1,spouse,Óscar,Cruz,,M,1984-01-01,,HND,TAP"]
    report = run(clerk, csv_text(*rows))
    assert (report.people, report.households) == (8, 2)
    sizes = sorted(Household.objects.values_list("members__person__first_surname", flat=True))
    assert sizes == ["Cruz", "Cruz", "Cruz", "Mejía", "Reyes"]
    h1 = HouseholdMember.objects.get(person__given_names="Sofía").household
    assert sorted(m.person.given_names for m in h1.members.all()) == ["Ana", "Sofía", "Óscar"]
    entry = AuditEntry.objects.get(action="household.create", object_id=h1.number)
    assert entry.details["members"] == 3
    assert audit.verify_chain().ok


def test_a_household_rule_broken_at_the_end_takes_back_what_was_written(clerk, monkeypatch):
    """The rows are written as they pass; a second head in the last row undoes all of it."""
    testing.make_person(user=clerk)
    before = counts()
    monkeypatch.setattr(bulk, "CHUNK", 2)
    monkeypatch.setattr(loading, "BULK_INDEX_THRESHOLD", 1)
    indexes = _person_indexes()
    written = []
    real = bulk._Rows.__call__
    monkeypatch.setattr(bulk._Rows, "__call__",
                        lambda self, cursor, vendor: (written.append(len(self.people)),
                                                      real(self, cursor, vendor)))
    rows = ["H1,head,Ana,Cruz,Paz,F,1985-01-01,,HND,TAP"]
    rows += [f",,Luis{i},Díaz,,M,1980-01-01,,SLV,TAP" for i in range(6)]
    rows += ["H1,head,Óscar,Cruz,,M,1984-01-01,,HND,TAP"]
    with pytest.raises(InvalidInput) as excinfo:
        run(clerk, csv_text(*rows))
    assert errors_of(excinfo) == [(2, "relationship")]
    assert "exactly one head" in str(excinfo.value.errors[0].message)
    assert sum(written) >= 2  # rows had gone to the database before the problem was found
    assert counts() == before
    assert _person_indexes() == indexes
    assert audit.verify_chain().ok


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_every_line_ending_imports_every_row(clerk, end):
    rows = [f",,Ana{i},Cruz,,F,1990-01-01,,HND,TAP" for i in range(5)]
    report = run(clerk, end.join([HEADER, *rows]))  # and no line end after the last row
    assert report.people == 5 == Person.objects.count()


def test_a_second_head_is_reported_with_the_rows_after_it_not_refused_by_the_database(
        clerk, monkeypatch):
    """The database allows one head a household; the import stops writing at the second head,
    so that the file's problems, all of them, are what the clerk sees."""
    monkeypatch.setattr(bulk, "CHUNK", 2)
    rows = ["H1,head,Ana,Cruz,Paz,F,1985-01-01,,HND,TAP",
            "H1,head,Óscar,Cruz,,M,1984-01-01,,HND,TAP"]
    rows += [f",,Luis{i},Díaz,,M,1980-01-01,,SLV,TAP" for i in range(6)]
    rows += [",,Rosa,Díaz,,F,1980-01-01,,HONDURAS,TAP"]
    with pytest.raises(InvalidInput) as excinfo:
        run(clerk, csv_text(*rows))
    assert errors_of(excinfo) == [(2, "relationship"), (10, "nationality")]
    assert Person.objects.count() == 0


def test_a_refusal_by_the_database_comes_after_the_files_own_problems(clerk, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", 2)
    real = bulk._Rows.__call__

    def refuse(self, cursor, vendor):  # on the writer thread
        raise connection.Database.IntegrityError("refused")

    monkeypatch.setattr(bulk._Rows, "__call__", refuse)
    good = [f",,Luis{i},Díaz,,M,1980-01-01,,SLV,TAP" for i in range(8)]
    with pytest.raises(InvalidInput) as excinfo:
        run(clerk, csv_text(*good, ",,Rosa,Díaz,,F,1980-01-01,,HONDURAS,TAP"))
    assert errors_of(excinfo) == [(10, "nationality")]
    with pytest.raises(connection.Database.IntegrityError):  # a good file: the refusal itself
        run(clerk, csv_text(*good))
    monkeypatch.setattr(bulk._Rows, "__call__", real)
    assert Person.objects.count() == 0


def test_every_row_with_a_bad_consent_is_reported_however_often_it_repeats(clerk):
    # A file's rows repeat a few lists of consents, each checked once: the rows that share a
    # list share its problems, each under its own row number, and the good rows keep theirs.
    header = HEADER + ",consent_purposes,consent_date"
    row = ",,Ana,Cruz,,F,1990-01-01,,HND,TAP,{},{}"
    text = csv_text(row.format("registration", "2018-10-21"),
                    row.format("registration", "2019-01-01"),  # after the import date
                    row.format("voting", "2018-10-21"),
                    row.format("registration", "2019-01-01"),
                    row.format("voting", "2018-10-21"),
                    row.format("registration;contact", "2018-10-21"), header=header)
    with pytest.raises(InvalidInput) as excinfo:
        run(clerk, text)
    assert errors_of(excinfo) == [(3, "consent_date"), (4, "consent_purposes"),
                                  (5, "consent_date"), (6, "consent_purposes")]
    good = csv_text(row.format("registration", "2018-10-21"),
                    row.format("registration;contact", "2018-10-21"),
                    row.format("registration", "2018-10-21"), header=header)
    run(clerk, good)
    assert sorted(Consent.objects.values_list("purpose", flat=True)) == [
        "contact", "registration", "registration", "registration"]


def test_a_purpose_given_twice_is_one_consent(clerk):
    header = HEADER + ",consent_purposes"
    run(clerk, csv_text(",,Ana,Cruz,,F,1990-01-01,,HND,TAP,registration;Registration",
                        header=header))
    assert Consent.objects.filter(person__given_names="Ana").count() == 1


def test_lines_of_separators_alone_reserve_nothing(clerk, monkeypatch):
    reserved = []
    real = bulk.ImportWriter.__init__

    def spy(self, **kwargs):
        reserved.append(kwargs["expected"])
        real(self, **kwargs)

    monkeypatch.setattr(bulk.ImportWriter, "__init__", spy)
    text = csv_text(",,Ana,Cruz,,F,1990-01-01,,HND,TAP") + ",,,,,,,,,\r\n" * 1000 + "\n"
    report = run(clerk, text)
    assert report.people == 1
    assert reserved[0] < 5
    # ";;;" is a cell in a comma-separated file (a household reference, here): a row
    with pytest.raises(InvalidInput):
        run(clerk, csv_text(*[";;;,head,Ana,Cruz,,F,1990-01-01,,HND,TAP"] * 2))
    assert reserved[-1] >= 2


def test_an_import_puts_the_thread_switch_interval_back(clerk):
    interval = sys.getswitchinterval()
    run(clerk, csv_text(",,Ana,Cruz,,F,1990-01-01,,HND,TAP"))
    assert sys.getswitchinterval() == interval
    with pytest.raises(InvalidInput):
        run(clerk, csv_text(",,Ana,Cruz,,F,1990-01-01,,HONDURAS,TAP"))
    assert sys.getswitchinterval() == interval


def test_the_checkpoint_after_a_large_import_empties_the_write_ahead_log(tmp_path):
    path = tmp_path / "registry.sqlite3"
    database = sqlite3.connect(path)
    database.execute("PRAGMA journal_mode = WAL")
    database.execute("PRAGMA wal_autocheckpoint = 0")  # as during a large import
    database.execute("CREATE TABLE t (x)")
    database.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(50_000)])
    database.commit()
    log = path.with_name(path.name + "-wal")
    loading.checkpoint(path)
    size = log.stat().st_size
    # Once every frame is in the database, the next commit starts the log again from its
    # beginning instead of growing it.
    database.execute("INSERT INTO t VALUES (0)")
    database.commit()
    assert log.stat().st_size == size
    assert database.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 50_001
    database.close()


def test_a_large_import_leaves_fresh_planner_statistics(tmp_path):
    path = tmp_path / "registry.sqlite3"
    database = sqlite3.connect(path)
    database.execute("PRAGMA journal_mode = WAL")
    database.execute("CREATE TABLE t (point, at)")
    database.execute("CREATE INDEX t_point_at ON t (point, at)")
    database.executemany("INSERT INTO t VALUES (?, ?)", [(i % 7, i) for i in range(20_000)])
    database.commit()
    loading.checkpoint(path)
    stats = dict(database.execute("SELECT idx, stat FROM sqlite_stat1").fetchall())
    assert int(stats["t_point_at"].split()[0]) > 0  # estimated rows (from a sample)
    database.close()


def _person_indexes() -> list:
    """The indexes, triggers and foreign keys a large import drops and makes again."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'registry_person' "
                           "AND type IN ('index', 'trigger') ORDER BY name")
        else:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename LIKE %s "
                           "UNION ALL SELECT conname || pg_get_constraintdef(oid) "
                           "FROM pg_constraint WHERE conrelid::regclass::text LIKE %s "
                           "ORDER BY 1", ["registry_%", "registry_%"])
        return [row[0] for row in cursor.fetchall()]


def test_large_import_rebuilds_indexes_and_keeps_search(clerk, monkeypatch):
    monkeypatch.setattr(loading, "BULK_INDEX_THRESHOLD", 1)
    indexes = _person_indexes()
    during = []
    real = imports._checked_rows

    def spy(*args):  # the first row is checked once the indexes are gone
        for number, row in enumerate(real(*args)):
            if number == 0:
                during.extend(_person_indexes())
            yield row

    monkeypatch.setattr(imports, "_checked_rows", spy)
    run(clerk, csv_text(",,Ana,Cruz,,F,1990-01-01,,HND,TAP", ",,Luis,Paz,,M,1990-01-01,,HND,TAP"))
    assert len(during) < len(indexes)
    assert _person_indexes() == indexes
    testing.make_person(user=clerk, given_names="Rosa", first_surname="Cruz")  # trigger alive
    page = selectors.search_people(actor=ACTOR, user=clerk, q="cruz")
    assert sorted(p.given_names for p in page.items) == ["Ana", "Rosa"]


def _keys_to_points() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'f' AND "
                       "confrelid = 'registry_registrationpoint'::regclass AND conrelid::regclass"
                       "::text IN ('registry_person', 'registry_household') ORDER BY 1")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's foreign keys")
def test_a_large_import_checks_its_places_once_at_the_end(clerk, monkeypatch):
    """The people's and households' keys to registration points are dropped for a large
    import and checked again, every row at once, at the end: a row that points nowhere still
    fails the import, and nothing is written."""
    monkeypatch.setattr(loading, "BULK_INDEX_THRESHOLD", 1)
    keys = _keys_to_points()
    during = []
    real = imports._checked_rows

    def spy(*args):
        for number, row in enumerate(real(*args)):
            if number == 0:
                during.extend(_keys_to_points())
            yield row

    monkeypatch.setattr(imports, "_checked_rows", spy)
    run(clerk, csv_text("H1,head,Ana,Cruz,,F,1990-01-01,,HND,TAP"))
    assert len(keys) == 2 and during == [] and _keys_to_points() == keys

    class Nowhere:
        id = 999_999

    before = counts()
    monkeypatch.setattr(imports._References, "point", lambda self, code: Nowhere)
    with pytest.raises(IntegrityError):
        run(clerk, csv_text(",,Luis,Paz,,M,1990-01-01,,HND,TAP"))
    assert counts() == before and _keys_to_points() == keys


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's table locks")
def test_a_large_import_that_cannot_have_the_tables_to_itself_keeps_every_index(
        clerk, monkeypatch, caplog):
    """Dropping indexes takes PostgreSQL's ACCESS EXCLUSIVE lock; while someone reads the
    people, an import does not queue everyone behind it: it goes the slow way, and succeeds."""
    import psycopg

    monkeypatch.setattr(loading, "BULK_INDEX_THRESHOLD", 1)
    monkeypatch.setattr(loading, "LOCK_WAIT", "200ms")
    indexes = _person_indexes()
    settings = connection.settings_dict
    with psycopg.connect(dbname=settings["NAME"], user=settings["USER"],
                         host=settings["HOST"] or None, port=settings["PORT"] or None,
                         password=settings["PASSWORD"] or None) as reader:
        reader.execute("SELECT COUNT(*) FROM registry_person")  # holds ACCESS SHARE until the end
        report = run(clerk, csv_text(",,Ana,Cruz,,F,1990-01-01,,HND,TAP",
                                     ",,Luis,Paz,,M,1990-01-01,,HND,TAP"))
        assert report.written
        assert _person_indexes() == indexes
        reader.rollback()
    assert "without dropping indexes" in caplog.text
    page = selectors.search_people(actor=ACTOR, user=clerk, q="cruz")
    assert [p.given_names for p in page.items] == ["Ana"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL sequences")
def test_keys_taken_for_an_import_are_the_sequences_whatever_their_step(db):
    """One run of keys comes back as its two ends; keys that are not one run (someone else took
    some meanwhile; here, a sequence that steps by 2) come back one by one."""
    from acogida.registry.services import _reserve_ids

    run = _reserve_ids(Person, 5)
    assert isinstance(run, range) and len(run) == 5
    with connection.cursor() as cursor:
        cursor.execute("ALTER SEQUENCE registry_person_id_seq INCREMENT BY 2")
    apart = _reserve_ids(Person, 3)
    assert len(apart) == 3 and apart[1] - apart[0] == 2 and apart[0] > run[-1]


def test_a_role_without_import_is_refused(clerk):
    with pytest.raises(Forbidden):
        run(testing.make_user("shelter"), csv_text(",,Ana,Cruz,,F,1990-01-01,,HND,TAP"))


# ---- the template ------------------------------------------------------------------------------

def test_csv_template_imports_cleanly(clerk):
    data = import_files.template_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(header) == imports.TEMPLATE_COLUMNS
    report = run(clerk, data)
    assert (report.people, report.households) == (2, 1)


def test_xlsx_template_round_trip(clerk):
    book = load_workbook(io.BytesIO(import_files.template_xlsx()))
    assert len(book.sheetnames) == 2 and "Instrucciones" in book.sheetnames[1]
    notes = [row[0] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert set(imports.TEMPLATE_COLUMNS) <= set(notes)
    sheet = book.worksheets[0]
    columns = [c.value for c in sheet[1]]
    # A clerk fills in a row; Excel stores the date as a date and the age as a number.
    row = {"household_ref": "H1", "relationship": "child", "given_names": "Dayana",
           "first_surname": "Mejía", "second_surname": "López", "sex": "F",
           "date_of_birth": datetime(2012, 1, 5), "nationality": "HND",
           "registration_point": "TAP", "phone": None, "age": None}
    sheet.append([row.get(name) for name in columns])
    sheet.append([None, None, None, None, None, None, None, 7, "SLV", None, None, 50499991234])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(InvalidInput) as excinfo:  # the last row lacks names and a point
        run(clerk, buffer.getvalue(), filename="filled.XLSX")
    assert {e.row for e in excinfo.value.errors} == {5}
    sheet.delete_rows(5)
    buffer = io.BytesIO()
    book.save(buffer)
    report = run(clerk, buffer.getvalue(), filename="filled.xlsx")
    assert (report.people, report.households) == (3, 1)
    assert Person.objects.get(given_names="Dayana").date_of_birth == date(2012, 1, 5)
    assert Person.objects.get(given_names="Kevin Josué").date_of_birth == date(2009, 1, 1)


def test_numeric_xlsx_cells(clerk):
    book = Workbook()
    sheet = book.active
    sheet.append(["given_names", "first_surname", "sex", "age", "nationality",
                  "registration_point", "phone"])
    sheet.append(["Ana", "Cruz", "F", 30, "HND", "TAP", 50499991234])
    buffer = io.BytesIO()
    book.save(buffer)
    run(clerk, buffer.getvalue(), filename="x.xlsx")
    person = Person.objects.get()
    assert person.phone == "50499991234" and person.date_of_birth == date(1988, 1, 1)


# ---- staging an upload -------------------------------------------------------------------------

def test_stage_read_discard(settings, tmp_path):
    settings.PRIVATE_DIR = tmp_path
    token = import_files.stage_file(data=b"a,b\n", filename="../../etc/people.csv")
    assert import_files.read_staged(token) == (b"a,b\n", "people.csv")
    files = list((tmp_path / "imports").iterdir())
    assert all(oct(f.stat().st_mode & 0o777) == "0o600" for f in files)
    import_files.discard_staged(token)
    with pytest.raises(NotFound):
        import_files.read_staged(token)


@pytest.mark.parametrize("token", ["../secret_key", "", "A" * 32, "0" * 31, "0" * 32 + "/x"])
def test_staged_token_is_checked(settings, tmp_path, token):
    settings.PRIVATE_DIR = tmp_path
    with pytest.raises(NotFound):
        import_files.read_staged(token)


def test_old_staged_files_are_removed(settings, tmp_path):
    settings.PRIVATE_DIR = tmp_path
    old = import_files.stage_file(data=b"old", filename="old.csv")
    day_ago = time.time() - 25 * 60 * 60
    for path in (tmp_path / "imports").iterdir():
        os.utime(path, (day_ago, day_ago))
    new = import_files.stage_file(data=b"new", filename="new.csv")
    with pytest.raises(NotFound):
        import_files.read_staged(old)
    assert import_files.read_staged(new) == (b"new", "new.csv")


# ---- the command line --------------------------------------------------------------------------

def test_command_dry_run(clerk, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(csv_text("H1,head,Ana,Cruz,,F,1990-01-01,,HND,TAP"))
    out = io.StringIO()
    call_command("import", "people", str(path), "--dry-run", stdout=out)
    assert "would import 1 people in 1 households" in out.getvalue()
    assert Person.objects.count() == 0
    call_command("import", "people", str(path), stdout=out)
    assert Person.objects.count() == 1
    assert AuditEntry.objects.filter(action="person.import", actor="cli").count() == 1


def test_command_lists_errors_and_fails(clerk, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(csv_text(",,Ana,Cruz,,F,1990-01-01,,ZZZ,TAP", ",,Luis,Paz,,M,,,HND,TAP"))
    out = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import", "people", str(path), "--dry-run", stdout=out)
    assert "2 problem(s)" in str(excinfo.value)
    lines = out.getvalue().splitlines()
    assert any(line.startswith("row 2, nationality:") for line in lines)
    assert any(line.startswith("row 3, date_of_birth:") for line in lines)


def test_command_refuses_an_unreadable_file(clerk, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes("given_names\nPeña\n".encode("cp1252"))
    with pytest.raises(CommandError) as excinfo:
        call_command("import", "people", str(path), stdout=io.StringIO())
    assert "UTF-8" in str(excinfo.value)
