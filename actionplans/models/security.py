"""Security events: who signed in or out, failed, was locked out, set a password,
turned two-factor sign-in on or off, or had a role added, changed or removed.

Append-only: an event is written once and never changed or deleted by the app. No
password or code is ever stored; a username tried is kept as typed (cut to 150
characters) so that a business manager can see someone guessing at an account.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from reviews.models import Board


class SecurityEventKind(models.TextChoices):
    SIGNED_IN = "signed_in", "Signed in"
    SIGNED_OUT = "signed_out", "Signed out"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    LOCKED_OUT = "locked_out", "Locked out after failed sign-ins"
    PASSWORD_SET = "password_set", "Password set or reset"
    TWO_FACTOR_ON = "two_factor_on", "Two-factor sign-in set up"
    TWO_FACTOR_OFF = "two_factor_off", "Two-factor sign-in removed"
    ROLE_ADDED = "role_added", "Role added"
    ROLE_CHANGED = "role_changed", "Role changed"
    ROLE_REMOVED = "role_removed", "Role removed"


class AppendOnlyError(Exception):
    """A security event was about to be changed or deleted."""


class SecurityEvent(models.Model):
    kind = models.CharField(max_length=20, choices=SecurityEventKind.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # The person the event is about (None: a username that is nobody's), and the
    # username as it was then or as it was typed.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,  # an account may go; its events stay
        related_name="+",
    )
    username = models.CharField(max_length=150, blank=True)
    # Who did it, when someone else did (a manager changing a role).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    board = models.ForeignKey(
        Board,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "-at"], name="securityevent_user_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.username}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Security events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Security events are never deleted.")
