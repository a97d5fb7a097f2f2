from collections import Counter
from datetime import date

from acogida.registry import synthetic
from acogida.registry.synthetic import COLUMNS, caravan_rows
from acogida.registry.validation import check_household, clean_person

TODAY = date(2025, 6, 1)


def rows(people=3000, seed=7):
    return list(caravan_rows(people, seed, today=TODAY))


def age_at_registration(row) -> int:
    registered = date.fromisoformat(row["consent_date"])
    if row["date_of_birth"]:
        born = date.fromisoformat(row["date_of_birth"])
        return registered.year - born.year - ((registered.month, registered.day)
                                              < (born.month, born.day))
    return int(row["age"]) - (TODAY.year - registered.year)


def test_same_seed_same_rows_other_seed_other_rows():
    assert rows(500, 1) == rows(500, 1)
    assert rows(500, 1) != rows(500, 2)


def test_exactly_the_people_asked_for_in_the_template_columns():
    for people in (0, 1, 7, 120):
        got = rows(people)
        assert len(got) == people
        assert all(tuple(r) == COLUMNS and all(isinstance(v, str) for v in r.values())
                   for r in got)


def test_every_row_passes_the_registry_rules():
    for number, row in enumerate(rows(2000, 3)):
        raw = {k: row[k] for k in COLUMNS}
        raw["consents"] = [{"purpose": p, "given_on": row["consent_date"]}
                           for p in row["consent_purposes"].split(";")]
        cleaned = clean_person(raw, today=TODAY)
        assert cleaned.errors == [], (number, row, cleaned.errors)


def test_households_have_one_head_one_point_and_one_group():
    households = {}
    for row in rows():
        if row["household_ref"]:
            households.setdefault(row["household_ref"], []).append(row)
        else:
            assert row["relationship"] == ""
    assert households
    for members in households.values():
        assert check_household([m["relationship"] for m in members]) == []
        assert len({(m["registration_point"], m["arrival_group"]) for m in members}) == 1


def test_proportions_roughly_as_the_caravan():
    got = rows(7000, 11)
    n = len(got)
    nationality = Counter(r["nationality"] for r in got)
    assert abs(nationality["HND"] / n - 0.72) < 0.03
    assert abs(nationality["SLV"] / n - 0.16) < 0.03
    assert abs(nationality["GTM"] / n - 0.10) < 0.03
    assert 0 < nationality["NIC"] / n < 0.04
    ages = [age_at_registration(r) for r in got]
    assert 0.28 < sum(a < 18 for a in ages) / n < 0.40  # "about a third children"
    households = Counter(r["household_ref"] for r in got if r["household_ref"])
    assert 1700 < len(households) < 2300  # "about 2,000 households"
    lone_men = sum(1 for r, a in zip(got, ages, strict=True)
                   if not r["household_ref"] and r["sex"] == "male" and 19 <= a <= 45)
    assert lone_men > 700
    needs = Counter(code for r in got for code in r["specific_needs"].split(";") if code)
    assert 20 <= needs["SC"] <= 80  # a few dozen unaccompanied children...
    unaccompanied = [r for r in got if "SC" in r["specific_needs"]]
    assert all(households[r["household_ref"]] == 1 and r["relationship"] == "head"
               and age_at_registration(r) < 18 for r in unaccompanied)  # ...each their own
    assert needs["PG"] > 50 and needs["DS"] > 30 and needs["SP"] > 200
    assert 0 < needs["SV"] + needs["TR"] + needs["SM"] < 0.06 * n
    estimated = sum(1 for r in got if not r["date_of_birth"]) / n
    assert 0.12 < estimated < 0.18
    languages = Counter(r["languages"] for r in got)
    assert languages["cab;es"] > 0 and languages["mam;es"] > 0


def test_children_take_the_fathers_and_the_mothers_first_surnames():
    households = {}
    for row in rows():
        households.setdefault(row["household_ref"], []).append(row)
    checked = 0
    for members in households.values():
        by = {m["relationship"]: m for m in members}
        if "spouse" in by and by["head"]["sex"] == "male":
            for child in (m for m in members if m["relationship"] == "child"):
                assert child["first_surname"] == by["head"]["first_surname"]
                assert child["second_surname"] == by["spouse"]["first_surname"]
                checked += 1
    assert checked > 100


def test_names_are_skewed_so_common_names_are_common():
    surnames = Counter(r["first_surname"] for r in rows(5000))
    top = [name for name, _n in surnames.most_common(5)]
    assert "Hernández" in top or "López" in top
    assert surnames.most_common(1)[0][1] > 10 * surnames.most_common()[-1][1]


def test_near_duplicates_are_later_respellings_of_earlier_people():
    got = rows(7000, 5)
    duplicates = got[-int(7000 * synthetic.DUPLICATE_RATE):]
    assert 0.01 <= len(duplicates) / len(got) <= 0.02
    earlier = got[:-len(duplicates)]
    order = [p.code for p in synthetic.REGISTRATION_POINTS]
    keys = {}
    for row in earlier:
        keys.setdefault((row["phone"], row["place_of_birth"], row["sex"]), []).append(row)
    drifted = 0
    for dup in duplicates:
        assert dup["household_ref"] == "" and dup["relationship"] == ""
        originals = keys[(dup["phone"], dup["place_of_birth"], dup["sex"])]
        assert any(order.index(dup["registration_point"]) > order.index(o["registration_point"])
                   and dup["consent_date"] > o["consent_date"]
                   for o in originals)
        names = (dup["given_names"], dup["first_surname"], dup["second_surname"],
                 dup["date_of_birth"])
        drifted += all(names != (o["given_names"], o["first_surname"], o["second_surname"],
                                 o["date_of_birth"]) for o in originals)
    assert drifted >= 0.9 * len(duplicates)


def test_strip_accents_keeps_enye():
    assert synthetic.strip_accents("Ñaqui Hernández Peña") == "Ñaqui Hernandez Peña"
