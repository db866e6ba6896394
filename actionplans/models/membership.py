"""Who may do what on which board: roles are held per board."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from reviews.models import Board

from .plans import Agency


class Role(models.TextChoices):
    MANAGER = "manager", "Board business manager"
    LEAD = "lead", "Agency lead"
    CHAIR = "chair", "Quality-assurance chair (PIQAG)"
    VIEWER = "viewer", "Viewer (board member)"


class Membership(models.Model):
    """A user's role on one board; an agency lead names the agencies they lead for."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    agencies = models.ManyToManyField(Agency, blank=True, related_name="memberships")
    history = HistoricalRecords(m2m_fields=[agencies])

    class Meta:
        ordering = ["board", "user", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "board", "role"],
                name="membership_role_unique",
                violation_error_message="This user already holds that role on this board.",
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.board.short_name}"

    def clean(self):
        if self.role != Role.LEAD and self.pk and self.agencies.exists():
            raise ValidationError("Only an agency lead names agencies.")
