"""Aggregate figures: counts only, computed in the database, never a name."""

from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import (
    Count,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.utils import timezone

from acogida.accounts import access, audit
from acogida.core.reference import SENSITIVE_NEEDS
from acogida.registry.models import HouseholdMember, Person, Sex, SpecificNeed

from .filters import Filters, day_q, point_q, start_of
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
    """People by age band: grouped by date of birth in the database (read off the index
    ``person_birth_cov``, in order), bucketed here."""
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

def _point_ids(filters: Filters) -> list[int] | None:
    """The registration points the state and place filters select (None: no such filter, every
    point). Read first (a few rows) so that the people are filtered by ``registration_point_id``
    alone: the leading column of the person indexes below, on either database."""
    from acogida.registry.models import RegistrationPoint

    if not (filters.state or filters.place):
        return None
    return list(RegistrationPoint.objects.filter(point_q(filters)).order_by("pk")
                .values_list("pk", flat=True))


def _people_q(filters: Filters, points: list[int] | None, path: str = "") -> Q:
    """The people the filters select — registered within the date range, at one of ``points``
    (None: any), in the arrival group — as conditions on the columns of the index
    ``person_point_registered_cov``, which holds them all (and the other figures' columns)."""
    prefix = f"{path}__" if path else ""
    q = day_q(filters, f"{prefix}registered_at", timestamp=True)
    if points is not None:
        q &= Q(**{f"{prefix}registration_point_id__in": points})
    if filters.group:
        q &= Q(**{f"{prefix}arrival_group_id": filters.group})
    return q


def _local_days(first: datetime, last: datetime) -> list[date]:
    day, end = timezone.localdate(first), timezone.localdate(last)
    days = []
    while day <= end:
        days.append(day)
        day += timedelta(days=1)
    return days


def _per_day_and_point(filters: Filters) -> list[dict]:
    """``{day, point, n}`` per local day of registration and registration point (only those
    with people), in one query: for each registration point and local day between the first and
    the last registration selected, a count of the index range ``(registration_point_id,
    registered_at)`` between the day's first moment and the next day's — read off the index
    ``person_point_registered_cov`` (which also holds the arrival group), never the table, and
    nothing to sort. Local days are bounds on the stored timestamps (``filters.start_of``),
    computed here: right on either database whatever the time zone and its clock changes.

    (Grouping the rows by their local day instead sorts every row selected: on SQLite, without
    time zones, by the stored UTC quarter hour turned into local days afterwards; 0.6 s at a
    million people against a few hundredths.)"""
    from acogida.registry.models import RegistrationPoint

    points = _point_ids(filters)
    if points == []:
        return []
    chosen = RegistrationPoint.objects.all() if points is None else \
        RegistrationPoint.objects.filter(pk__in=points)
    people = Person.objects.filter(_people_q(filters, None), registration_point=OuterRef("pk"))
    spans = [(pk, first, last) for pk, first, last in chosen.order_by("pk").annotate(
        first=Subquery(people.order_by("registered_at").values("registered_at")[:1]),
        last=Subquery(people.order_by("-registered_at").values("registered_at")[:1]),
    ).values_list("pk", "first", "last") if first is not None]
    if not spans:
        return []
    days = _local_days(min(s[1] for s in spans), max(s[2] for s in spans))
    ops = connection.ops
    moment = "%s::timestamptz" if connection.vendor == "postgresql" else "%s"
    params: list = []
    for day in days:
        params += [ops.adapt_datetimefield_value(start_of(day)),
                   ops.adapt_datetimefield_value(start_of(day + timedelta(days=1)))]
    group = ""
    if filters.group:
        group = " AND p.arrival_group_id = %s"
        params.append(filters.group)
    ids = [pk for pk, _first, _last in spans]
    table, points_table = Person._meta.db_table, RegistrationPoint._meta.db_table
    values = ", ".join(f"({n}, {moment}, {moment})" for n in range(len(days)))
    sql = (f"WITH days (n, day_start, day_end) AS (VALUES {values}) "  # noqa: S608 - only numbers and placeholders
           f"SELECT days.n, pt.id, (SELECT COUNT(*) FROM {table} p "
           "WHERE p.registration_point_id = pt.id AND p.registered_at >= days.day_start "
           f"AND p.registered_at < days.day_end{group}) "
           f"FROM days CROSS JOIN {points_table} pt "
           f"WHERE pt.id IN ({', '.join(['%s'] * len(ids))})")
    with connection.cursor() as cursor:
        cursor.execute(sql, params + ids)
        return [{"day": days[n], "point": point, "n": count}
                for n, point, count in cursor.fetchall() if count]


def registrations(*, user, filters: Filters) -> dict:
    """People registered per day and registration point."""
    from acogida.registry.models import RegistrationPoint

    access.require(user, "stats.read")
    counts = _per_day_and_point(filters)
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


def _births_span() -> tuple[date | None, date | None]:
    """The earliest and the latest date of birth in the registry: two seeks in the index
    ``person_birth_cov``."""
    births = Person.objects.order_by("date_of_birth").values_list("date_of_birth", flat=True)
    return births.first(), births.order_by("-date_of_birth").first()


def _demographic_counts(filters: Filters, today: date) -> dict:
    """The exact (unsuppressed) figures of ``demographics``: ``pyramid`` {(band, sex): n},
    ``nationalities`` {code: n}, ``needs`` {code: n} and ``total``.

    One grouped query reads the pyramid and the nationalities: per registration point, sex and
    nationality (a few hundred groups at most), how many people and how many were born after
    each of the bands' bounds (a band is the difference of two of these; a bound that nobody in
    the registry was born after, or that everyone was, is not counted: its count is known). The
    index ``person_point_sex_nat`` holds every column the query reads, in the order of its GROUP
    BY: the groups come out of the index one after the other with nothing to sort, and a date
    range is a range of the index within each group (on SQLite a skip-scan, which needs
    ANALYZE's statistics). Specific needs: ``_need_counts``."""
    bounds = [(label, *_birth_range(today, low, high)) for label, low, high in AGE_BANDS]
    points = _point_ids(filters)
    pyramid = {(label, sex): 0 for label, *_ in bounds for sex in Sex.values}
    nationalities: dict[str, int] = {}
    total = 0
    if points == []:
        return {"pyramid": pyramid, "nationalities": nationalities, "needs": {}, "total": 0}
    earliest, latest = _births_span()
    thresholds = sorted({day for _label, after, by in bounds for day in (after, by)})
    # born after a bound later than every birth: nobody; before every birth: everyone
    counted = [day for day in thresholds
               if earliest is not None and earliest <= day < latest]
    people = Person.objects.filter(_people_q(filters, points))
    born_after = {f"after_{n}": Count("date_of_birth", filter=Q(date_of_birth__gt=day))
                  for n, day in enumerate(counted)}
    for row in (people.order_by().values("registration_point_id", "sex", "nationality")
                .annotate(n=Count("*"), **born_after)):
        total += row["n"]
        nationalities[row["nationality"]] = nationalities.get(row["nationality"], 0) + row["n"]
        after = {day: row[f"after_{n}"] for n, day in enumerate(counted)}
        for day in thresholds:
            if day not in after:
                after[day] = 0 if latest is None or day >= latest else row["n"]
        for label, oldest, youngest in bounds:
            if (label, row["sex"]) in pyramid:
                pyramid[(label, row["sex"])] += after[oldest] - after[youngest]
    return {"pyramid": pyramid, "nationalities": nationalities,
            "needs": _need_counts(filters, points, total), "total": total}


def _need_counts(filters: Filters, points: list[int] | None, selected: int) -> dict[str, int]:
    """Non-sensitive specific needs by code, of the ``selected`` people the filters select.
    Without filters, every need row. Otherwise a join of the needs to the people selected.
    PostgreSQL hashes one side and reads the other once. SQLite joins by lookups, from the
    smaller side: from the people selected (a covering index range), looking up each one's
    needs, when they are fewer than the need rows; else from the need rows, in the order of
    their people's ids, looking up each person (a semi-join: ids in order read the person
    table in order). The same counts either way; at a million people with a month selected,
    half a million lookups against a sixth of that."""
    needs = SpecificNeed.objects.exclude(code__in=SENSITIVE_NEEDS)
    if any((filters.date_from, filters.date_to, filters.state, filters.place, filters.group)):
        if connection.vendor != "sqlite" or selected <= SpecificNeed.objects.count():
            needs = needs.filter(_people_q(filters, points, "person"))
        else:
            with_needs = SpecificNeed.objects.values("person_id")
            needs = needs.filter(person_id__in=Person.objects.filter(
                _people_q(filters, points), pk__in=with_needs).values("pk"))
    return dict(needs.order_by().values_list("code").annotate(n=Count("*")))


def demographics(*, user, filters: Filters, today: date | None = None) -> dict:
    """Age–sex pyramid (age on ``date_to`` or today), nationalities, specific needs by code.
    Sensitive needs (SV, TR, SM) are encrypted per person and never counted here."""
    access.require(user, "stats.read")
    today = filters.date_to or today or timezone.localdate()
    counts = _demographic_counts(filters, today)
    pyramid = [{"band": label, **{sex: suppress(counts["pyramid"][(label, sex)])
                                  for sex in Sex.values}}
               for label, _low, _high in AGE_BANDS]
    nationalities = [{"nationality": code, "count": suppress(n)} for code, n in
                     sorted(counts["nationalities"].items(), key=lambda kv: (-kv[1], kv[0]))]
    needs = [{"code": code, "count": suppress(n)}
             for code, n in sorted(counts["needs"].items())]
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
