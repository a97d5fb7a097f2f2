"""Asylum claims: one per principal applicant, with dependants from the household, the moves of
its workflow (each with the date it took legal effect), and the screenings run on its facts.

The narrative and the interview facts are encrypted at rest: they hold what the person fled.
What the worklist sorts and counts on (state, jurisdiction, dates, the next deadline) is in clear.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from acogida.core.fields import EncryptedJSONField, EncryptedTextField
from acogida.registry.models import Person

from . import workflow


class Jurisdiction(models.TextChoices):
    MX = "MX", _("Mexico (COMAR)")
    US = "US", _("United States")


class Status(models.TextChoices):
    INTAKE = workflow.INTAKE, _("Intake")
    LODGED = workflow.LODGED, _("Lodged")
    INTERVIEW_SCHEDULED = workflow.INTERVIEW_SCHEDULED, _("Interview scheduled")
    INTERVIEWED = workflow.INTERVIEWED, _("Interviewed")
    DECISION_PENDING = workflow.DECISION_PENDING, _("Decision pending")
    RECOGNISED = workflow.RECOGNISED, _("Recognised as a refugee")
    COMPLEMENTARY_PROTECTION = workflow.COMPLEMENTARY_PROTECTION, _("Complementary protection")
    REJECTED = workflow.REJECTED, _("Rejected")
    APPEAL_LODGED = workflow.APPEAL_LODGED, _("Appeal lodged")
    APPEAL_DECIDED = workflow.APPEAL_DECIDED, _("Appeal decided")
    WITHDRAWN = workflow.WITHDRAWN, _("Withdrawn")
    ABANDONED = workflow.ABANDONED, _("Abandoned")


class Claim(models.Model):
    number = models.CharField(max_length=14, unique=True)
    principal = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="claims")
    jurisdiction = models.CharField(max_length=2, choices=Jurisdiction.choices)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.INTAKE)
    filing_place = models.CharField(max_length=200, blank=True)
    # entry into the claim's country: the deadlines count from it
    entered_on = models.DateField(null=True, blank=True)
    lodged_on = models.DateField(null=True, blank=True)
    interview_on = models.DateField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    appeal_lodged_on = models.DateField(null=True, blank=True)
    appeal_outcome = models.CharField(max_length=12, blank=True)
    late_filing_reason = models.CharField(max_length=40, blank=True)
    narrative = EncryptedTextField(blank=True)
    # the intake interview, in the screening schema's shape (acogida.asylum.screening)
    facts = EncryptedJSONField(default=dict, blank=True)
    # kept in step by services on every move (and daily: ``acogida claims refresh``), so the
    # worklist sorts and the one-open-claim rule holds in the database
    open = models.BooleanField(default=True)
    next_deadline = models.DateField(null=True, blank=True)
    next_deadline_rule = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["principal", "jurisdiction"], condition=Q(open=True),
            name="one_open_claim_per_person_and_jurisdiction")]
        indexes = [models.Index(fields=["open", "next_deadline"]),
                   models.Index(fields=["jurisdiction", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.open


class Dependant(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="dependants")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="claim_dependencies")
    relationship = models.CharField(max_length=20)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["claim", "person"],
                                               name="one_dependant_entry_per_claim")]


class Move(models.Model):
    """One step of the workflow: who moved the claim, when, and the date it took legal effect."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="moves")
    from_status = models.CharField(max_length=24, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=Status.choices)
    effective = models.DateField()
    note = EncryptedTextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                           blank=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]


class Screening(models.Model):
    """A screening aid's result stored with the policy versions it applied, so a later re-run
    under changed policy can show what changed."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="screenings")
    as_of = models.DateField()
    lang = models.CharField(max_length=2)
    result = EncryptedJSONField(default=dict)
    policies_applied = models.JSONField(default=list)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                           blank=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]
