"""Every email the app sends, recorded before it is sent (the outbox)."""

import datetime
import re

from django.conf import settings
from django.db import models
from django.db.models import Q

from reviews.models import Board

from .rounds import Round, RoundAction


class MessageKind(models.TextChoices):
    INVITATION = "invitation", "Invitation to update"
    REMINDER = "reminder", "Reminder before the deadline"
    CHASER = "chaser", "Chaser after the deadline"
    RETURNED = "returned", "Update returned"
    CHALLENGED = "challenged", "Challenged by the board"
    APPROVED = "approved", "Update approved"
    DIGEST = "digest", "Daily digest of updates waiting"
    SIGN_UP = "sign_up", "Sign-up link"


SIGN_UP_LINK = re.compile(r"(/accounts/set-password/)\S+")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed: will be tried again"
    HELD = "held", "Kept in the outbox (no mail server set up)"


class Message(models.Model):
    """One email to one person. `key` makes sending idempotent: a run that repeats
    finds the message already there and sends nothing twice.

    The key names the kind, the board, the person and the day (or the round, for the
    messages a round sends once): one message per person per kind per day at most.
    """

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=MessageKind.choices)
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="messages")
    round = models.ForeignKey(
        Round, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    to_email = models.EmailField("to")
    subject = models.CharField(max_length=300)
    text = models.TextField("plain text")
    html = models.TextField("HTML", blank=True)
    status = models.CharField(
        max_length=20, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a worker took it to send: one left sending for long is taken again.",
    )
    updates = models.ManyToManyField(
        "ProgressUpdate", blank=True, related_name="messages", help_text="Updates it tells of."
    )
    round_items = models.ManyToManyField(
        RoundAction,
        blank=True,
        related_name="messages",
        help_text="The board's challenges it tells of.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="message_to_send")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MessageStatus.values), name="message_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=MessageKind.values), name="message_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.to_email}"

    @property
    def day(self):
        """The day the key names (the last part of every key)."""
        try:
            return datetime.date.fromisoformat(self.key.rsplit(":", 1)[-1])
        except ValueError:
            return None

    @property
    def shown_text(self) -> str:
        """The text as the Outbox shows it: a sign-up link is hidden, since whoever has
        it can choose the person's password (they may since have joined a board the
        reader does not manage)."""
        if self.kind != MessageKind.SIGN_UP:
            return self.text
        return SIGN_UP_LINK.sub(r"\1[the link is hidden here]", self.text)

    @property
    def is_unsent(self) -> bool:
        """Not gone yet: it may still be rebuilt to tell more."""
        return self.status in (MessageStatus.QUEUED, MessageStatus.FAILED, MessageStatus.HELD)


class NotificationSettings(models.Model):
    """What a person chooses to be sent (the rest of the round's messages always go)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    daily_digest = models.BooleanField(
        "daily digest of updates waiting for my approval", default=True
    )
    approved_notices = models.BooleanField("tell me when my update is approved", default=False)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self):
        return f"Notifications for {self.user}"
