"""Evidence files: documents a lead attaches to a progress update, or a manager to an
action (an audit report, a training register, a revised procedure).

The file's bytes live in the default storage under a random key (`evidence/<uuid4>`);
the name people gave it is kept for display only. A row outlives its file: a refused
or removed file is deleted from storage, and the row (with its history) says who added
what, who removed it and why, never the content.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .actions import Action, ProgressUpdate

DIRECTORY = "evidence"


def storage_key(instance, filename: str) -> str:
    """Never the uploaded name: a random key, so a name cannot collide, traverse or tell."""
    return f"{DIRECTORY}/{uuid.uuid4()}"


class EvidenceState(models.TextChoices):
    CHECKING = "checking", "Being checked for viruses"
    AVAILABLE = "available", "Available"
    REFUSED = "refused", "Refused by the virus check"
    REMOVED = "removed", "Removed"


class EvidenceFile(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="evidence_files")
    update = models.ForeignKey(
        ProgressUpdate,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence_files",
        help_text="The progress update it supports; none when a manager attached it to "
        "the action itself.",
    )
    file = models.FileField(upload_to=storage_key, max_length=200, blank=True)
    filename = models.CharField(max_length=200, help_text="As uploaded, for display only.")
    description = models.CharField(max_length=200)
    kind = models.CharField(max_length=60, help_text='What the content is: "PDF document".')
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    state = models.CharField(
        max_length=20, choices=EvidenceState.choices, default=EvidenceState.AVAILABLE
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    scan_result = models.CharField(max_length=200, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removal_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["action", "uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=EvidenceState.values),
                name="evidence_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state=EvidenceState.REMOVED) | ~Q(removal_reason=""),
                name="evidence_removal_has_reason",
                violation_error_message="Say why the file is being removed.",
            ),
            models.CheckConstraint(
                condition=~Q(description=""),
                name="evidence_description_not_blank",
                violation_error_message="Describe the file in a few words.",
            ),
        ]
        indexes = [models.Index(fields=["state", "action"], name="evidence_state_action")]

    def __str__(self):
        return self.filename

    def get_absolute_url(self):
        return reverse("actionplans:evidence_download", kwargs={"pk": self.pk})

    @property
    def is_available(self) -> bool:
        return self.state == EvidenceState.AVAILABLE

    @property
    def is_listed(self) -> bool:
        """Shown on the action's page, in exports and in the board pack."""
        return self.state in (EvidenceState.AVAILABLE, EvidenceState.CHECKING)

    @property
    def size_label(self) -> str:
        if self.size >= 1024 * 1024:
            return f"{self.size / 1024 / 1024:.1f} MB"
        return f"{max(1, round(self.size / 1024))} KB"
