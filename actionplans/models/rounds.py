"""The quarterly round: a board asks every lead agency for an update before it meets."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from reviews.models import Board

from .actions import Action
from .plans import Agency, Plan

DEFAULT_REMINDER_DAYS = 7
CHASER_EVERY_DAYS = 7


class RoundStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Round(models.Model):
    """One round of updates for a board meeting, over one or several of its plans.

    Every action of those plans that was neither complete nor closed when the round
    opened owes an update from its lead agency (`RoundAction`). A closed round keeps
    its summary and cannot be changed.
    """

    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="rounds")
    name = models.CharField(max_length=200, help_text='e.g. "Q3 2026/27 – board 20 January 2027".')
    deadline = models.DateField("deadline for updates")
    meeting_date = models.DateField("board meeting date")
    reminder_days = models.PositiveSmallIntegerField(
        "send a reminder this many days before the deadline",
        default=DEFAULT_REMINDER_DAYS,
    )
    plans = models.ManyToManyField(Plan, through="RoundPlan", related_name="rounds")
    status = models.CharField(max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(
        default=dict, blank=True, help_text="The response rates, kept as they were at closing."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-meeting_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name=""),
                name="round_name_not_blank",
                violation_error_message="Give the round a name.",
            ),
            models.CheckConstraint(
                condition=Q(meeting_date__gte=F("deadline")),
                name="round_meeting_not_before_deadline",
                violation_error_message="The board meets on or after the deadline for updates.",
            ),
            models.CheckConstraint(
                condition=Q(reminder_days__lte=60),
                name="round_reminder_days_at_most_60",
                violation_error_message="Send the reminder at most 60 days before the deadline.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RoundStatus.values), name="round_status_valid"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("actionplans:round_detail", kwargs={"pk": self.pk})

    def clean(self):
        if self.deadline and self.meeting_date and self.meeting_date < self.deadline:
            raise ValidationError(
                {"meeting_date": "The board meets on or after the deadline for updates."}
            )

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN

    def is_past_deadline(self, on: datetime.date) -> bool:
        return on > self.deadline

    def reminder_date(self) -> datetime.date:
        return self.deadline - datetime.timedelta(days=self.reminder_days)

    def chaser_date(self, on: datetime.date) -> datetime.date | None:
        """The chaser due by `on`: the day after the deadline, then every week."""
        first = self.deadline + datetime.timedelta(days=1)
        if on < first:
            return None
        weeks = (on - first).days // CHASER_EVERY_DAYS
        return first + datetime.timedelta(days=weeks * CHASER_EVERY_DAYS)


class RoundPlan(models.Model):
    """A plan covered by a round. A plan is in at most one open round at a time."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="round_plans")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="round_plans")
    is_open = models.BooleanField(default=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "plan__title"]
        constraints = [
            models.UniqueConstraint(fields=["round", "plan"], name="round_plan_unique"),
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(is_open=True),
                name="plan_in_one_open_round",
                violation_error_message="This plan is already in an open round.",
            ),
        ]

    def __str__(self):
        return f"{self.plan} in {self.round}"


class BoardDecision(models.TextChoices):
    NONE = "", "Not decided"
    SIGNED_OFF = "signed_off", "Signed off by the board"
    NOT_YET = "not_yet", "Not yet: challenged by the board"


class RoundAction(models.Model):
    """An action that owes an update in a round, and what the board decided on it."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="items")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="round_items")
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="round_items",
        help_text="The lead agency when the round opened.",
    )
    decision = models.CharField(
        "board decision", max_length=20, choices=BoardDecision.choices, blank=True, default=""
    )
    challenge = models.TextField("the board's challenge", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "action__plan", "action__position", "action_id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "action"], name="round_action_unique"),
            models.CheckConstraint(
                condition=~Q(decision=BoardDecision.NOT_YET) | ~Q(challenge=""),
                name="round_not_yet_has_challenge",
                violation_error_message="Say what the board wants to see before it signs off.",
            ),
            models.CheckConstraint(
                condition=Q(decision__in=BoardDecision.values), name="round_decision_valid"
            ),
        ]

    def __str__(self):
        return f"{self.action.ref} in {self.round}"
