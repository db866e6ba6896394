"""An import in progress: who uploaded which file for which board, what they chose, and
where it stands. The file is kept through Django's storage API (`default_storage`,
under ``imports/``), never in the session: any web process can pick the import up."""

import uuid

from django.conf import settings
from django.db import models

from reviews.models import Board


class ImportState(models.TextChoices):
    CHECKING = "checking", "Being checked"
    IMPORTED = "imported", "Imported"


class PlanImport(models.Model):
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plan_imports"
    )
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="plan_imports")
    file = models.FileField(upload_to="imports/", max_length=200, blank=True)
    filename = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20)
    plan_slug = models.CharField(max_length=80)
    sheet = models.CharField(max_length=31, blank=True)
    review_reference = models.CharField(max_length=100, blank=True)
    # The manager's last answers on the preview (columns, heading rows, agencies, statuses)
    choices = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        max_length=20, choices=ImportState.choices, default=ImportState.CHECKING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} for {self.board} ({self.get_state_display()})"

    def read(self) -> bytes:
        with self.file.open("rb") as stored:
            return stored.read()
