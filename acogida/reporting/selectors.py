"""Aggregate figures: counts only, computed in the database, never a name."""

from datetime import date

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from acogida.accounts import access, audit
from acogida.registry.models import HouseholdMember, Person

# (label, lowest age, highest age) — the bands humanitarian reports use.
AGE_BANDS = [("0-4", 0, 4), ("5-11", 5, 11), ("12-17", 12, 17), ("18-59", 18, 59),
             ("60+", 60, 200)]


def _birth_range(today: date, low: int, high: int) -> tuple[date, date]:
    """Born in this range means aged low..high today."""
    def years_before(years: int) -> date:
        try:
            return today.replace(year=today.year - years)
        except ValueError:  # 29 February
            return today.replace(year=today.year - years, day=28)

    youngest = years_before(low)
    oldest = years_before(high + 1)
    return oldest, youngest


def age_band_counts(queryset, today: date) -> dict[str, int]:
    aggregates = {}
    for label, low, high in AGE_BANDS:
        born_after, born_by = _birth_range(today, low, high)
        aggregates[label] = Count("id", filter=Q(date_of_birth__gt=born_after,
                                                 date_of_birth__lte=born_by))
    return queryset.aggregate(**aggregates)


def household_size_counts() -> dict[str, int]:
    table = HouseholdMember._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT size, COUNT(*) FROM (SELECT household_id, COUNT(*) AS size FROM {table} "  # noqa: S608
            "WHERE left_on IS NULL GROUP BY household_id) sizes GROUP BY size ORDER BY size")
        return {str(size): count for size, count in cursor.fetchall()}


def summary(*, actor: audit.Actor, user, today: date | None = None) -> dict:
    access.require(user, "stats.read")
    today = today or timezone.localdate()
    people = Person.objects.all()
    by = {
        "sex": dict(people.values_list("sex").annotate(n=Count("id")).order_by("sex")),
        "age_band": age_band_counts(people, today),
        "nationality": dict(people.values_list("nationality").annotate(n=Count("id"))
                            .order_by("-n", "nationality")),
        "household_size": household_size_counts(),
    }
    audit.record(actor, "stats.summary")
    return {"total": people.count(), "as_of": today, **by}
