"""Actions, the reviews they answer, and their progress updates."""

import datetime

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from actionplans.target_dates import TargetKind, resolve_target
from reviews.models import Finding, Review

from .plans import Agency, Objective, Plan, Theme
from .rag import RAG

DUE_SOON_DAYS = 30


class Action(models.Model):
    """One thing an agency has agreed to do, tracked until it is done."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="actions")
    ref = models.CharField(max_length=30, help_text='As printed: "1.1", "4.11", "3a".')
    text = models.TextField("action")
    theme = models.ForeignKey(
        Theme, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    objective = models.ForeignKey(
        Objective, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    reviews = models.ManyToManyField(
        Review, through="ActionSource", related_name="actions", blank=True
    )
    answers_as_written = models.CharField(
        "reviews cited, as written", max_length=200, blank=True, help_text='e.g. "K,O,P,Q,R".'
    )
    lead_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="led_actions"
    )
    lead_person = models.CharField(
        "lead as written",
        max_length=500,
        blank=True,
        help_text="The lead person, post or initials exactly as the plan prints them.",
    )
    subgroup = models.CharField("enabling subgroup", max_length=300, blank=True)
    evidence = models.TextField("evidence of impact", blank=True, help_text="How will we know?")
    resources = models.TextField(blank=True)
    kpis = models.TextField("KPIs / how measured", blank=True)
    target_text = models.CharField(
        "target date as written",
        max_length=500,
        blank=True,
        help_text='Exactly as agreed: "Sep – Dec 2014", "Jul 2014 onwards", "Ongoing".',
    )
    target_kind = models.CharField(
        max_length=20,
        choices=[(kind.value, kind.value.replace("_", " ")) for kind in TargetKind],
        default=TargetKind.BLANK.value,
        editable=False,
    )
    start_date = models.DateField(null=True, blank=True, editable=False)
    due_date = models.DateField(
        null=True, blank=True, help_text="The end of the period the target names, if any."
    )
    original_target_text = models.CharField(
        "original target date as written",
        max_length=500,
        blank=True,
        editable=False,
        help_text="What the board first agreed, kept when the target slips.",
    )
    original_due_date = models.DateField(null=True, blank=True, editable=False)
    rag = models.CharField(
        "RAG status", max_length=20, choices=RAG.choices, default=RAG.NOT_STARTED
    )
    progress = models.TextField("latest progress", blank=True)
    progress_as_at = models.DateField("progress as at", null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    closed_on = models.DateField(
        "signed off by the board on",
        null=True,
        blank=True,
        editable=False,
        help_text="Closed: the board agreed it is done. It leaves the live plan.",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Words of the ref, text, progress, lead and target, for the list's search: kept
    # current by a database trigger on PostgreSQL (migration 0009), empty on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)
    history = HistoricalRecords(excluded_fields=["updated_at", "search_vector"])

    class Meta:
        ordering = ["plan", "position", "id"]
        indexes = [
            models.Index(fields=["plan", "position"], name="action_document_order"),
            # With the ids in it, a page of the list sorted by due date is read from
            # the index alone (actionplans.pagination), whatever the page number.
            models.Index(fields=["due_date", "plan", "position", "id"], name="action_due_ids"),
            # An agency's actions (the filter a lead uses most), with the RAG column:
            # counting "this agency's red and amber actions" reads the index alone.
            models.Index(
                fields=["lead_agency", "rag", "plan", "position", "id"], name="action_agency_rag"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "ref"],
                name="action_ref_unique_per_plan",
                violation_error_message="This plan already has an action with that reference.",
            ),
            models.CheckConstraint(
                condition=~Q(ref=""),
                name="action_ref_not_blank",
                violation_error_message="Enter the action's reference.",
            ),
            models.CheckConstraint(
                condition=~Q(text=""),
                name="action_text_not_blank",
                violation_error_message="Enter what the action is.",
            ),
            models.CheckConstraint(
                condition=Q(rag__in=RAG.values),
                name="action_rag_valid",
                violation_error_message="Choose a RAG status from the list.",
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(due_date__isnull=True)
                | Q(due_date__gte=models.F("start_date")),
                name="action_due_not_before_start",
                violation_error_message="The due date cannot be before the start date.",
            ),
        ]

    def __str__(self):
        return f"{self.ref} {self.text[:60]}"

    def save(self, *args, **kwargs):
        if self._state.adding or getattr(self, "_loaded_target_text", None) != self.target_text:
            self.resolve_target()
            self._loaded_target_text = self.target_text
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("actionplans:action_detail", kwargs={"pk": self.pk})

    @classmethod
    def from_db(cls, *args, **kwargs):
        instance = super().from_db(*args, **kwargs)
        instance._loaded_target_text = instance.__dict__.get("target_text")
        return instance

    # ---- the rules of an action: every writer (forms, approvals, the importer, the
    # seed loader) changes an action through these, so they cannot drift apart.

    def move_target(self, new_target_text: str) -> bool:
        """Move the target, keeping the first one the board agreed as the original (the
        plan then shows "slipped from X"), and work out its dates. False if unchanged."""
        if new_target_text == self.target_text:
            return False
        if self.target_text and not self.original_target_text:
            self.original_target_text = self.target_text
            self.original_due_date = self.due_date
        self.target_text = new_target_text
        self.resolve_target()
        return True

    def take_update(self, update) -> None:
        """An approved update becomes the action's RAG and, when it says any, its
        progress, as at the update's date; a new target it proposes moves the target."""
        self.rag = update.rag
        if update.progress:
            self.progress = update.progress
        self.progress_as_at = update.as_at
        if update.proposed_target_text:
            self.move_target(update.proposed_target_text)

    def take_progress(
        self, progress: str, as_at: datetime.date, *, dated: datetime.date | None = None
    ) -> bool:
        """Progress a plan reports as at a day (an imported progress column) becomes the
        action's latest, unless a later one is in already (an update approved since the
        file was written). `dated`: a date given without progress words (an update that
        only named next steps) still dates the action's last update, when it has no
        progress yet. False if nothing changed."""
        if self.progress_as_at and as_at < self.progress_as_at:
            return False
        if progress:
            changed = (self.progress, self.progress_as_at) != (progress, as_at)
            self.progress, self.progress_as_at = progress, as_at
            return changed
        if dated and not self.progress and self.progress_as_at != dated:
            self.progress_as_at = dated
            return True
        return False

    def bump_version(self) -> None:
        """Every saved change to an action gives it a new version: a form opened on the
        old one is refused (409) rather than overwrite it."""
        self.version += 1

    def resolve_target(self) -> None:
        """Derive kind, start and due date from the target text as written."""
        target = resolve_target(self.target_text)
        self.target_kind = target.kind.value
        self.start_date = target.start
        self.due_date = target.due

    def clean(self):
        errors = {}
        if self.plan_id:
            board_id = self.plan.board_id
            if self.lead_agency_id and self.lead_agency.board_id != board_id:
                errors["lead_agency"] = "Choose an agency of this plan's board."
            if self.theme_id and self.theme.plan_id != self.plan_id:
                errors["theme"] = "Choose a theme of this plan."
            if self.objective_id and self.objective.plan_id != self.plan_id:
                errors["objective"] = "Choose an objective of this plan."
        if self.start_date and self.due_date and self.due_date < self.start_date:
            errors["due_date"] = "The due date cannot be before the start date."
        if errors:
            raise ValidationError(errors)

    # Rules a board cares about live here, one place for lists, pages and print.
    @property
    def is_complete(self) -> bool:
        """What the lead agency says: done."""
        return self.rag == RAG.BLUE

    @property
    def is_closed(self) -> bool:
        """What the board agreed: done, signed off, off the live plan."""
        return self.closed_on is not None

    def is_overdue(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return bool(self.due_date and self.due_date < on and not self.is_complete)

    def is_due_soon(self, on: datetime.date | None = None, days: int = DUE_SOON_DAYS) -> bool:
        on = on or timezone.localdate()
        return bool(
            self.due_date
            and not self.is_complete
            and on <= self.due_date <= on + datetime.timedelta(days=days)
        )

    def is_stale(self, on: datetime.date | None = None) -> bool:
        """No approved update for longer than the plan allows (complete actions never are)."""
        on = on or timezone.localdate()
        if self.is_complete:
            return False
        last = self.progress_as_at or timezone.localdate(self.created_at)
        return (on - last).days > self.plan.stale_after_days

    @property
    def is_slipped(self) -> bool:
        return bool(self.original_target_text) and self.original_target_text != self.target_text

    def rag_contradictions(self, on: datetime.date | None = None) -> list[str]:
        """Where the RAG status and the facts disagree, in words for the board."""
        problems = []
        if self.rag == RAG.GREEN and self.is_overdue(on):
            problems.append("Green but past its due date")
        if self.is_complete and not (
            self.progress.strip() or self.evidence.strip() or self.has_evidence_files()
        ):
            problems.append("Complete without evidence or a progress update")
        if self.rag == RAG.RED and not self.progress.strip():
            problems.append("Red with no progress update")
        return problems

    # Its evidence files still held, when a reader loaded them for many actions at once
    # (actionplans.selectors.evidence_held): None means not loaded.
    held_evidence = None

    def has_evidence_files(self) -> bool:
        """Whether any evidence file is held for the action (checked or being checked):
        from `held_evidence` or a prefetch of `evidence_files` when there is one, else
        one query (asked only of a complete action with no words of evidence or progress)."""
        from .evidence import EvidenceState  # noqa: PLC0415 (evidence.py imports this)

        if self.held_evidence is not None:
            return bool(self.held_evidence)
        held = {EvidenceState.AVAILABLE, EvidenceState.CHECKING}
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("evidence_files")
        if prefetched is not None:
            return any(file.state in held for file in prefetched)
        return self.evidence_files.filter(state__in=held).exists()

    def flags(self, on: datetime.date | None = None) -> list[tuple[str, str]]:
        """(code, words) for every flag that applies: one rule, every list and print."""
        if self.is_closed:  # done and agreed: no deadline or staleness applies any more
            return [("closed", f"Signed off by the board {self.closed_on:%d/%m/%Y}")]
        flags = []
        if self.is_overdue(on):
            flags.append(("overdue", "Overdue"))
        elif self.is_due_soon(on):
            flags.append(("due-soon", "Due soon"))
        if self.is_slipped:
            flags.append(("slipped", f"Slipped from {self.original_target_text}"))
        if self.is_stale(on):
            flags.append(("stale", "No recent update"))
        flags += [("contradiction", problem) for problem in self.rag_contradictions(on)]
        return flags

    @property
    def rag_label(self) -> str:
        return self.plan.rag_label(self.rag)


class ActionSource(models.Model):
    """That an action answers a review (and, where known, one of its findings)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="sources")
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="action_sources")
    finding = models.ForeignKey(
        Finding, on_delete=models.PROTECT, null=True, blank=True, related_name="action_sources"
    )
    note = models.CharField(max_length=100, blank=True, help_text='e.g. "All".')
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["action", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "review"],
                condition=Q(finding__isnull=True),
                name="action_source_review_unique",
                violation_error_message="The action already cites this review.",
            ),
            models.UniqueConstraint(
                fields=["action", "review", "finding"],
                condition=Q(finding__isnull=False),
                name="action_source_finding_unique",
                violation_error_message="The action already cites this finding.",
            ),
        ]

    def __str__(self):
        if self.finding_id:
            return str(self.finding)
        return self.review.reference

    def clean(self):
        if self.finding_id and self.review_id and self.finding.review_id != self.review_id:
            raise ValidationError({"finding": "Choose a finding of the cited review."})
        if self.action_id and self.review_id and self.review.board_id != self.action.plan.board_id:
            raise ValidationError({"review": "Choose a review of this plan's board."})


class UpdateStatus(models.TextChoices):
    PENDING = "pending", "Awaiting approval"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned"


class ProgressUpdate(models.Model):
    """A dated progress report on an action, as submitted by its lead agency."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    label = models.CharField(
        max_length=200, blank=True, help_text='The heading as written: "Update August 2013".'
    )
    as_at = models.DateField("position as at")
    progress = models.TextField("progress to date", blank=True)
    next_steps = models.TextField("future actions", blank=True)
    evidence = models.TextField(blank=True)
    rag = models.CharField("RAG status", max_length=20, choices=RAG.choices)
    internal = models.BooleanField(
        "for the board only",
        default=False,
        help_text="Not printed in the public version published on the board's website.",
    )
    status = models.CharField(
        max_length=20, choices=UpdateStatus.choices, default=UpdateStatus.PENDING
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="progress_updates",
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    proposed_target_text = models.CharField("proposed new target date", max_length=500, blank=True)
    target_change_reason = models.TextField("reason for the new target date", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decided_updates",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField("why it was returned", blank=True)
    submission_key = models.UUIDField(
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="One per submitted form, so a double-clicked submit creates one update.",
    )
    round = models.ForeignKey(
        "Round",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="updates",
        help_text="The round of updates it answers, if one was open for its action.",
    )
    recorded_for = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Recorded by a business manager on this agency's behalf (by email, "
        "in a meeting); the author is the manager.",
    )
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Bumped by every change: approval applies the version the manager read.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["action", "-as_at", "-submitted_at", "-id"]
        get_latest_by = ["as_at", "submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(progress="", next_steps=""),
                name="update_not_empty",
                violation_error_message="Say what has been done or what happens next.",
            ),
            models.CheckConstraint(
                condition=Q(rag__in=RAG.values),
                name="update_rag_valid",
                violation_error_message="Choose a RAG status from the list.",
            ),
            models.CheckConstraint(
                condition=Q(proposed_target_text="") | ~Q(target_change_reason=""),
                name="update_target_change_has_reason",
                violation_error_message="Give a reason for changing the target date.",
            ),
        ]

    def __str__(self):
        return f"{self.action.ref} update as at {self.as_at:%d/%m/%Y}"

    @property
    def byline(self) -> str:
        """Who reported it, as every page and print says it."""
        author = _person(self.author)
        if self.recorded_for_id:
            return f"recorded by {author} for {self.recorded_for}"
        return author

    @property
    def is_waiting(self) -> bool:
        return self.status == UpdateStatus.PENDING


def _person(user) -> str:
    if user is None:
        return "an agency lead"
    return user.get_full_name() or user.get_username()


class ActionComment(models.Model):
    """A remark on an action by the chair, the manager or a lead: shown to all readers."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["action", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""),
                name="comment_not_empty",
                violation_error_message="Write a comment.",
            ),
        ]

    def __str__(self):
        return f"Comment on {self.action.ref} by {self.author}"
