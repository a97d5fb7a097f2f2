"""Shelters, their sections, who stays where, nightly roll calls, and placement proposals.

The hard placement rules live in ``rules`` (pure) and are enforced by ``services``; the database
adds one guard of its own: at most one active stay per person.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from acogida.core.fields import EncryptedTextField
from acogida.registry.models import Household, Person


class ShelterKind(models.TextChoices):
    HOSTEL = "hostel", _("Hostel")
    SPORTS_CENTRE = "sports_centre", _("Sports centre")
    CHURCH = "church", _("Church")
    TENT_SITE = "tent_site", _("Tent site")


class SectionKind(models.TextChoices):
    FAMILY = "family", _("Families")
    WOMEN = "women", _("Women and their children")
    MEN = "men", _("Men")
    CHILD_SAFE = "child_safe", _("Unaccompanied and separated children")
    MIXED = "mixed", _("Mixed")


class Shelter(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ShelterKind.choices)
    operator = models.CharField(_("operator"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=100)
    municipality = models.CharField(_("municipality"), max_length=100)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True,
                                   blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True,
                                    blank=True)
    # For the Sphere checks (shared/domain/standards.md): space, toilets, water, bathing.
    covered_area_m2 = models.PositiveIntegerField(_("covered floor area (m²)"), default=0)
    toilets = models.PositiveIntegerField(_("toilets"), default=0)
    taps = models.PositiveIntegerField(_("taps"), default=0)
    showers = models.PositiveIntegerField(_("showers"), default=0)
    wheelchair_accessible = models.BooleanField(_("wheelchair accessible"), default=False)
    medical_post = models.BooleanField(_("medical post on site"), default=False)
    school_distance_km = models.DecimalField(_("nearest school (km)"), max_digits=6,
                                             decimal_places=2, null=True, blank=True)
    open_from = models.DateField(_("open from"), null=True, blank=True)
    open_until = models.DateField(_("open until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Section(models.Model):
    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="sections")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=SectionKind.choices)
    capacity = models.PositiveIntegerField(_("capacity (beds or places)"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shelter", "name"],
                                               name="one_section_name_per_shelter")]

    def __str__(self) -> str:
        return f"{self.shelter.name} · {self.name}"


class EndReason(models.TextChoices):
    CHECKED_OUT = "checked_out", _("Checked out")
    TRANSFERRED = "transferred", _("Transferred")
    LEFT = "left", _("Left (absent from roll calls)")


class Stay(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="stays")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="stays")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    checked_in_at = models.DateTimeField()
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="+")
    checked_out_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    note = models.CharField(max_length=300, blank=True)
    # A hard rule broken on purpose: which rules, why, by whom (shown on the shelter page).
    overridden_rules = models.JSONField(default=list, blank=True)
    # Free text written by a case officer ("survivor of …, must not be near …"): encrypted at
    # rest, shown only to roles that may override, never copied into the audit log.
    override_reason = EncryptedTextField(blank=True)
    override_by = models.CharField(max_length=150, blank=True)
    absent_nights = models.PositiveSmallIntegerField(default=0)  # consecutive, from roll calls

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person"],
                                               condition=Q(checked_out_at__isnull=True),
                                               name="one_active_stay_per_person")]
        indexes = [models.Index(fields=["section", "checked_out_at"])]

    @property
    def is_active(self) -> bool:
        return self.checked_out_at is None


class ShelterNeeds(models.Model):
    """What placement needs to know beyond the registry: a wheelchair user (rule 5). The
    registry's specific need DS (disability) does not say it."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="shelter_needs")
    wheelchair = models.BooleanField(_("uses a wheelchair"), default=False)


class RollCall(models.Model):
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="roll_calls")
    night = models.DateField()
    taken_at = models.DateTimeField()
    taken_by = models.CharField(max_length=150, blank=True)
    present = models.PositiveIntegerField(default=0)
    absent = models.PositiveIntegerField(default=0)
    released = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["section", "night"],
                                               name="one_roll_call_per_night")]


class RollCallEntry(models.Model):
    roll_call = models.ForeignKey(RollCall, on_delete=models.CASCADE, related_name="entries")
    stay = models.ForeignKey(Stay, on_delete=models.PROTECT, related_name="roll_call_entries")
    present = models.BooleanField()


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")


class PlacementProposal(models.Model):
    """What the optimiser proposed (``data``: assignments, unplaced, stats, as JSON), as a
    manager may have edited it, until it is confirmed (everyone checked in at once)."""

    status = models.CharField(max_length=10, choices=ProposalStatus.choices,
                              default=ProposalStatus.DRAFT)
    method = models.CharField(max_length=50, blank=True)
    gap = models.FloatField(null=True, blank=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.CharField(max_length=150, blank=True)
