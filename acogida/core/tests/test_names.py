import pytest

from acogida.core import names


@pytest.mark.parametrize(("text", "folded"), [
    ("Hernández", "hernandez"),
    ("MARÍA JOSÉ", "maria jose"),
    ("Peña-Ñúñez", "pena nunez"),
    ("O'Neil", "o neil"),
    ("  Müller ", "muller"),
])
def test_fold(text, folded):
    assert names.fold(text) == folded


def test_particles_are_ignored_for_indexing():
    assert names.tokens("de la Cruz y Pérez") == ["cruz", "perez"]
    assert names.index_form("María de los Ángeles") == "maria angeles"


@pytest.mark.parametrize(("a", "b"), [
    ("Hernández", "Ernandes"),
    ("Velásquez", "Belasquez"),
    ("Yolanda", "Llolanda"),
    ("Zelaya", "Selaya"),
    ("Cecilia", "Sesilia"),
    ("Gerardo", "Jerardo"),
    ("Guillermo", "Giyermo"),
])
def test_phonetic_key_forgives_drift(a, b):
    assert names.phonetic_key(a) == names.phonetic_key(b)


@pytest.mark.parametrize(("a", "b"), [("Cruz", "Díaz"), ("Chávez", "Cavez"), ("Mejía", "Mena")])
def test_phonetic_key_keeps_different_names_apart(a, b):
    assert names.phonetic_key(a) != names.phonetic_key(b)


def test_nfc_and_control_characters():
    decomposed = "Jose\u0301"
    assert names.nfc(decomposed) == "José"
    assert names.has_control_characters("Ana\x00")
    assert names.has_control_characters("Ana\u200b")  # zero-width space
    assert not names.has_control_characters("Ñandú O'Neil-Peña")
