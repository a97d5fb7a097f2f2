"""Every web page × every role: shown or refused as accounts.access says.

Each named page is mapped to the action that governs it; a page without an entry here fails
the first test, so a new page cannot be added without deciding who may open it.
"""

import pytest
from django.urls import get_resolver, reverse

from acogida import testing
from acogida.accounts import access
from acogida.documents import services as document_services

PAGES = {
    # name: (action or None for "any logged-in user", GET arguments)
    "home": (None, {}),
    "person-search": ("person.read", {"q": "hernandez"}),
    "claim-worklist": ("claim.read", {}),
    "claim-new": ("claim.write", {}),
    "claim-detail": ("claim.read", {}),
    "claim-facts": ("claim.read", {}),
    "claim-screening": ("claim.read", {}),
    "person-detail": ("person.read", {}),
    "household-detail": ("household.read", {}),
    "household-register": ("household.write", {}),
    "household-member-row": ("household.write", {}),
    "people-import": ("person.import", {}),
    "people-import-template": ("person.import", {}),
    "audit-trail": ("audit.read", {}),
    "stats-summary": ("stats.read", {}),
    "dashboard": ("stats.read", {"date_from": "2018-10-01"}),
    "person-documents": ("document.read", {}),
    "document-revoke": ("document.revoke", {}),
    "document-card-pdf": ("document.print", {}),
    "document-print-queue": ("document.print", {}),
    "print-batch-pdf": ("document.print", {}),
    "shelter-list": ("shelter.read", {}),
    "shelter-detail": ("shelter.read", {}),
    "shelter-check-in-search": ("stay.write", {"q": "hernandez"}),
    "shelter-roll-call": ("stay.read", {}),
    "placement-home": ("placement.propose", {}),
    "placement-proposal": ("placement.propose", {}),
    "health-home": ("health.read", {}),
    "health-person": ("health.read", {}),  # an admin: 403 until the glass is broken
    "health-break-glass": ("health.break_glass", {}),
    "health-encounter-new": ("health.write", {}),
    "health-vaccination-new": ("health.write", {}),
    "health-referral-new": ("health.write", {}),
    "health-stats": ("health.stats", {}),
    "school-list": ("school.read", {}),
    "school-detail": ("school.read", {}),
    "school-enrol": ("school.enrol", {"q": "hernandez"}),
    "school-bulk": ("school.enrol", {}),
    "school-bulk-proposal": ("school.enrol", {}),
    "plan-home": ("plan.read", {}),
    "plan-place": ("plan.read", {"status": "offered"}),
    "person-plan": ("plan.read", {}),
    "plan-figures": ("plan.stats", {"date_from": "2018-10-26"}),
    "dedup-queue": ("dedup.review", {"min_probability": "0.5"}),
    "dedup-pair": ("dedup.review", {}),
    "dedup-runs": ("dedup.run", {}),
}
NOT_PAGES = {"claim-move", "login", "logout", "set_language", "person-photo", "duplicate-hints",
             "issuer-keys",
             "people-import-confirm", "document-verify", "document-request",
             "document-hand-over", "document-renew", "document-replace", "print-batch-create",
             "print-batch-printed", "shelter-check-in", "shelter-check-out", "placement-line",
             "placement-confirm"}  # POST-only, public, or covered by their own tests
NOT_PAGES |= {"school-enrolment-transition", "school-bulk-confirm"}  # POST-only

NOT_PAGES |= {"health-referral-transition"}  # POST-only
NOT_PAGES |= {"plan-bulk-offer", "plan-offer-decide", "person-plan-application",
              "person-plan-offer", "person-plan-pet"}  # POST-only
NOT_PAGES |= {"dedup-run-start", "dedup-bulk-accept", "dedup-pair-decide",
              "person-unmerge"}  # POST-only

def named_routes() -> set[str]:
    names = set()
    for key in get_resolver().reverse_dict:
        if isinstance(key, str):
            names.add(key)
    return names


def test_every_page_has_an_access_entry():
    web = {n for n in named_routes() if not n.startswith("api-v1")}
    missing = web - set(PAGES) - NOT_PAGES
    assert not missing, f"pages without an access entry: {sorted(missing)}"


@pytest.fixture
def world(db):
    household = testing.make_household()
    member = household.members.select_related("person").first()
    caseworker = testing.make_user("caseworker")
    document = document_services.request_document(
        actor=testing.SYSTEM, user=caseworker, doc_type="temporary_id",
        registration_number=member.person.registration_number)
    batch = document_services.create_print_batch(actor=testing.SYSTEM, user=caseworker)
    from acogida.shelter import proposals
    from acogida.shelter.tests.factories import adult_man, check_in, make_shelter

    shelter, sections = make_shelter()
    check_in(sections["Hombres"], person=adult_man())
    proposal = proposals.create_proposal(actor=testing.SYSTEM, user=caseworker, time_limit_s=1)
    from acogida.schooling.tests.factories import bulk_proposal, make_school

    school = make_school(seats={3: 2})
    from acogida.asylum.tests.factories import open_claim

    claim = open_claim(testing.make_person(given_names="Solicitante")).number
    from acogida.dedup.tests.factories import pair, twins

    candidate = pair(*twins(given_names="Duplicada"))
    return {"dedup-pair": [candidate.pk],
            "claim-detail": [claim], "claim-facts": [claim, "journey"],
            "claim-screening": [claim],
            "school-detail": [school.pk], "school-bulk-proposal": [bulk_proposal(shelter).pk],
            "shelter-detail": [shelter.pk], "shelter-check-in-search": [shelter.pk],
            "shelter-roll-call": [shelter.pk, sections["Hombres"].pk],
            "placement-proposal": [proposal.pk],
            "person-detail": [member.person.registration_number],
            "person-plan": [member.person.registration_number], "plan-place": ["point:TAP"],
            "health-person": [member.person.registration_number],
            "health-break-glass": [member.person.registration_number],
            "person-documents": [member.person.registration_number],
            "document-revoke": [document.number], "document-card-pdf": [document.number],
            "print-batch-pdf": [batch.number],
            "household-detail": [household.number], "people-import-template": ["csv"]}


@pytest.mark.parametrize("role", access.ROLES)
def test_page_matrix(client, world, role):
    client.force_login(testing.make_user(role))
    for name, (action, query) in PAGES.items():
        response = client.get(reverse(name, args=world.get(name, [])), query)
        allowed = action is None or role in access.PERMISSIONS[action]
        if allowed:
            assert response.status_code in (200, 302), (role, name, response.status_code)
        else:
            assert response.status_code == 403, (role, name, response.status_code)


def test_pages_need_a_login(client, world):
    for name in PAGES:
        response = client.get(reverse(name, args=world.get(name, [])))
        assert response.status_code == 302 and "/login/" in response["Location"], name
