"""Plans and what groups their actions: agencies, themes, objectives."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from reviews.models import Board, Finding

from .rag import DISPLAY_ORDER, RAG, rag_label


class AgencyKind(models.TextChoices):
    PARTNERSHIP = "partnership", "Partnership / board"
    COUNCIL = "council", "Local authority"
    POLICE = "police", "Police"
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education / schools"
    PROBATION = "probation", "Probation"
    YOUTH_JUSTICE = "youth_justice", "Youth justice"
    OTHER = "other", "Other"


class Agency(models.Model):
    """An organisation that can lead actions: council, police force, health trust..."""

    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="agencies")
    short_name = models.CharField(max_length=60)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=AgencyKind.choices, default=AgencyKind.OTHER)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["board", "short_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["board", "short_name"],
                name="agency_short_name_unique_per_board",
                violation_error_message="This board already has an agency with that short name.",
            ),
            models.CheckConstraint(condition=~Q(short_name=""), name="agency_short_name_not_blank"),
        ]

    def __str__(self):
        return self.short_name


class PlanKind(models.TextChoices):
    SINGLE = "single", "Single review"
    COMPOSITE = "composite", "Composite (many reviews)"


DEFAULT_HEADINGS = {
    "ref": "Ref",
    "answers": "Answers",
    "objective": "Objective",
    "text": "Action",
    "lead": "Lead",
    "subgroup": "Enabling subgroup",
    "evidence": "How will we know?",
    "resources": "Resources",
    "kpis": "KPIs",
    "target": "Target date",
    "rag": "RAG",
    "progress": "Progress",
    "next_steps": "Future actions",
}


class Plan(models.Model):
    """The document a board tracks, updates every quarter and prints."""

    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="plans")
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=PlanKind.choices, default=PlanKind.SINGLE)
    published_text = models.CharField("date as published", max_length=100, blank=True)
    published_on = models.DateField("publication date", null=True, blank=True)
    introduction = models.TextField(blank=True)
    rag_legend = models.JSONField(
        "RAG legend",
        default=dict,
        blank=True,
        help_text='The board\'s own words for each status, e.g. {"red": "Behind schedule"}.',
    )
    columns = models.JSONField(
        default=dict, blank=True, help_text="The plan's own column headings for our fields."
    )
    stale_after_days = models.PositiveIntegerField(
        default=120, help_text="An action with no update for this many days is stale."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["board", "title"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="plan_title_not_blank"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("actionplans:plan_detail", kwargs={"slug": self.slug})

    def clean(self):
        legend = self.rag_legend or {}
        if not isinstance(legend, dict):
            raise ValidationError({"rag_legend": "The legend must map statuses to words."})
        unknown = sorted(set(legend) - set(RAG.values))
        if unknown:
            raise ValidationError(
                {"rag_legend": f"Unknown RAG status in the legend: {', '.join(unknown)}."}
            )
        for status, words in legend.items():
            if not isinstance(words, str) or not words.strip() or len(words) > 100:
                raise ValidationError(
                    {"rag_legend": f"Give {status} a label of 1 to 100 characters."}
                )

    def rag_label(self, status: str) -> str:
        return rag_label(status, self.rag_legend)

    def legend_entries(self) -> list[tuple[str, str]]:
        """(status, label) pairs to print: the plan's own legend, or the default one."""
        statuses = [s for s in DISPLAY_ORDER if s.value in (self.rag_legend or {})]
        if not statuses:
            statuses = [RAG.RED, RAG.AMBER, RAG.GREEN, RAG.BLUE]
        statuses += [RAG.NOT_STARTED, RAG.NOT_RATED]
        return [(s.value, self.rag_label(s)) for s in statuses]

    @property
    def headings(self) -> dict[str, str]:
        """Column headings in the plan's own words ("By when"), ours where it has none."""
        return DEFAULT_HEADINGS | {
            field: heading
            for field, heading in (self.columns or {}).items()
            if field in DEFAULT_HEADINGS and heading
        }


class Theme(models.Model):
    """An ordered group inside a plan: a learning theme, an agency section, a priority."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="themes")
    key = models.CharField(max_length=30, help_text="Short key as printed, e.g. 1.")
    title = models.CharField(max_length=300)
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "key"],
                name="theme_key_unique_per_plan",
                violation_error_message="This plan already has a theme with that key.",
            ),
        ]

    def __str__(self):
        return self.title


class Objective(models.Model):
    """An objective or outcome that groups actions (Case L's "Objectives" column)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="objectives")
    key = models.CharField(max_length=30, help_text='Short key, e.g. "5a".')
    text = models.TextField()
    finding = models.ForeignKey(
        Finding, on_delete=models.PROTECT, null=True, blank=True, related_name="objectives"
    )
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "key"],
                name="objective_key_unique_per_plan",
                violation_error_message="This plan already has an objective with that key.",
            ),
        ]

    def __str__(self):
        return self.text[:80]

    def clean(self):
        if self.finding_id and self.plan_id and self.finding.review.board_id != self.plan.board_id:
            raise ValidationError({"finding": "Choose a finding of this plan's board."})
