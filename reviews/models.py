"""Boards, the reviews that oblige them to act, and those reviews' findings.

This is the lowest layer: it imports nothing from `actionplans` or `reporting`.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords


class Board(models.Model):
    """A safeguarding partnership (LSCB / safeguarding children partnership)."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=30)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="board_name_not_blank"),
        ]

    def __str__(self):
        return self.name


class ReviewKind(models.TextChoices):
    SCR = "scr", "Serious Case Review / LCSPR"
    JTAI = "jtai", "Joint Targeted Area Inspection"
    OFSTED = "ofsted", "Ofsted inspection"
    BUSINESS_PLAN = "business_plan", "Board business plan"
    AUDIT = "audit", "Audit"
    OTHER = "other", "Other"


class Review(models.Model):
    """The source of obligations: a case review, an inspection, a business plan."""

    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="reviews")
    kind = models.CharField(max_length=20, choices=ReviewKind.choices)
    reference = models.CharField(
        max_length=80, help_text='Short reference as the board uses it, e.g. "Case L".'
    )
    title = models.CharField(max_length=300)
    published_text = models.CharField("publication date as written", max_length=100, blank=True)
    published_on = models.DateField("publication date", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["board", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["board", "reference"],
                name="review_reference_unique_per_board",
                violation_error_message="This board already has a review with that reference.",
            ),
            models.CheckConstraint(condition=~Q(reference=""), name="review_reference_not_blank"),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("actionplans:review_detail", kwargs={"pk": self.pk})


class FindingKind(models.TextChoices):
    FINDING = "finding", "Finding"
    RECOMMENDATION = "recommendation", "Recommendation"
    PRIORITY = "priority", "Strategic priority"


class Finding(models.Model):
    """A numbered finding, recommendation or strategic priority of a review."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="findings")
    number = models.CharField(max_length=20, help_text='As printed: "2", "5a", "R3".')
    kind = models.CharField(max_length=20, choices=FindingKind.choices, default=FindingKind.FINDING)
    text = models.TextField()
    strategic_response = models.TextField("board's strategic response", blank=True)
    priority = models.CharField(
        max_length=200, blank=True, help_text='e.g. "for immediate improvement".'
    )
    outcome = models.TextField(
        "intended outcome", blank=True, help_text="What difference will these actions make?"
    )
    measure = models.TextField(blank=True, help_text="How will we know?")
    source_note = models.TextField(
        blank=True, help_text="What we had to reconstruct or interpret from the source."
    )
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "number"],
                name="finding_number_unique_per_review",
                violation_error_message="This review already has a finding with that number.",
            ),
            models.CheckConstraint(condition=~Q(number=""), name="finding_number_not_blank"),
        ]

    def __str__(self):
        return f"{self.review.reference} {self.get_kind_display().lower()} {self.number}"

    def clean(self):
        if not (self.text or "").strip():
            raise ValidationError({"text": "Enter the finding's text."})
