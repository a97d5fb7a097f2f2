"""The case officer's forms: intake, a workflow step, and the guided facts interview.

The facts interview asks one topic at a time in plain language; ``facts_from_topic`` turns a
topic's answers into the screening schema's shape. Nothing here decides: the services check.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import workflow
from .models import Jurisdiction, Status

DATE = forms.DateInput(attrs={"type": "date"})

HARM_KINDS = [
    ("political_persecution", _("Persecuted for political opinions or activity")),
    ("religious_persecution", _("Persecuted for religion")),
    ("ethnic_persecution", _("Persecuted for ethnicity or race")),
    ("gender_based_violence", _("Gender-based violence")),
    ("domestic_violence", _("Domestic violence")),
    ("sexual_orientation_or_gender_identity", _("Sexual orientation or gender identity")),
    ("gang_violence", _("Gang violence")),
    ("gang_recruitment_refusal", _("Refused to join a gang")),
    ("extortion", _("Extortion")),
    ("threats_to_family", _("Threats to the family")),
    ("forced_recruitment", _("Forced recruitment")),
    ("generalized_violence", _("Generalised violence")),
    ("armed_conflict", _("Armed conflict")),
    ("massive_human_rights_violations", _("Massive human-rights violations")),
    ("torture", _("Torture")),
    ("trafficking", _("Trafficking")),
    ("poverty", _("Poverty")),
    ("unemployment", _("Unemployment")),
    ("natural_disaster", _("Natural disaster")),
]
GROUNDS = [
    ("race", _("Race")), ("religion", _("Religion")), ("nationality", _("Nationality")),
    ("political_opinion", _("Political opinion")),
    ("particular_social_group", _("Membership of a particular social group")),
    ("gender", _("Gender")),
]
MANNERS = [("port_of_entry", _("At a port of entry")), ("between_ports", _("Between ports")),
           ("cbp_one_appointment", _("With a CBP One appointment")), ("parole", _("On parole"))]
OUTCOMES = [("pending", _("Pending")), ("denied", _("Denied")), ("granted", _("Granted")),
            ("withdrawn", _("Withdrawn"))]
EXCLUSIONS = [
    ("serious_nonpolitical_crime", _("Committed a serious non-political crime abroad")),
    ("persecutor_of_others", _("Took part in persecuting others")),
    ("war_crimes", _("War crimes or crimes against humanity")),
    ("acts_contrary_un", _("Acts contrary to the purposes of the United Nations")),
    ("particularly_serious_crime_conviction", _("Convicted of a particularly serious crime")),
    ("security_danger", _("A danger to security")),
    ("terrorism", _("Terrorism")),
    ("firmly_resettled", _("Firmly resettled in another country")),
]
LATE_REASONS = [("", _("Not known")), ("none", _("No reason given")),
                ("changed_circumstances", _("Changed circumstances")),
                ("extraordinary_circumstances", _("Extraordinary circumstances")),
                ("beyond_control", _("Causes beyond their control"))]
# an unanswered question stays unknown: the screening aid then says what is missing instead of
# assuming an answer
UNKNOWN = ""
TRISTATE = [(UNKNOWN, _("Not known")), ("yes", _("Yes")), ("no", _("No"))]
TOPICS = ("journey", "harms", "exclusion", "filing")
TOPIC_LABELS = {"journey": _("The journey"), "harms": _("What happened and what they fear"),
                "exclusion": _("Exclusion and bars"), "filing": _("Filing")}


class IntakeForm(forms.Form):
    registration_number = forms.CharField(label=_("Registration number of the applicant"),
                                          max_length=20)
    jurisdiction = forms.ChoiceField(label=_("Where the claim is made"),
                                     choices=Jurisdiction.choices)
    entered_on = forms.DateField(label=_("Date of entry into that country"), required=False,
                                 widget=DATE)
    filing_place = forms.CharField(label=_("Place of filing"), max_length=200, required=False)
    dependants = forms.MultipleChoiceField(label=_("Dependants from the household"),
                                           required=False, widget=forms.CheckboxSelectMultiple)
    narrative = forms.CharField(label=_("Narrative (confidential)"), required=False,
                                widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000)


class MoveForm(forms.Form):
    to = forms.ChoiceField(label=_("Next step"))
    effective = forms.DateField(label=_("Date it took legal effect"), widget=DATE)
    interview_on = forms.DateField(label=_("Interview date"), required=False, widget=DATE)
    appeal_outcome = forms.ChoiceField(
        label=_("Appeal outcome"), required=False,
        choices=[("", "—"), ("upheld", _("Decision upheld")),
                 ("overturned", _("Decision overturned")), ("remitted", _("Sent back"))])
    note = forms.CharField(label=_("Note (confidential)"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(s, Status(s).label) for s in workflow.MOVES[current]]


class JourneyForm(forms.Form):
    mex_entry = forms.DateField(label=_("When did they enter Mexico?"), required=False,
                                widget=DATE)
    mex_manner = forms.ChoiceField(label=_("How?"), choices=[(UNKNOWN, _("Not known")), *MANNERS],
                                   required=False)
    usa_entry = forms.DateField(label=_("When did they enter the United States (if they did)?"),
                                required=False, widget=DATE)
    usa_manner = forms.ChoiceField(label=_("How?"), choices=[(UNKNOWN, _("Not known")), *MANNERS],
                                   required=False)
    sought_in_mexico = forms.DateField(
        label=_("Did they ask for protection in Mexico? When?"), required=False, widget=DATE)
    sought_outcome = forms.ChoiceField(label=_("What happened to that request?"),
                                       choices=OUTCOMES, required=False)
    unaccompanied_minor = forms.ChoiceField(
        label=_("A child travelling without a parent or guardian?"), choices=TRISTATE,
        required=False)


class HarmForm(forms.Form):
    kind = forms.ChoiceField(label=_("What happened, or what do they fear?"), choices=HARM_KINDS)
    actor = forms.ChoiceField(label=_("Who did it or threatens it?"), choices=[
        ("non_state", _("Someone outside the state (a gang, a family member…)")),
        ("state", _("The state or its agents"))])
    grounds = forms.MultipleChoiceField(label=_("Why them? (reasons linked to who they are)"),
                                        choices=GROUNDS, required=False,
                                        widget=forms.CheckboxSelectMultiple)
    past = forms.BooleanField(label=_("It already happened"), required=False)
    feared = forms.BooleanField(label=_("They fear it if returned"), required=False)
    state_protection_available = forms.ChoiceField(
        label=_("Could and would the state protect them?"), choices=TRISTATE, required=False)
    internal_relocation_reasonable = forms.ChoiceField(
        label=_("Could they reasonably live safely elsewhere in their country?"),
        choices=TRISTATE, required=False)
    torture_risk = forms.ChoiceField(
        label=_("Is there a risk of torture by, or with the consent of, a public official?"),
        choices=TRISTATE, required=False)


class ExclusionForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in EXCLUSIONS:
            self.fields[name] = forms.ChoiceField(label=label, choices=TRISTATE, required=False)


class FilingForm(forms.Form):
    late_filing_reason = forms.ChoiceField(label=_("If filed late, why?"), choices=LATE_REASONS,
                                           required=False)


def _tristate(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _answer(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, UNKNOWN)


def _entry(country: str, day, manner: str) -> dict:
    entry = {"country": country, "date": day.isoformat()}
    if manner:
        entry["manner"] = manner
    return entry


def facts_from_topic(facts: dict, topic: str, data: dict) -> dict:
    """The claim's facts with one topic's answers put in (a new dict; the old one is kept).
    Unanswered questions are left out or null, never guessed."""
    facts = {**facts}
    if topic == "journey":
        entries = [_entry(country, day, manner) for country, day, manner in (
            ("MEX", data.get("mex_entry"), data.get("mex_manner")),
            ("USA", data.get("usa_entry"), data.get("usa_manner"))) if day]
        sought = ([{"country": "MEX", "date": data["sought_in_mexico"].isoformat(),
                    "outcome": data.get("sought_outcome") or "pending"}]
                  if data.get("sought_in_mexico") else [])
        facts["journey"] = {"entries": entries, "protection_sought": sought}
        facts["claimant"] = {**(facts.get("claimant") or {}),
                             "unaccompanied_minor": _tristate(data.get("unaccompanied_minor"))}
    elif topic == "harms":
        harm = {k: data[k] for k in ("kind", "actor", "past", "feared")}
        harm.update({k: _tristate(data.get(k)) for k in (
            "state_protection_available", "internal_relocation_reasonable", "torture_risk")})
        harm["grounds"] = list(data.get("grounds") or [])
        facts["harms"] = [*(facts.get("harms") or []), harm]
    elif topic == "exclusion":
        facts["exclusion"] = {name: _tristate(data.get(name)) for name, _label in EXCLUSIONS}
    elif topic == "filing":
        if data.get("late_filing_reason"):
            facts["late_filing_reason"] = data["late_filing_reason"]
        else:
            facts.pop("late_filing_reason", None)
    return facts


def journey_initial(facts: dict) -> dict:
    claimant = facts.get("claimant") or {}
    initial = {"unaccompanied_minor": _answer(claimant.get("unaccompanied_minor"))}
    journey = facts.get("journey") or {}
    for entry in journey.get("entries") or []:
        prefix = {"MEX": "mex", "USA": "usa"}.get(entry.get("country"))
        if prefix:
            initial[f"{prefix}_entry"] = entry.get("date")
            initial[f"{prefix}_manner"] = entry.get("manner") or UNKNOWN
    for sought in (journey.get("protection_sought") or [])[:1]:
        initial["sought_in_mexico"] = sought.get("date")
        initial["sought_outcome"] = sought.get("outcome")
    return initial


def exclusion_initial(facts: dict) -> dict:
    return {k: _answer(v) for k, v in (facts.get("exclusion") or {}).items()}
