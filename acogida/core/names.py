"""Spanish and Central American names: exact storage, folded forms for search and matching.

Names are kept exactly as given (NFC). Search and duplicate detection work on folded forms:
no accents, lower case, particles ("de", "del", "de la", "y") removed, and a phonetic key that
forgives the spellings that drift between registrations (b/v, s/z/c, ll/y, silent h).
"""

import re
import unicodedata

PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "e", "da", "van", "von"})
_NON_LETTER = re.compile(r"[^a-z0-9]+")
MAX_NAME_LENGTH = 200


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip())


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"} for ch in text)


def fold(text: str | None) -> str:
    """Lower case, accents and punctuation removed, particles kept: "María-José" -> "maria jose"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_LETTER.sub(" ", stripped.replace("ß", "ss")).strip()


def tokens(text: str | None) -> list[str]:
    """Folded words without particles: "de la Cruz y Pérez" -> ["cruz", "perez"]."""
    return [word for word in fold(text).split() if word not in PARTICLES]


def index_form(text: str | None) -> str:
    return " ".join(tokens(text))


_PHONETIC_RULES = [
    (re.compile(r"ch"), "X"),  # keep "ch" apart before h is dropped
    (re.compile(r"qu(?=[ei])"), "k"),
    (re.compile(r"gu(?=[ei])"), "g"),
    (re.compile(r"g(?=[ei])"), "j"),
    (re.compile(r"c(?=[ei])"), "s"),
    (re.compile(r"ll"), "y"),
    (re.compile(r"[cq]"), "k"),
    (re.compile(r"z"), "s"),
    (re.compile(r"v"), "b"),
    (re.compile(r"w"), "u"),
    (re.compile(r"h"), ""),
    (re.compile(r"i(?=[aeou])"), "y"),
    (re.compile(r"(.)\1+"), r"\1"),
]


def phonetic_key(word: str | None) -> str:
    """A Spanish sound key for one word: Hernández, Ernandes and Hernandes share "ernandes"."""
    key = fold(word).replace(" ", "")
    for pattern, replacement in _PHONETIC_RULES:
        key = pattern.sub(replacement, key)
    return key.replace("X", "ch")


def first_token_key(text: str | None) -> str:
    """Phonetic key of the first meaningful word of a name part ("" when there is none)."""
    words = tokens(text)
    return phonetic_key(words[0]) if words else ""
