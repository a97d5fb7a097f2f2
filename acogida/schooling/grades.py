"""Mexican school grades by age: pure, no Django (shared/domain/standards.md).

A child's level and grade follow the age reached by 31 December of the year the school year
starts: a child who turns 6 by then enters primaria grade 1. The school may place a child
elsewhere after a placement test; this module only suggests.
"""

from dataclasses import dataclass
from datetime import date

# level, youngest age, oldest age (grade = age - youngest + 1)
LEVELS: tuple[tuple[str, int, int], ...] = (
    ("preescolar", 3, 5),
    ("primaria", 6, 11),
    ("secundaria", 12, 14),
    ("media_superior", 15, 17),
)
LEVEL_NAMES = tuple(level for level, _low, _high in LEVELS)
GRADES: dict[str, int] = {level: high - low + 1 for level, low, high in LEVELS}
YOUNGEST, OLDEST = LEVELS[0][1], LEVELS[-1][2]
# The school year runs roughly late August to July: from August on, a date belongs to the
# school year starting that calendar year.
SCHOOL_YEAR_FIRST_MONTH = 8


@dataclass(frozen=True)
class Suggestion:
    level: str
    grade: int


def age_on_cutoff(date_of_birth: date, school_year_start: int) -> int:
    """Age on 31 December of ``school_year_start``: every birthday of that year has passed."""
    return school_year_start - date_of_birth.year


def school_year_start(today: date) -> int:
    return today.year if today.month >= SCHOOL_YEAR_FIRST_MONTH else today.year - 1


def suggested_placement(date_of_birth: date, school_year_start: int) -> Suggestion | None:
    """The level and grade for a child's age, or None outside compulsory schooling (3–17)."""
    age = age_on_cutoff(date_of_birth, school_year_start)
    for level, low, high in LEVELS:
        if low <= age <= high:
            return Suggestion(level, age - low + 1)
    return None


def valid_grade(level: str, grade: int) -> bool:
    return level in GRADES and 1 <= grade <= GRADES[level]
