"""Models to the optimiser's plain values and back (``placement.py`` is pure and imports no
Django).

Sensitive data: ``serious_medical`` comes from the ENCRYPTED sensitive needs (SM) and
``pregnant`` from PG. The optimiser may use them to prefer shelters with a medical post, but
what it says must never reach a role that may not see them: every explanation and unplaced
reason is stored twice, as the optimiser wrote it (``explanation``) and as anyone who may see
the proposal may read it (``public``: for households with an SM or PG member, a plain sentence
built here from non-sensitive facts; for everyone, any sentence that mentions health or
pregnancy dropped). ``proposals.proposal_view`` chooses by the reader's role.
"""

import re
from collections import defaultdict
from dataclasses import asdict, is_dataclass
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.core.ages import age_on
from acogida.registry.models import HouseholdMember, SpecificNeed

from . import conf
from .models import Section, ShelterNeeds, Stay

SENSITIVE_WORDS = re.compile(
    r"medic|médic|health|salud|clinic|clínic|hospital|pregnan|embaraz|lactan|"
    r"\bSM\b|\bPG\b|\bSV\b|\bTR\b|sensitive|sensible|survivor|sobreviviente|violence|violencia",
    re.IGNORECASE)


def placement():
    """The optimiser, imported when needed (another module, written apart)."""
    from . import placement as module

    return module


# ---- who waits -----------------------------------------------------------------------------------

def waiting_members(household_ids: list[int] | None = None) -> dict[int, list]:
    """Household id → its current members with no active stay (the "waiting")."""
    staying = Stay.objects.filter(checked_out_at__isnull=True).values("person_id")
    members = (HouseholdMember.objects.filter(left_on__isnull=True)
               .exclude(person_id__in=staying).select_related("person", "household")
               .order_by("household_id", "id"))
    if household_ids is not None:
        members = members.filter(household_id__in=household_ids)
    found: dict[int, list] = defaultdict(list)
    for member in members:
        found[member.household_id].append(member)
    return dict(found)


def household_needs(waiting: dict[int, list], today: date | None = None) -> tuple[list, dict]:
    """The optimiser's ``HouseholdNeed`` list, and per household what the adapter keeps aside:
    its number, its people, and whether a member has a sensitive flag (never shown)."""
    module = placement()
    today = today or timezone.localdate()
    person_ids = [m.person_id for members in waiting.values() for m in members]
    codes: dict[int, set] = defaultdict(set)
    for start in range(0, len(person_ids), 20_000):
        for person_id, code in SpecificNeed.objects.filter(
                person_id__in=person_ids[start:start + 20_000],
                code__in=["SC", "PG"]).values_list("person_id", "code"):
            codes[person_id].add(code)
    wheelchair = set(ShelterNeeds.objects.filter(wheelchair=True)
                     .values_list("person_id", flat=True))
    needs, kept = [], {}
    for household_id, members in waiting.items():
        people, flagged = [], False
        for member in members:
            person = member.person
            serious = "SM" in (person.sensitive_needs or [])  # decrypted here, used only below
            pregnant = "PG" in codes[person.pk]
            flagged = flagged or serious or pregnant
            people.append(module.Member(
                person_id=person.pk, sex=person.sex, age=age_on(person.date_of_birth, today),
                unaccompanied_child="SC" in codes[person.pk],
                wheelchair=person.pk in wheelchair, pregnant=pregnant, serious_medical=serious))
        needs.append(module.HouseholdNeed(household_id=household_id, members=tuple(people),
                                          relatives=(), origin=None))
        kept[household_id] = {"number": members[0].household.number,
                              "people": [m.person_id for m in members], "flagged": flagged,
                              "size": len(members)}
    return needs, kept


def section_capacities(shelter_ids: list[int] | None = None) -> tuple[list, dict]:
    module = placement()
    sections = (Section.objects.select_related("shelter")
                .annotate(occupied=Count("stays", filter=Q(stays__checked_out_at__isnull=True)))
                .order_by("shelter_id", "id"))
    if shelter_ids:
        sections = sections.filter(shelter_id__in=shelter_ids)
    today = timezone.localdate()
    found, names = [], {}
    for s in sections:
        shelter = s.shelter
        if shelter.open_until and shelter.open_until < today:
            continue
        location = ((float(shelter.latitude), float(shelter.longitude))
                    if shelter.latitude is not None and shelter.longitude is not None else None)
        found.append(module.SectionCapacity(
            section_id=s.pk, shelter_id=shelter.pk, shelter_name=shelter.name, kind=s.kind,
            free=max(0, s.capacity - s.occupied), accessible=shelter.wheelchair_accessible,
            medical_post=shelter.medical_post,
            school_nearby_km=(float(shelter.school_distance_km)
                              if shelter.school_distance_km is not None else None),
            location=location, capacity=s.capacity, occupied=s.occupied))
        names[s.pk] = {"section": s.name, "kind": s.kind, "shelter": shelter.pk,
                       "shelter_name": shelter.name}
    return found, names


def options(time_limit_s: float, language: str | None = None):
    from django.utils.translation import get_language

    return placement().Options(time_limit_s=time_limit_s, boy_age_limit=conf.boy_age_limit(),
                               language=(language or get_language() or "es")[:2])


# ---- what comes back -----------------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return _text(value.get("text") or value.get("message") or "")
    return str(value)


def scrub(text: str) -> str:
    """Drop every sentence that mentions health, pregnancy or another sensitive need."""
    sentences = re.split(r"(?<=[.;])\s+", text or "")
    return " ".join(s for s in sentences if s and not SENSITIVE_WORDS.search(s)).strip()


def _plain(value):
    if is_dataclass(value):
        return asdict(value)
    return value


def public_line(groups: list[dict], size: int, names: dict) -> str:
    """A sentence from non-sensitive facts only: where the household goes, together or not."""
    shelters = {names[g["section"]]["shelter_name"] for g in groups if g["section"] in names}
    sections = [names[g["section"]]["section"] for g in groups if g["section"] in names]
    if len(sections) == 1:
        return _("%(n)s people together in %(section)s, %(shelter)s.") % {
            "n": size, "section": sections[0], "shelter": ", ".join(shelters)}
    return _("%(n)s people in %(shelter)s, in sections %(sections)s (no family section had "
             "room for all of them).") % {"n": size, "shelter": ", ".join(shelters),
                                           "sections": ", ".join(sections)}


def stored_proposal(result, kept: dict, names: dict) -> dict:
    """The optimiser's ``Proposal`` as the JSON a ``PlacementProposal`` keeps."""
    lines, unplaced, placed = [], [], set()
    for item in result.assignments:
        item = _plain(item)
        household_id = item["household_id"]
        info = kept[household_id]
        groups = _groups(item, info)
        explanation = _text(item.get("explanation") or item.get("explanations")
                            or item.get("reasons"))
        public = public_line(groups, info["size"], names)
        if not info["flagged"] and (extra := scrub(explanation)):
            public = extra
        lines.append({"household_id": household_id, "household": info["number"],
                      "size": info["size"], "groups": groups, "explanation": explanation,
                      "public": public, "edited_by": ""})
        placed.add(household_id)
    for item in result.unplaced:
        item = _plain(item)
        household_id = item["household_id"]
        info = kept[household_id]
        reason = _text(item.get("reason") or item.get("explanation") or item.get("reasons"))
        unplaced.append({"household_id": household_id, "household": info["number"],
                         "size": info["size"], "people": info["people"], "reason": reason,
                         "public": scrub(reason) or _("No section could take this household "
                                                      "as the rules require.")})
        placed.add(household_id)
    for household_id, info in kept.items():  # never silently dropped
        if household_id not in placed:
            unplaced.append({"household_id": household_id, "household": info["number"],
                             "size": info["size"], "people": info["people"],
                             "reason": _("The optimiser returned nothing for this household."),
                             "public": _("The optimiser returned nothing for this household.")})
    stats = {k: v for k, v in (_plain(result.stats) or {}).items()
             if not SENSITIVE_WORDS.search(str(k))}
    return {"lines": lines, "unplaced": unplaced, "stats": _json(stats), "sections": {
        str(k): v for k, v in names.items()}}


def _groups(item: dict, info: dict) -> list[dict]:
    """Per section, which people: from ``sections`` (person → section), ``groups``, or one
    ``section_id`` for the whole household."""
    if item.get("people"):
        grouped_people: dict = defaultdict(list)
        for placed in item["people"]:
            grouped_people[placed["section_id"]].append(placed["person_id"])
        return [{"section": s, "people": p} for s, p in grouped_people.items()]
    if item.get("groups"):
        return [{"section": _plain(g)["section_id"], "people": list(_plain(g)["person_ids"])}
                for g in item["groups"]]
    by_person = item.get("sections") or item.get("placements") or {}
    if by_person:
        grouped: dict = defaultdict(list)
        for person_id, section_id in dict(by_person).items():
            grouped[section_id].append(int(person_id))
        return [{"section": s, "people": p} for s, p in grouped.items()]
    return [{"section": item["section_id"], "people": info["people"]}]


def _json(value):
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
