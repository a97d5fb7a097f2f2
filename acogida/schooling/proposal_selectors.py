"""Reads on bulk enrolment proposals: one proposal with the children's names (audited, one
entry per child shown, lines and skipped children alike), the recent proposals, the shelters to
choose from, the counts and the reasons in words. Writes are in ``proposals``."""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.core.errors import NotFound
from acogida.core.numbers import parse_id
from acogida.registry.models import Person
from acogida.shelter.models import Shelter

from . import assignment, grades
from .models import BulkProposal, EnrolmentStatus, Level

MAX_KM = assignment.DEFAULT_MAX_KM


def get_proposal(*, user, proposal_id) -> BulkProposal:
    access.require(user, "school.enrol")
    number = parse_id(proposal_id)
    proposal = (BulkProposal.objects.select_related("shelter").filter(pk=number).first()
                if number is not None else None)
    if proposal is None:
        raise NotFound(_("No such enrolment proposal."))
    return proposal


def recent_proposals(*, user, limit: int = 20) -> list[BulkProposal]:
    access.require(user, "school.enrol")
    return list(BulkProposal.objects.select_related("shelter").order_by("-created_at",
                                                                         "-id")[:limit])


def shelters_to_choose(*, user) -> list[Shelter]:
    """The shelters' names for the bulk page (names of places, no residents)."""
    access.require(user, "school.enrol")
    return list(Shelter.objects.order_by("name").only("id", "name"))


def summary(data: dict) -> dict:
    counts = {"enrol": 0, "waitlist": 0, "no_school": 0}
    for line in data["lines"]:
        counts[line["outcome"]] += 1
    return {**counts, "already": len(data["skipped"])}


def reason_text(line: dict, max_km: float = MAX_KM) -> str:
    level = Level(line["level"]).label
    km = line.get("distance_km")
    where = _(" (%(km)s km)") % {"km": km} if km is not None else ""
    siblings = line.get("siblings", 0)
    together = (_(" Together with %(n)s sibling(s) of the same level.") % {"n": siblings}
                if siblings else "")
    reason = line["reason"]
    if reason == assignment.NEAREST_WITH_SEATS:
        text = _("The nearest %(level)s with a free seat in grade %(grade)s%(where)s.") % {
            "level": level, "grade": line["grade"], "where": where}
    elif reason == assignment.NEAREST_FULL:
        text = _("No seat: waitlisted at the nearest %(level)s%(where)s; no school within "
                 "%(max)s km has a free seat in grade %(grade)s for every child of the "
                 "family.") % {"level": level, "where": where, "max": max_km,
                              "grade": line["grade"]}
    elif reason == assignment.NEAREST_FULL_PARTLY:
        text = _("A seat at the nearest %(level)s%(where)s, where a sibling has to wait: no "
                 "school within %(max)s km has seats for all of them, and they stay "
                 "together.") % {"level": level, "where": where, "max": max_km}
    else:
        text = _("No %(level)s within %(max)s km of the shelter: add one, or enrol the child "
                 "by hand.") % {"level": level, "max": max_km}
    return text + together


@dataclass(frozen=True)
class ProposalLine:
    index: int
    person: str
    full_name: str
    age: int | None  # on 31 December of the school year's first year (the grade's cutoff)
    household: str
    level: str
    grade: int
    outcome: str
    school: int | None
    school_name: str
    distance_km: float | None
    reason: str


def proposal_view(*, actor: audit.Actor, user, proposal: BulkProposal,
                  today: date | None = None) -> dict:
    """The proposal with the children's names: one audit entry per child shown, whether
    proposed (a line) or skipped (already enrolled). Ages are on the cutoff (31 December of the
    school year's first year), the age the grades follow. ``today`` is kept for callers."""
    access.require(user, "school.enrol")
    del today
    data = proposal.data
    ids_ = [line["person_id"] for line in data["lines"]] + [s["person_id"]
                                                            for s in data["skipped"]]
    people = Person.objects.only("id", "registration_number", "given_names", "first_surname",
                                 "second_surname", "date_of_birth").in_bulk(ids_)
    schools = data.get("schools", {})
    max_km = data.get("max_km", MAX_KM)

    def name(person_id):
        person = people.get(person_id)
        return person.full_name if person else ""

    def age(person_id):
        person = people.get(person_id)
        return grades.age_on_cutoff(person.date_of_birth, proposal.school_year) \
            if person else None

    lines = [ProposalLine(
        i, line["person"], name(line["person_id"]), age(line["person_id"]),
        "" if line["family"].startswith(("alone-", "stay-")) else line["family"],
        line["level"], line["grade"], line["outcome"], line["school"],
        schools.get(str(line["school"]), {}).get("name", ""), line["distance_km"],
        reason_text(line, max_km)) for i, line in enumerate(data["lines"])]
    skipped = [{"person": s["person"], "full_name": name(s["person_id"]),
                "reason": _("Already %(status)s at %(school)s.") % {
                    "status": EnrolmentStatus(s["status"]).label.lower(),
                    "school": s["school"]}} for s in data["skipped"]]
    audit.record_many(actor, [
        *(audit.Event("school.proposal.read", "school_proposal", proposal.pk, {},
                      subject=line["person"]) for line in data["lines"]),
        *(audit.Event("school.proposal.read", "school_proposal", proposal.pk,
                      {"skipped": True}, subject=s["person"]) for s in data["skipped"])])
    by_school: dict[tuple, dict] = {}
    for line in lines:
        if line.school is None:
            continue
        row = by_school.setdefault((line.school_name, line.school, line.grade), {
            "school": line.school_name, "grade": line.grade, "level": line.level,
            "enrol": 0, "waitlist": 0})
        row[line.outcome] += 1
    return {"id": proposal.pk, "status": proposal.status, "shelter": data["shelter"],
            "school_year": proposal.school_year, "reference_date": proposal.reference_date,
            "created_at": proposal.created_at, "created_by": proposal.created_by,
            "confirmed_at": proposal.confirmed_at, "confirmed_by": proposal.confirmed_by,
            "counts": summary(data), "not_school_age": data.get("not_school_age", 0),
            "lines": lines, "skipped": skipped,
            "by_school": [by_school[k] for k in sorted(by_school)],
            "result": data.get("result")}

