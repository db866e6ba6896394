"""What reporting stores of its own: PDFs rendered in the background, for re-use."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class ReportKind(models.TextChoices):
    PACK = "pack", "Board pack"
    EXCEPTIONS = "exceptions", "Exception report"
    CHANGES = "changes", "Changes since a date"
    ACTIONS = "actions", "Filtered action list"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Being prepared"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class RenderedReport(models.Model):
    """A PDF rendered off the request path (or about to be), kept for re-use.

    `key` is a hash of the report's options and of everything it prints, so a second
    request for the same unchanged plan, options and date finds this one. Whoever
    downloads it must be able to see every one of its `plans`.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    key = models.CharField(max_length=64, db_index=True)
    spec = models.JSONField(default=dict, help_text="What to render: plans, options, filters.")
    plans = models.ManyToManyField("actionplans.Plan", related_name="+")
    round = models.ForeignKey(
        "actionplans.Round",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The round whose meeting this pack was kept for: kept for good.",
    )
    title = models.CharField(max_length=400)
    filename = models.CharField(max_length=200)
    action_count = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=20, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    file = models.FileField(upload_to="reports/", blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    source_url = models.CharField(
        max_length=2000, blank=True, help_text="The request that asked for it."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="rendered_report_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReportKind.values), name="rendered_report_kind_valid"
            ),
            # One render at a time per content, whichever server asked: a second request
            # reuses it (services.report_request). A round's kept pack is its own.
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING])
                & Q(round__isnull=True),
                name="rendered_report_one_unfinished_per_key",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("reporting:report_status", kwargs={"pk": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.status in (ReportStatus.DONE, ReportStatus.FAILED)

    @property
    def is_ready(self) -> bool:
        return (
            self.status == ReportStatus.DONE
            and bool(self.file)
            and self.file.storage.exists(self.file.name)
        )


class PackRefresh(models.Model):
    """A plan whose board pack the worker should render again (see `reporting.prerender`).

    One row a plan while a refresh is pending: each change of its actions pushes
    `due_at` back (debounce), and the worker's task takes the row only once `due_at`
    has passed with no change since.
    """

    plan = models.OneToOneField(
        "actionplans.Plan", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    due_at = models.DateTimeField()
    requested_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Refresh the pack of plan {self.plan_id} at {self.due_at:%H:%M:%S}"
