"""Forms of the round pages: opening a round, the board's decisions."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from actionplans.forms import GovukFormMixin
from actionplans.models import BoardDecision, Plan, RoundPlan
from actionplans.widgets import GovukCheckboxes, GovukDateInput, GovukRadios

from .services import RoundRequest, check_round_request


class GovukDateField(forms.Field):
    """A date typed into the GOV.UK day, month and year boxes, with GOV.UK messages."""

    widget = GovukDateInput

    def __init__(self, *, what: str, **kwargs):
        self.what = what  # "the deadline": the messages name the date
        kwargs.setdefault("help_text", "For example, 20 1 2027")
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, datetime.date):
            return value
        day, month, year = value if value else ("", "", "")
        if not (day or month or year):
            return None
        missing = [
            name for name, part in (("day", day), ("month", month), ("year", year)) if not part
        ]
        if missing:
            raise ValidationError(
                f"{self.what.capitalize()} must include a {' and '.join(missing)}."
            )
        try:
            numbers = [int(part) for part in (year, month, day)]
            if len(year) != 4:
                raise ValueError
            return datetime.date(*numbers)
        except ValueError:
            raise ValidationError(f"{self.what.capitalize()} must be a real date.") from None

    def validate(self, value):
        if value is None and self.required:
            raise ValidationError(f"Enter {self.what}.")


class RoundForm(GovukFormMixin, forms.Form):
    """What a manager asks for; `check_round_request` gives every reason it cannot open."""

    name = forms.CharField(
        label="Name of the round",
        max_length=200,
        help_text="For example, “Q3 2026/27 – board 20 January 2027”.",
        error_messages={"required": "Give the round a name."},
    )
    deadline = GovukDateField(label="Deadline for updates", what="the deadline for updates")
    meeting_date = GovukDateField(label="Board meeting date", what="the board meeting date")
    reminder_days = forms.IntegerField(
        label="Send a reminder this many days before the deadline",
        min_value=0,
        max_value=60,
        initial=7,
        error_messages={
            "required": "Say how many days before the deadline to send the reminder.",
            "invalid": "Write the number of days as a whole number, like 7.",
            "min_value": "Send the reminder between 0 and 60 days before the deadline.",
            "max_value": "Send the reminder between 0 and 60 days before the deadline.",
        },
    )
    plans = forms.ModelMultipleChoiceField(
        queryset=Plan.objects.none(),
        widget=GovukCheckboxes,
        label="Plans the round covers",
        help_text="Every action of these plans the board has not signed off needs an update.",
        error_messages={"required": "Choose the plans the round covers."},
    )

    def __init__(self, *args, board, today: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.board = board
        self.today = today or timezone.localdate()
        self.fields["reminder_days"].widget.attrs["class"] = "govuk-input govuk-input--width-3"
        self.fields["reminder_days"].widget.attrs["inputmode"] = "numeric"
        self.fields["plans"].queryset = board.plans.order_by("title")
        busy = dict(
            RoundPlan.objects.filter(is_open=True, plan__board=board).values_list(
                "plan_id", "round__name"
            )
        )
        self.fields["plans"].label_from_instance = lambda plan: (
            f"{plan.title} (already in the open round “{busy[plan.pk]}”)"
            if plan.pk in busy
            else plan.title
        )

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                check_round_request(self.round_request(), today=self.today)
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return cleaned

    def round_request(self) -> RoundRequest:
        data = self.cleaned_data
        return RoundRequest(
            board=self.board,
            name=data["name"],
            deadline=data["deadline"],
            meeting_date=data["meeting_date"],
            plans=list(data["plans"]),
            reminder_days=data["reminder_days"],
        )

    def hidden_data(self) -> list[tuple[str, str]]:
        """What was typed, to send again from the preview (as hidden inputs)."""
        skip = {"csrfmiddlewaretoken", "confirmed", "change"}
        return [
            (key, value) for key in self.data for value in self.data.getlist(key) if key not in skip
        ]


class DecisionForm(GovukFormMixin, forms.Form):
    """The board's decision on one action reported complete (prefix: the item's id)."""

    decision = forms.ChoiceField(
        label="The board's decision",
        choices=[
            (BoardDecision.SIGNED_OFF, "Signed off: the action is closed"),
            (BoardDecision.NOT_YET, "Not yet: the board challenges it"),
        ],
        widget=GovukRadios,
        required=False,
        help_text="Leave it unanswered if the board has not discussed it yet.",
    )
    challenge = forms.CharField(
        label="The board's challenge",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="What the board wants to see before it signs the action off. It goes to "
        "the lead as a returned update would.",
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("decision") == BoardDecision.NOT_YET
            and not cleaned.get("challenge", "").strip()
        ):
            self.add_error(
                "challenge", "Say what the board wants to see before it signs the action off."
            )
        return cleaned
