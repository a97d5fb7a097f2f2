"""Rules a clerk could otherwise slip past: who may receive a child's card, what a permit's
conditions may say, what a revocation reason may hold, and that a person's audit trail shows
what was done with their documents."""

import pytest

from acogida import testing
from acogida.accounts import selectors as audit_selectors
from acogida.core.errors import InvalidInput
from acogida.documents import services
from acogida.documents.tests import factories


@pytest.fixture
def family(db):
    household = testing.make_household()
    members = {m.relationship + str(i): m.person
               for i, m in enumerate(household.members.select_related("person").order_by("id"))}
    return members


def test_a_childs_card_is_not_handed_to_the_child_by_number(family):
    child = family["child4"]  # born 2016
    document = factories.printed(factories.request(child))
    with pytest.raises(InvalidInput) as raised:
        services.hand_over(actor=factories.SYSTEM, user=factories.caseworker(),
                           number=document.number, received_by=child.registration_number)
    assert [e.field for e in raised.value.errors] == ["received_by"]
    head = family["head0"]
    issued = services.hand_over(actor=factories.SYSTEM, user=factories.caseworker(),
                                number=document.number, received_by=head.registration_number)
    assert issued.received_by == head


@pytest.mark.parametrize(("conditions", "field"), [
    ({"employer": "x" * 201}, "employer"),
    ({"employer": "Taller\x00"}, "employer"),
    ({"valid_states": ["Chiapas", "Atlantis"]}, "valid_states"),
    ({"valid_states": ["y" * 100_000]}, "valid_states"),
])
def test_permit_conditions_are_checked(family, conditions, field):
    with pytest.raises(InvalidInput) as raised:
        factories.work_permit(family["head0"], **conditions)
    assert [e.field for e in raised.value.errors] == [field]


def test_permit_for_named_states(family):
    permit = factories.work_permit(family["head0"], valid_states=["Oaxaca", "Chiapas"])
    assert permit.valid_states == ["Chiapas", "Oaxaca"]


def test_revocation_reason_without_control_characters(family):
    document = factories.request(family["head0"])
    with pytest.raises(InvalidInput):
        services.revoke(actor=factories.SYSTEM, user=factories.caseworker(),
                        number=document.number, reason="lost\x00")


def test_the_persons_trail_shows_their_documents_without_the_reason(family):
    head = family["head0"]
    document = factories.request(head)
    services.revoke(actor=factories.SYSTEM, user=factories.caseworker(), number=document.number,
                    reason="Reported by María López as fraudulent")
    trail = audit_selectors.person_trail(actor=factories.SYSTEM,
                                         user=testing.make_user("admin"),
                                         registration_number=head.registration_number)
    actions = [entry.action for entry in trail]
    assert {"person.create", "document.issue", "document.revoke"} <= set(actions)
    assert all("María" not in str(entry.details) for entry in trail)
