"""Claims from intake to decision: dependants, the workflow's rules, deadlines kept in step,
the narrative's confidentiality, and the audit trail."""

from datetime import date

import pytest

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.asylum import selectors, services
from acogida.asylum.models import Claim
from acogida.core.errors import Conflict, Forbidden, InvalidInput, NotFound

from .factories import caseworker, family, move, open_claim

pytestmark = pytest.mark.django_db


def test_intake_with_dependants_from_the_household():
    _household, head, children = family()
    claim = open_claim(head, dependants=[c.registration_number for c in children],
                       narrative="Amenazas de la pandilla por negarse a reclutar a su hijo.")
    assert claim.status == "intake"
    assert claim.dependants.count() == 3
    assert claim.next_deadline_rule == "mx.filing_deadline"


def test_a_dependant_from_another_household_is_refused_and_nothing_is_written():
    _household, head, _children = family()
    stranger = testing.make_person(given_names="Otro", first_surname="Señor")
    with pytest.raises(InvalidInput) as refused:
        open_claim(head, dependants=[stranger.registration_number])
    assert refused.value.errors[0].field == "dependants[0]"
    assert not Claim.objects.exists()


def test_unknown_person_and_second_open_claim():
    with pytest.raises(NotFound):
        services.open_claim(actor=testing.SYSTEM, user=caseworker(),
                            registration_number="0000-0000-00", jurisdiction="MX")
    person = testing.make_person()
    open_claim(person)
    with pytest.raises(Conflict):
        open_claim(person)
    assert open_claim(person, jurisdiction="US", entered_on=date(2018, 11, 25))


def test_entry_before_birth_or_in_the_future_is_refused():
    person = testing.make_person(date_of_birth="1990-05-01")
    with pytest.raises(InvalidInput):
        open_claim(person, entered_on=date(1989, 1, 1))
    with pytest.raises(InvalidInput):
        open_claim(person, entered_on=date(2999, 1, 1))


def test_from_intake_to_recognition_with_dates_of_legal_effect():
    claim = open_claim(testing.make_person())
    claim = move(claim, "lodged", date(2018, 10, 25))
    assert claim.lodged_on == date(2018, 10, 25)
    assert claim.next_deadline_rule == "mx.decision_deadline"
    claim = move(claim, "interview_scheduled", date(2018, 11, 5), interview_on=date(2018, 11, 20))
    claim = move(claim, "interviewed", date(2018, 11, 20))
    claim = move(claim, "decision_pending", date(2018, 11, 21))
    claim = move(claim, "recognised", date(2018, 12, 20))
    assert claim.status == "recognised" and not claim.is_open
    assert claim.next_deadline is None
    assert "eligible_for_permanent_documents" in selectors.document_effects(claim)
    assert [m.to_status for m in claim.moves.all()] == [
        "intake", "lodged", "interview_scheduled", "interviewed", "decision_pending",
        "recognised"]


def test_a_step_the_workflow_does_not_allow_is_refused():
    claim = open_claim(testing.make_person())
    with pytest.raises(Conflict):
        move(claim, "recognised", date(2018, 10, 25))
    claim.refresh_from_db()
    assert claim.status == "intake" and claim.moves.count() == 1


def test_a_step_cannot_take_effect_before_the_previous_one_or_in_the_future():
    claim = move(open_claim(testing.make_person()), "lodged", date(2018, 10, 25))
    with pytest.raises(InvalidInput):
        move(claim, "decision_pending", date(2018, 10, 24))
    with pytest.raises(InvalidInput):
        move(claim, "decision_pending", date(2999, 1, 1))


def test_rejection_opens_the_appeal_window_and_the_appeal_needs_an_outcome():
    claim = move(open_claim(testing.make_person()), "lodged", date(2018, 10, 25))
    claim = move(claim, "decision_pending", date(2018, 11, 1))
    claim = move(claim, "rejected", date(2019, 1, 10))
    appeal = next(d for d in selectors.claim_deadlines(claim, today=date(2019, 1, 11))
                  if d.rule == "mx.appeal_deadline")
    assert appeal.due == date(2019, 1, 31) and appeal.status == "due"
    claim = move(claim, "appeal_lodged", date(2019, 1, 20))  # recorded later, lodged in time
    assert claim.is_open
    with pytest.raises(InvalidInput):
        move(claim, "appeal_decided", date(2019, 3, 1))
    claim = move(claim, "appeal_decided", date(2019, 3, 1), appeal_outcome="overturned")
    assert "eligible_for_permanent_documents" in selectors.document_effects(claim)


def test_lodging_in_mexico_gives_a_work_permit_basis_while_the_claim_is_pending():
    _household, head, children = family()
    claim = open_claim(head, dependants=[children[0].registration_number])
    assert selectors.document_effects(claim) == []
    claim = move(claim, "lodged", date(2018, 10, 25))
    assert "work_permit_basis:refugee_application_lodged" in selectors.document_effects(claim)
    claim = move(move(claim, "decision_pending", date(2018, 11, 1)), "rejected",
                 date(2019, 1, 10))
    services.refresh_deadlines()  # the appeal window closed long ago
    claim.refresh_from_db()
    assert not claim.open and selectors.document_effects(claim) == []


def test_a_refusal_not_appealed_in_time_closes_so_the_person_may_claim_again():
    person = testing.make_person()
    claim = move(move(open_claim(person), "lodged", date(2018, 10, 25)), "decision_pending",
                 date(2018, 11, 1))
    claim = move(claim, "rejected", date(2019, 1, 10))
    assert not claim.open  # 15 working days from 10 Jan 2019 are long past
    assert open_claim(person, entered_on=date(2019, 6, 1)).open


def test_a_dependant_on_an_open_claim_cannot_open_another_in_that_jurisdiction():
    _household, head, children = family()
    open_claim(head, dependants=[children[0].registration_number])
    with pytest.raises(Conflict):
        open_claim(children[0])


def test_a_remitted_appeal_returns_the_file_for_a_new_decision():
    claim = move(open_claim(testing.make_person()), "lodged", date(2018, 10, 25))
    claim = move(move(claim, "decision_pending", date(2018, 11, 1)), "rejected",
                 date(2018, 12, 3))
    claim = move(claim, "appeal_lodged", date(2018, 12, 5))
    claim = move(claim, "appeal_decided", date(2019, 1, 7), appeal_outcome="remitted")
    assert claim.open
    claim = move(claim, "decision_pending", date(2019, 1, 8))
    assert claim.decided_on is None and claim.appeal_outcome == ""


def test_the_entry_date_cannot_follow_a_step():
    claim = move(open_claim(testing.make_person()), "lodged", date(2018, 10, 25))
    with pytest.raises(InvalidInput):
        services.update_intake(actor=testing.SYSTEM, user=caseworker(), number=claim.number,
                               entered_on=date(2018, 11, 30))


def test_only_case_officers_and_admins_touch_claims():
    person = testing.make_person()
    for role in ("registration", "medical", "education", "shelter", "coordinator"):
        with pytest.raises(Forbidden):
            open_claim(person, user=testing.make_user(role))
    claim = open_claim(person)
    with pytest.raises(Forbidden):
        selectors.get_claim(actor=testing.SYSTEM, user=testing.make_user("shelter"),
                            number=claim.number)


def test_the_narrative_is_encrypted_at_rest_and_kept_out_of_the_audit_log():
    from django.db import connection

    secret = "Mi esposo me golpeaba y la policía no hizo nada"
    claim = open_claim(testing.make_person(), narrative=secret)
    with connection.cursor() as cursor:
        cursor.execute("SELECT narrative FROM asylum_claim WHERE id = %s", [claim.pk])
        raw = cursor.fetchone()[0]
    assert secret not in raw and "esposo" not in raw
    assert Claim.objects.get(pk=claim.pk).narrative == secret
    logged = " ".join(str(e.details) for e in AuditEntry.objects.all())
    assert "esposo" not in logged


def test_reads_are_audited_with_the_person_as_subject():
    person = testing.make_person()
    claim = open_claim(person)
    selectors.get_claim(actor=testing.SYSTEM, user=caseworker(), number=claim.number)
    entry = AuditEntry.objects.filter(action="claim.read").get()
    assert entry.subject == person.registration_number


def test_worklist_puts_the_nearest_deadline_first_and_flags_the_overdue():
    late = open_claim(testing.make_person(given_names="Tarde"), entered_on=date(2018, 10, 19))
    soon = move(open_claim(testing.make_person(given_names="Pronto"),
                           entered_on=date(2018, 10, 19)), "lodged", date(2018, 10, 22))
    far = open_claim(testing.make_person(given_names="Lejos"), jurisdiction="US",
                     entered_on=date(2018, 11, 25))
    undated = open_claim(testing.make_person(given_names="Sin fecha"), entered_on=None)
    rows, total = selectors.worklist(actor=testing.SYSTEM, user=caseworker(),
                                     today=date(2018, 12, 10))
    assert total == 4 and rows[0]["claim"].number == undated.number
    numbers = [r["claim"].number for r in rows]
    assert numbers.index(late.number) < numbers.index(soon.number) < numbers.index(far.number)
    flags = {r["claim"].number: r["overdue"] for r in rows}
    assert flags[late.number] and not flags[far.number]


def test_counts_have_no_names():
    open_claim(testing.make_person())
    counts = selectors.stats(user=testing.make_user("coordinator"))
    assert counts["total"] == 1 and counts["due_soon"] == {}
    assert "López" not in str(counts)


def test_demo_claims_follow_the_workflow_and_leave_some_overdue():
    from acogida.asylum.demo import seed_claims

    point = testing.make_point()
    for _ in range(12):
        testing.make_household(point=point)
    figures = seed_claims(testing.SYSTEM, seed=7)
    assert figures["claims"] == Claim.objects.count() > 0
    for claim in Claim.objects.prefetch_related("moves"):
        steps = [m.to_status for m in claim.moves.all()]
        assert steps[0] == "intake" and steps[-1] == claim.status
        assert claim.dependants.count() == 4  # the family of five
    assert seed_claims(testing.SYSTEM)["method"] == "already seeded"


def test_a_lodged_mexican_claim_counts_as_applying_for_the_plan():
    from acogida.plan import selectors as plan_selectors

    _household, head, children = family()
    clerk = testing.make_user("registration")

    def application_rule(person):
        found = plan_selectors.eligibility_of(actor=testing.SYSTEM, user=clerk,
                                              registration_number=person.registration_number)
        return next(r for r in found["rules"] if r["rule"] == "application")["status"]

    assert application_rule(children[0]) != "passed"
    claim = open_claim(head, dependants=[children[0].registration_number])
    move(claim, "lodged", date(2018, 10, 25))
    assert application_rule(children[0]) == "passed"
