"""Identity resolution: the trained model, each run, the review queue, merges and aliases.

A merge removes the merged ``Person`` row from the registry (so every list, search and figure
counts one person) after moving every row that pointed at it to the survivor; the ``Merge``
keeps, encrypted, what is needed to undo it exactly: the merged row itself, each moved row
(model, pk, field, old value), each row parked to respect a constraint (its previous values) and
each duplicate row set aside (the whole row). See docs/duplicates.md.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from acogida.core.fields import EncryptedJSONField
from acogida.registry.models import Person


class TrainedModelRecord(models.Model):
    """A Splink model trained on the registry without labels; the latest one is used."""

    version = models.CharField(max_length=100)
    trained_at = models.DateTimeField()
    record_count = models.PositiveIntegerField()
    model_json = models.TextField()
    trained_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-trained_at", "-id"]

    def __str__(self) -> str:
        return f"{self.version} ({self.trained_at:%Y-%m-%d %H:%M})"


class Run(models.Model):
    """One pass over the whole registry: its figures."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.CharField(max_length=150, blank=True)
    threshold = models.FloatField()
    model = models.ForeignKey(TrainedModelRecord, on_delete=models.PROTECT, related_name="runs")
    retrained = models.BooleanField(default=False)
    people = models.PositiveIntegerField(default=0)
    pairs = models.PositiveIntegerField(default=0)  # scored at or above the threshold
    clusters = models.PositiveIntegerField(default=0)  # groups of two or more records
    new_pairs = models.PositiveIntegerField(default=0)
    updated_pairs = models.PositiveIntegerField(default=0)
    skipped_decided = models.PositiveIntegerField(default=0)  # known not to be duplicates
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]


class PairStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    MERGED = "merged", _("Merged")
    NOT_DUPLICATE = "not_duplicate", _("Not a duplicate")
    DEFERRED = "deferred", _("Deferred")


class CandidatePair(models.Model):
    """Two registrations the model thinks may be one person, by registration number (the
    smaller number on the left), so that a merge or unmerge never has to rewrite the queue."""

    left_number = models.CharField(max_length=14)
    right_number = models.CharField(max_length=14, db_index=True)
    probability = models.FloatField()
    match_weight = models.FloatField()
    # [{"comparison", "level", "gamma", "match_weight", "m", "u"}, ...]: no personal data.
    explanation = models.JSONField(default=list)
    cluster_id = models.CharField(max_length=32, blank=True)
    run = models.ForeignKey(Run, on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="candidate_pairs")
    status = models.CharField(max_length=14, choices=PairStatus.choices,
                              default=PairStatus.PENDING)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["left_number", "right_number"],
                                               name="one_candidate_pair")]
        indexes = [models.Index(fields=["status", "probability"])]


class Merge(models.Model):
    survivor_number = models.CharField(max_length=14, db_index=True)
    merged_number = models.CharField(max_length=14, db_index=True)
    pair = models.ForeignKey(CandidatePair, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="merges")
    merged_at = models.DateTimeField()
    merged_by = models.CharField(max_length=150, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    # {"person": <the merged row>, "moved": [...], "parked": [...], "set_aside": [...]}
    journal = EncryptedJSONField(default=dict)
    summary = models.JSONField(default=dict)  # counts per model: no personal data
    unmerged_at = models.DateTimeField(null=True, blank=True)
    unmerged_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-merged_at", "-id"]


class PersonAlias(models.Model):
    """A merged record's registration number, now leading to the survivor."""

    registration_number = models.CharField(max_length=14, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="aliases")
    merge = models.ForeignKey(Merge, on_delete=models.CASCADE, related_name="aliases")

    def __str__(self) -> str:
        return self.registration_number
