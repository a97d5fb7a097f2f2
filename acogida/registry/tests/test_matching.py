from datetime import date

from acogida.registry.matching import NameRecord, score


def record(**kw) -> NameRecord:
    base = {"given_names": "José Luis", "first_surname": "Hernández", "second_surname": "Cruz",
            "date_of_birth": date(1985, 3, 12), "sex": "male", "nationality": "HND"}
    base.update(kw)
    return NameRecord(**base)


def codes(match):
    return {r.code for r in match.reasons}


def test_same_person_scores_high():
    assert score(record(), record()).score >= 0.95


def test_drifted_spelling_still_scores_high():
    match = score(record(), record(given_names="Jose", first_surname="Ernandes",
                                   second_surname="Crus"))
    assert match.score >= 0.85 and "dob.exact" in codes(match)


def test_swapped_surnames_are_recognised():
    match = score(record(), record(first_surname="Cruz", second_surname="Hernandez"))
    assert "surnames.swapped" in codes(match) and match.score >= 0.85


def test_missing_second_surname_is_not_a_mismatch():
    match = score(record(), record(second_surname=""))
    assert match.score >= 0.85


def test_day_month_swap():
    match = score(record(), record(date_of_birth=date(1985, 12, 3)))
    assert "dob.swapped" in codes(match)


def test_estimated_birth_date_close():
    match = score(record(), record(date_of_birth=date(1985, 1, 1), date_of_birth_estimated=True))
    assert "dob.estimated" in codes(match) and match.score > 0.7


def test_different_people_score_low():
    other = record(given_names="Wilmer", first_surname="Zelaya", second_surname="Orellana",
                   date_of_birth=date(1999, 8, 1))
    assert score(record(), other).score < 0.4


def test_father_and_son_with_same_name_are_told_apart_by_birth():
    son = record(date_of_birth=date(2008, 3, 12))
    match = score(record(), son)
    assert "dob.different" in codes(match) and match.score < 0.7
