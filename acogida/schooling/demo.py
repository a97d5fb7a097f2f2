"""Schools for the demo caravan: a preescolar, two primarias, a secundaria and a media superior
near each shelter of the 2018 route (acogida/shelter/demo.py ROUTE), with fewer seats than the
shelter has children of each grade so that waiting lists appear; then the children of the
shelters with the most children are enrolled through the bulk proposal path (proposal, then
confirmation), and some of those enrolled are marked attending.

Everything goes through the services: the same rules, the same audit entries as a real day.
Deterministic: the same caravan gives the same schools, seats and enrolments.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from acogida.accounts import audit
from acogida.accounts.models import User
from acogida.shelter.demo import ROUTE
from acogida.shelter.models import Shelter, Stay

from . import grades, proposals, services
from .models import Enrolment, EnrolmentStatus, School

# level, name pattern, offset from the shelter (degrees of latitude, longitude)
SCHOOLS = [
    ("preescolar", "Jardín de Niños Gabriela Mistral", (0.006, 0.004)),
    ("primaria", "Escuela Primaria Benito Juárez", (0.004, -0.006)),
    ("primaria", "Escuela Primaria Leona Vicario", (-0.012, 0.009)),
    ("secundaria", "Escuela Secundaria Técnica Lázaro Cárdenas", (-0.007, -0.011)),
    ("media_superior", "Centro de Bachillerato Tecnológico Sor Juana", (0.018, 0.015)),
]
SEAT_SHARE = 0.6  # seats per grade near a shelter: this share of its children of that grade
MIN_SEATS = 2
ATTENDING_SHARE = 3  # every third child enrolled by the demo is marked attending


def _admin() -> User:
    return User(username="demo", role="admin", is_active=True)


def _children_by_grade(shelter: Shelter, year: int) -> dict[tuple[str, int], int]:
    counts: dict[tuple[str, int], int] = {}
    for born in Stay.objects.filter(section__shelter=shelter, checked_out_at__isnull=True) \
            .values_list("person__date_of_birth", flat=True):
        suggestion = grades.suggested_placement(born, year)
        if suggestion is not None:
            key = (suggestion.level, suggestion.grade)
            counts[key] = counts.get(key, 0) + 1
    return counts


@transaction.atomic
def create_schools(*, actor: audit.Actor, year: int) -> tuple[list[School], dict[str, int]]:
    """The schools near each shelter, seats sized on the shelter's children. Returns the
    schools and, per shelter name, its children of school age."""
    user, made, children = _admin(), [], {}
    for number, (name, _kind, _op, state, municipality, lat, lon, *_rest) in enumerate(
            ROUTE, start=1):
        shelter = Shelter.objects.filter(name=name).first()
        counts = _children_by_grade(shelter, year) if shelter else {}
        children[name] = sum(counts.values())
        same_level = {level: sum(1 for lv, _n, _o in SCHOOLS if lv == level)
                      for level, _n, _o in SCHOOLS}
        for level, pattern, (d_lat, d_lon) in SCHOOLS:
            school = services.create_school(actor=actor, user=user, values={
                "name": f"{pattern} núm. {number}", "level": level, "state": state,
                "municipality": municipality, "location": f"cerca de {name}",
                "latitude": Decimal(str(round(lat + d_lat, 6))),
                "longitude": Decimal(str(round(lon + d_lon, 6)))})
            for grade in range(1, grades.GRADES[level] + 1):
                wanted = counts.get((level, grade), 0) * SEAT_SHARE / same_level[level]
                services.set_seats(actor=actor, user=user, school_id=school.pk, grade=grade,
                                   seats=max(MIN_SEATS, round(wanted)))
            made.append(school)
    return made, children


def seed_schools(actor: audit.Actor, *, bulk_shelters: int = 2,
                 today: date | None = None) -> dict:
    """Schools near the shelters, the children of ``bulk_shelters`` shelters enrolled through
    bulk proposals. Returns figures to print."""
    if School.objects.exists():
        return {"schools": School.objects.count(), "enrolled": 0, "waitlisted": 0,
                "shelters": [], "attending": 0, "note": "already seeded"}
    today = today or timezone.localdate()
    schools, children = create_schools(actor=actor, year=grades.school_year_start(today))
    # the shelters with the most children of school age (ties: the route's order)
    order = [row[0] for row in ROUTE]
    chosen = sorted((n for n in order if children.get(n)), key=lambda n: (-children[n],
                                                                           order.index(n)))
    chosen = chosen[:bulk_shelters]
    enrolled = waitlisted = 0
    for name in chosen:
        shelter = Shelter.objects.get(name=name)
        proposal = proposals.create_proposal(actor=actor, user=_admin(), shelter=shelter,
                                             today=today)
        proposal = proposals.confirm_proposal(actor=actor, user=_admin(),
                                              proposal_id=proposal.pk)
        enrolled += proposal.data["result"]["enrolled"]
        waitlisted += proposal.data["result"]["waitlisted"]
    attending = 0
    first = (Enrolment.objects.filter(status=EnrolmentStatus.ENROLLED).order_by("id")
             .values_list("id", flat=True))
    for enrolment_id in list(first)[::ATTENDING_SHARE][:100]:
        services.transition(actor=actor, user=_admin(), enrolment_id=enrolment_id,
                            to=EnrolmentStatus.ATTENDING)
        attending += 1
    return {"schools": len(schools), "enrolled": enrolled, "waitlisted": waitlisted,
            "shelters": chosen, "attending": attending,
            "waiting_grades": Enrolment.objects.filter(status=EnrolmentStatus.WAITLISTED)
            .values("school", "grade").annotate(n=Count("id")).count()}
