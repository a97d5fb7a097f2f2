"""Flow counts (how many people passed a place on a day, by whom counted) and the Sphere
planning ratios, kept as editable data with their source. Both are aggregates: no person here."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from acogida.registry.models import ArrivalGroup


class FlowKind(models.TextChoices):
    """What a figure counts: a stock or a flow. They are never added to each other."""

    ARRIVED = "arrived", _("new arrivals that day")  # a flow: the forecast reads these only
    PRESENT = "present", _("people counted at the place")  # a stock: the caravan's size
    CUMULATIVE = "cumulative", _("cumulative total so far")  # a stock: e.g. national figures


class FlowCount(models.Model):
    """One source's figure for one place and day (DTM-style). Sources disagree: all are kept and
    the pictures show the range (lowest–highest) for each day and kind."""

    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=12, choices=FlowKind.choices,
                            default=FlowKind.ARRIVED)
    place = models.CharField(_("place"), max_length=200)
    state = models.CharField(_("state"), max_length=100)
    arrival_group = models.ForeignKey(ArrivalGroup, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="flow_counts")
    people_in = models.PositiveIntegerField(_("people arriving or counted"), default=0)
    people_out = models.PositiveIntegerField(_("people leaving"), default=0)
    families = models.PositiveIntegerField(_("families"), null=True, blank=True)
    children = models.PositiveIntegerField(_("children"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    recorded_by_name = models.CharField(max_length=150, blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["date", "place"]), models.Index(fields=["state", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.place}: {self.people_in} ({self.source})"


class SphereStandard(models.Model):
    """A planning ratio: ``per_person`` units per person (m², litres, kcal) or one facility per
    ``people_per_unit`` people. Seeded by migrations 0002–0003 (``sphere.yaml`` is the readable
    copy); editable."""

    key = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=200)
    unit = models.CharField(max_length=40)
    per_person = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    people_per_unit = models.PositiveIntegerField(null=True, blank=True)
    facility = models.CharField(max_length=40, blank=True)  # Shelter field it is checked against
    source = models.CharField(max_length=300)
    note = models.CharField(max_length=300, blank=True)
    confirmed = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.key
