"""Merge keeps everything; unmerge restores both records exactly (the full record graphs)."""

import pytest

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.dedup import services
from acogida.dedup.models import CandidatePair, Merge, PersonAlias
from acogida.documents.models import Document
from acogida.documents.services import issue_temporary_id
from acogida.registry.models import Consent, HouseholdMember, Person

from .factories import graph, pair, twins

pytestmark = pytest.mark.django_db


def _rich_twins():
    """Two registrations of one person, each with a household, a temporary ID, a shelter stay,
    the same vaccine dose, an encounter; the second also a second dose and an open claim."""
    from acogida.asylum.tests.factories import open_claim
    from acogida.health.tests.factories import encounter, medic, vaccination
    from acogida.shelter.tests.factories import check_in, make_shelter

    admin = testing.make_user("admin")
    first, second = twins()
    for person, name in ((first, "Ana"), (second, "Rosa")):
        household = testing.make_household(members=[
            {"registration_number": person.registration_number, "relationship": "head"},
            {"relationship": "child", "person": testing.person_values(
                given_names=name, date_of_birth="2015-01-01")}])
        assert household
        issue_temporary_id(actor=testing.SYSTEM, user=admin,
                           registration_number=person.registration_number)
    shelter, sections = make_shelter()
    check_in(sections["Mujeres"], person=first)
    check_in(sections["Mujeres"], person=second)
    doctor = medic()
    for person in (first, second):
        vaccination(doctor, person, dose=1)
        encounter(doctor, person)
    vaccination(doctor, second, dose=2)
    open_claim(second)
    return first, second


def test_merge_moves_every_row_and_unmerge_restores_both_graphs_exactly():
    first, second = _rich_twins()
    before = {p.registration_number: graph(p.registration_number) for p in (first, second)}
    caseworker = testing.make_user("caseworker")
    candidate = pair(first, second)
    services.decide(actor=testing.SYSTEM, user=caseworker, pair_id=candidate.pk,
                    decision="merge", survivor=first.registration_number, reason="same person")

    assert not Person.objects.filter(pk=second.pk).exists()
    merged = graph(first.registration_number)
    kinds = {row["model"] for row in merged["rows"]}
    assert {"documents.document", "shelter.stay", "health.vaccination", "health.encounter",
            "asylum.claim", "registry.householdmember", "dedup.personalias"} <= kinds
    # one active temporary ID, one current household, one open stay; the duplicate's are parked
    assert Document.objects.filter(holder=first, status__in=["requested", "printed",
                                                             "issued"]).count() == 1
    revoked = Document.objects.get(holder=first, status="revoked")
    assert revoked.end_reason == "duplicate"
    assert HouseholdMember.objects.filter(person=first, left_on__isnull=True).count() == 1
    assert HouseholdMember.objects.filter(person=first).count() == 2
    assert first.stays.filter(checked_out_at__isnull=True).count() == 1
    assert first.vaccinations.count() == 2  # dose 1 (the survivor's) and dose 2
    assert Consent.objects.filter(person=first).count() == 1
    assert PersonAlias.objects.get(registration_number=second.registration_number).person == first
    assert CandidatePair.objects.get(pk=candidate.pk).status == "merged"
    record = Merge.objects.get()
    assert record.summary["health.Vaccination.set_aside"] == 1
    subjects = set(AuditEntry.objects.filter(action="dedup.merge").values_list("subject",
                                                                               flat=True))
    assert subjects == {first.registration_number, second.registration_number}

    services.unmerge(actor=testing.SYSTEM, user=caseworker,
                     registration_number=second.registration_number)
    after = {n: graph(n) for n in before}
    assert after == before
    assert not PersonAlias.objects.exists()
    assert AuditEntry.objects.filter(action="dedup.unmerge").count() == 2
    assert CandidatePair.objects.get(pk=candidate.pk).status == "deferred"


def test_merge_then_merge_again_then_unmerge_in_order():
    a, b = twins()
    c = testing.make_person(given_names="María J.")
    before = {p.registration_number: graph(p.registration_number) for p in (a, b, c)}
    user = testing.make_user("admin")
    services.merge_people(actor=testing.SYSTEM, user=user, survivor=b.registration_number,
                          merged=a.registration_number)
    services.merge_people(actor=testing.SYSTEM, user=user, survivor=c.registration_number,
                          merged=b.registration_number)
    # a's alias followed b into c
    assert PersonAlias.objects.get(registration_number=a.registration_number).person == c
    with pytest.raises(services.Conflict):  # b's survivor is gone until c's merge is undone
        services.unmerge(actor=testing.SYSTEM, user=user, registration_number=a.registration_number)
    services.unmerge(actor=testing.SYSTEM, user=user, registration_number=b.registration_number)
    services.unmerge(actor=testing.SYSTEM, user=user, registration_number=a.registration_number)
    assert {n: graph(n) for n in before} == before


def test_two_open_claims_in_one_jurisdiction_stop_the_merge():
    from acogida.asylum.tests.factories import open_claim

    first, second = twins()
    open_claim(first)
    open_claim(second)
    before = graph(second.registration_number)
    with pytest.raises(services.Conflict):
        services.merge_people(actor=testing.SYSTEM, user=testing.make_user("admin"),
                              survivor=first.registration_number,
                              merged=second.registration_number)
    assert graph(second.registration_number) == before
