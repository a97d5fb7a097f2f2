"""The identity-resolution engine: features, training, Splink parity, explanations."""

import json
import math
import random
from datetime import date

import pytest

from acogida.dedup.engine import (
    Record,
    TrainedModel,
    cluster,
    predict_pairs,
    score_candidates,
    train,
)
from acogida.dedup.engine.features import (
    household_signature,
    name_tokens,
    phonetic_key,
    record_features_for_test,
)
from acogida.dedup.engine.synthetic import generate


@pytest.mark.parametrize(("a", "b"), [
    ("Hernández", "Ernandez"), ("Vásquez", "Basques"), ("Castillo", "Castiyo"),
    ("Quiroz", "Kiros"), ("Cecilia", "Sesilia"), ("Yessica", "Yesica"), ("Lesly", "Lesli"),
    ("Xiomara", "Siomara"), ("Velásquez", "Belazquez"), ("Jefferson", "Jeferson"),
    ("Gerson", "Jerson"), ("Zúniga", "Suniga"),
])
def test_phonetic_key_forgives_spanish_spelling_drift(a, b):
    assert phonetic_key(a) == phonetic_key(b)


@pytest.mark.parametrize(("a", "b"), [
    ("Guevara", "Jevara"), ("Lopez", "Perez"), ("Chávez", "Cavez"), ("Mejía", "Medina"),
])
def test_phonetic_key_keeps_different_names_apart(a, b):
    assert phonetic_key(a) != phonetic_key(b)


def test_name_tokens_fold_accents_and_drop_particles():
    assert name_tokens("María de los Ángeles") == ("maria", "angeles")
    assert name_tokens("de la Cruz y Pérez") == ("cruz", "perez")
    assert name_tokens("  JOSÉ-LUIS ") == ("jose", "luis")
    assert name_tokens("") == ()


def test_features_treat_missing_as_missing():
    f = record_features_for_test(Record(id="1", given_names="José Luis",
                                        first_surname="Hernández", date_of_birth=date(1990, 1, 1)))
    assert (f.gn, f.gn_keys, f.g1, f.fs_key) == ("jose luis", ("jose", "luis"), "jose", "ernandes")
    assert f.ss is None and f.sex is None and f.hh is None
    assert f.dob_est is True  # 1 January is how an estimated date looks


def test_household_signature_lists_relatives_by_sound_and_year():
    sig = household_signature([("Yessica", date(2010, 5, 1)), ("Karla María", None)])
    assert sig == ("karla:", "yesika:2010")


def test_own_household_key_is_the_key_relatives_list_and_alike_in_both_paths():
    from acogida.dedup.engine import records_to_arrow
    from acogida.dedup.engine.features import features_table, member_key

    records = [Record(id="1", given_names="Yessica María", date_of_birth=date(2010, 5, 1)),
               Record(id="2", given_names="Karla"), Record(id="3", given_names="de la",
                                                           date_of_birth=date(2001, 2, 3))]
    live = [record_features_for_test(r).hh_self for r in records]
    assert live == ["yesika:2010", "karla:", None]
    assert features_table(records_to_arrow(records)).column("hh_self").to_pylist() == live
    assert household_signature([("Yesica", date(2010, 7, 7))]) == (
        member_key("Yessica María", date(2010, 5, 1)),)


@pytest.fixture(scope="module")
def trained():
    records, truth = generate(1500, seed=3)
    return train(records, seed=3), records, truth


def _rec(id, given, first, second, born, **kw):
    return Record(id=id, given_names=given, first_surname=first, second_surname=second,
                  date_of_birth=born, sex=kw.pop("sex", "M"), nationality="HND",
                  place_of_birth=kw.pop("place", "San Pedro Sula"), **kw)


def test_training_finds_planted_duplicates_and_keeps_namesakes_apart(trained):
    model, _records, _truth = trained
    original = _rec("q", "José Luis", "Hernández", "López", date(1990, 7, 4))
    same_person = [
        _rec("swap", "José Luis", "López", "Hernández", date(1990, 7, 4)),
        _rec("no-second", "Jose Luis", "Hernandez", "", date(1990, 7, 4)),
        _rec("day-month", "José Luis", "Hernández", "López", date(1990, 4, 7)),
        _rec("b-v-h", "José Luis", "Ernandez", "Lopes", date(1990, 7, 4)),
        _rec("one-given", "José", "Hernández", "López", date(1990, 7, 4)),
        _rec("estimated", "José Luis", "Hernández", "López", date(1990, 1, 1),
             date_of_birth_estimated=True),
    ]
    namesakes = [
        _rec("other-dob", "José Luis", "Hernández", "López", date(1971, 2, 13)),
        _rec("other-given", "Marvin", "Hernández", "López", date(1988, 11, 20)),
        _rec("brother", "Kevin", "Hernández", "López", date(1994, 3, 2)),
        _rec("sister", "María", "Hernández", "López", date(1990, 7, 4), sex="F"),
    ]
    scores = {p.right_id: p.probability
              for p in score_candidates(model, original, same_person + namesakes)}
    for record in same_person:
        assert scores[record.id] > 0.9, record.id
    for record in namesakes:
        assert scores[record.id] < 0.5, record.id


def test_batch_prediction_recovers_most_true_pairs(trained):
    model, records, truth = trained
    pairs = predict_pairs(model, records, threshold=0.5)
    correct = sum(truth[p.left_id] == truth[p.right_id] for p in pairs)
    assert correct / len(pairs) > 0.95
    clusters = cluster(pairs, 0.5)
    assert all(clusters[p.left_id] == clusters[p.right_id] for p in pairs)


def test_score_candidates_equals_splink_predict(trained):
    model, records, _truth = trained
    sample = random.Random(1).sample(records, 400)
    # A threshold of 0 returns every blocked pair, matches and non-matches alike.
    splink_pairs = predict_pairs(model, sample, threshold=0.0)
    by_id = {r.id: r for r in sample}
    assert len(splink_pairs) > 50
    for pair in splink_pairs:
        ours = score_candidates(model, by_id[pair.left_id], [by_id[pair.right_id]])[0]
        assert ours.probability == pytest.approx(pair.probability, abs=1e-6)
        assert ours.match_weight == pytest.approx(pair.match_weight, abs=1e-6)
        assert [e["level"] for e in ours.explanation] == [e["level"] for e in pair.explanation]
        assert ([e.get("tf_adjustment") for e in ours.explanation]
                == pytest.approx([e.get("tf_adjustment") for e in pair.explanation], abs=1e-6))
    # The sample holds household members, so the household levels are held to it too.
    household = {next(e["level"] for e in p.explanation if e["comparison"] == "household")
                 for p in splink_pairs}
    assert {"relatives of each other", "same relatives"} <= household


def _family(tag: str, kids: list[tuple[str, date]], **kw) -> list[Record]:
    """A mother and father with their children, each listing the others (as services.records
    does); every child has the parents' surnames."""
    members = [("Rosa Elena", "Hernández", "López", date(1984, 4, 9), "F"),
               ("Marvin", "Mejía", "Zelaya", date(1982, 11, 20), "M"),
               *((given, "Mejía", "Hernández", born, "M") for given, born in kids)]
    out = []
    for i, (given, first, second, born, sex) in enumerate(members):
        relatives = [(m[0], m[3]) for j, m in enumerate(members) if j != i]
        out.append(_rec(f"{tag}{i}", given, first, second, born, sex=sex,
                        household_signature=household_signature(relatives), **kw))
    return out


def test_siblings_in_one_household_are_not_proposed_as_one_person(trained):
    # Twins share everything but their given names, and each lists the other as a relative:
    # two people, however much else agrees. Before engine 5 they shared two relatives (the
    # parents), a level EM can weigh as strong evidence of one person.
    model, _records, _truth = trained
    family = _family("f", [("Kevin", date(2012, 3, 2)), ("Brayan", date(2012, 3, 2)),
                           ("Dayana", date(2015, 8, 14))])
    batch = {frozenset((p.left_id, p.right_id)): p
             for p in predict_pairs(model, family, threshold=0.0)}
    twins = score_candidates(model, family[2], [family[3]])[0]
    household = next(e for e in twins.explanation if e["comparison"] == "household")
    assert household["level"] == "relatives of each other"
    assert household["match_weight"] < -5
    assert twins.probability < 0.5
    assert twins.match_weight == pytest.approx(batch[frozenset(("f2", "f3"))].match_weight,
                                               abs=1e-6)
    assert all(p.probability < 0.5 for p in batch.values())


def test_one_person_registered_with_two_households_of_the_same_relatives_still_is(trained):
    # The same family registered again at the next shelter, Kevin's date estimated there: each
    # Kevin lists the same relatives, and neither lists the other.
    model, _records, _truth = trained
    first = _family("a", [("Kevin", date(2012, 3, 2)), ("Dayana", date(2015, 8, 14))])
    again = _family("b", [("Kevin", date(2012, 1, 1)), ("Dayana", date(2015, 8, 14))],
                    date_of_birth_estimated=True)
    kevin = score_candidates(model, first[2], [again[2]])[0]
    household = next(e for e in kevin.explanation if e["comparison"] == "household")
    assert household["level"] == "same relatives"
    assert kevin.probability > 0.9
    # Kevin and the other registration's Dayana list each other: two people.
    assert next(e for e in score_candidates(model, first[2], [again[3]])[0].explanation
                if e["comparison"] == "household")["level"] == "relatives of each other"
    batch = {frozenset((p.left_id, p.right_id)): p
             for p in predict_pairs(model, first + again, threshold=0.5)}
    assert frozenset(("a2", "b2")) in batch
    assert batch[frozenset(("a2", "b2"))].match_weight == pytest.approx(kevin.match_weight,
                                                                        abs=1e-6)


def test_a_child_entered_twice_in_one_household_is_not_taken_for_a_sibling(trained):
    # The clerical duplicate inside a household: both entries have one own key, and each lists
    # the other under it. That is not "relatives of each other".
    model, _records, _truth = trained
    family = _family("d", [("Kevin", date(2012, 3, 2)), ("Kevin", date(2012, 3, 2))])
    pair = score_candidates(model, family[2], [family[3]])[0]
    household = next(e for e in pair.explanation if e["comparison"] == "household")
    assert household["level"] == "same relatives"
    assert pair.probability > 0.9


def test_relatives_of_each_other_keep_their_fixed_m_through_training(trained):
    from acogida.dedup.engine.comparisons import RELATIVES_M

    model, _records, _truth = trained
    levels = next(c for c in model.settings["comparisons"]
                  if c["output_column_name"] == "household")["comparison_levels"]
    level = next(x for x in levels if x["label_for_charts"] == "relatives of each other")
    assert level["m_probability"] == RELATIVES_M  # not raised to the m floor
    assert 0 < level["u_probability"] < 0.05  # learned: random pairs of household members


def test_a_name_found_crosswise_weighs_alike_in_both_paths(trained):
    # The first surname written as the given name, the box it left filled another way (or a
    # slip in it): neither the full swap nor a shared given name, but one name crosswise.
    model, _records, _truth = trained
    pairs = [_rec("a1", "Cristian", "Blanco", "Mejía", date(1985, 6, 2)),
             _rec("a2", "Blanco", "Mejía", "", date(1985, 6, 2)),
             _rec("b1", "Karla", "Zelaya", "Ortiz", date(1979, 9, 30)),
             _rec("b2", "Zelaia", "Ortiz", "", date(1979, 9, 30))]
    batch = {frozenset((p.left_id, p.right_id)): p
             for p in predict_pairs(model, pairs, threshold=0.0)}
    for left, right in ((pairs[0], pairs[1]), (pairs[2], pairs[3])):
        live = score_candidates(model, left, [right])[0]
        given = next(e for e in live.explanation if e["comparison"] == "given_names")
        assert given["level"] == "given name found as the other's surname"
        assert given["match_weight"] > 0
        splink = batch[frozenset((left.id, right.id))]
        assert live.match_weight == pytest.approx(splink.match_weight, abs=1e-6)
        assert [e["level"] for e in live.explanation] == [e["level"] for e in splink.explanation]


def test_u_is_taken_net_of_the_duplicates_in_the_random_sample():
    from acogida.dedup.engine.training import U_UNMIX_FLOOR, _unmix_u

    # A random pair is the same person with probability 0.01: of the 1.97% of sampled pairs that
    # agree, half are one person twice (0.01 x m 0.98); different people agree 1% of the time.
    settings = {"probability_two_random_records_match": 0.01, "comparisons": [
        {"output_column_name": "c", "comparison_levels": [
            {"is_null_level": True},
            {"m_probability": 0.98, "u_probability": 0.0197},
            {"m_probability": 0.02, "u_probability": 0.9803}]}]}
    levels = _unmix_u(settings)["comparisons"][0]["comparison_levels"]
    assert levels[1]["u_probability"] == pytest.approx(0.01, abs=1e-12)
    assert levels[1]["u_probability"] + levels[2]["u_probability"] == pytest.approx(1.0)
    # A level seen no more often than the duplicates explain keeps a floor: never u = 0.
    settings["comparisons"][0]["comparison_levels"][1]["u_probability"] = 0.001
    levels = _unmix_u(settings)["comparisons"][0]["comparison_levels"]
    assert levels[1]["u_probability"] == pytest.approx(0.001 * U_UNMIX_FLOOR / 0.99)


def test_term_frequencies_travel_in_the_model_and_weigh_alike_in_both_paths(trained):
    model, records, _truth = trained
    again = TrainedModel.from_json(model.to_json())
    assert set(again.term_frequencies) >= {"gn", "fs", "ss"}
    assert again.tf_lookup == model.tf_lookup
    # Two pairs that agree exactly on everything but the surname's frequency: a common surname
    # must count for less than a rare one, in Splink and live alike.
    counts = model.term_frequencies["fs"]["counts"]
    common = max(counts, key=counts.get)
    rare = min(counts, key=counts.get)
    pairs = []
    for tag, surname in (("c", common), ("r", rare)):
        pairs += [_rec(f"{tag}1", "Ana Lucía", surname, "Xatruch", date(1980, 3, 3)),
                  _rec(f"{tag}2", "Ana Lucía", surname, "Xatruch", date(1980, 3, 3))]
    batch = {(p.left_id, p.right_id): p for p in predict_pairs(again, pairs, threshold=0.0)}
    weights = {}
    for tag in "cr":
        live = score_candidates(again, pairs[0 if tag == "c" else 2],
                                [pairs[1 if tag == "c" else 3]])[0]
        splink = batch.get((f"{tag}1", f"{tag}2")) or batch[(f"{tag}2", f"{tag}1")]
        assert live.match_weight == pytest.approx(splink.match_weight, abs=1e-6)
        surname = next(e for e in live.explanation if e["comparison"] == "first_surname")
        weights[tag] = surname["tf_adjustment"]
    assert weights["c"] < weights["r"]
    # A value the model never saw twice gets no adjustment (the level's average weight).
    unseen = score_candidates(again, _rec("u1", "Zzyzx", "Qwrtz", "", date(1980, 3, 3)),
                              [_rec("u2", "Zzyzx", "Qwrtz", "", date(1980, 3, 3))])[0]
    assert all(not e.get("tf_adjustment") for e in unseen.explanation
               if e["comparison"] in ("given_names", "first_surname"))


def test_explanation_weights_sum_to_the_match_weight(trained):
    model, records, _truth = trained
    for pair in score_candidates(model, records[0], records[1:60]):
        assert math.isclose(sum(e["match_weight"] for e in pair.explanation), pair.match_weight,
                            abs_tol=1e-9)
        assert pair.explanation[0]["comparison"] == "prior"
        assert {e["comparison"] for e in pair.explanation[1:]} >= {"given_names",
                                                                    "date_of_birth"}


def test_missing_fields_take_part_without_crashing(trained):
    model, records, _truth = trained
    sparse = [Record(id="a"), Record(id="b", given_names="José"),
              Record(id="c", first_surname="López", date_of_birth=date(2001, 5, 5)),
              Record(id="d", given_names="José", first_surname="López",
                     date_of_birth=date(2001, 5, 5))]
    assert len(score_candidates(model, sparse[0], sparse[1:])) == 3
    predict_pairs(model, [*sparse, *records[:50]], threshold=0.5)


def test_model_json_round_trips_with_version_and_date(trained):
    model, _records, _truth = trained
    text = model.to_json()
    again = TrainedModel.from_json(text)
    assert again.version == model.version and again.trained_at == model.trained_at
    assert again.record_count == model.record_count > 1500
    assert json.loads(text)["splink_settings"]["comparisons"]
    q, c = _rec("1", "Ana", "Paz", "Cruz", date(1980, 3, 3)), _rec("2", "Ana", "Paz", "",
                                                                    date(1980, 3, 3))
    assert (score_candidates(again, q, [c])[0].probability
            == score_candidates(model, q, [c])[0].probability)


def test_synthetic_set_is_deterministic_and_plants_duplicates():
    a, truth_a = generate(300, seed=5)
    b, truth_b = generate(300, seed=5)
    assert a == b and truth_a == truth_b
    assert 1.2 < len(a) / 300 < 1.8  # ~30% registered again 1-3 times


def test_rule_pair_count_matches_the_pairs_a_rule_forms():
    # The pair budget and the choice of EM rules rest on this count; it must not count a record
    # with itself (which once made every training rule look big enough on a small register).
    import duckdb

    from acogida.dedup.engine.features import features_table
    from acogida.dedup.engine.model import _rule_pair_count
    from acogida.dedup.engine.synthetic import generate_arrow

    con = duckdb.connect()
    con.register("f", features_table(generate_arrow(300, seed=2)))
    for rule in ("l.dob = r.dob", "l.fs_key = r.ss_key AND l.dob_y = r.dob_y",
                 "left(l.fs, 3) = left(r.fs, 3) AND l.g1_key = r.g1_key"):
        on = rule.replace("l.", "a.").replace("r.", "b.")
        formed = con.sql(f"SELECT count(*) FROM f a JOIN f b ON {on} "  # noqa: S608
                         "AND a.unique_id <> b.unique_id").fetchall()[0][0]
        # Ordered pairs halved: exact for a symmetric rule, the mean of both directions otherwise.
        assert _rule_pair_count(con, rule) == formed // 2, rule
