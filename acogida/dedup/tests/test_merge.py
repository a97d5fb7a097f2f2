"""Merge keeps everything; unmerge restores both records exactly (the full record graphs)."""

from datetime import date

import pytest

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.core.errors import Forbidden
from acogida.dedup import merge, services
from acogida.dedup.models import CandidatePair, Merge, PersonAlias
from acogida.documents.models import Document
from acogida.documents.services import issue_temporary_id
from acogida.registry.models import Consent, HouseholdMember, Person

from .factories import graph, pair, twins

pytestmark = pytest.mark.django_db


def _merge(survivor, merged, role="admin", **kwargs):
    return services.merge_people(actor=testing.SYSTEM, user=testing.make_user(role),
                                 survivor=survivor.registration_number,
                                 merged=merged.registration_number, **kwargs)


def _unmerge(merged, role="admin"):
    return services.unmerge(actor=testing.SYSTEM, user=testing.make_user(role),
                            registration_number=merged.registration_number)


def _rich_twins():
    """Two registrations of one person in one household (the second as its head, with a child),
    each with a temporary ID, a shelter stay, the same vaccine dose, an encounter; the second
    also a second dose, an open claim, a phone, an external id and a sensitive need."""
    from acogida.asylum.tests.factories import open_claim
    from acogida.health.tests.factories import encounter, medic, vaccination
    from acogida.shelter.tests.factories import check_in, make_shelter

    admin = testing.make_user("admin")
    first = testing.make_person()
    second = testing.make_person(given_names="Maria Jose", first_surname="Lopez",
                                 second_surname="Diaz", phone="+504 9999 0000",
                                 external_id="KOBO-9", specific_needs=["SV"],
                                 languages=["es", "en"])
    testing.make_household(members=[
        {"registration_number": second.registration_number, "relationship": "head"},
        {"registration_number": first.registration_number, "relationship": "sibling"},
        {"relationship": "child", "person": testing.person_values(
            given_names="Rosa", date_of_birth="2015-01-01")}])
    for person in (first, second):
        issue_temporary_id(actor=testing.SYSTEM, user=admin,
                           registration_number=person.registration_number)
    _shelter, sections = make_shelter()
    check_in(sections["Mujeres"], person=first)
    check_in(sections["Mujeres"], person=second)
    doctor = medic()
    for person in (first, second):
        vaccination(doctor, person, dose=1)
        encounter(doctor, person)
    vaccination(doctor, second, dose=2)
    open_claim(second)
    return first, second


def _without_revoked(snapshot: dict, number: str) -> dict:
    rows = [r for r in snapshot["rows"]
            if not (r["model"] == "documents.document" and r["fields"]["number"] == number)]
    return {**snapshot, "rows": rows}


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
    # one active temporary ID (the newer of two requested ones is revoked), one open stay
    assert Document.objects.filter(holder=first, status__in=["requested", "printed",
                                                             "issued"]).count() == 1
    revoked = Document.objects.get(holder=first, status="revoked")
    assert revoked.end_reason == "duplicate"
    assert AuditEntry.objects.get(action="document.revoke").details["reason"] == "duplicate"
    # the household keeps a head: the survivor takes the merged record's place
    current = HouseholdMember.objects.get(person=first, left_on__isnull=True)
    assert current.relationship == "head"
    assert HouseholdMember.objects.filter(household=current.household, relationship="head",
                                          left_on__isnull=True).count() == 1
    assert first.stays.filter(checked_out_at__isnull=True).count() == 1
    assert first.vaccinations.count() == 2  # dose 1 (the survivor's) and dose 2
    assert Consent.objects.filter(person=first).count() == 1
    assert PersonAlias.objects.get(registration_number=second.registration_number).person == first
    assert CandidatePair.objects.get(pk=candidate.pk).status == "merged"
    record = Merge.objects.get()
    assert record.journal["counts"]["health.Vaccination.set_aside"] == 1
    # no health or asylum counts in clear: not in the summary, not in the audit trail
    assert not any(k.startswith(("health.", "asylum.")) for k in record.summary)
    for entry in AuditEntry.objects.filter(action="dedup.merge"):
        assert not any(k.startswith(("health", "asylum")) for k in entry.details)
    subjects = set(AuditEntry.objects.filter(action="dedup.merge").values_list("subject",
                                                                               flat=True))
    assert subjects == {first.registration_number, second.registration_number}

    # the survivor's own page shows what the merged record knew
    client = testing.api_client(caseworker)
    shown = client.get(f"/api/v1/people/{first.registration_number}").json()
    assert shown["phone"] == "+504 9999 0000" and shown["external_id"] == "KOBO-9"
    assert "SV" in shown["specific_needs"] and "en" in shown["languages"]

    result = services.unmerge(actor=testing.SYSTEM, user=caseworker,
                              registration_number=second.registration_number)
    # everything comes back, except that the revoked card is not silently reinstated
    assert result.revoked_documents == [{"document": revoked.number,
                                         "holder": second.registration_number}]
    assert Document.objects.get(pk=revoked.pk).status == "revoked"
    unmerged = AuditEntry.objects.filter(action="dedup.unmerge").first()
    assert unmerged.details["revoked_documents"] == [revoked.number]
    after = {n: graph(n) for n in before}
    assert after[first.registration_number] == before[first.registration_number]
    n = second.registration_number
    assert _without_revoked(after[n], revoked.number) == _without_revoked(before[n],
                                                                          revoked.number)
    assert not PersonAlias.objects.exists()
    assert AuditEntry.objects.filter(action="dedup.unmerge").count() == 2
    candidate.refresh_from_db()
    assert candidate.status == "deferred" and candidate.reason == "unmerged"


def test_the_issued_card_survives_and_the_requested_one_is_revoked():
    first, second = twins()
    admin = testing.make_user("admin")
    for person in (first, second):
        issue_temporary_id(actor=testing.SYSTEM, user=admin,
                           registration_number=person.registration_number)
    Document.objects.filter(holder=second).update(status="issued")
    held = Document.objects.get(holder=second)
    _merge(first, second)
    assert Document.objects.get(pk=held.pk).status == "issued"
    assert Document.objects.get(holder=first, status="revoked").end_reason == "duplicate"


def test_a_merge_that_would_revoke_needs_the_right_and_changes_nothing_without_it():
    first, second = twins()
    admin = testing.make_user("admin")
    for person in (first, second):
        issue_temporary_id(actor=testing.SYSTEM, user=admin,
                           registration_number=person.registration_number)
    with pytest.raises(Forbidden):
        merge.merge_rows(survivor=first, merged=second, actor=testing.SYSTEM, may_revoke=False)


def test_survivor_fields_are_combined_and_restored_exactly_keeping_later_edits():
    first = testing.make_person(languages=["es"])
    second = testing.make_person(phone="5550001", external_id="X-1", specific_needs=["SV"],
                                 languages=["es", "mam"], place_of_birth="")
    before = graph(first.registration_number)
    _merge(first, second)
    survivor = Person.objects.get(pk=first.pk)
    assert survivor.phone == "5550001" and survivor.external_id == "X-1"
    assert survivor.sensitive_needs == ["SV"] and survivor.languages == ["es", "mam"]
    _unmerge(second)
    assert graph(first.registration_number) == before

    _merge(first, second)
    Person.objects.filter(pk=first.pk).update(phone="777")  # edited after the merge
    result = _unmerge(second)
    assert result.kept_fields == ["phone"]
    assert Person.objects.get(pk=first.pk).phone == "777"
    assert Person.objects.get(pk=second.pk).phone == "5550001"


def test_a_withdrawn_consent_stays_withdrawn_and_the_earliest_date_is_kept():
    first = testing.make_person(consents=[{"purpose": "registration", "given_on": "2018-10-21"}])
    second = testing.make_person(consents=[{"purpose": "registration",
                                            "given_on": "2018-10-20"}])
    Consent.objects.filter(person=second).update(withdrawn_on=date(2018, 11, 1))
    before = graph(first.registration_number)
    _merge(first, second)
    consent = Consent.objects.get(person=first)
    assert consent.given_on == date(2018, 10, 20)
    assert consent.withdrawn_on == date(2018, 11, 1)
    _unmerge(second)
    assert graph(first.registration_number) == before
    assert Consent.objects.get(person=second).withdrawn_on == date(2018, 11, 1)


def test_shelter_needs_keep_every_need():
    from acogida.shelter.models import ShelterNeeds

    first, second = twins()
    ShelterNeeds.objects.create(person=first, wheelchair=False)
    ShelterNeeds.objects.create(person=second, wheelchair=True)
    _merge(first, second)
    assert ShelterNeeds.objects.get(person=first).wheelchair is True
    _unmerge(second)
    assert ShelterNeeds.objects.get(person=first).wheelchair is False
    assert ShelterNeeds.objects.get(person=second).wheelchair is True


def test_rows_recording_different_facts_stop_the_merge_naming_their_kind():
    from acogida.health.tests.factories import medic, vaccination
    from acogida.plan.services import record_application

    first, second = twins()
    doctor = medic()
    vaccination(doctor, first, dose=1, lot="L1")
    vaccination(doctor, second, dose=1, lot="L2")
    before = graph(second.registration_number)
    with pytest.raises(services.Conflict, match="vaccination"):
        _merge(first, second)
    assert graph(second.registration_number) == before

    third, fourth = twins(date_of_birth="1991-02-02")
    user = testing.make_user("caseworker")
    for person, reference in ((third, "COMAR-1"), (fourth, "COMAR-2")):
        record_application(actor=testing.SYSTEM, user=user, kind="refugee_status",
                           registration_number=person.registration_number,
                           filed_on=date(2018, 11, 2), reference=reference)
    with pytest.raises(services.Conflict, match="application"):
        _merge(third, fourth)


def test_two_current_households_stop_the_merge():
    first, second = twins()
    for person in (first, second):
        testing.make_household(members=[
            {"registration_number": person.registration_number, "relationship": "head"}])
    with pytest.raises(services.Conflict, match="households"):
        _merge(first, second)
    assert Person.objects.filter(pk=second.pk).exists()


def test_a_row_naming_the_survivor_twice_stops_the_merge():
    first, second = twins()
    issue_temporary_id(actor=testing.SYSTEM, user=testing.make_user("admin"),
                       registration_number=first.registration_number)
    Document.objects.filter(holder=first).update(guardian=second)
    before = graph(second.registration_number)
    with pytest.raises(services.Conflict, match="twice"):
        _merge(first, second)
    assert graph(second.registration_number) == before


def test_undo_refuses_drift_with_a_conflict_and_changes_nothing():
    from acogida.shelter.models import Stay
    from acogida.shelter.tests.factories import check_in, make_shelter

    first, second = twins()
    third = testing.make_person(given_names="Otra", first_surname="Persona")
    _shelter, sections = make_shelter()
    stay = check_in(sections["Mujeres"], person=second)[0]
    _merge(first, second)
    Stay.objects.filter(pk=stay.pk).update(person=third)  # moved on since, by someone else
    with pytest.raises(services.Conflict):
        _unmerge(second)
    assert PersonAlias.objects.filter(registration_number=second.registration_number).exists()
    assert not Person.objects.filter(pk=second.pk).exists()


def test_merge_then_merge_again_then_unmerge_in_order():
    a, b = twins()
    c = testing.make_person(given_names="María J.")
    before = {p.registration_number: graph(p.registration_number) for p in (a, b, c)}
    _merge(b, a)
    _merge(c, b)
    # a's alias followed b into c
    assert PersonAlias.objects.get(registration_number=a.registration_number).person == c
    with pytest.raises(services.Conflict):  # b's survivor is gone until c's merge is undone
        _unmerge(a)
    _unmerge(b)
    _unmerge(a)
    assert {n: graph(n) for n in before} == before


def test_two_open_claims_in_one_jurisdiction_stop_the_merge():
    from acogida.asylum.tests.factories import open_claim

    first, second = twins()
    open_claim(first)
    open_claim(second)
    before = graph(second.registration_number)
    with pytest.raises(services.Conflict):
        _merge(first, second)
    assert graph(second.registration_number) == before


def test_a_pair_decided_not_duplicate_needs_an_override_reason():
    first, second = twins()
    candidate = pair(first, second, status="not_duplicate")
    with pytest.raises(services.Conflict, match="not to be duplicates"):
        _merge(first, second)
    _merge(first, second, override_reason="same fingerprints")
    candidate.refresh_from_db()
    assert candidate.status == "merged" and candidate.reason == "same fingerprints"
    assert candidate.decided_at is not None and candidate.updated_at == candidate.decided_at


def test_every_relation_to_person_is_handled():
    """A future relation must be taught to dedup.merge, not silently mishandled: no
    many-to-many, no expression constraints, every conditional rule resolved or left to people,
    every second reference to Person in a row classified."""
    from django.apps import apps

    from acogida.registry.models import Person as P

    assert not P._meta.many_to_many
    assert not [r for r in P._meta.related_objects if r.many_to_many]
    fields = merge.relations()  # raises Unsupported on what it cannot handle
    assert {f.model._meta.label for f in fields} >= {"documents.Document", "registry.Consent"}
    classified = {(label, a, b) for label, a, b in merge.SELF_REFERENCES} | set(
        merge.SAME_PERSON_ALLOWED)
    for field in fields:
        model = field.model
        for name, _names, condition in merge.unique_sets(model, field):
            if condition is not None:
                assert name in merge.RESOLVERS or name in merge.DECIDED_BY_PEOPLE, name
        for other in model._meta.concrete_fields:
            if other is field or not other.is_relation:
                continue
            label = model._meta.label
            if other.related_model is P:
                pair_ = tuple(sorted((field.name, other.name)))
                assert (label, *pair_) in classified or (label, *pair_[::-1]) in classified, \
                    (label, pair_)
            elif other.related_model is not None and other.name != "replaces":
                # (a replacement card names the person the replaced card named: allowed)
                for inner in other.related_model._meta.concrete_fields:
                    if inner.is_relation and inner.related_model is P:
                        path = f"{other.name}__{inner.name}"
                        assert (label, field.name, path) in classified, (label, field.name, path)
    assert apps.get_model("asylum.Dependant") in {f.model for f in fields}
