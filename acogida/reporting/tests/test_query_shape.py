"""The figures read off the covering indexes (one grouped query for the pyramid and the
nationalities, one range count per registration point and local day) equal the same figures
counted person by person in Python, for every filter and on either database."""

import random
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from acogida import testing
from acogida.asylum.models import Claim
from acogida.core.ages import age_on
from acogida.core.reference import SENSITIVE_NEEDS
from acogida.registry.models import Person, SpecificNeed
from acogida.reporting import selectors
from acogida.reporting.filters import Filters

pytestmark = pytest.mark.django_db

POINTS = [("TAP", "Tapachula", "Chiapas", "Tapachula"), ("ARR", "Arriaga", "Chiapas", "Arriaga"),
          ("TIJ", "Tijuana Benito Juárez", "Baja California", "Tijuana")]
NEEDS = ["SP", "PG", "DS", "SV", "TR", "WR"]


@pytest.fixture
def crowd():
    """Eighty people spread over three points, two arrival groups (and none), both sexes and
    other, four nationalities, ages from newborn to 90 (and a date of birth after the day
    asked), registered at local times around midnight of late October to early December 2018
    (the clocks went back on 28 October), some with specific needs (sensitive ones too)."""
    rng = random.Random(7)
    points = [testing.make_point(*p) for p in POINTS]
    groups = [testing.make_group("Caravana A"), testing.make_group("Caravana B"), None]
    template = testing.make_person()
    values = {f.attname: getattr(template, f.attname) for f in Person._meta.concrete_fields
              if not f.primary_key}
    people = []
    for n in range(80):
        day = date(2018, 10, 25) + timedelta(days=rng.randrange(45))
        moment = datetime.combine(day, time(rng.choice([0, 0, 5, 12, 23]), rng.choice([0, 59])))
        born = date(2018, 11, 30) - timedelta(days=rng.randrange(-30, 90 * 365))
        people.append(Person(**{
            **values, "registration_number": f"T{n:08d}", "sex": rng.choice(
                ["female", "male", "male", "other"]),
            "nationality": rng.choice(["HND", "HND", "GTM", "SLV", "NIC"]),
            "date_of_birth": born, "registration_point_id": rng.choice(points).pk,
            "arrival_group_id": (group.pk if (group := rng.choice(groups)) else None),
            "registered_at": timezone.make_aware(moment)}))
    Person.objects.filter(pk=template.pk).delete()
    made = Person.objects.bulk_create(people)
    SpecificNeed.objects.bulk_create([
        SpecificNeed(person=p, code=code) for p in made for code in NEEDS
        if rng.random() < 0.1])  # fewer need rows than people: both join orders are taken
    return points, groups


def _selected(filters: Filters) -> list[Person]:
    """The people the filters select, checked one by one."""
    out = []
    for p in Person.objects.select_related("registration_point"):
        day = timezone.localdate(p.registered_at)
        point = p.registration_point
        place = filters.place.lower()
        if ((filters.date_from and day < filters.date_from)
                or (filters.date_to and day > filters.date_to)
                or (filters.state and point.state.lower() != filters.state.lower())
                or (filters.place and not (point.code.lower() == place
                                           or place in point.name.lower()
                                           or place in point.municipality.lower()))
                or (filters.group and p.arrival_group_id != filters.group)):
            continue
        out.append(p)
    return out


def _filter_sets(groups) -> list[Filters]:
    nov = {"date_from": date(2018, 11, 1), "date_to": date(2018, 11, 30)}
    return [Filters(), Filters(**nov), Filters(**nov, state="baja california"),
            Filters(date_to=date(2018, 10, 28)), Filters(date_from=date(2018, 10, 28),
                                                         date_to=date(2018, 10, 28)),
            Filters(place="tij"), Filters(place="ARR", group=groups[0].pk),
            Filters(**nov, group=groups[1].pk), Filters(state="Oaxaca"),
            Filters(date_from=date(2019, 1, 1))]


def test_demographics_equal_counting_person_by_person(crowd):
    _points, groups = crowd
    cases = [(filters, filters.date_to or date(2018, 11, 30)) for filters in _filter_sets(groups)]
    cases += [(Filters(), date(2030, 1, 1)), (Filters(), date(1950, 1, 1))]  # all born / none
    for filters, on in cases:
        found = selectors._demographic_counts(filters, on)
        people = _selected(filters)
        pyramid = {key: 0 for key in found["pyramid"]}
        for p in people:
            age = age_on(p.date_of_birth, on)
            band = next((label for label, low, high in selectors.AGE_BANDS
                         if low <= age <= high), None)
            if band and (band, p.sex) in pyramid:
                pyramid[(band, p.sex)] += 1
        nationalities: dict = {}
        for p in people:
            nationalities[p.nationality] = nationalities.get(p.nationality, 0) + 1
        ids = {p.pk for p in people}
        needs: dict = {}
        for need in SpecificNeed.objects.exclude(code__in=SENSITIVE_NEEDS):
            if need.person_id in ids:
                needs[need.code] = needs.get(need.code, 0) + 1
        assert found == {"pyramid": pyramid, "nationalities": nationalities, "needs": needs,
                         "total": len(people)}, filters
    assert selectors._demographic_counts(Filters(), date(2018, 11, 30))["total"] == 80
    needs = SpecificNeed.objects.count()
    assert 0 < needs < 80 and len(_selected(Filters(place="ARR", group=groups[0].pk))) < needs


def test_registrations_per_day_equal_counting_person_by_person(crowd):
    _points, groups = crowd
    coordinator = testing.make_user("coordinator")
    for filters in _filter_sets(groups):
        expected: dict = {}
        for p in _selected(filters):
            key = (timezone.localdate(p.registered_at), p.registration_point.code)
            expected[key] = expected.get(key, 0) + 1
        found = selectors._per_day_and_point(filters)
        codes = {p.pk: p.code for p in crowd[0]}
        assert {(r["day"], codes[r["point"]]): r["n"] for r in found} == expected, filters
        assert len(found) == len(expected)  # one row per day and point, none empty
        data = selectors.registrations(user=coordinator, filters=filters)
        assert [(r["date"], r["place_code"]) for r in data["rows"]] == sorted(expected)
        total = sum(expected.values())
        assert data["total"] == ("<5" if 0 < total < 5 else total)


def test_claims_not_lodged_count_from_their_local_day_of_intake():
    from acogida.asylum import selectors as asylum

    admin = testing.make_user("admin")
    people = [testing.make_person(given_names=name, first_surname=surname)
              for name, surname in [("Ana", "Flores"), ("Rosa", "Zelaya"), ("Iris", "Maldonado")]]
    late = timezone.make_aware(datetime(2018, 11, 30, 23, 30))  # local; UTC is 1 December
    early = timezone.make_aware(datetime(2018, 11, 1, 0, 10))
    before = timezone.make_aware(datetime(2018, 10, 31, 23, 50))
    for n, moment in enumerate([late, early, before]):
        Claim.objects.create(number=f"C{n}", principal=people[n], jurisdiction="MX",
                             status="intake", entered_on=moment.date(), open=True,
                             next_deadline=date(2018, 12, 5), created_by=admin,
                             created_at=moment, updated_at=moment)
    found = asylum.stats(user=admin, date_from=date(2018, 11, 1), date_to=date(2018, 11, 30),
                         today=date(2018, 12, 1))
    assert found["total"] == 2
    assert found["due_soon"] == {"MX": 2} and found["overdue"] == {}
    assert asylum.stats(user=admin, date_to=date(2018, 10, 31), today=date(2018, 12, 6)
                        )["overdue"] == {"MX": 1}
