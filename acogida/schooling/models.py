"""Schools near the reception, their seats per grade, and children's enrolments.

Seats are counted by ``services`` under a lock on the school's row; the database adds one guard
of its own: at most one active (waitlisted, enrolled or attending) enrolment per child.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from acogida.registry.models import Person


class Level(models.TextChoices):
    PREESCOLAR = "preescolar", _("Preescolar")
    PRIMARIA = "primaria", _("Primaria")
    SECUNDARIA = "secundaria", _("Secundaria")
    MEDIA_SUPERIOR = "media_superior", _("Media superior")


class School(models.Model):
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    state = models.CharField(_("state"), max_length=100)
    municipality = models.CharField(_("municipality"), max_length=100)
    location = models.CharField(_("location"), max_length=300, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True,
                                   blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True,
                                    blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "level", "municipality"],
                                               name="one_school_per_name_level_place")]

    def __str__(self) -> str:
        return self.name


class SchoolGrade(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="grades")
    grade = models.PositiveSmallIntegerField(_("grade"))
    seats = models.PositiveIntegerField(_("seats"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "grade"],
                                               name="one_seat_count_per_grade")]


class EnrolmentStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    WAITLISTED = "waitlisted", _("On the waiting list")
    ENROLLED = "enrolled", _("Enrolled")
    ATTENDING = "attending", _("Attending")
    LEFT = "left", _("Left")


ACTIVE = (EnrolmentStatus.REQUESTED, EnrolmentStatus.WAITLISTED, EnrolmentStatus.ENROLLED,
          EnrolmentStatus.ATTENDING)
HOLDS_SEAT = (EnrolmentStatus.ENROLLED, EnrolmentStatus.ATTENDING)


class Enrolment(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="enrolments")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="enrolments")
    level = models.CharField(max_length=20, choices=Level.choices)
    grade = models.PositiveSmallIntegerField()
    suggested_level = models.CharField(max_length=20, choices=Level.choices)
    suggested_grade = models.PositiveSmallIntegerField()
    # The school placed the child away from the age suggestion after its own placement test.
    overridden_by_test = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=EnrolmentStatus.choices)
    requested_at = models.DateTimeField()
    enrolled_at = models.DateTimeField(null=True, blank=True)
    attending_since = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person"],
                                               condition=Q(status__in=[s.value for s in ACTIVE]),
                                               name="one_active_enrolment_per_child")]
        indexes = [models.Index(fields=["school", "grade", "status", "requested_at"])]

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")


class BulkProposal(models.Model):
    """"Enrol every eligible child staying in this shelter": the schools proposed (``data``:
    lines, skipped children, the schools' names, as JSON) until it is confirmed (every line
    enrolled or waitlisted at once)."""

    shelter = models.ForeignKey("shelter.Shelter", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=ProposalStatus.choices,
                              default=ProposalStatus.DRAFT)
    school_year = models.PositiveSmallIntegerField()
    reference_date = models.DateField()  # 31 December of the school year's first year
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.CharField(max_length=150, blank=True)
