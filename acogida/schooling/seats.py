"""The one place seats are counted: per school and grade, the seats the school offers, the seats
taken (enrolled or attending) and the children waiting. Services (under the school's lock),
selectors (the schools' pages) and bulk proposals all read seats through ``counts``."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count

from .models import HOLDS_SEAT, Enrolment, EnrolmentStatus, SchoolGrade


@dataclass(frozen=True)
class SeatCount:
    seats: int = 0
    taken: int = 0
    waiting: int = 0

    @property
    def free(self) -> int:
        """Seats minus seats taken; negative when seats were cut below the children enrolled."""
        return self.seats - self.taken


EMPTY = SeatCount()


def counts(school_ids: Iterable[int]) -> dict[tuple[int, int], SeatCount]:
    """``{(school_id, grade): SeatCount}`` for every grade with seats or enrolments, in two
    queries."""
    ids_ = list(school_ids)
    seats = {(r["school_id"], r["grade"]): r["seats"]
             for r in SchoolGrade.objects.filter(school_id__in=ids_)
             .values("school_id", "grade", "seats")}
    taken: dict[tuple[int, int], int] = {}
    waiting: dict[tuple[int, int], int] = {}
    for row in (Enrolment.objects.filter(school_id__in=ids_,
                                         status__in=[*HOLDS_SEAT, EnrolmentStatus.WAITLISTED])
                .values("school_id", "grade", "status").annotate(n=Count("id"))):
        key = (row["school_id"], row["grade"])
        into = waiting if row["status"] == EnrolmentStatus.WAITLISTED else taken
        into[key] = into.get(key, 0) + row["n"]
    return {key: SeatCount(seats.get(key, 0), taken.get(key, 0), waiting.get(key, 0))
            for key in {*seats, *taken, *waiting}}


def free(school_id: int, grade: int) -> int:
    """Free seats of one grade (the caller holds the school's lock when it gives one away)."""
    return counts([school_id]).get((school_id, grade), EMPTY).free
