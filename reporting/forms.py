"""The options of a report, read from the query string and checked before any work."""

import datetime

from django import forms
from django.utils import timezone

from actionplans.forms import DateInput, GovukFormMixin
from actionplans.widgets import GovukCheckboxes

from .selectors import GROUP_BY_CHOICES


def _not_in_future(day: datetime.date | None, what: str) -> datetime.date | None:
    if day and day > timezone.localdate():
        raise forms.ValidationError(f"{what} must be today or in the past.")
    return day


class PackOptionsForm(GovukFormMixin, forms.Form):
    """How to print a board pack: grouping, the date it shows, public or not."""

    group_by = forms.ChoiceField(
        label="Group the actions by",
        choices=GROUP_BY_CHOICES,
        required=False,
        initial="theme",
    )
    as_at = forms.DateField(
        label="Position as at",
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d"],
        help_text="Leave blank for today. For an earlier date the plan is shown as it stood "
        "at the end of that day. Use the form 2025-03-31.",
        error_messages={"invalid": "Enter the date as year-month-day, for example 2025-03-31."},
    )
    public = forms.BooleanField(
        label="Public version (no names or initials of individual leads)",
        required=False,
    )

    def clean_group_by(self) -> str:
        return self.cleaned_data["group_by"] or "theme"

    def clean_as_at(self):
        return _not_in_future(self.cleaned_data["as_at"], "The position date")

    def options(self) -> dict:
        return {
            "group_by": self.cleaned_data["group_by"],
            "as_at": self.cleaned_data["as_at"],
            "public": self.cleaned_data["public"],
        }


class BoardPackForm(PackOptionsForm):
    """A whole-board pack: the plans to put in it (several), then the pack's options.

    Sent to the composite pack (`?plan=a&plan=b&group_by=...`). Its ids start
    `board_` so that it can sit on the page beside the plan's own pack form.
    """

    plan = forms.MultipleChoiceField(
        label="Plans in the pack",
        widget=GovukCheckboxes,
        help_text="Every plan ticked goes into one pack, in this order.",
    )
    field_order = ["plan", "group_by", "as_at", "public"]

    def __init__(self, *args, plans=(), **kwargs):
        kwargs.setdefault("auto_id", "board_%s")
        super().__init__(*args, **kwargs)
        self.fields["plan"].choices = [(plan.slug, plan.title) for plan in plans]


class ChangesForm(GovukFormMixin, forms.Form):
    """What moved between a past date and now (or a later past date).

    Its ids start `changes_` (its "Public version" box shares a page with the pack's).
    """

    since = forms.DateField(
        label="Changes since",
        widget=DateInput(),
        input_formats=["%Y-%m-%d"],
        help_text="Changes made on this day and after it are shown, for example since the last "
        "board meeting.",
        error_messages={
            "required": "Enter the date to compare with.",
            "invalid": "Enter the date as year-month-day, for example 2025-03-31.",
        },
    )
    until = forms.DateField(
        label="Up to",
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d"],
        help_text="Leave blank for now.",
        error_messages={"invalid": "Enter the date as year-month-day, for example 2025-06-30."},
    )
    public = forms.BooleanField(
        label="Public version (no names or initials of individual leads)", required=False
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "changes_%s")
        super().__init__(*args, **kwargs)

    def clean_since(self):
        return _not_in_future(self.cleaned_data["since"], "The starting date")

    def clean_until(self):
        return _not_in_future(self.cleaned_data["until"], "The end date")

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until <= since:
            self.add_error("until", "The end date must be after the starting date.")
        return cleaned
