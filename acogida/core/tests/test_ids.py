import itertools

from acogida.core import ids


def test_new_numbers_are_valid_and_grouped():
    for _ in range(200):
        number = ids.new_number()
        assert ids.is_valid(number)
        assert len(number) == 12 and number[4] == "-" and number[9] == "-"


def test_every_single_character_error_is_caught():
    number = ids.new_number().replace("-", "")
    for position, wrong in itertools.product(range(len(number)), ids.ALPHABET):
        if wrong != number[position]:
            typo = number[:position] + wrong + number[position + 1:]
            assert not ids.is_valid(typo), typo


def test_adjacent_swaps_are_caught():
    caught = 0
    for _ in range(100):
        number = ids.new_number().replace("-", "")
        for i in range(len(number) - 1):
            if number[i] != number[i + 1]:
                swapped = number[:i] + number[i + 1] + number[i] + number[i + 2:]
                caught += not ids.is_valid(swapped)
                assert not ids.is_valid(swapped), swapped
    assert caught > 500


def test_typed_forms_normalise():
    number = ids.new_number()
    assert ids.normalize(number.lower().replace("-", " ")) == number
    assert ids.is_valid(f"  {number.lower()} ")
    assert ids.normalize("io-01") == ids.normalize("10-01")


def test_garbage_is_not_valid():
    for text in ["", "----", "hernandez", "ÑÑÑÑ-ÑÑÑÑ-ÑÑ", "0" * 40]:
        assert not ids.is_valid(text)


def test_many_numbers_at_once_are_made_as_one_at_a_time_is():
    numbers = ids.new_numbers(20_000)
    assert len(numbers) == 20_000 and all(ids.is_valid(n) for n in numbers)
    assert all(len(n) == 12 and n[4] == "-" and n[9] == "-" for n in numbers)
    assert numbers == sorted(set(numbers))  # different, and in order
    assert {c for n in numbers for c in n.replace("-", "")} == set(ids.ALPHABET)
    longer = ids.new_numbers(50, payload_length=6)  # grouped 4-3
    assert all(ids.is_valid(n, payload_length=6) and n == ids.group(n.replace("-", ""))
               for n in longer)
    assert ids.new_numbers(0) == []


def test_many_numbers_at_once_are_all_different_even_from_a_small_space():
    assert len(set(ids.new_numbers(900, payload_length=2))) == 900  # of 1,024 possible


def test_a_seed_draws_the_same_numbers_and_only_within():
    with ids.drawn_from(2018):
        seeded = ids.new_numbers(50) + [ids.new_number()]
    outside = ids.new_numbers(50) + [ids.new_number()]
    with ids.drawn_from(2018):
        again = ids.new_numbers(50) + [ids.new_number()]
    with ids.drawn_from(7):
        other = ids.new_numbers(50) + [ids.new_number()]
    assert seeded == again
    assert all(ids.is_valid(n) for n in seeded)
    assert not set(outside) & set(seeded) and not set(other) & set(seeded)


def test_the_operating_systems_randomness_comes_back_after_a_failure():
    try:
        with ids.drawn_from(1):
            raise RuntimeError
    except RuntimeError:
        pass
    with ids.drawn_from(1):
        seeded = ids.new_numbers(20)
    assert not set(ids.new_numbers(20)) & set(seeded)
