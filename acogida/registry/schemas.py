"""API shapes for the registry. Inputs are loosely typed on purpose: values reach
``validation.clean_person`` as given, so the API and the import give the same messages."""

from datetime import date, datetime

from ninja import Schema
from pydantic import Field


class ConsentIn(Schema):
    purpose: str = Field(examples=["registration"])
    given_on: str | None = Field(None, examples=["2018-10-21"])


class DuplicateReviewIn(Schema):
    candidates: list[str] = Field(default_factory=list,
                                  description="registration numbers shown as possible duplicates")
    reason: str = Field("", description="why the clerk went on: required when candidates is set")


class PersonValues(Schema):
    given_names: str = Field(examples=["María José"])
    first_surname: str = Field(examples=["López"])
    second_surname: str = Field("", examples=["Díaz"])
    sex: str = Field(examples=["female"], description="female, male or other")
    date_of_birth: str | None = Field(None, examples=["1990-05-01"],
                                      description="YYYY-MM-DD; or give age instead")
    age: int | None = Field(None, description="stated age when the date is unknown: "
                                              "the date is estimated as 1 January")
    nationality: str = Field(examples=["HND"], description="ISO 3166-1 alpha-3")
    place_of_birth: str = Field("", examples=["San Pedro Sula, Cortés"])
    external_id: str = Field("", max_length=100, description="another system's id, kept as given")
    languages: list[str] = Field(default_factory=list, examples=[["es"]])
    phone: str = ""
    specific_needs: list[str] = Field(default_factory=list, examples=[["SP"]],
                                      description="UNHCR specific-needs codes")
    consents: list[ConsentIn] = Field(default_factory=list)


class PersonIn(PersonValues):
    registration_point: str = Field(examples=["TAP"], description="registration point code")
    arrival_group: str | None = Field(None, description="arrival group name")
    duplicate_review: DuplicateReviewIn | None = None


class PersonPatch(Schema):
    given_names: str | None = None
    first_surname: str | None = None
    second_surname: str | None = None
    sex: str | None = None
    date_of_birth: str | None = None
    age: int | None = None
    nationality: str | None = None
    place_of_birth: str | None = None
    languages: list[str] | None = None
    phone: str | None = None
    specific_needs: list[str] | None = None
    consents: list[ConsentIn] | None = None


class MemberIn(Schema):
    relationship: str = Field(examples=["head"])
    person: PersonValues | None = Field(None, description="a new person's values")
    registration_number: str | None = Field(None, description="or a person already registered")


class HouseholdIn(Schema):
    registration_point: str
    arrival_group: str | None = None
    members: list[MemberIn]
    duplicate_review: DuplicateReviewIn | None = None


class ConsentOut(Schema):
    purpose: str
    given_on: date
    withdrawn_on: date | None = None


class PersonOut(Schema):
    """Fields appear only where the caller's role may see them (accounts.access.FIELD_GROUPS)."""

    registration_number: str
    given_names: str
    first_surname: str
    second_surname: str
    full_name: str
    sex: str
    date_of_birth: date
    date_of_birth_estimated: bool
    nationality: str
    household: str | None = None
    relationship: str | None = None
    place_of_birth: str | None = None
    languages: list[str] | None = None
    phone: str | None = None
    has_photo: bool | None = None
    specific_needs: list[str] | None = None
    consents: list[ConsentOut] | None = None
    registration_point: str | None = None
    arrival_group: str | None = None
    registered_at: datetime | None = None
    registered_by: str | None = None
    external_id: str | None = None
    aliases: list[str] | None = Field(None, description="numbers of records merged into this one")
    found_by_alias: str | None = Field(None, description="the merged number this was looked up by")


class PersonPage(Schema):
    count: int
    count_capped: bool = Field(description="true when more than `count` people matched")
    page: int
    page_size: int
    has_next: bool
    items: list[PersonOut]


class MemberOut(Schema):
    relationship: str
    person: PersonOut


class HouseholdOut(Schema):
    id: str = Field(description="the household number")
    number: str
    registration_point: str
    created_at: datetime
    size: int
    members: list[MemberOut]


class ReasonOut(Schema):
    code: str
    text: str
    weight: float


class CandidateOut(Schema):
    registration_number: str
    full_name: str
    date_of_birth: date
    sex: str
    nationality: str
    score: float
    reasons: list[ReasonOut]


class DuplicatesOut(Schema):
    candidates: list[CandidateOut]


class DuplicateCheckIn(Schema):
    given_names: str = ""
    first_surname: str = ""
    second_surname: str = ""
    date_of_birth: str | None = None
    age: int | None = None
    sex: str = ""
    nationality: str = ""
    exclude: list[str] = Field(default_factory=list)


class RegistrationPointOut(Schema):
    code: str
    name: str
    state: str
    municipality: str


class ArrivalGroupOut(Schema):
    name: str
    first_seen_on: date
    first_seen_at: str
