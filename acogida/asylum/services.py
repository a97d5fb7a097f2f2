"""Writes on asylum claims: intake, the workflow's moves, and screenings.

Every function runs in one transaction, checks access and writes the audit entries with the
principal's registration number as subject and never the narrative, the facts or a screening's
reasons in the details (admins read the audit log; what a person fled is not for them there).
"""

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.accounts.services import stored_user
from acogida.core import ids
from acogida.core.errors import Conflict, FieldError, InvalidInput, NotFound
from acogida.core.names import has_control_characters
from acogida.registry.models import HouseholdMember, Person
from acogida.registry.selectors import find_person as _person

from . import deadlines, workflow
from .models import Claim, Dependant, Jurisdiction, Move, Screening

NARRATIVE_LIMIT = 20_000
NOTE_LIMIT = 2_000
# "none": the person says there was no reason (a late filing is then barred); left empty, the
# reason is not known and the screening aid lists it as missing
LATE_FILING_REASONS = ("changed_circumstances", "extraordinary_circumstances", "beyond_control",
                       "none")




def claim_by_number(number: str, *, lock: bool = False) -> Claim:
    queryset = Claim.objects.select_related("principal")
    if lock:
        queryset = queryset.select_for_update()
    claim = queryset.filter(number=ids.normalize(number or "")).first()
    if claim is None:
        raise NotFound(_("No claim with that number."),
                       [FieldError("claim", _("No claim with that number."))])
    return claim


def _text(value, field: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit or has_control_characters(value.replace("\n", "").replace("\r", "")
                                                    .replace("\t", "")):
        raise InvalidInput(_("The text is too long or holds control characters."), [FieldError(
            field, _("At most %(n)d characters, without control characters.") % {"n": limit})])
    return value


def _past(value: date | None, field: str, *, person: Person | None = None) -> date | None:
    if value is None:
        return None
    if value > timezone.localdate():
        raise InvalidInput(_("The date is in the future."),
                           [FieldError(field, _("Not after today."))])
    if person is not None and person.date_of_birth and value < person.date_of_birth:
        raise InvalidInput(_("The date is before the person's birth."),
                           [FieldError(field, _("Not before the date of birth."))])
    return value


# the interview's topics and the JSON type each must have
INTAKE_TOPICS = {"claimant": dict, "journey": dict, "filings": list, "harms": list,
                 "exclusion": dict, "late_filing_reason": str}
COUNTRY_OF = {"MX": "MEX", "US": "USA"}


def _with_entry(journey: dict, jurisdiction: str, entered_on: date | None) -> dict:
    """The claim's recorded entry into its country, unless the interview already has one."""
    country = COUNTRY_OF.get(jurisdiction)
    entries = list(journey.get("entries") or [])
    if entered_on is None or any(e.get("country") == country for e in entries
                                 if isinstance(e, dict)):
        return journey
    entries.append({"country": country, "date": entered_on.isoformat()})
    entries.sort(key=lambda e: str(e.get("date") or "") if isinstance(e, dict) else "")
    return {**journey, "entries": entries}


def screening_facts(*, person: Person, jurisdiction: str, answers: dict, as_of: date,
                    lodged_on: date | None = None, entered_on: date | None = None,
                    late_filing_reason: str = "") -> dict:
    """The screening schema's facts from the intake answers and what the registry and the claim
    already know (nationality, date of birth, the entry, the filing date), so nobody types them
    twice."""
    answers = answers or {}
    claimant = {"nationality": person.nationality,
                "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth
                else None, **(answers.get("claimant") or {})}
    filings = answers.get("filings")
    if filings is None:
        filings = ([{"jurisdiction": jurisdiction, "date": lodged_on.isoformat()}]
                   if lodged_on else [])
    journey = answers.get("journey") or {"entries": [], "protection_sought": []}
    return {"as_of": as_of.isoformat(),
            "jurisdictions": sorted({jurisdiction, "UNHCR"}),
            "claimant": claimant,
            "journey": _with_entry(journey, jurisdiction, entered_on),
            "filings": filings, "harms": answers.get("harms") or [],
            "exclusion": answers.get("exclusion") or {},
            "late_filing_reason": answers.get("late_filing_reason") or late_filing_reason or None}


def _facts_errors(exc) -> list[FieldError]:
    return [FieldError(f"facts.{path}" if path and path != "$" else "facts", message)
            for path, message in exc.errors]


def check_facts(answers, *, person: Person, jurisdiction: str) -> dict:
    """Intake answers in the screening schema's shape. An interview is recorded a topic at a
    time, so only the topics given are checked; screening checks the whole."""
    if answers is None:
        return {}
    if not isinstance(answers, dict):
        raise InvalidInput(_("The facts are not valid: see each field."),
                           [FieldError("facts", _("An object of interview topics."))])
    problems = [FieldError(f"facts.{k}", _("Unknown fact.")) for k in answers
                if k not in INTAKE_TOPICS]
    problems += [FieldError(f"facts.{k}", _("Wrong type: expected %(t)s.")
                            % {"t": "object" if kind is dict else
                               "list" if kind is list else "text"})
                 for k, kind in INTAKE_TOPICS.items()
                 if k in answers and not isinstance(answers[k], kind)
                 and not (k == "late_filing_reason" and answers[k] is None)]
    if problems:
        raise InvalidInput(_("The facts are not valid: see each field."), problems)
    if not answers:
        return {}
    from acogida.asylum.screening import ScreeningInputError, parse_facts

    try:
        parse_facts(screening_facts(person=person, jurisdiction=jurisdiction, answers=answers,
                                    as_of=timezone.localdate()))
    except ScreeningInputError as exc:
        given = [e for e in _facts_errors(exc)
                 if e.field.split(".")[1].split("[")[0] in answers]
        if given:
            raise InvalidInput(_("The facts are not valid: see each field."), given) from exc
    return dict(answers)


def _dependants(principal: Person, numbers: list[str]) -> list[HouseholdMember]:
    household = HouseholdMember.objects.filter(person=principal, left_on__isnull=True).first()
    members, errors = [], []
    for i, number in enumerate(numbers or []):
        member = (HouseholdMember.objects.select_related("person")
                  .filter(person__registration_number=ids.normalize(number or ""),
                          left_on__isnull=True).first())
        if member is None or household is None or member.household_id != household.household_id:
            errors.append(FieldError(f"dependants[{i}]", _(
                "Not a current member of the principal applicant's household.")))
        elif member.person_id == principal.pk:
            errors.append(FieldError(f"dependants[{i}]", _(
                "The principal applicant is not their own dependant.")))
        else:
            members.append(member)
    if errors:
        raise InvalidInput(_("Dependants come from the principal applicant's household."), errors)
    return members


def refresh_claim_deadline(claim: Claim, today: date | None = None) -> None:
    """Keep the stored next deadline and open flag in step with the claim's dates (the worklist
    sorts on them; the one-open-claim rule holds on the flag)."""
    today = today or timezone.localdate()
    dates = dates_of(claim)
    nearest = deadlines.next_deadline(deadlines.deadlines(dates, today))
    claim.next_deadline = nearest.due if nearest else None
    claim.next_deadline_rule = nearest.rule if nearest else ""
    claim.open = workflow.is_open(
        claim.status, appeal_outcome=claim.appeal_outcome,
        appeal_window_closed=(claim.status in workflow.REFUSALS
                              and deadlines.appeal_window_closed(dates, today)))


def dates_of(claim: Claim) -> deadlines.ClaimDates:
    return deadlines.ClaimDates(
        jurisdiction=claim.jurisdiction, entered_on=claim.entered_on, lodged_on=claim.lodged_on,
        decided_on=claim.decided_on, appeal_lodged_on=claim.appeal_lodged_on,
        withdrawn=claim.status in (workflow.WITHDRAWN, workflow.ABANDONED))


def _check_no_open_claim(people: list[Person], jurisdiction: str) -> None:
    """Nobody is on two open claims in one jurisdiction, as principal or as dependant."""
    ids_ = [p.pk for p in people]
    busy = (Claim.objects.filter(jurisdiction=jurisdiction, open=True)
            .filter(Q(principal_id__in=ids_) | Q(dependants__person_id__in=ids_)).distinct())
    if busy.exists():
        taken = {p.registration_number for p in people
                 if busy.filter(Q(principal=p) | Q(dependants__person=p)).exists()}
        raise Conflict(_("Already on an open claim in that jurisdiction."),
                       [FieldError("registration_number", n) for n in sorted(taken)])


def _late_reason(value) -> str:
    value = (value or "").strip()
    if value and value not in LATE_FILING_REASONS:
        raise InvalidInput(_("Unknown late-filing reason."), [FieldError(
            "late_filing_reason", _("One of: %(v)s.") % {"v": ", ".join(LATE_FILING_REASONS)})])
    return value


@transaction.atomic
def open_claim(*, actor: audit.Actor, user, registration_number: str, jurisdiction: str,
               entered_on: date | None = None, filing_place: str = "",
               dependants: list[str] | None = None, narrative: str = "",
               facts: dict | None = None, late_filing_reason: str = "") -> Claim:
    """Intake: a claim for the principal applicant, with dependants from their household."""
    access.require(user, "claim.write")
    if jurisdiction not in Jurisdiction.values:
        raise InvalidInput(_("Unknown jurisdiction."), [FieldError(
            "jurisdiction", _("One of: %(v)s.") % {"v": ", ".join(Jurisdiction.values)})])
    principal = _person(registration_number, "registration_number")
    members = _dependants(principal, dependants or [])
    now = timezone.now()
    claim = Claim(number=ids.new_number(), principal=principal, jurisdiction=jurisdiction,
                  entered_on=_past(entered_on, "entered_on", person=principal),
                  filing_place=_text(filing_place, "filing_place", 200),
                  narrative=_text(narrative, "narrative", NARRATIVE_LIMIT),
                  facts=check_facts(facts, person=principal, jurisdiction=jurisdiction),
                  late_filing_reason=_late_reason(late_filing_reason),
                  created_by=stored_user(user), created_at=now, updated_at=now)
    _check_no_open_claim([principal, *[m.person for m in members]], jurisdiction)
    refresh_claim_deadline(claim)
    claim.save()
    Dependant.objects.bulk_create([Dependant(claim=claim, person=m.person,
                                             relationship=m.relationship) for m in members])
    Move.objects.create(claim=claim, from_status="", to_status=workflow.INTAKE,
                        effective=timezone.localdate(), by=stored_user(user), at=now)
    audit.record(actor, "claim.open", "claim", claim.number,
                 subject=principal.registration_number, jurisdiction=jurisdiction,
                 dependants=[m.person.registration_number for m in members])
    return claim


@transaction.atomic
def update_intake(*, actor: audit.Actor, user, number: str, narrative: str | None = None,
                  facts: dict | None = None, entered_on: date | None = None,
                  filing_place: str | None = None, late_filing_reason: str | None = None) -> Claim:
    """The intake interview's answers; only the fields given change."""
    access.require(user, "claim.write")
    claim = claim_by_number(number, lock=True)
    if not claim.open:
        raise Conflict(_("The claim is closed; its intake can no longer change."),
                       [FieldError("status", claim.status)])
    changed = []
    if narrative is not None:
        claim.narrative, changed = _text(narrative, "narrative", NARRATIVE_LIMIT), [*changed,
                                                                                    "narrative"]
    if facts is not None:
        claim.facts = check_facts(facts, person=claim.principal,
                                  jurisdiction=claim.jurisdiction)
        changed.append("facts")
    if entered_on is not None:
        claim.entered_on = _past(entered_on, "entered_on", person=claim.principal)
        first = (claim.moves.exclude(to_status=workflow.INTAKE).order_by("effective")
                 .values_list("effective", flat=True).first())
        if first and claim.entered_on > first:
            raise InvalidInput(_("The entry date cannot be after a step of the claim."),
                               [FieldError("entered_on", _("Not after %(d)s.")
                                           % {"d": first.isoformat()})])
        changed.append("entered_on")
    if filing_place is not None:
        claim.filing_place = _text(filing_place, "filing_place", 200)
        changed.append("filing_place")
    if late_filing_reason is not None:
        claim.late_filing_reason = _late_reason(late_filing_reason)
        changed.append("late_filing_reason")
    refresh_claim_deadline(claim)
    claim.updated_at = timezone.now()
    claim.save()
    audit.record(actor, "claim.intake", "claim", claim.number,
                 subject=claim.principal.registration_number, fields=changed)
    return claim


def _check_effective(claim: Claim, effective: date | None) -> date:
    if effective is None:
        raise InvalidInput(_("Say when the step took legal effect."),
                           [FieldError("effective", _("This field is required."))])
    _past(effective, "effective")
    # the intake entry is when the file reached Acogida, often after the claim was lodged
    last = (claim.moves.exclude(to_status=workflow.INTAKE).order_by("-effective")
            .values_list("effective", flat=True).first())
    if last and effective < last:
        raise InvalidInput(_("A step cannot take effect before the previous one."), [FieldError(
            "effective", _("Not before %(d)s.") % {"d": last.isoformat()})])
    if claim.entered_on and effective < claim.entered_on:
        raise InvalidInput(_("A step cannot take effect before entry into the country."),
                           [FieldError("effective", _("Not before the entry date."))])
    return effective


def _apply_dates(claim: Claim, to: str, effective: date, interview_on, appeal_outcome) -> None:
    if to == workflow.LODGED:
        claim.lodged_on = effective
    elif to == workflow.INTERVIEW_SCHEDULED:
        if interview_on is None or interview_on < effective:
            raise InvalidInput(_("Give the interview's date."), [FieldError(
                "interview_on", _("A date on or after the day it was scheduled."))])
        claim.interview_on = interview_on
    elif to in workflow.DECISIONS:
        claim.decided_on = effective
    elif to == workflow.DECISION_PENDING and claim.status == workflow.APPEAL_DECIDED:
        claim.decided_on = claim.appeal_lodged_on = None  # sent back: a new decision is owed
        claim.appeal_outcome = ""
    elif to == workflow.APPEAL_LODGED:
        claim.appeal_lodged_on = effective
    elif to == workflow.APPEAL_DECIDED:
        if appeal_outcome not in workflow.APPEAL_OUTCOMES:
            raise InvalidInput(_("Give the appeal's outcome."), [FieldError(
                "appeal_outcome",
                _("One of: %(v)s.") % {"v": ", ".join(workflow.APPEAL_OUTCOMES)})])
        claim.appeal_outcome = appeal_outcome


@transaction.atomic
def move_claim(*, actor: audit.Actor, user, number: str, to: str, effective: date | None,
               note: str = "", interview_on: date | None = None,
               appeal_outcome: str | None = None) -> Claim:
    """One step of the workflow, by a case officer, with the date it took legal effect."""
    access.require(user, "claim.write")
    claim = claim_by_number(number, lock=True)
    if to not in workflow.STATES:
        raise InvalidInput(_("Unknown state."), [FieldError(
            "to", _("One of: %(v)s.") % {"v": ", ".join(workflow.STATES)})])
    if not workflow.allowed(claim.status, to, claim.appeal_outcome):
        raise Conflict(_("A claim in state “%(now)s” cannot move to “%(to)s”.")
                       % {"now": claim.status, "to": to}, [FieldError("to", to)])
    effective = _check_effective(claim, effective)
    _apply_dates(claim, to, effective, interview_on, appeal_outcome)
    before, claim.status = claim.status, to
    refresh_claim_deadline(claim)
    claim.updated_at = timezone.now()
    claim.save()
    Move.objects.create(claim=claim, from_status=before, to_status=to, effective=effective,
                        note=_text(note, "note", NOTE_LIMIT), by=stored_user(user),
                        at=claim.updated_at)
    audit.record(actor, "claim.move", "claim", claim.number,
                 subject=claim.principal.registration_number, to=to, before=before,
                 effective=effective.isoformat())
    return claim


def facts_for_screening(claim: Claim, as_of: date) -> dict:
    """The claim's intake answers as complete facts, dated and aimed at the claim's
    jurisdiction and UNHCR's."""
    return screening_facts(person=claim.principal, jurisdiction=claim.jurisdiction,
                           answers=claim.facts, as_of=as_of, lodged_on=claim.lodged_on,
                           entered_on=claim.entered_on,
                           late_filing_reason=claim.late_filing_reason)


@transaction.atomic
def screen_claim(*, actor: audit.Actor, user, number: str, as_of: date | None = None,
                 lang: str = "en") -> Screening:
    """Run the screening aid on the claim's facts and keep the result with its policy versions."""
    access.require(user, "claim.screen")
    from acogida.asylum.screening import ScreeningInputError, screen

    claim = claim_by_number(number)
    if not claim.facts:
        raise InvalidInput(_("Record the intake facts before screening."),
                           [FieldError("facts", _("No facts recorded yet."))])
    as_of = as_of or timezone.localdate()
    try:
        result = screen(facts_for_screening(claim, as_of), lang=lang)
    except ScreeningInputError as exc:
        raise InvalidInput(_("The facts are not valid: see each field."),
                           _facts_errors(exc)) from exc
    screening = Screening.objects.create(
        claim=claim, as_of=as_of, lang=lang, result=result,
        policies_applied=list(result.get("policies_applied", [])), by=stored_user(user),
        at=timezone.now())
    audit.record(actor, "claim.screen", "claim", claim.number,
                 subject=claim.principal.registration_number, as_of=as_of.isoformat(),
                 policies=len(screening.policies_applied))
    return screening


def run_screening(*, actor: audit.Actor, user, facts: dict, lang: str = "en") -> dict:
    """The screening aid on facts alone: nothing is stored, the use is audited."""
    access.require(user, "screening.run")
    from acogida.asylum.screening import ScreeningInputError, screen

    try:
        result = screen(facts, lang=lang)
    except ScreeningInputError as exc:
        raise InvalidInput(_("The facts are not valid: see each field."),
                           [FieldError(p if p != "$" else "facts", m)
                            for p, m in exc.errors]) from exc
    audit.record(actor, "screening.run", "screening", "",
                 policies=len(result.get("policies_applied", [])))
    return result


def refresh_deadlines(today: date | None = None) -> int:
    """Recompute every open claim's next deadline and open flag (run daily: a refusal's appeal
    window closes with the calendar, not with a step)."""
    changed = 0
    for claim in Claim.objects.filter(open=True).select_related("principal").iterator():
        before = (claim.next_deadline, claim.next_deadline_rule, claim.open)
        refresh_claim_deadline(claim, today)
        if (claim.next_deadline, claim.next_deadline_rule, claim.open) != before:
            Claim.objects.filter(pk=claim.pk).update(next_deadline=claim.next_deadline,
                                                     next_deadline_rule=claim.next_deadline_rule,
                                                     open=claim.open)
            changed += 1
    return changed
