"""Placement proposals: ask the optimiser, let a manager change any line, confirm.

Confirmation checks everyone in, in ONE transaction: every hard rule of ``rules`` is checked
again at that moment (occupancy may have changed since the proposal), and one line that breaks
one refuses the whole confirmation: nothing is checked in.
"""

import time
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.accounts.services import stored_user
from acogida.core import ids
from acogida.core.errors import Conflict, FieldError, InvalidInput, NotFound
from acogida.registry.models import Household, HouseholdMember, Person

from . import adapter, conf, rules, services, texts
from .models import PlacementProposal, ProposalStatus, Section, Stay


@transaction.atomic
def create_proposal(*, actor: audit.Actor, user, households="waiting",
                    shelters: list[int] | None = None, time_limit_s: float = 10,
                    language: str | None = None) -> PlacementProposal:
    """``households``: "waiting" (every household member with no active stay) or a list of
    household numbers (their members with no active stay)."""
    access.require(user, "placement.propose")
    if households == "waiting":
        waiting = adapter.waiting_members()
    else:
        numbers = [ids.normalize(str(n)) for n in households or []]
        found = dict(Household.objects.filter(number__in=numbers).values_list("number", "id"))
        if missing := [n for n in numbers if n not in found]:
            raise NotFound(_("No household with that number."),
                           [FieldError("households", n) for n in missing])
        waiting = adapter.waiting_members(list(found.values()))
    needs, kept = adapter.household_needs(waiting)
    sections, names = adapter.section_capacities(shelters)
    started = time.monotonic()
    result = adapter.placement().propose_placement(
        needs, sections, adapter.options(max(0.1, min(float(time_limit_s), 120)), language))
    data = adapter.stored_proposal(result, kept, names)
    data["stats"]["seconds"] = round(time.monotonic() - started, 3)
    proposal = PlacementProposal.objects.create(
        method=str(result.method or "")[:50],
        gap=float(result.gap) if result.gap is not None else None, data=data,
        created_at=timezone.now(), created_by=actor.username)
    audit.record(actor, "placement.propose", "proposal", proposal.pk,
                 households=len(data["lines"]) + len(data["unplaced"]),
                 placed=len(data["lines"]), unplaced=len(data["unplaced"]))
    return proposal


def get_proposal(*, user, proposal_id) -> PlacementProposal:
    access.require(user, "placement.propose")
    proposal = (PlacementProposal.objects.filter(pk=proposal_id).first()
                if str(proposal_id).isdigit() else None)
    if proposal is None:
        raise NotFound(_("No such placement proposal."))
    return proposal


def proposal_view(user, proposal: PlacementProposal) -> dict:
    """The proposal as the reader may see it: household numbers and sizes, where, and why;
    the optimiser's own words only for roles that may see sensitive needs."""
    full = access.sees(user, "needs.sensitive")
    data = proposal.data
    sections = data.get("sections", {})

    def where(section_id):
        info = sections.get(str(section_id), {})
        return {"section": section_id, "section_name": info.get("section", ""),
                "shelter": info.get("shelter"), "shelter_name": info.get("shelter_name", "")}

    return {
        "id": proposal.pk, "status": proposal.status, "method": proposal.method,
        "gap": proposal.gap, "created_at": proposal.created_at,
        "confirmed_at": proposal.confirmed_at,
        "placed_people": sum(line["size"] for line in data["lines"]),
        "unplaced_people": sum(u["size"] for u in data["unplaced"]),
        "assignments": [{
            "line": index, "household": line["household"], "size": line["size"],
            "groups": [{**where(g["section"]), "people": len(g["people"])}
                       for g in line["groups"]],
            "explanation": line["explanation"] if full else line["public"],
            "edited_by": line.get("edited_by") or None}
            for index, line in enumerate(data["lines"])],
        "unplaced": [{"household": u["household"], "size": u["size"],
                      "reason": u["reason"] if full else u["public"]}
                     for u in data["unplaced"]],
        "stats": data.get("stats", {}),
    }


def _draft(proposal_id) -> PlacementProposal:
    proposal = PlacementProposal.objects.select_for_update().filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound(_("No such placement proposal."))
    if proposal.status != ProposalStatus.DRAFT:
        raise Conflict(_("This proposal was already confirmed."))
    return proposal


@transaction.atomic
def change_line(*, actor: audit.Actor, user, proposal_id: int, household: str,
                section_id: int | None) -> PlacementProposal:
    """Move a household of the proposal to another section (all its people), or take it out
    (``section_id`` None: it goes to the unplaced, with the reason "taken out")."""
    access.require(user, "placement.confirm")
    proposal = _draft(proposal_id)
    data = proposal.data
    number = ids.normalize(household or "")
    index = next((i for i, line in enumerate(data["lines"]) if line["household"] == number),
                 None)
    unplaced = next((i for i, u in enumerate(data["unplaced"]) if u["household"] == number),
                    None)
    if index is None and unplaced is None:
        raise NotFound(_("This household is not in the proposal."),
                       [FieldError("household", household)])
    if section_id is not None:
        section = Section.objects.select_related("shelter").filter(pk=section_id).first()
        if section is None:
            raise NotFound(_("No such section."), [FieldError("section", str(section_id))])
        data["sections"][str(section.pk)] = {"section": section.name, "kind": section.kind,
                                             "shelter": section.shelter_id,
                                             "shelter_name": section.shelter.name}
        if index is None:
            u = data["unplaced"].pop(unplaced)
            data["lines"].append({"household_id": u["household_id"], "household": number,
                                  "size": u["size"], "groups": [], "explanation": "",
                                  "public": "", "edited_by": ""})
            index, people = len(data["lines"]) - 1, u["people"]
        else:
            people = [p for g in data["lines"][index]["groups"] for p in g["people"]]
        line = data["lines"][index]
        line["groups"] = [{"section": section.pk, "people": people}]
        text = _("Changed by %(user)s: %(section)s.") % {"user": actor.username,
                                                          "section": str(section)}
        line.update(explanation=text, public=text, edited_by=actor.username)
    elif index is not None:
        line = data["lines"].pop(index)
        text = _("Taken out of the proposal by %(user)s.") % {"user": actor.username}
        data["unplaced"].append({"household_id": line["household_id"], "household": number,
                                 "size": line["size"],
                                 "people": [p for g in line["groups"] for p in g["people"]],
                                 "reason": text, "public": text})
    proposal.save(update_fields=["data"])
    audit.record(actor, "placement.change", "proposal", proposal.pk, household=number,
                 section=section_id)
    return proposal


@transaction.atomic
def confirm_proposal(*, actor: audit.Actor, user, proposal_id: int) -> PlacementProposal:
    """Check everyone of the proposal in, all or nothing, every hard rule checked now."""
    access.require(user, "placement.confirm")
    proposal = _draft(proposal_id)
    lines = proposal.data["lines"]
    section_ids = {g["section"] for line in lines for g in line["groups"]}
    sections = {s.pk: s for s in Section.objects.select_for_update().select_related("shelter")
                .filter(pk__in=section_ids)}
    shelter_sections = list(Section.objects.select_related("shelter").filter(
        shelter_id__in={s.shelter_id for s in sections.values()}))
    counts = services.occupied_counts(s.pk for s in shelter_sections)
    occupied = {s.pk: counts.get(s.pk, 0) for s in shelter_sections}
    person_ids = [p for line in lines for g in line["groups"] for p in g["people"]]
    people = Person.objects.in_bulk(person_ids)
    household_ids = [line["household_id"] for line in lines]
    members: dict[int, list[int]] = defaultdict(list)
    for household_id, person_id in HouseholdMember.objects.filter(
            household_id__in=household_ids, left_on__isnull=True).values_list(
            "household_id", "person_id"):
        members[household_id].append(person_id)
    everyone = {p for ms in members.values() for p in ms} | set(person_ids)
    occupant = {o.person_id: o for o in services.occupants(
        Person.objects.filter(pk__in=everyone))}
    staying = {s.person_id: s for s in Stay.objects.filter(
        person_id__in=everyone, checked_out_at__isnull=True).select_related("section__shelter")}
    errors, conflict_only, boy_age = [], True, conf.boy_age_limit()

    def place(section):
        return rules.Place(section.pk, section.shelter_id, section.kind, section.capacity,
                           occupied.get(section.pk, 0), section.shelter.wheelchair_accessible)

    for index, line in enumerate(lines):
        where = f"lines[{index}]"
        prefix = _("Household %(h)s: ") % {"h": line["household"]}
        if busy := [p for g in line["groups"] for p in g["people"] if p in staying]:
            errors.append(FieldError(where, prefix + _("already staying in a shelter: %(p)s.")
                                     % {"p": ", ".join(people[p].registration_number
                                                       for p in busy if p in people)}))
            continue
        already = {p: place(s.section) for p in members[line["household_id"]]
                   if (s := staying.get(p))}
        household = [occupant[p] for p in members[line["household_id"]] if p in occupant]
        for group in line["groups"]:
            section = sections.get(group["section"])
            if section is None or any(p not in occupant for p in group["people"]):
                errors.append(FieldError(where, prefix + _("the section or a person no "
                                                           "longer exists.")))
                conflict_only = False
                break
            target = place(section)
            found = rules.check_group(
                [occupant[p] for p in group["people"]], target, boy_age_limit=boy_age,
                already_placed=already, household=household,
                places=[place(s) for s in shelter_sections if s.shelter_id == section.shelter_id],
                household_id=line["household"])
            for violation in found:
                conflict_only = conflict_only and violation.rule == rules.CAPACITY
                person = people.get(violation.person_id)
                errors.append(FieldError(where, prefix + texts.describe(
                    violation, section=str(section),
                    person=person.registration_number if person else "")))
            if not found:  # a refused group takes no beds: later lines are judged fairly
                occupied[section.pk] = occupied.get(section.pk, 0) + len(group["people"])
                already.update({p: target for p in group["people"]})
    if errors:
        error = Conflict if conflict_only else InvalidInput
        raise error(_("Nothing was checked in: %(n)s line(s) break a hard rule now. Change "
                      "them and confirm again.") % {"n": len({e.field for e in errors})},
                    errors)
    now = timezone.now()
    user_id = stored_user(user)
    stays = [Stay(person_id=p, section_id=g["section"], household_id=line["household_id"],
                  checked_in_at=now, checked_in_by=user_id,
                  note=_("placement proposal %(id)s") % {"id": proposal.pk})
             for line in lines for g in line["groups"] for p in g["people"]]
    try:
        with transaction.atomic():
            Stay.objects.bulk_create(stays, batch_size=1000)
    except IntegrityError as exc:
        raise Conflict(_("Someone was checked in elsewhere meanwhile: nothing was checked "
                         "in.")) from exc
    proposal.status, proposal.confirmed_at = ProposalStatus.CONFIRMED, now
    proposal.confirmed_by = actor.username
    proposal.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    numbers = {p.pk: p.registration_number for p in people.values()}
    audit.record_many(actor, [
        audit.Event("placement.confirm", "proposal", proposal.pk,
                    {"people": len(stays), "households": len(lines)}),
        *(audit.Event("stay.check_in", "stay", s.pk, {"section": s.section_id,
                                                      "proposal": proposal.pk},
                      subject=numbers.get(s.person_id, "")) for s in stays)])
    return proposal
