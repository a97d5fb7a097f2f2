"""Temporary ID cards and work permits, and the print batches they are printed in.

A document goes ``requested`` → ``printed`` → ``issued`` (handed over), and ends ``expired``,
``revoked`` or ``replaced``. The rules live in ``services``; the database adds one guard of its
own: at most one active document of each type per person.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from acogida.registry.models import Person, RegistrationPoint


class DocumentType(models.TextChoices):
    TEMPORARY_ID = "temporary_id", _("Temporary ID card")
    WORK_PERMIT = "work_permit", _("Work permit")


class Status(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    PRINTED = "printed", _("Printed")
    ISSUED = "issued", _("Issued")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    REPLACED = "replaced", _("Replaced")


ACTIVE = (Status.REQUESTED, Status.PRINTED, Status.ISSUED)


class LegalBasis(models.TextChoices):
    REFUGEE_APPLICATION_LODGED = "refugee_application_lodged", _("Refugee application lodged")
    HUMANITARIAN_STATUS = "humanitarian_status", _("Humanitarian status")
    PLAN_ENROLMENT = "plan_enrolment", _("Enrolled in the plan")


class ReplacementReason(models.TextChoices):
    LOST = "lost", _("Lost")
    STOLEN = "stolen", _("Stolen")
    DAMAGED = "damaged", _("Damaged")
    RENEWED = "renewed", _("Renewed")


class PrintBatch(models.Model):
    number = models.CharField(max_length=14, unique=True)
    office = models.ForeignKey(RegistrationPoint, on_delete=models.PROTECT, null=True,
                               blank=True, related_name="print_batches")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    printed_at = models.DateTimeField(null=True, blank=True)
    printed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")

    def __str__(self) -> str:
        return self.number


class Document(models.Model):
    number = models.CharField(max_length=14, unique=True)
    doc_type = models.CharField(_("type"), max_length=20, choices=DocumentType.choices)
    holder = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="documents")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    # A child's card names a guardian: an adult head or spouse of the child's household.
    guardian = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")

    # What the card says (work permits: legal basis and conditions).
    legal_basis = models.CharField(max_length=30, choices=LegalBasis.choices, blank=True)
    legal_status = models.CharField(max_length=200)  # "Solicitante de refugio — …" (Spanish)
    employer = models.CharField(max_length=200, blank=True)  # empty: any employer
    valid_states = models.JSONField(default=list, blank=True)  # empty: all of Mexico

    issue_date = models.DateField()
    valid_from = models.DateField()
    valid_until = models.DateField()  # the last day on which it is valid
    office = models.ForeignKey(RegistrationPoint, on_delete=models.PROTECT,
                               related_name="documents")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                blank=True, related_name="+")
    officer_name = models.CharField(max_length=150, blank=True)  # the username, also for CLI
    requested_at = models.DateTimeField()

    # The signed QR code (Claim 169, Base45), computed once at request time and kept: the card
    # and the API show the same code, and rotating the issuer key leaves old cards valid.
    qr_payload = models.TextField()
    key_id = models.CharField(max_length=100, blank=True)
    # The QR mask segno chose for the payload: printing makes the same code without the search.
    qr_mask = models.PositiveSmallIntegerField(null=True, blank=True)
    # What the card prints besides the QR, as it was when the document was requested.
    card = models.JSONField(default=dict)

    batch = models.ForeignKey(PrintBatch, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="documents")
    printed_at = models.DateTimeField(null=True, blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")  # the holder or a guardian
    ended_at = models.DateTimeField(null=True, blank=True)  # revoked, replaced or expired
    end_reason = models.CharField(max_length=300, blank=True)
    replaces = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="replaced_by")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["holder", "doc_type"],
                                    condition=Q(status__in=["requested", "printed", "issued"]),
                                    name="one_active_document_per_type"),
        ]
        indexes = [
            models.Index(fields=["status", "valid_until"]),
            models.Index(fields=["status", "batch"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_doc_type_display()} {self.number}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE
