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
LATE_REASONS = [("", _("None")), ("changed_circumstances", _("Changed circumstances")),
                ("extraordinary_circumstances", _("Extraordinary circumstances")),
                ("beyond_control", _("Causes beyond their control"))]
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
    mex_manner = forms.ChoiceField(label=_("How?"), choices=MANNERS, required=False)
    usa_entry = forms.DateField(label=_("When did they enter the United States (if they did)?"),
                                required=False, widget=DATE)
    usa_manner = forms.ChoiceField(label=_("How?"), choices=MANNERS, required=False)
    sought_in_mexico = forms.DateField(
        label=_("Did they ask for protection in Mexico? When?"), required=False, widget=DATE)
    sought_outcome = forms.ChoiceField(label=_("What happened to that request?"),
                                       choices=OUTCOMES, required=False)
    unaccompanied_minor = forms.BooleanField(label=_("A child travelling without a parent or "
                                                     "guardian"), required=False)


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
    state_protection_available = forms.BooleanField(
        label=_("The state could and would protect them"), required=False)
    internal_relocation_reasonable = forms.BooleanField(
        label=_("They could reasonably live safely elsewhere in their country"), required=False)
    torture_risk = forms.BooleanField(
        label=_("Risk of torture by, or with the consent of, a public official"), required=False)


class ExclusionForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in EXCLUSIONS:
            self.fields[name] = forms.BooleanField(label=label, required=False)


class FilingForm(forms.Form):
    late_filing_reason = forms.ChoiceField(label=_("If filed late, why?"), choices=LATE_REASONS,
                                           required=False)


def facts_from_topic(facts: dict, topic: str, data: dict) -> dict:
    """The claim's facts with one topic's answers put in (a new dict; the old one is kept)."""
    facts = {**facts}
    if topic == "journey":
        entries = []
        for country, day, manner in (("MEX", data.get("mex_entry"), data.get("mex_manner")),
                                     ("USA", data.get("usa_entry"), data.get("usa_manner"))):
            if day:
                entries.append({"country": country, "date": day.isoformat(),
                                "manner": manner or "port_of_entry"})
        sought = ([{"country": "MEX", "date": data["sought_in_mexico"].isoformat(),
                    "outcome": data.get("sought_outcome") or "pending"}]
                  if data.get("sought_in_mexico") else [])
        facts["journey"] = {"entries": entries, "protection_sought": sought}
        facts["claimant"] = {**facts.get("claimant", {}),
                             "unaccompanied_minor": bool(data.get("unaccompanied_minor"))}
    elif topic == "harms":
        harm = {k: data[k] for k in ("kind", "actor", "past", "feared",
                                     "state_protection_available",
                                     "internal_relocation_reasonable", "torture_risk")}
        harm["grounds"] = list(data.get("grounds") or [])
        facts["harms"] = [*facts.get("harms", []), harm]
    elif topic == "exclusion":
        facts["exclusion"] = {name: bool(data.get(name)) for name, _label in EXCLUSIONS}
    elif topic == "filing":
        facts["late_filing_reason"] = data.get("late_filing_reason") or None
    return facts


def journey_initial(facts: dict) -> dict:
    initial = {"unaccompanied_minor": facts.get("claimant", {}).get("unaccompanied_minor")}
    for entry in facts.get("journey", {}).get("entries", []):
        prefix = {"MEX": "mex", "USA": "usa"}.get(entry.get("country"))
        if prefix:
            initial[f"{prefix}_entry"], initial[f"{prefix}_manner"] = entry["date"], entry["manner"]
    for sought in facts.get("journey", {}).get("protection_sought", [])[:1]:
        initial["sought_in_mexico"], initial["sought_outcome"] = sought["date"], sought["outcome"]
    return initial
