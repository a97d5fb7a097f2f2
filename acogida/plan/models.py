"""The plan's records: applications that make a person eligible, offers (to a person or a whole
household) and their outcome, and enrolments in the Temporary Employment Programme (PET).

The rules live in ``eligibility`` (pure) and ``rules.yaml``; ``services`` enforces them."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from acogida.registry.models import Household, Person, RegistrationPoint
from acogida.shelter.models import Shelter


class ApplicationKind(models.TextChoices):
    REFUGEE_STATUS = "refugee_status", _("Refugee status (COMAR)")
    REGULAR_ENTRY = "regular_entry", _("Regular entry (INM)")


class Authority(models.TextChoices):
    COMAR = "COMAR", _("COMAR (Mexican Commission for Refugee Assistance)")
    INM = "INM", _("INM (National Migration Institute)")


AUTHORITY_OF = {ApplicationKind.REFUGEE_STATUS: Authority.COMAR,
                ApplicationKind.REGULAR_ENTRY: Authority.INM}


class PlanApplication(models.Model):
    """An application filed with a Mexican authority, as the person showed it."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT,
                               related_name="plan_applications")
    kind = models.CharField(_("kind"), max_length=20, choices=ApplicationKind.choices)
    authority = models.CharField(_("authority"), max_length=10, choices=Authority.choices)
    filed_on = models.DateField(_("filed on"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "kind", "filed_on"],
                                               name="one_plan_application_per_kind_and_day")]


class OfferStatus(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    MOVED_ON = "moved_on", _("Moved on (left the area)")


# An offer in one of these blocks a new one for the same people.
OPEN = (OfferStatus.OFFERED, OfferStatus.ACCEPTED)
DECISIONS = (OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.WITHDRAWN,
             OfferStatus.MOVED_ON)


class Offer(models.Model):
    """The plan offered to one person or to a household (it answers for all its members, listed
    in ``OfferMember`` as they were on the day), at a registration point or a shelter."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="plan_offers")
    point = models.ForeignKey(RegistrationPoint, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="plan_offers")
    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="plan_offers")
    place_state = models.CharField(max_length=100)  # the place's state, for the figures
    people = models.PositiveIntegerField(default=1)
    offered_on = models.DateField(_("offered on"))
    offered_by = models.CharField(_("offered by"), max_length=150)
    status = models.CharField(max_length=10, choices=OfferStatus.choices,
                              default=OfferStatus.OFFERED)
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # rule id → version applied when the offer was made (rules as data: which text counted)
    rules_applied = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(person__isnull=True) ^ Q(household__isnull=True),
                                   name="offer_to_a_person_or_a_household"),
            models.CheckConstraint(condition=Q(point__isnull=True) ^ Q(shelter__isnull=True),
                                   name="offer_at_a_point_or_a_shelter"),
        ]
        indexes = [models.Index(fields=["status", "offered_on"]),
                   models.Index(fields=["decided_on"]),
                   models.Index(fields=["place_state"])]


class OfferMember(models.Model):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="plan_offers")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["offer", "person"],
                                               name="one_offer_member")]


class PetEnrolment(models.Model):
    """Work through the Temporary Employment Programme (Programa de Empleo Temporal)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="pet_enrolments")
    employer = models.CharField(_("employer"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(
            condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
            name="pet_ends_after_it_starts")]
