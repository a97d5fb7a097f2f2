"""Aggregate figures: counts only, computed in the database, never a name."""

from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.db.models import (
    CharField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, Concat, Substr, TruncDate
from django.utils import timezone

from acogida.accounts import access, audit
from acogida.core.reference import SENSITIVE_NEEDS
from acogida.registry.models import HouseholdMember, Person, Sex, SpecificNeed

from .filters import Filters, day_q, person_q
from .suppression import suppress, suppress_mapping

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
    """People by age band: grouped by date of birth in the database, bucketed here (see
    ``_pyramid_counts``)."""
    bounds = [(label, *_birth_range(today, low, high)) for label, low, high in AGE_BANDS]
    counts = dict.fromkeys((label for label, *_ in bounds), 0)
    for born, n in (queryset.order_by().values_list("date_of_birth")
                    .annotate(n=Count("id")).values_list("date_of_birth", "n")):
        for label, born_after, born_by in bounds:
            if born is not None and born_after < born <= born_by:
                counts[label] += n
                break
    return counts


def household_size_counts() -> dict[str, int]:
    table = HouseholdMember._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT size, COUNT(*) FROM (SELECT household_id, COUNT(*) AS size FROM {table} "  # noqa: S608
            "WHERE left_on IS NULL GROUP BY household_id) sizes GROUP BY size ORDER BY size")
        return {str(size): count for size, count in cursor.fetchall()}


def summary(*, actor: audit.Actor, user, today: date | None = None) -> dict:
    """The head count and its breakdowns; every count of 1 to 4 is "<5" (the total too)."""
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
    return {"total": suppress(people.count()), "as_of": today,
            **{name: suppress_mapping(counts) for name, counts in by.items()}}


# --- the situation picture: every figure below is a count, filtered, and suppressed -------------

def _people(filters: Filters):
    return Person.objects.filter(day_q(filters, "registered_at", timestamp=True),
                                 person_q(filters))


def _per_day_and_point(people) -> list[dict]:
    """``{day, point, n}`` per local day of registration and registration point, oldest first.

    On SQLite the database knows no time zones, so Django's local day is a Python function
    called once per row (seconds on a million people). There the rows are grouped in SQL by
    the stored UTC timestamp's quarter hour (text ``YYYY-MM-DD HH:MM:SS``; every time zone's
    offset is a whole number of quarter hours, so a quarter hour falls on one local day) and
    the few buckets are turned into local days here. Elsewhere the database does it."""
    if connection.vendor != "sqlite":
        return list(people.annotate(day=TruncDate("registered_at"))
                    .values("day", point=F("registration_point_id")).annotate(n=Count("id"))
                    .order_by())
    minute = Cast(Substr("registered_at", 15, 2), IntegerField())
    quarter = Concat(Substr("registered_at", 1, 14),
                     Cast(ExpressionWrapper(minute / 15, output_field=IntegerField()),
                          CharField()), output_field=CharField())
    counts: dict = {}
    for row in (people.annotate(quarter=quarter)
                .values("quarter", point=F("registration_point_id"))
                .annotate(n=Count("id")).order_by()):
        stamp = datetime.strptime(row["quarter"][:13], "%Y-%m-%d %H").replace(
            minute=15 * int(row["quarter"][14:]), tzinfo=UTC)
        key = (timezone.localdate(stamp), row["point"])
        counts[key] = counts.get(key, 0) + row["n"]
    return [{"day": day, "point": point, "n": n} for (day, point), n in counts.items()]


def registrations(*, user, filters: Filters) -> dict:
    """People registered per day and registration point."""
    from acogida.registry.models import RegistrationPoint

    access.require(user, "stats.read")
    counts = _per_day_and_point(_people(filters))
    points = {p.pk: p for p in RegistrationPoint.objects.filter(
        pk__in={r["point"] for r in counts})}
    rows = sorted(counts, key=lambda r: (r["day"], points[r["point"]].code))
    out = [{"date": r["day"], "place_code": points[r["point"]].code,
            "place": points[r["point"]].name, "state": points[r["point"]].state,
            "count": suppress(r["n"])} for r in rows]
    by_day: dict = {}
    for r in rows:
        by_day[r["day"]] = by_day.get(r["day"], 0) + r["n"]
    return {"filters": filters.as_dict(), "rows": out,
            "by_day": [{"date": d, "count": suppress(n)} for d, n in by_day.items()],
            "total": suppress(sum(r["n"] for r in rows))}


def _pyramid_counts(people, today: date) -> dict:
    """People by age band and sex. One GROUP BY (date of birth, sex) read off the covering index
    — at most a few tens of thousands of groups — bucketed here by the bands' birth-date
    bounds: one conditional count per band and sex over every row cost seconds at a million."""
    bounds = [(label, *_birth_range(today, low, high)) for label, low, high in AGE_BANDS]
    counts = {f"{label}|{sex}": 0 for label, *_ in bounds for sex in Sex.values}
    total = 0
    for born, sex, n in (people.order_by().values_list("date_of_birth", "sex")
                         .annotate(n=Count("id")).values_list("date_of_birth", "sex", "n")):
        total += n
        if born is None:
            continue
        for label, born_after, born_by in bounds:
            if born_after < born <= born_by:
                key = f"{label}|{sex}"
                if key in counts:
                    counts[key] += n
                break
    counts["total"] = total
    return counts


def demographics(*, user, filters: Filters, today: date | None = None) -> dict:
    """Age–sex pyramid (age on ``date_to`` or today), nationalities, specific needs by code.
    Sensitive needs (SV, TR, SM) are encrypted per person and never counted here."""
    access.require(user, "stats.read")
    today = filters.date_to or today or timezone.localdate()
    people = _people(filters)
    counts = _pyramid_counts(people, today)
    pyramid = [{"band": label, **{sex: suppress(counts[f"{label}|{sex}"]) for sex in Sex.values}}
               for label, _low, _high in AGE_BANDS]
    nationalities = [{"nationality": code, "count": suppress(n)} for code, n in
                     people.values_list("nationality").annotate(n=Count("id"))
                     .order_by("-n", "nationality")]
    needs = [{"code": code, "count": suppress(n)} for code, n in
             SpecificNeed.objects.filter(person__in=people.values("id"))
             .exclude(code__in=SENSITIVE_NEEDS).values_list("code")
             .annotate(n=Count("id")).order_by("code")]
    return {"filters": filters.as_dict(), "as_of": today, "total": suppress(counts["total"]),
            "pyramid": pyramid, "nationalities": nationalities, "specific_needs": needs}


def _at(day: date | None):
    """The end of ``day`` (local time), or now."""
    if day is None:
        return timezone.now()
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def occupancy_rows(filters: Filters) -> list[dict]:
    """Per shelter: capacity, people staying (at the end of ``date_to``, or now) and the
    facilities the Sphere checks need. Unsuppressed: callers decide how to show it."""
    from acogida.shelter.models import Section, Shelter, Stay

    shelters = Shelter.objects.order_by("name")
    if filters.state:
        shelters = shelters.filter(state__iexact=filters.state)
    if filters.place:
        shelters = shelters.filter(Q(name__icontains=filters.place)
                                   | Q(municipality__icontains=filters.place))
    moment = _at(filters.date_to)
    stays = Stay.objects.filter(checked_in_at__lte=moment).filter(
        Q(checked_out_at__isnull=True) | Q(checked_out_at__gt=moment))
    if filters.group:
        stays = stays.filter(person__arrival_group_id=filters.group)
    occupied = dict(stays.values_list("section__shelter").annotate(n=Count("id")))
    capacity = dict(Section.objects.values_list("shelter").annotate(n=Sum("capacity")))
    return [{"id": s.pk, "shelter": s.name, "state": s.state, "municipality": s.municipality,
             "capacity": capacity.get(s.pk) or 0, "occupied": occupied.get(s.pk, 0),
             "covered_area_m2": s.covered_area_m2, "toilets": s.toilets, "taps": s.taps,
             "showers": s.showers, "medical_post": s.medical_post}
            for s in shelters]


def shelters(*, user, filters: Filters, rows: list[dict] | None = None) -> dict:
    """Occupancy per shelter. With 1 to 4 people staying, ``percent`` (and ``over_capacity``
    of a shelter without capacity) would give the count away: they are None. Totals are summed
    from the exact counts, then suppressed. ``rows``: ``occupancy_rows`` already read."""
    access.require(user, "stats.read")
    out = []
    rows = occupancy_rows(filters) if rows is None else rows
    for r in rows:
        small = 0 < r["occupied"] < 5
        over = max(0, r["occupied"] - r["capacity"])
        out.append({"shelter": r["shelter"], "state": r["state"],
                    "municipality": r["municipality"], "capacity": r["capacity"],
                    "occupied": suppress(r["occupied"]),
                    "over_capacity": None if small and not r["capacity"] else over > 0,
                    "over_by": suppress(over),
                    "percent": round(100 * r["occupied"] / r["capacity"])
                    if r["capacity"] and not small else None})
    return {"filters": filters.as_dict(), "as_of": filters.date_to or timezone.localdate(),
            "rows": out, "total_occupied": suppress(sum(r["occupied"] for r in rows)),
            "total_capacity": sum(r["capacity"] for r in rows)}


def documents(*, user, filters: Filters) -> dict:
    """Per kind: requested, handed over (issued), revoked in the date range, and verifications
    (scans checked by ``POST /documents/verify``, counted from the audit log)."""
    access.require(user, "stats.read")
    from acogida.accounts.models import AuditEntry
    from acogida.documents.models import Document, DocumentType

    docs = Document.objects.all()
    if filters.state:
        docs = docs.filter(office__state__iexact=filters.state)
    if filters.place:
        docs = docs.filter(Q(office__code__iexact=filters.place)
                           | Q(office__name__icontains=filters.place))
    if filters.group:
        docs = docs.filter(holder__arrival_group_id=filters.group)

    def within(field: str) -> Q:
        return Q(**{f"{field}__isnull": False}) & day_q(filters, field, timestamp=True)

    counts = {row["doc_type"]: row for row in docs.values("doc_type").annotate(
        requested=Count("id", filter=within("requested_at")),
        issued=Count("id", filter=within("handed_over_at")),
        revoked=Count("id", filter=within("ended_at") & Q(status="revoked")))}
    verifications = AuditEntry.objects.filter(action="document.verify", object_type="document")
    verifications = verifications.filter(day_q(filters, "at", timestamp=True))
    verified = dict(verifications.annotate(doc_type=Subquery(
        docs.filter(number=OuterRef("object_id")).values("doc_type")[:1]))
        .exclude(doc_type=None).values_list("doc_type").annotate(n=Count("id")))
    rows = []
    for kind, label in DocumentType.choices:
        row = counts.get(kind, {})
        rows.append({"kind": kind, "label": str(label),
                     **{k: suppress(row.get(k, 0)) for k in ("requested", "issued", "revoked")},
                     "verified": suppress(verified.get(kind, 0))})
    totals = {k: suppress(sum(row.get(k, 0) for row in counts.values()))
              for k in ("requested", "issued", "revoked")}
    return {"filters": filters.as_dict(), "rows": rows, "totals": totals}


def arrival_groups() -> list[tuple[int, str]]:
    """The arrival groups' ids and names, for the dashboard's filter (no people)."""
    from acogida.registry.models import ArrivalGroup

    return list(ArrivalGroup.objects.order_by("name").values_list("id", "name"))


def record_read(actor: audit.Actor, what: str, filters: Filters, **details) -> None:
    """One audit entry per figure read (aggregates: no subject)."""
    audit.record(actor, f"stats.{what}", "", "",
                 filters={k: str(v) for k, v in filters.as_dict().items() if v not in (None, "")},
                 **details)
