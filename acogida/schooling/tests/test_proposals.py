"""Bulk enrolment proposals: who is proposed where and why, confirmation all or nothing."""

import pytest

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.core.errors import Conflict, Forbidden, NotFound
from acogida.schooling import proposal_selectors, proposals
from acogida.schooling.models import BulkProposal, Enrolment

from .factories import TODAY, child, enrol, family, school_near, shelter_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    """Family A: two children in primaria grade 3 and one in secundaria grade 1; family B: one
    in grade 3 and a toddler. The nearest primaria has two seats in grade 3."""
    a = family("Ramos", 8, 8, 12)
    b = family("Cruz", 8, 2)
    shelter = shelter_with(a, b)
    return {"shelter": shelter, "a": a, "b": b,
            "near": school_near("Primaria Cercana", 1.0, {3: 2}),
            "far": school_near("Primaria Lejana", 3.0, {3: 5}),
            "secundaria": school_near("Secundaria Única", 2.0, {1: 0}, level="secundaria")}


def _children(household):
    return [m.person for m in household.members.select_related("person").order_by("id")
            if m.relationship == "child"]


def _propose(shelter, user=None):
    return proposals.create_proposal(actor=testing.SYSTEM,
                                     user=user or testing.make_user("education"),
                                     shelter=shelter.pk, today=TODAY)


def _view(proposal):
    return proposal_selectors.proposal_view(actor=testing.SYSTEM,
                                            user=testing.make_user("education"),
                                            proposal=proposal, today=TODAY)


def test_proposal_nearest_with_seats_siblings_together_waitlist_when_full(scene):
    view = _view(_propose(scene["shelter"]))
    by_person = {line.person: line for line in view["lines"]}
    kevin, dayana, luis = _children(scene["a"])
    cruz = _children(scene["b"])[0]
    assert {by_person[p.registration_number].school_name for p in (kevin, dayana)} == {
        "Primaria Cercana"}
    assert by_person[cruz.registration_number].school_name == "Primaria Lejana"
    assert "nearest" in by_person[cruz.registration_number].reason
    waiting = by_person[luis.registration_number]
    assert (waiting.outcome, waiting.school_name, waiting.level, waiting.grade) == (
        "waitlist", "Secundaria Única", "secundaria", 1)
    assert "No seat" in waiting.reason
    assert view["counts"] == {"enrol": 3, "waitlist": 1, "no_school": 0, "already": 0}
    assert view["not_school_age"] == 3  # two mothers and a toddler
    assert Enrolment.objects.count() == 0  # a proposal enrols no one


def test_confirm_enrols_and_waitlists_everyone_at_once_and_only_once(scene):
    proposal = _propose(scene["shelter"])
    confirmed = proposals.confirm_proposal(actor=testing.SYSTEM,
                                           user=testing.make_user("caseworker"),
                                           proposal_id=proposal.pk)
    assert confirmed.status == "confirmed" and confirmed.data["result"] == {
        "enrolled": 3, "waitlisted": 1}
    assert sorted(Enrolment.objects.values_list("status", flat=True)) == [
        "enrolled", "enrolled", "enrolled", "waitlisted"]
    luis = _children(scene["a"])[2]
    assert AuditEntry.objects.filter(action="enrolment.request",
                                     subject=luis.registration_number).exists()
    with pytest.raises(Conflict):
        proposals.confirm_proposal(actor=testing.SYSTEM, user=testing.make_user("education"),
                                   proposal_id=proposal.pk)
    assert Enrolment.objects.count() == 4


def test_a_line_that_no_longer_fits_refuses_the_whole_confirmation(scene):
    proposal = _propose(scene["shelter"])
    enrol(child(), scene["near"])  # someone takes one of the two seats meanwhile
    with pytest.raises(Conflict) as refused:
        proposals.confirm_proposal(actor=testing.SYSTEM, user=testing.make_user("education"),
                                   proposal_id=proposal.pk)
    assert "no longer fit" in str(refused.value.detail)
    assert any("Primaria Cercana" in e.message for e in refused.value.errors)
    assert Enrolment.objects.count() == 1  # only the meanwhile enrolment
    assert BulkProposal.objects.get(pk=proposal.pk).status == "draft"


def test_children_already_enrolled_are_listed_not_proposed(scene):
    kevin = _children(scene["a"])[0]
    enrol(kevin, scene["far"])
    view = _view(_propose(scene["shelter"]))
    assert kevin.registration_number not in {line.person for line in view["lines"]}
    assert [s["person"] for s in view["skipped"]] == [kevin.registration_number]
    assert "Primaria Lejana" in view["skipped"][0]["reason"]


def test_shelter_by_name_unknown_shelter_and_access(scene):
    proposal = proposals.create_proposal(actor=testing.SYSTEM,
                                         user=testing.make_user("education"),
                                         shelter="estadio palillo", today=TODAY)
    assert proposal.shelter == scene["shelter"]
    with pytest.raises(NotFound):
        _propose_named("Albergue que no existe")
    with pytest.raises(Forbidden):
        _propose(scene["shelter"], user=testing.make_user("registration"))


def _propose_named(name):
    return proposals.create_proposal(actor=testing.SYSTEM, user=testing.make_user("education"),
                                     shelter=name, today=TODAY)


def test_no_school_of_the_level_within_reach_is_reported(scene):
    teen = family("Mejía", 16)
    shelter = shelter_with(teen, name="Albergue de Juchitán")
    view = _view(_propose(shelter))
    assert [(line.outcome, line.school) for line in view["lines"]] == [("no_school", None)]
    assert "Media superior" in view["lines"][0].reason
