from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from acogida.core.fields import EncryptedJSONField
from acogida.core.reference import SPECIFIC_NEEDS


def private_storage() -> FileSystemStorage:
    """Uploads kept under the data dir with no public URL: served only through access checks.
    A callable, so that migrations name it instead of freezing one machine's data dir."""
    return FileSystemStorage(location=settings.PRIVATE_DIR, base_url=None)


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")


class Relationship(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse or partner")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Sibling")
    GRANDCHILD = "grandchild", _("Grandchild")
    OTHER_RELATIVE = "other_relative", _("Other relative")
    UNRELATED = "unrelated", _("Unrelated")


class ConsentPurpose(models.TextChoices):
    REGISTRATION = "registration", _("Registration and assistance")
    REFERRAL = "referral", _("Sharing with service providers for referral")
    CONTACT = "contact", _("Being contacted by phone")


class RegistrationPoint(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    state = models.CharField(_("state"), max_length=100)
    municipality = models.CharField(_("municipality"), max_length=100)

    def __str__(self) -> str:
        return f"{self.name} ({self.municipality}, {self.state})"


class ArrivalGroup(models.Model):
    """A caravan or a group that arrived together."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    first_seen_on = models.DateField(_("first seen on"))
    first_seen_at = models.CharField(_("first seen at"), max_length=200)

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    registration_number = models.CharField(max_length=14, unique=True)
    # Exactly as given (NFC); never rewritten.
    given_names = models.CharField(_("given names"), max_length=200)
    first_surname = models.CharField(_("first (paternal) surname"), max_length=200)
    second_surname = models.CharField(_("second (maternal) surname"), max_length=200, blank=True)
    # Derived for search and matching (core.names): folded words, particles removed.
    given_names_folded = models.CharField(max_length=200, editable=False)
    first_surname_folded = models.CharField(max_length=200, editable=False)
    second_surname_folded = models.CharField(max_length=200, editable=False, blank=True)
    search_text = models.CharField(max_length=620, editable=False)
    given_key = models.CharField(max_length=60, editable=False)
    first_surname_key = models.CharField(max_length=60, editable=False)
    second_surname_key = models.CharField(max_length=60, editable=False, blank=True)

    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    date_of_birth = models.DateField(_("date of birth"))
    date_of_birth_estimated = models.BooleanField(_("date of birth estimated"), default=False)
    nationality = models.CharField(_("nationality"), max_length=3)
    place_of_birth = models.CharField(_("place of birth"), max_length=200, blank=True)
    # Another system's number for this person (a partner's case id, a Kobo submission): kept
    # as given, found by exact match; the bulk writers leave it to the database default.
    external_id = models.CharField(_("external id"), max_length=100, blank=True, default="",
                                   db_default="", db_index=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    photo = models.ImageField(_("photo"), storage=private_storage, upload_to="photos/",
                              blank=True)
    # SV, TR, SM: encrypted at rest; the other codes live in SpecificNeed for aggregates.
    sensitive_needs = EncryptedJSONField(default=list, blank=True)

    # No index of its own: the two covering indexes below lead with it (one less index for a
    # bulk import to keep up).
    registration_point = models.ForeignKey(RegistrationPoint, on_delete=models.PROTECT,
                                           related_name="people", db_index=False)
    arrival_group = models.ForeignKey(ArrivalGroup, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="people")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="+")
    registered_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # When a clerk registers despite possible duplicates: which ones and why (issue: dedup).
    duplicate_review = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            # covers the age-and-sex pyramid (ranges of birth dates counted by sex) without
            # reading the table; lookups by date of birth use it too, and the children under
            # five with an overdue vaccination (health/selectors.py) with their place and group
            # filters: the id is for PostgreSQL, whose indexes do not hold the primary key
            models.Index(fields=["date_of_birth", "sex", "id", "registration_point",
                                 "arrival_group"], name="person_birth_cov"),
            # The situation picture's figures (reporting/selectors.py) read only these two
            # indexes, never the table: they hold every column the figures and filters use.
            # Both are led by the registration point: kept up during a bulk import
            # (registry/imports.py), a place filter is a few ranges, and a date range alone is
            # a skip-scan over the few points on SQLite (with ANALYZE's statistics).
            # Registrations per place and day: one range count per point and day. The id is
            # for PostgreSQL, whose indexes do not hold the primary key: the people selected,
            # joined to their needs (or their health records), still never read the table.
            models.Index(fields=["registration_point", "registered_at", "arrival_group", "sex",
                                 "nationality", "date_of_birth", "id"],
                         name="person_point_registered_cov"),
            # The age–sex pyramid and nationalities: grouped by (point, sex, nationality) in
            # the index's order (nothing to sort), a date range within each group.
            models.Index(fields=["registration_point", "sex", "nationality", "registered_at",
                                 "date_of_birth", "arrival_group"],
                         name="person_point_sex_nat"),
            models.Index(fields=["nationality"]),
            models.Index(fields=["first_surname_key", "given_key", "date_of_birth"]),
            models.Index(fields=["second_surname_key", "given_key", "date_of_birth"]),
            models.Index(fields=["first_surname_key", "second_surname_key", "date_of_birth"]),
            models.Index(fields=["first_surname_folded", "second_surname_folded",
                                 "given_names_folded"]),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.registration_number})"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_names, self.first_surname, self.second_surname) if p)


class SpecificNeed(models.Model):
    # No index of its own: one_need_code leads with the person (a second index cost every
    # insert, a million in a bulk import, and served nothing the first does not).
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="needs",
                               db_index=False)
    code = models.CharField(max_length=4, choices=[(c, n.label) for c, n in
                                                   SPECIFIC_NEEDS.items() if not n.sensitive])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "code"], name="one_need_code")]
        indexes = [models.Index(fields=["code"])]


class Consent(models.Model):
    # No index of its own: one_consent_per_purpose leads with the person.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents",
                               db_index=False)
    purpose = models.CharField(max_length=20, choices=ConsentPurpose.choices)
    given_on = models.DateField()
    withdrawn_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "purpose"],
                                               name="one_consent_per_purpose")]


class Household(models.Model):
    number = models.CharField(max_length=14, unique=True)
    registration_point = models.ForeignKey(RegistrationPoint, on_delete=models.PROTECT,
                                           related_name="households")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.number


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            # The database itself refuses a second household or a second head.
            models.UniqueConstraint(fields=["person"], condition=Q(left_on__isnull=True),
                                    name="one_current_household_per_person"),
            models.UniqueConstraint(fields=["household"],
                                    condition=Q(relationship="head", left_on__isnull=True),
                                    name="one_head_per_household"),
        ]
