"""Reads on medical care.

Medical staff read a person's health record; an admin reads it only within an active
break-glass grant for that person; every read is audited with the person as subject. Other
roles learn at most whether the person has an open urgent referral. Aggregates carry no names.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.core import ids, numbers, paging
from acogida.core.ages import ADULT_AGE, age_on
from acogida.core.errors import FieldError, Forbidden, InvalidInput
from acogida.registry.models import Person
from acogida.registry.selectors import find_person
from acogida.reporting.suppression import suppress, suppress_mapping

from . import schedule
from .models import (
    OPEN_REFERRAL,
    URGENT,
    BreakGlassGrant,
    Encounter,
    Referral,
    ReferralStatus,
    Urgency,
    Vaccination,
)

# A pregnancy counts as "in follow-up" with a follow-up encounter within this many days.
PREGNANCY_FOLLOW_UP_WINDOW = timedelta(days=60)
STATS_DAYS = 30
# The child schedule is shown (due / overdue) up to this age: an adult's missing childhood doses
# are not "overdue" (adults' vaccines, such as Td, are recorded but never due).
CHILD_UNTIL_YEARS = ADULT_AGE
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 100_000
URGENCY_ORDER = {Urgency.EMERGENCY: 0, Urgency.URGENT: 1, Urgency.ROUTINE: 2}


def active_grant(user, person: Person) -> BreakGlassGrant | None:
    if not getattr(user, "pk", None):
        return None
    return (BreakGlassGrant.objects.filter(user=user, person=person,
                                           expires_at__gt=timezone.now())
            .order_by("-expires_at").first())


def refused(actor: audit.Actor, user, *, what: str, subject: str = "",
            message: str | None = None) -> Forbidden:
    """Record a refused attempt on medical data (``health.denied``: who, what, whose record;
    nothing clinical) and return the ``Forbidden`` to raise, marked as already audited."""
    audit.record(actor, "health.denied", "person" if subject else "health", subject or what,
                 subject=subject, what=what, role=getattr(user, "role", "") or "")
    exc = Forbidden(message or _("Your role may not do this (%(action)s).")
                    % {"action": "health.read"})
    exc.audited = True
    return exc


def existing_number(registration_number: str) -> str:
    """The registration number if such a person exists (for a refusal's audit entry)."""
    number = ids.normalize(registration_number or "")[:40]
    return number if number and Person.objects.filter(registration_number=number).exists() \
        else ""


def require(*, actor: audit.Actor, user, action: str, what: str,
            registration_number: str = "") -> None:
    """``access.require``, with the refusal audited (the web pages and API reads use it)."""
    if not access.can(user, action):
        raise refused(actor, user, what=what, subject=existing_number(registration_number),
                      message=_("Your role may not do this (%(action)s).") % {"action": action})


def require_reader(*, actor: audit.Actor, user, what: str,
                   registration_number: str = "") -> None:
    """Medical staff, or an admin (who still needs a grant for each person); else refused."""
    if not (access.can(user, "health.read") or access.can(user, "health.break_glass")):
        require(actor=actor, user=user, action="health.read", what=what,
                registration_number=registration_number)


def _check_reader(user, person: Person, *, actor: audit.Actor | None = None,
                  what: str = "read") -> str:
    """How the user may read this record: ``medical`` or ``break_glass``; else Forbidden
    (audited when ``actor`` is given)."""
    if access.can(user, "health.read"):
        return "medical"
    if access.can(user, "health.break_glass") and active_grant(user, person) is not None:
        return "break_glass"
    message = None
    if access.can(user, "health.break_glass"):
        message = _("Health records are for medical staff; an administrator must break "
                    "the glass (with a reason) first.")
    if actor is not None:
        raise refused(actor, user, what=what, subject=person.registration_number,
                      message=message)
    if message:
        raise Forbidden(message)
    access.require(user, "health.read")  # raises: the role may not read health records
    return ""


def child_schedule(person: Person, vaccinations, today: date) -> list:
    """The schedule's status for a child (under ``CHILD_UNTIL_YEARS``); nothing for an adult."""
    if age_on(person.date_of_birth, today) >= CHILD_UNTIL_YEARS:
        return []
    return schedule.schedule_status(person.date_of_birth, vaccinations, today)



def person_health(*, actor: audit.Actor, user, registration_number: str,
                  purpose: str = "read", today: date | None = None,
                  break_glass: bool = True) -> dict:
    """The person's encounters, vaccinations (with the schedule's status) and referrals.

    ``break_glass=False`` (a download such as the FHIR export): medical staff only. Breaking
    the glass is for reading the record in place, never for taking a copy away; an admin's
    attempt is refused (403) and audited."""
    require_reader(actor=actor, user=user, what=purpose,
                   registration_number=registration_number)
    person = find_person(registration_number)
    via = _check_reader(user, person, actor=actor, what=purpose)
    if via == "break_glass" and not break_glass:
        raise refused(actor, user, what=purpose, subject=person.registration_number,
                      message=_("Breaking the glass lets you read this record here; it does "
                                "not let you download it."))
    today = today or timezone.localdate()
    encounters = list(person.encounters.order_by("-date", "-id"))
    vaccinations = list(person.vaccinations.order_by("date", "vaccine", "dose"))
    referrals = list(person.referrals.order_by("-created_at", "-id"))
    audit.record(actor, f"health.{purpose}", "person", person.registration_number,
                 subject=person.registration_number, via=via)
    return {"person": person, "encounters": encounters, "vaccinations": vaccinations,
            "referrals": referrals, "via": via,
            "grant": active_grant(user, person) if via == "break_glass" else None,
            "today": today, "schedule": child_schedule(person, vaccinations, today)}


def health_records(*, actor: audit.Actor, user, registration_numbers: list[str],
                   purpose: str = "fhir", today: date | None = None) -> list[dict]:
    """``person_health`` for many people at once (an export: medical staff only, never through
    break-glass), in a few queries, each person's read audited. Unknown numbers are skipped."""
    require(actor=actor, user=user, action="health.read", what=purpose)
    today = today or timezone.localdate()
    numbers = sorted({ids.normalize(n or "") for n in registration_numbers})
    records = []
    for start in range(0, len(numbers), 1000):
        people = (Person.objects.filter(registration_number__in=numbers[start:start + 1000])
                  .order_by("registration_number").prefetch_related(
                      Prefetch("encounters", queryset=Encounter.objects.order_by("-date", "-id")),
                      Prefetch("vaccinations",
                               queryset=Vaccination.objects.order_by("date", "vaccine", "dose")),
                      Prefetch("referrals",
                               queryset=Referral.objects.order_by("-created_at", "-id"))))
        for person in people:
            vaccinations = list(person.vaccinations.all())
            records.append({"person": person, "encounters": list(person.encounters.all()),
                            "vaccinations": vaccinations,
                            "referrals": list(person.referrals.all()), "via": "medical",
                            "grant": None, "today": today,
                            "schedule": child_schedule(person, vaccinations, today)})
    audit.record_many(actor, [audit.Event(f"health.{purpose}", "person", r["person"]
                                          .registration_number, {"via": "medical"},
                                          subject=r["person"].registration_number)
                              for r in records])
    return records


def has_open_urgent_referral(*, user, person: Person, actor: audit.Actor | None = None
                             ) -> bool:
    """Yes or no, for the roles that must know (shelter, case officers): nothing clinical.
    With ``actor`` (the API's read) the read is audited: ``health.urgent_flag``, the person as
    subject."""
    access.require(user, "health.urgent_flag")
    found = Referral.objects.filter(person=person, status__in=OPEN_REFERRAL,
                                    urgency__in=URGENT).exists()
    if actor is not None:
        audit.record(actor, "health.urgent_flag", "person", person.registration_number,
                     subject=person.registration_number)
    return found


def encounters_since(*, actor: audit.Actor, user, person: Person, since: date | None,
                     facility_kind: str | None = None) -> int:
    """How many encounters the person has had since ``since`` (all when None), optionally at
    one kind of facility: a count only, nothing clinical is read or decrypted. Medical staff
    only (``health.read``); audited as ``health.plan`` (the plan's benefits ledger asks)."""
    if not access.can(user, "health.read"):
        raise refused(actor, user, what="plan", subject=person.registration_number)
    encounters = Encounter.objects.filter(person=person)
    if since is not None:
        encounters = encounters.filter(date__gte=since)
    if facility_kind:
        encounters = encounters.filter(facility_kind=facility_kind)
    n = encounters.count()
    audit.record(actor, "health.plan", "person", person.registration_number,
                 subject=person.registration_number, part="encounters_count", via="medical")
    return n


def _last_day_with(months: int, latest_due: date) -> date:
    """The latest date of birth whose dose at ``months`` is due on or before ``latest_due``
    (``add_months`` clamps to the month's end, so a few later births may share a due date)."""
    born = schedule.add_months(latest_due, -months)
    while schedule.add_months(born + timedelta(days=1), months) <= latest_due:
        born += timedelta(days=1)
    return born


def overdue_children(today: date, people: Q | None = None) -> int:
    """Children under five with at least one overdue dose of the child schedule, counted in SQL:
    per dose, the births old enough for it to be overdue (due more than ``GRACE_DAYS`` ago)
    without that dose recorded on or before ``today``. Equal to ``schedule.has_overdue`` child
    by child. ``people``: only the children it selects (a registration point, a group)."""
    five_years_ago = schedule.add_months(today, -60)
    latest_due = today - timedelta(days=schedule.GRACE_DAYS + 1)
    overdue, born_by = Q(), []
    for dose in schedule.SCHEDULE:
        given = Vaccination.objects.filter(person=OuterRef("pk"), vaccine=dose.vaccine,
                                           dose=dose.dose, date__lte=today)
        born_by.append(_last_day_with(dose.months, latest_due))
        overdue |= Q(date_of_birth__lte=born_by[-1]) & ~Exists(given)
    # the latest birth with any dose overdue bounds the range too (of person_birth_cov)
    born = Q(date_of_birth__gt=five_years_ago, date_of_birth__lte=max(born_by))
    return Person.objects.filter(people or Q(), overdue, born).count()


def _window(filters, today: date, days: int) -> tuple[date, date]:
    """The encounters' days: ``date_from``..``date_to``; a missing end is today (or
    ``date_from``, if later), a missing start ``days`` days before the end."""
    until = filters.date_to or max(today, filters.date_from or today)
    since = filters.date_from or until - timedelta(days=days - 1)
    return since, until


def _raw_health_stats(*, today: date, days: int, filters=None) -> dict:
    """The counts, unsuppressed. ``filters`` (``acogida.reporting.filters.Filters``): the date
    range bounds the encounters (and the doses given; the overdue check is as of its end), a
    pregnancy follow-up counts within 60 days before the end, open urgent referrals count
    those made in the range (all open ones without dates); state, place and group select the
    people by their registration point and arrival group."""
    from acogida.reporting.filters import Filters, day_q, person_q

    filters = filters or Filters()
    since, until = _window(filters, today, days)
    of_person = person_q(filters, "person")
    by_day = list(Encounter.objects.filter(of_person, date__gte=since, date__lte=until)
                  .values("date", "reason").annotate(count=Count("id"))
                  .order_by("date", "reason"))
    by_reason: Counter = Counter()
    per_day: Counter = Counter()
    for row in by_day:
        by_reason[row["reason"]] += row["count"]
        per_day[row["date"]] += row["count"]
    follow_up_from = until - PREGNANCY_FOLLOW_UP_WINDOW
    if filters.date_from and filters.date_from > follow_up_from:
        follow_up_from = filters.date_from - timedelta(days=1)
    pregnant = (Encounter.objects.filter(of_person, pregnancy_follow_up=True,
                                         date__gt=follow_up_from, date__lte=until)
                .values("person_id").distinct().count())
    urgent = Referral.objects.filter(of_person, day_q(filters, "created_at", timestamp=True),
                                     status__in=OPEN_REFERRAL, urgency__in=URGENT).count()
    given = Vaccination.objects.filter(of_person, date__gte=since, date__lte=until).count()
    return {"since": since, "until": until, "by_day": by_day,
            "by_reason": dict(sorted(by_reason.items())), "per_day": dict(sorted(per_day.items())),
            "overdue": overdue_children(until, person_q(filters)), "pregnant": pregnant,
            "urgent": urgent, "vaccinations": given, "filters": filters.as_dict()}


def health_stats(*, user, today: date | None = None, days: int = STATS_DAYS,
                 filters=None) -> dict:
    """Counts only: encounters by reason and day (``date_from``..``date_to``, by default the
    last ``days`` days), doses given in those days, children under five with an overdue
    vaccination (as of the last day), women in pregnancy follow-up, open urgent referrals;
    for the people ``filters`` selects (``acogida.reporting.filters.Filters``: registration
    point, arrival group). Every count of 1 to 4 is shown as ``"<5"`` (small-cell
    suppression); sums (per day, per reason) are made from the raw numbers first, then
    suppressed. A filter matching nothing gives zeros."""
    access.require(user, "health.stats")
    return _suppressed(_raw_health_stats(today=today or timezone.localdate(), days=days,
                                         filters=filters))


def _suppressed(raw: dict) -> dict:
    return {"since": raw["since"], "until": raw["until"],
            "encounters_by_day": [{"date": r["date"], "reason": r["reason"],
                                   "count": suppress(r["count"])} for r in raw["by_day"]],
            "encounters_per_day": [{"date": day, "count": suppress(n)}
                                   for day, n in raw["per_day"].items()],
            "encounters_by_reason": suppress_mapping(raw["by_reason"]),
            "children_under_5_overdue_vaccinations": suppress(raw["overdue"]),
            "pregnant_women_in_follow_up": suppress(raw["pregnant"]),
            "open_urgent_referrals": suppress(raw["urgent"]),
            "vaccinations_given": suppress(raw["vaccinations"]),
            "filters": raw["filters"]}


# ---- lists: one person's encounters, vaccinations, referrals; the open-referrals worklist -------

@dataclass
class Page(paging.Page):
    person: Person | None = None
    via: str = "medical"
    schedule: list = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.page_size))


def _page_numbers(page, page_size) -> tuple[int, int]:
    """``page`` from 1 to ``MAX_PAGE`` (0 reads as 1); ``page_size`` a whole number, at most
    ``MAX_PAGE_SIZE`` (larger reads as that). Anything else is a 422 naming the field."""
    number = numbers.parse_bounded(page if page not in (None, "") else 1, 0, MAX_PAGE)
    if number is None:
        raise InvalidInput(_("Pages are numbered 1, 2, 3…"), [FieldError(
            "page", _("A whole number from 1 to %(n)s.") % {"n": f"{MAX_PAGE:,}"})])
    size = numbers.parse_id(page_size if page_size not in (None, "") else PAGE_SIZE)
    if size is None:
        raise InvalidInput(_("The page size is a whole number."), [FieldError(
            "page_size", _("A whole number from 1 to %(n)d.") % {"n": MAX_PAGE_SIZE})])
    return max(1, number), min(max(1, size), MAX_PAGE_SIZE)


def _slice(queryset: QuerySet, page: int, page_size: int) -> tuple[list, int]:
    count = queryset.count()
    return list(queryset[(page - 1) * page_size: page * page_size]), count


def _reader_of(*, actor, user, registration_number: str, what: str) -> tuple[Person, str]:
    require_reader(actor=actor, user=user, what=what, registration_number=registration_number)
    if not (registration_number or "").strip():
        if not access.can(user, "health.read"):  # an admin breaks the glass person by person
            raise refused(actor, user, what=what)
        raise InvalidInput(_("Say whose record: a registration number."),
                           [FieldError("person", _("Required."))])
    person = find_person(registration_number)
    return person, _check_reader(user, person, actor=actor, what=what)


def _audit_list(actor, person: Person, part: str, via: str) -> None:
    audit.record(actor, "health.list", "person", person.registration_number,
                 subject=person.registration_number, part=part, via=via)


def person_encounters(*, actor: audit.Actor, user, registration_number: str, page=1,
                      page_size=PAGE_SIZE) -> Page:
    """One person's encounters, newest first (diagnoses and notes decrypted); audited."""
    page, page_size = _page_numbers(page, page_size)
    person, via = _reader_of(actor=actor, user=user, registration_number=registration_number,
                             what="encounters")
    items, count = _slice(person.encounters.order_by("-date", "-id"), page, page_size)
    _audit_list(actor, person, "encounters", via)
    return Page(items, count, page, page_size, person=person, via=via)


def person_vaccinations(*, actor: audit.Actor, user, registration_number: str, page=1,
                        page_size=PAGE_SIZE, today: date | None = None) -> Page:
    """One person's vaccinations in the order given, with the schedule's status (due, overdue
    or done) for every dose whose time has come; audited."""
    page, page_size = _page_numbers(page, page_size)
    person, via = _reader_of(actor=actor, user=user, registration_number=registration_number,
                             what="vaccinations")
    given = list(person.vaccinations.order_by("date", "vaccine", "dose"))
    _audit_list(actor, person, "vaccinations", via)
    status = child_schedule(person, given, today or timezone.localdate())
    return Page(given[(page - 1) * page_size: page * page_size], len(given), page, page_size,
                person=person, via=via, schedule=status)


def _choices(values, allowed, field_name: str, *, aliases: dict | None = None) -> list[str]:
    """``"sent,accepted"`` or ``["sent", "accepted"]`` → checked values ("open": sent and
    accepted)."""
    if isinstance(values, str):
        values = [values]
    chosen: list[str] = []
    for value in values or ():
        for part in str(value).split(","):
            part = part.strip().lower()
            if not part:
                continue
            if aliases and part in aliases:
                chosen += aliases[part]
            elif part in allowed:
                chosen.append(part)
            else:
                raise InvalidInput(_("Unknown %(field)s.") % {"field": field_name}, [FieldError(
                    field_name, _("One of: %(v)s.") % {"v": ", ".join(
                        [*(aliases or {}), *allowed])})])
    return sorted(set(chosen))


def referrals(*, actor: audit.Actor, user, registration_number: str = "", status=(),
              urgency=(), page=1, page_size=PAGE_SIZE) -> Page:
    """Referrals, most urgent first and then oldest first (the order a doctor works through
    them). With a person: that person's (medical staff, or an admin within a break-glass grant).
    Without: everyone's (medical staff only), the worklist. ``status`` takes ``open`` for sent
    and accepted. Each person on the page is audited once."""
    page, page_size = _page_numbers(page, page_size)
    statuses = _choices(status, ReferralStatus.values, "status",
                        aliases={"open": list(OPEN_REFERRAL)})
    urgencies = _choices(urgency, Urgency.values, "urgency")
    person, via = None, "medical"
    if (registration_number or "").strip():
        person, via = _reader_of(actor=actor, user=user,
                                 registration_number=registration_number, what="referrals")
        queryset = Referral.objects.filter(person=person)
    else:
        require(actor=actor, user=user, action="health.read", what="referrals")
        queryset = Referral.objects.all()
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    if urgencies:
        queryset = queryset.filter(urgency__in=urgencies)
    rank = Case(*[When(urgency=u, then=Value(n)) for u, n in URGENCY_ORDER.items()],
                default=Value(9), output_field=IntegerField())
    queryset = (queryset.select_related("person").annotate(rank=rank)
                .order_by("rank", "created_at", "id"))
    items, count = _slice(queryset, page, page_size)
    people = {r.person.registration_number: r.person for r in items}
    if person is not None:
        people[person.registration_number] = person
    audit.record_many(actor, [audit.Event("health.list", "person", number,
                                          {"part": "referrals", "via": via}, subject=number)
                              for number in sorted(people)])
    return Page(items, count, page, page_size, person=person, via=via)


def writer_form(*, actor: audit.Actor, user, registration_number: str = "",
                what: str) -> Person | None:
    """Opening a form that writes medical data: medical staff only (a refusal is audited).
    Returns the person named, if there is one (shown on the form so the doctor can check)."""
    require(actor=actor, user=user, action="health.write", what=what,
            registration_number=registration_number)
    number = ids.normalize(registration_number or "")
    return Person.objects.filter(registration_number=number).first() if number else None


def break_glass_form(*, actor: audit.Actor, user, registration_number: str) -> dict:
    """The break-glass page: the person (an admin may read the registry) and any grant they
    already hold. Nothing medical."""
    require(actor=actor, user=user, action="health.break_glass", what="break_glass",
            registration_number=registration_number)
    person = find_person(registration_number)
    return {"person": person, "grant": active_grant(user, person)}


def health_stats_page(*, actor: audit.Actor, user, today: date | None = None) -> dict:
    """``health_stats`` for the coordinators' page (a refusal is audited)."""
    require(actor=actor, user=user, action="health.stats", what="stats")
    access.require(user, "health.stats")
    raw = _raw_health_stats(today=today or timezone.localdate(), days=STATS_DAYS)
    # ``largest`` scales the bars only; a suppressed cell is drawn as no bar
    return {**_suppressed(raw), "largest": max(raw["by_reason"].values(), default=0)}
