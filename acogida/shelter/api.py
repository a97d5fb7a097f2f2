"""Shelters API: shelters and sections, occupancy, stays (check-in, check-out, transfer) and
roll calls. The paths are a public contract; every endpoint declares its action."""

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Schema, Status
from pydantic import Field

from acogida.accounts.api_support import AccessRouter, action, actor_of, user_of

from . import selectors, services

router = AccessRouter(tags=["shelters"])


class ShelterIn(Schema):
    name: str
    kind: str = Field(examples=["sports_centre"],
                      description="hostel, sports_centre, church or tent_site")
    operator: str = ""
    state: str
    municipality: str
    latitude: Decimal | None = Field(None, ge=-90, le=90)
    longitude: Decimal | None = Field(None, ge=-180, le=180)
    covered_area_m2: int = Field(0, ge=0)
    toilets: int = Field(0, ge=0, le=100_000)
    taps: int = Field(0, ge=0, le=100_000)
    showers: int = Field(0, ge=0, le=100_000)
    wheelchair_accessible: bool = False
    medical_post: bool = False
    school_distance_km: Decimal | None = Field(None, ge=0)
    open_from: date | None = None
    open_until: date | None = None


class SectionIn(Schema):
    name: str
    kind: str = Field(examples=["family"], description="family, women, men, child_safe or mixed")
    capacity: int = Field(ge=0, le=1_000_000)


class SectionOut(Schema):
    id: int
    name: str
    kind: str
    capacity: int
    occupied: int
    free: int


class ShelterOut(Schema):
    id: int
    name: str
    kind: str
    operator: str
    state: str
    municipality: str
    latitude: Decimal | None = Field(None, ge=-90, le=90)
    longitude: Decimal | None = Field(None, ge=-180, le=180)
    covered_area_m2: int
    toilets: int
    taps: int
    showers: int
    wheelchair_accessible: bool
    medical_post: bool
    school_distance_km: Decimal | None = None
    open_from: date | None = None
    open_until: date | None = None
    capacity: int
    occupied: int
    free: int
    sections: list[SectionOut]


class OccupancyOut(Schema):
    shelter: int
    capacity: int
    occupied: int
    free: int
    sections: list[SectionOut]


class StayIn(Schema):
    person: str | None = Field(None, description="a registration number")
    household: str | None = Field(None, description="a household number: all its members")
    section: int
    override_reason: str | None = Field(None, max_length=500,
                                        description="case officers: break a hard rule on "
                                                    "purpose, saying why")
    note: str = ""


class TransferIn(Schema):
    section: int
    override_reason: str | None = Field(None, max_length=500)
    household: bool = Field(False, description="move everyone of the household staying in the "
                                               "same shelter along with this person")


class StayOut(Schema):
    id: int
    person: str
    section: int
    shelter: int
    household: str | None = None
    checked_in_at: datetime
    checked_out_at: datetime | None = None
    end_reason: str | None = None
    overridden_rules: list[str]
    override_reason: str | None = None


class RollCallIn(Schema):
    section: int
    night: date | None = Field(None, description="default: today")
    absent: list[int] = Field(default_factory=list, description="stay ids absent tonight; "
                                                                "everyone else is present")


class RollCallOut(Schema):
    id: int
    section: int
    night: date
    present: int
    absent: int
    released: int


class ResidentOut(Schema):
    stay: int
    registration_number: str
    full_name: str
    sex: str
    age: int
    household: str | None = None
    section: int
    checked_in_at: datetime
    absent_nights: int
    overridden_rules: list[str]
    override_reason: str | None = None  # only for roles that may override
    override_by: str


class NeedsIn(Schema):
    wheelchair: bool


def _shelter_out(occupancy: selectors.Occupancy) -> dict:
    shelter = occupancy.shelter
    return {**{f: getattr(shelter, f) for f in services.SHELTER_FIELDS}, "id": shelter.pk,
            "capacity": occupancy.capacity, "occupied": occupancy.occupied,
            "free": occupancy.free, "sections": _sections_out(occupancy)}


def _sections_out(occupancy: selectors.Occupancy) -> list[dict]:
    return [{"id": s.id, "name": s.name, "kind": s.kind, "capacity": s.capacity,
             "occupied": s.occupied, "free": s.free} for s in occupancy.sections]


@router.get("/shelters", response=list[ShelterOut])
@action("shelter.read")
def list_shelters(request: HttpRequest):
    return [_shelter_out(o) for o in selectors.list_shelters(user=user_of(request))]


@router.post("/shelters", response={201: ShelterOut})
@action("shelter.manage")
def create_shelter(request: HttpRequest, payload: ShelterIn):
    shelter = services.create_shelter(actor=actor_of(request), user=user_of(request),
                                      values=payload.dict())
    return Status(201, _shelter_out(selectors.get_shelter(user=user_of(request),
                                                          shelter_id=shelter.pk)))


@router.get("/shelters/{shelter_id}", response=ShelterOut)
@action("shelter.read")
def read_shelter(request: HttpRequest, shelter_id: str):
    return _shelter_out(selectors.get_shelter(user=user_of(request), shelter_id=shelter_id))


@router.post("/shelters/{shelter_id}/sections", response={201: SectionOut})
@action("shelter.manage")
def add_section(request: HttpRequest, shelter_id: int, payload: SectionIn):
    section = services.add_section(actor=actor_of(request), user=user_of(request),
                                   shelter_id=shelter_id, **payload.dict())
    return Status(201, {"id": section.pk, "name": section.name, "kind": section.kind,
                        "capacity": section.capacity, "occupied": 0, "free": section.capacity})


@router.get("/shelters/{shelter_id}/occupancy", response=OccupancyOut)
@action("shelter.read")
def occupancy(request: HttpRequest, shelter_id: str):
    """Per section: capacity, occupied, free (numbers only)."""
    found = selectors.get_shelter(user=user_of(request), shelter_id=shelter_id)
    return {"shelter": found.shelter.pk, "capacity": found.capacity,
            "occupied": found.occupied, "free": found.free, "sections": _sections_out(found)}


@router.get("/shelters/{shelter_id}/residents", response=list[ResidentOut])
@action("stay.read")
def residents(request: HttpRequest, shelter_id: str):
    """Who stays here now: names, sex, age and household; never medical or asylum details."""
    found = selectors.get_shelter(user=user_of(request), shelter_id=shelter_id)
    return [selectors.resident_view(s, user=user_of(request)) for s in selectors.residents(
        actor=actor_of(request), user=user_of(request), shelter=found.shelter)]


@router.post("/stays", response={201: list[StayOut]})
@action("stay.write")
def check_in(request: HttpRequest, payload: StayIn):
    """Check in one person or a whole household (all or nothing). A full section: 409; a broken
    hard rule: 422 naming it; a case officer may override with ``override_reason``."""
    stays = services.check_in(actor=actor_of(request), user=user_of(request),
                              section_id=payload.section,
                              registration_number=payload.person or "",
                              household_number=payload.household or "",
                              override_reason=payload.override_reason or "", note=payload.note)
    return Status(201, [selectors.stay_view(s, user=user_of(request)) for s in stays])


@router.post("/stays/{stay_id}/checkout", response=StayOut)
@action("stay.write")
def check_out(request: HttpRequest, stay_id: int):
    stay = services.check_out(actor=actor_of(request), user=user_of(request), stay_id=stay_id)
    return selectors.stay_view(stay, user=user_of(request))


@router.post("/stays/{stay_id}/transfer", response={201: StayOut})
@action("stay.write")
def transfer(request: HttpRequest, stay_id: int, payload: TransferIn):
    """End the stay and start one in another section, in one step (same rules as check-in)."""
    stay = services.transfer(actor=actor_of(request), user=user_of(request), stay_id=stay_id,
                             section_id=payload.section,
                             override_reason=payload.override_reason or "",
                             household=payload.household)
    return Status(201, selectors.stay_view(stay, user=user_of(request)))


@router.post("/roll-calls", response={201: RollCallOut})
@action("stay.write")
def roll_call(request: HttpRequest, payload: RollCallIn):
    call = services.take_roll_call(actor=actor_of(request), user=user_of(request),
                                   section_id=payload.section, absent=payload.absent,
                                   night=payload.night)
    return Status(201, {"id": call.pk, "section": call.section_id, "night": call.night,
                        "present": call.present, "absent": call.absent,
                        "released": call.released})


@router.post("/people/{registration_number}/shelter-needs", response=NeedsIn)
@action("stay.write")
def shelter_needs(request: HttpRequest, registration_number: str, payload: NeedsIn):
    """Whether the person uses a wheelchair (placement rule 5)."""
    needs = services.set_shelter_needs(actor=actor_of(request), user=user_of(request),
                                       registration_number=registration_number,
                                       wheelchair=payload.wheelchair)
    return {"wheelchair": needs.wheelchair}
