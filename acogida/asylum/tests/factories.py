"""Claims for tests, made through the services."""

from datetime import date

from acogida import testing
from acogida.asylum import services
from acogida.asylum.screening.facts import EXCLUSION_FLAGS

FACTS = {
    "as_of": "2018-11-20",
    "jurisdictions": ["UNHCR", "MX"],
    "claimant": {"nationality": "HND", "date_of_birth": "1985-03-12",
                 "unaccompanied_minor": False},
    "journey": {"entries": [{"country": "MEX", "date": "2018-10-19", "manner": "port_of_entry"}],
                "protection_sought": [{"country": "MEX", "date": "2018-10-25",
                                       "outcome": "pending"}]},
    "filings": [{"jurisdiction": "MX", "date": "2018-10-25"}],
    "harms": [{"kind": "gang_recruitment_refusal", "actor": "non_state",
               "grounds": ["political_opinion"], "past": True, "feared": True,
               "state_protection_available": False, "internal_relocation_reasonable": False,
               "torture_risk": False}],
    "exclusion": dict.fromkeys(EXCLUSION_FLAGS, False),
    "late_filing_reason": None,
}


def caseworker():
    return testing.make_user("caseworker")


def family():
    """The family of five; returns (household, head, [children])."""
    household = testing.make_household()
    members = {m.relationship: [] for m in household.members.all()}
    for member in household.members.select_related("person"):
        members[member.relationship].append(member.person)
    return household, members["head"][0], members["child"]


def open_claim(person, *, user=None, jurisdiction="MX", entered_on=date(2018, 10, 19),
               **kwargs):
    return services.open_claim(actor=testing.SYSTEM, user=user or caseworker(),
                               registration_number=person.registration_number,
                               jurisdiction=jurisdiction, entered_on=entered_on, **kwargs)


def move(claim, to, effective, *, user=None, **kwargs):
    return services.move_claim(actor=testing.SYSTEM, user=user or caseworker(),
                               number=claim.number, to=to, effective=effective, **kwargs)
