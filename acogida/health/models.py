"""Medical care: encounters, vaccinations, referrals, and admins' break-glass grants.

Clinical text (diagnoses, notes, referral and break-glass reasons) is encrypted at rest
(``core.fields``); what aggregates need (reason category, triage, dates, facility kind) stays in
clear and says nothing that identifies a person's condition in detail. The rules live in
``services``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from acogida.core.fields import EncryptedJSONField, EncryptedTextField
from acogida.registry.models import Person


class FacilityKind(models.TextChoices):
    IMSS_CLINIC = "imss_clinic", _("IMSS clinic")
    SHELTER_MEDICAL_POST = "shelter_medical_post", _("Shelter medical post")
    MOBILE_CLINIC = "mobile_clinic", _("Mobile clinic")


class Reason(models.TextChoices):
    """A short, non-identifying category, for aggregates only."""

    RESPIRATORY = "respiratory", _("Respiratory")
    DIARRHOEA = "diarrhoea", _("Diarrhoea")
    INJURY = "injury", _("Injury")
    PREGNANCY_FOLLOW_UP = "pregnancy_follow_up", _("Pregnancy follow-up")
    CHRONIC = "chronic", _("Chronic condition")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    SKIN = "skin", _("Skin")
    VACCINATION = "vaccination", _("Vaccination")
    OTHER = "other", _("Other")


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    URGENT = "urgent", _("Urgent")
    ROUTINE = "routine", _("Routine")


URGENT = (Urgency.EMERGENCY, Urgency.URGENT)


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    ATTENDED = "attended", _("Attended")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined")


OPEN_REFERRAL = (ReferralStatus.SENT, ReferralStatus.ACCEPTED)


class Encounter(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="encounters")
    date = models.DateField()
    facility_kind = models.CharField(max_length=24, choices=FacilityKind.choices)
    facility_name = models.CharField(max_length=200, blank=True)
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    clinician_name = models.CharField(max_length=150, blank=True)
    reason = models.CharField(max_length=24, choices=Reason.choices)
    triage = models.CharField(max_length=10, choices=Urgency.choices)
    # [{"text": "...", "icd10": "J06.9"}]: encrypted
    diagnoses = EncryptedJSONField(default=list, blank=True)
    notes = EncryptedTextField(blank=True)
    pregnancy_follow_up = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["date", "reason"])]


class Vaccination(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="vaccinations")
    vaccine = models.CharField(max_length=20)  # a code of schedule.VACCINES
    dose = models.PositiveSmallIntegerField()
    date = models.DateField()
    lot = models.CharField(max_length=40, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "vaccine", "dose"],
                                               name="one_vaccination_per_dose")]


class Referral(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    to_facility = models.CharField(max_length=200)
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    status = models.CharField(max_length=10, choices=ReferralStatus.choices,
                              default=ReferralStatus.SENT)
    reason = EncryptedTextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["status", "urgency"])]


class BreakGlassGrant(models.Model):
    """An admin's time-limited access to one person's health record, with a recorded reason."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField()
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "person", "expires_at"])]
