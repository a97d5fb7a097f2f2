"""Scores how likely two registrations are the same person, and says why.

Pure: plain data in, plain data out. The registry's live duplicate hints use it at registration
time; the identity-resolution app replaces the weights with a trained model later. The score is a
sum of per-field evidence in [0, 1]; every piece of evidence becomes a reason the clerk can read.
"""

from dataclasses import dataclass, field
from datetime import date

from rapidfuzz.distance import JaroWinkler

from acogida.core.names import phonetic_key, tokens


@dataclass(frozen=True)
class NameRecord:
    given_names: str
    first_surname: str
    second_surname: str = ""
    date_of_birth: date | None = None
    date_of_birth_estimated: bool = False
    sex: str = ""
    nationality: str = ""


@dataclass(frozen=True)
class Reason:
    code: str  # stable, e.g. "dob.exact"; the text is for people
    weight: float
    text: str


@dataclass
class Match:
    score: float
    reasons: list[Reason] = field(default_factory=list)


def _similar(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b or phonetic_key(a) == phonetic_key(b):
        return 1.0
    return JaroWinkler.similarity(a, b)


def _surname(a: str, b: str) -> float:
    return _similar(" ".join(tokens(a)), " ".join(tokens(b)))


def _given(a: str, b: str) -> float:
    """Given names by token: "María José" against "Maria" is the first name shared, not a miss."""
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:
        return 0.0
    first = _similar(ta[0], tb[0])
    rest = [max(_similar(x, y) for y in tb) for x in ta[1:]]
    return first if not rest else 0.8 * first + 0.2 * (sum(rest) / len(rest))


def _surnames(q: NameRecord, c: NameRecord) -> tuple[float, Reason]:
    direct_first = _surname(q.first_surname, c.first_surname)
    if q.second_surname and c.second_surname:
        direct = (direct_first + _surname(q.second_surname, c.second_surname)) / 2
        swapped = (_surname(q.first_surname, c.second_surname)
                   + _surname(q.second_surname, c.first_surname)) / 2
    else:
        # A missing second surname is missing, not a mismatch; the first may stand in either place.
        direct = direct_first
        swapped = max(_surname(q.first_surname, c.second_surname),
                      _surname(q.second_surname, c.first_surname))
    if swapped > direct + 0.05:
        return swapped, Reason("surnames.swapped", 0.35 * swapped, "surnames swapped")
    code = "surnames.same" if direct >= 0.99 else "surnames.similar"
    return direct, Reason(code, 0.35 * direct, "same surnames" if direct >= 0.99
                          else "similar surnames")


def _dob(q: NameRecord, c: NameRecord) -> Reason | None:
    a, b = q.date_of_birth, c.date_of_birth
    if a is None or b is None:
        return None
    if a == b:
        return Reason("dob.exact", 0.3, "same date of birth")
    if (a.day, a.month, a.year) == (b.month, b.day, b.year):
        return Reason("dob.swapped", 0.22, "day and month of birth swapped")
    if (q.date_of_birth_estimated or c.date_of_birth_estimated) and abs(a.year - b.year) <= 1:
        return Reason("dob.estimated", 0.15, "estimated date of birth close")
    if abs((a - b).days) <= 31:
        return Reason("dob.near", 0.15, "date of birth within a month")
    if a.year == b.year:
        return Reason("dob.year", 0.08, "same year of birth")
    return Reason("dob.different", -0.2, "different date of birth")


def score(query: NameRecord, candidate: NameRecord) -> Match:
    reasons: list[Reason] = []
    given = _given(query.given_names, candidate.given_names)
    reasons.append(Reason("given.same" if given >= 0.99 else "given.similar", 0.25 * given,
                          "same given name" if given >= 0.99 else "similar given names"))
    _value, surname_reason = _surnames(query, candidate)
    reasons.append(surname_reason)
    if dob := _dob(query, candidate):
        reasons.append(dob)
    if query.sex and candidate.sex:
        reasons.append(Reason("sex.same", 0.05, "same sex") if query.sex == candidate.sex
                       else Reason("sex.different", -0.15, "different sex"))
    if query.nationality and candidate.nationality:
        reasons.append(Reason("nationality.same", 0.05, "same nationality")
                       if query.nationality == candidate.nationality
                       else Reason("nationality.different", -0.05, "different nationality"))
    total = sum(r.weight for r in reasons)
    return Match(max(0.0, min(1.0, total)), [r for r in reasons if r.weight > 0.02 or r.weight < 0])
