"""Ages, counted as people count them (birthdays passed), and who counts as an adult. Pure:
the placement optimiser uses it without Django."""

from datetime import date

ADULT_AGE = 18


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
