"""Reads on the plan: a person's eligibility explained, the offers (with names, audited), and a
person's plan at a glance with the benefits ledger (``benefits``)."""

from datetime import date

from django.db.models import Prefetch, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from acogida.accounts import access, audit
from acogida.core.errors import FieldError, InvalidInput, NotFound
from acogida.core.paging import Page

from . import benefits, conf, eligibility, places, services, texts
from .models import Offer, OfferMember, OfferStatus, PetEnrolment, PlanApplication

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 100_000


def _asked_day(on: date | None) -> date:
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise InvalidInput(_("Eligibility is explained for today or a past date."),
                           [FieldError("on", on.isoformat())])
    return on


def eligibility_of(*, actor: audit.Actor, user, registration_number: str,
                   on: date | None = None) -> dict:
    """Rule by rule: passed / failed / unknown, why, the source and the version applied."""
    access.require(user, "plan.read")
    person = services.find_person(registration_number)
    on = _asked_day(on)
    result = services.evaluate(type(person).objects.filter(pk=person.pk), on)[person.pk]
    audit.record(actor, "plan.eligibility", "person", person.registration_number,
                 on=on.isoformat(), result=result.status)
    return summary(person.registration_number, result)


def summary(registration_number: str, result: eligibility.Result) -> dict:
    return {"registration_number": registration_number, "on": result.on,
            "result": result.status, "result_label": texts.status_label(result.status),
            "eligible": result.eligible,
            "rules": texts.explain(result, conf.policy())}


# ---- offers ------------------------------------------------------------------------------------

def _offers() -> QuerySet[Offer]:
    members = OfferMember.objects.select_related("person").only(
        "offer_id", "person__registration_number", "person__given_names",
        "person__first_surname", "person__second_surname").order_by("id")
    return (Offer.objects.select_related("point", "shelter", "household", "person")
            .prefetch_related(Prefetch("members", queryset=members)))


def _filters(*, status: str | None, place: str | None, person: str | None,
             date_from: date | None, date_to: date | None) -> QuerySet[Offer]:
    offers = _offers()
    if status:
        if status not in OfferStatus.values:
            raise InvalidInput(_("Unknown status."), [FieldError("status", _(
                "One of: %(s)s.") % {"s": ", ".join(OfferStatus.values)})])
        offers = offers.filter(status=status)
    if place:
        where = places.resolve(place)
        offers = offers.filter(**{"point_id" if where.kind == places.POINT else "shelter_id":
                                  where.id})
    if person:
        found = services.find_person(person)
        offers = offers.filter(members__person=found)
    if date_from and date_to and date_to < date_from:
        raise InvalidInput(_("The range ends before it starts."),
                           [FieldError("date_to", date_to.isoformat())])
    if date_from:
        offers = offers.filter(offered_on__gte=date_from)
    if date_to:
        offers = offers.filter(offered_on__lte=date_to)
    return offers


def list_offers(*, actor: audit.Actor, user, status: str | None = None, place: str | None = None,
                person: str | None = None, date_from: date | None = None,
                date_to: date | None = None, page: int = 1, page_size: int = PAGE_SIZE) -> Page:
    """Offers, newest first; each shows its people's names, so the read is audited."""
    access.require(user, "plan.read")
    if not isinstance(page, int) or page > MAX_PAGE:
        raise InvalidInput(_("Pages are numbered 1, 2, 3…"), [FieldError(
            "page", _("A whole number from 1 to %(n)s.") % {"n": f"{MAX_PAGE:,}"})])
    if not isinstance(page_size, int):
        raise InvalidInput(_("The page size is a whole number."), [FieldError(
            "page_size", _("A whole number from 1 to %(n)d.") % {"n": MAX_PAGE_SIZE})])
    page, page_size = max(1, page), max(1, min(page_size, MAX_PAGE_SIZE))
    offers = _filters(status=status, place=place, person=person, date_from=date_from,
                      date_to=date_to).order_by("-offered_on", "-id")
    count = offers.count()
    items = list(offers[(page - 1) * page_size:page * page_size])
    audit.record_many(actor, [audit.Event("plan.offer.read", "offer", o.pk, {},
                                          subject=m.person.registration_number)
                              for o in items for m in o.members.all()])
    return Page(items, count, page, page_size)


def place_of(offer: Offer) -> places.Place:
    return places.of_point(offer.point) if offer.point_id else places.of_shelter(offer.shelter)


def offer_view(offer: Offer) -> dict:
    members = [{"registration_number": m.person.registration_number,
                "full_name": m.person.full_name} for m in offer.members.all()]
    return {"id": offer.pk, "status": offer.status,
            "status_label": str(offer.get_status_display()),
            "person": offer.person.registration_number if offer.person_id else None,
            "household": offer.household.number if offer.household_id else None,
            "name": members[0]["full_name"] if members else "",
            "members": members, "people": offer.people, "place": place_of(offer).as_dict(),
            "offered_on": offer.offered_on, "offered_by": offer.offered_by,
            "decided_on": offer.decided_on, "decided_by": offer.decided_by or None,
            "reason": offer.reason or None, "rules_applied": offer.rules_applied}


def get_offer(*, actor: audit.Actor, user, offer_id: int) -> Offer:
    access.require(user, "plan.read")
    offer = _offers().filter(pk=offer_id).first() if services.valid_id(offer_id) else None
    if offer is None:
        raise NotFound(_("No such offer."))
    audit.record_many(actor, [audit.Event("plan.offer.read", "offer", offer.pk, {},
                                          subject=m.person.registration_number)
                              for m in offer.members.all()])
    return offer


# ---- places -------------------------------------------------------------------------------

def plan_states() -> list[str]:
    """The states of the location rule's version in force today."""
    rule = next(r for r in conf.policy().rules if r.id == "location")
    version = rule.version_on(timezone.localdate()) or rule.versions[-1]
    return list(version.parameters.get("states", []))


def find_place(*, user, key: str) -> places.Place:
    access.require(user, "plan.read")
    try:
        return places.resolve(key)
    except InvalidInput as exc:
        raise NotFound(exc.detail, exc.errors) from exc


def places_overview(*, user) -> list[dict]:
    """The points and shelters in the plan's states, with their offers (people) by status."""
    access.require(user, "plan.read")
    found = places.plan_places(plan_states())
    counts: dict[tuple, dict[str, int]] = {}
    for row in (Offer.objects.values("point_id", "shelter_id", "status")
                .annotate(n=Sum("people"))):
        key = ("point", row["point_id"]) if row["point_id"] else ("shelter", row["shelter_id"])
        counts.setdefault(key, {})[row["status"]] = row["n"]
    return [{"place": p, "counts": counts.get((p.kind, p.id), {}),
             "people": sum(counts.get((p.kind, p.id), {}).values())} for p in found]


# ---- a person's plan ---------------------------------------------------------------------------

def person_plan(*, actor: audit.Actor, user, registration_number: str,
                today: date | None = None) -> dict:
    """The plan at a glance: eligibility today, applications, offers and per benefit whether it
    is offered, pending or received (medical care: see ``benefits``)."""
    access.require(user, "plan.read")
    person = services.find_person(registration_number)
    today = today or timezone.localdate()
    result = services.evaluate(type(person).objects.filter(pk=person.pk), today)[person.pk]
    offers = list(_offers().filter(members__person=person).order_by("-offered_on", "-id"))
    applications = list(PlanApplication.objects.filter(person=person).order_by("filed_on", "id"))
    pet = list(PetEnrolment.objects.filter(person=person).order_by("starts_on", "id"))
    # the offers show their members' names: one entry per member shown, as ``list_offers``
    audit.record_many(actor, [
        audit.Event("plan.read", "person", person.registration_number,
                    {"offers": [o.pk for o in offers]}, subject=person.registration_number),
        *(audit.Event("plan.offer.read", "offer", o.pk, {},
                      subject=m.person.registration_number)
          for o in offers for m in o.members.all())])
    latest = offers[0] if offers else None
    return {"registration_number": person.registration_number, "full_name": person.full_name,
            "eligibility": summary(person.registration_number, result),
            "applications": [application_view(a) for a in applications],
            "offers": [offer_view(o) for o in offers],
            "status": latest.status if latest else None,
            "benefits": benefits.ledger(actor=actor, user=user, person=person, offer=latest,
                                        pet=pet, today=today),
            "pet_enrolments": [pet_view(e) for e in pet]}


def application_view(application: PlanApplication) -> dict:
    return {"id": application.pk, "registration_number": application.person.registration_number,
            "kind": application.kind, "kind_label": str(application.get_kind_display()),
            "authority": application.authority, "filed_on": application.filed_on,
            "reference": application.reference or None}


def pet_view(enrolment: PetEnrolment) -> dict:
    return {"id": enrolment.pk, "registration_number": enrolment.person.registration_number,
            "employer": enrolment.employer, "starts_on": enrolment.starts_on,
            "ends_on": enrolment.ends_on}
