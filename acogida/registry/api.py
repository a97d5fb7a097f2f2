from django.http import HttpRequest
from ninja import File, Query, Schema, Status, UploadedFile

from acogida.accounts.api_support import AccessRouter, action, actor_of, user_of
from acogida.core.http import private_file

from . import photos, selectors, services
from .models import ArrivalGroup, RegistrationPoint
from .schemas import (
    ArrivalGroupOut,
    DuplicateCheckIn,
    DuplicatesOut,
    HouseholdIn,
    HouseholdOut,
    PersonIn,
    PersonOut,
    PersonPage,
    PersonPatch,
    RegistrationPointOut,
)

router = AccessRouter(tags=["registry"])


def _values(schema) -> dict:
    """Only the fields sent; a null means "not sent" (clear a value with "" or [])."""
    return schema.dict(exclude_unset=True, exclude_none=True)


@router.post("/people", response={201: PersonOut}, exclude_unset=True)
@action("person.write")
def create_person(request: HttpRequest, payload: PersonIn):
    values = payload.dict()
    person = services.register_person(
        actor=actor_of(request), user=user_of(request),
        registration_point=values.pop("registration_point"),
        arrival_group=values.pop("arrival_group"),
        duplicate_review=values.pop("duplicate_review"), person=values)
    person = selectors.get_person(actor=actor_of(request), user=user_of(request),
                                  registration_number=person.registration_number)
    return Status(201, selectors.person_view(user_of(request), person))


class SearchParams(Schema):
    q: str = ""
    page: int = 1


@router.get("/people", response=PersonPage, exclude_unset=True)
@action("person.read")
def list_people(request: HttpRequest, params: Query[SearchParams]):
    """Search by name words (accents and case ignored, any order, either surname), by
    registration number or by date of birth (YYYY-MM-DD)."""
    page = selectors.search_people(actor=actor_of(request), user=user_of(request),
                                   q=params.q, page=params.page)
    return {"count": page.count, "count_capped": page.count_capped, "page": page.page,
            "page_size": page.page_size, "has_next": page.has_next,
            "items": [selectors.person_view(user_of(request), p) for p in page.items]}


@router.post("/people/duplicates-check", response=DuplicatesOut)
@action("person.duplicates_check")
def duplicates_check(request: HttpRequest, payload: DuplicateCheckIn):
    """People already registered who may be this person, with a score in [0, 1] and reasons."""
    values = payload.dict()
    candidates = selectors.duplicate_candidates(actor=actor_of(request), user=user_of(request),
                                                values=values, exclude=values.pop("exclude"))
    return {"candidates": [selectors.candidate_view(c) for c in candidates]}


@router.get("/people/{registration_number}", response=PersonOut, exclude_unset=True)
@action("person.read")
def read_person(request: HttpRequest, registration_number: str):
    person = selectors.get_person(actor=actor_of(request), user=user_of(request),
                                  registration_number=registration_number)
    return selectors.person_view(user_of(request), person)


@router.patch("/people/{registration_number}", response=PersonOut, exclude_unset=True)
@action("person.write")
def change_person(request: HttpRequest, registration_number: str, payload: PersonPatch):
    person = services.update_person(actor=actor_of(request), user=user_of(request),
                                    registration_number=registration_number,
                                    changes=_values(payload))
    person = selectors.get_person(actor=actor_of(request), user=user_of(request),
                                  registration_number=person.registration_number)
    return selectors.person_view(user_of(request), person)


@router.post("/households", response={201: HouseholdOut}, exclude_unset=True)
@action("household.write")
def create_household(request: HttpRequest, payload: HouseholdIn):
    values = payload.dict()
    household = services.register_household(
        actor=actor_of(request), user=user_of(request),
        registration_point=values["registration_point"], arrival_group=values["arrival_group"],
        duplicate_review=values["duplicate_review"], members=values["members"])
    household = selectors.get_household(actor=actor_of(request), user=user_of(request),
                                        number=household.number)
    return Status(201, selectors.household_view(user_of(request), household))


@router.get("/households/{id}", response=HouseholdOut, exclude_unset=True)
@action("household.read")
def read_household(request: HttpRequest, id: str):
    household = selectors.get_household(actor=actor_of(request), user=user_of(request), number=id)
    return selectors.household_view(user_of(request), household)


@router.get("/registration-points", response=list[RegistrationPointOut])
@action("reference.read")
def registration_points(request: HttpRequest):
    return list(RegistrationPoint.objects.order_by("name"))


@router.get("/arrival-groups", response=list[ArrivalGroupOut])
@action("reference.read")
def arrival_groups(request: HttpRequest):
    return list(ArrivalGroup.objects.order_by("-first_seen_on"))


@router.post("/people/{registration_number}/photo", response={204: None})
@action("person.write")
def upload_photo(request: HttpRequest, registration_number: str, photo: File[UploadedFile]):
    """A JPEG or PNG; it is re-encoded (location and camera data dropped) and kept privately."""
    photos.set_photo(actor=actor_of(request), user=user_of(request),
                     registration_number=registration_number, data=photo.read())
    return Status(204, None)


@router.get("/people/{registration_number}/photo")
@action("person.photo.read")
def download_photo(request: HttpRequest, registration_number: str):
    data = photos.read_photo(actor=actor_of(request), user=user_of(request),
                             registration_number=registration_number)
    return private_file(data, "image/jpeg")
