"""Forms validate what people type: clear messages, nothing lost, nothing oversized."""

import uuid

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import MaxLengthValidator

from reviews.models import Finding, Review

from .importing.readers import MAX_FILE_BYTES
from .models import (
    RAG,
    Action,
    ActionComment,
    Agency,
    Membership,
    NotificationSettings,
    Objective,
    Plan,
    ProgressUpdate,
    Role,
    Theme,
)
from .widgets import GovukCheckboxes, GovukSelect

# 100 KB of text in one box is a mistake (a pasted document), not a progress report.
TEXT_LIMIT = 20_000
LINE_LIMIT = 500


class GovukFormMixin:
    """Give every widget its GOV.UK Frontend class and bound every text field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(field, forms.CharField) and not isinstance(field, forms.UUIDField):
                limit = LINE_LIMIT if isinstance(widget, forms.TextInput) else TEXT_LIMIT
                limit = min(field.max_length or limit, limit)
                field.max_length = limit
                widget.attrs.pop("maxlength", None)  # let the server say it clearly
                if not any(isinstance(v, MaxLengthValidator) for v in field.validators):
                    field.validators.append(MaxLengthValidator(limit))
                field.error_messages.setdefault(
                    "max_length", "Keep this to %(limit_value)d characters or fewer."
                )
            if isinstance(widget, forms.Select) and not isinstance(widget, GovukSelect):
                field.widget = widget = GovukSelect(attrs=widget.attrs, choices=widget.choices)
            css = {
                forms.Textarea: "govuk-textarea",
                forms.SelectMultiple: "govuk-select",
                forms.CheckboxInput: "govuk-checkboxes__input",
                forms.DateInput: "govuk-input govuk-input--width-10",
            }
            for widget_type, cls in css.items():
                if type(widget) is widget_type:
                    widget.attrs.setdefault("class", cls)
                    break
            else:
                if isinstance(widget, forms.TextInput | forms.NumberInput | forms.EmailInput):
                    widget.attrs.setdefault("class", "govuk-input")
            if isinstance(widget, forms.Textarea):
                widget.attrs.setdefault("rows", 4)


class DateInput(forms.DateInput):
    input_type = "date"


class ActionForm(GovukFormMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    target_change_reason = forms.CharField(
        label="Reason for changing the target date",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when you move an agreed target; the original is kept.",
    )
    reviews = forms.ModelMultipleChoiceField(
        queryset=Review.objects.none(),
        required=False,
        widget=GovukCheckboxes,
        label="Reviews this action answers",
    )
    findings = forms.ModelMultipleChoiceField(
        queryset=Finding.objects.none(),
        required=False,
        widget=GovukCheckboxes,
        label="Findings or recommendations it answers",
    )

    class Meta:
        model = Action
        fields = [
            "ref",
            "text",
            "theme",
            "objective",
            "answers_as_written",
            "lead_agency",
            "lead_person",
            "subgroup",
            "evidence",
            "resources",
            "kpis",
            "target_text",
            "rag",
            "progress",
        ]
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.plan = plan
        self.fields["theme"].queryset = Theme.objects.filter(plan=plan)
        self.fields["objective"].queryset = Objective.objects.filter(plan=plan)
        self.fields["lead_agency"].queryset = Agency.objects.filter(board_id=plan.board_id)
        self.fields["reviews"].queryset = Review.objects.filter(board_id=plan.board_id)
        self.fields["findings"].queryset = Finding.objects.filter(
            review__board_id=plan.board_id
        ).select_related("review")
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            sources = list(self.instance.sources.all())
            self.fields["reviews"].initial = [s.review_id for s in sources]
            self.fields["findings"].initial = [s.finding_id for s in sources if s.finding_id]

    def clean(self):
        cleaned = super().clean()
        old_target = self.instance.target_text if self.instance.pk else ""
        new_target = cleaned.get("target_text", old_target)
        if (
            self.instance.pk
            and old_target
            and new_target != old_target
            and not cleaned.get("target_change_reason", "").strip()
        ):
            self.add_error("target_change_reason", "Give a reason for changing the target date.")
        return cleaned

    def action_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ProgressUpdateForm(GovukFormMixin, forms.ModelForm):
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    # The version of the update the author opened (changing one): two saves of the same
    # form cannot overwrite each other.
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        error_messages={"required": "This form is out of date: open your update again."},
    )

    class Meta:
        model = ProgressUpdate
        fields = [
            "rag",
            "progress",
            "next_steps",
            "evidence",
            "proposed_target_text",
            "target_change_reason",
            "internal",
        ]
        labels = {
            "internal": "For the board only: leave this update out of the public version",
            "rag": "RAG status you propose",
            "progress": "What has been done",
            "next_steps": "What happens next",
            "evidence": "Evidence of impact",
            "proposed_target_text": "New target date",
            "target_change_reason": "Reason for the new target date",
        }
        help_texts = {
            "progress": "Fill in this, what happens next, or both.",
            "next_steps": "Fill in this, what has been done, or both.",
            "proposed_target_text": "Only if the target must move. Write it as the board "
            'would: "March 2027", "Q2 2027/28".',
            "target_change_reason": "Needed if you give a new target date.",
        }

    # Not required alone, but not optional either: one of the pair, or with a new target.
    conditionally_required = ("progress", "next_steps", "target_change_reason")

    def __init__(self, *args, action: Action, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        statuses = [RAG.RED, RAG.AMBER, RAG.GREEN, RAG.BLUE, RAG.NOT_STARTED]
        current = self.instance.rag if self.instance.pk else action.rag
        if current == RAG.NOT_RATED:
            statuses.append(RAG.NOT_RATED)  # "Not rated" stays so unless the lead says
        self.fields["rag"].choices = [(value, action.plan.rag_label(value)) for value in statuses]
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["version"].required = True
        else:
            self.fields["submission_key"].initial = uuid.uuid4()
            self.fields["rag"].initial = action.rag
        for name in self.conditionally_required:
            self.fields[name].conditionally_required = True

    def clean(self):
        cleaned = super().clean()
        if (
            not (cleaned.get("progress") or "").strip()
            and not (cleaned.get("next_steps") or "").strip()
        ):
            self.add_error("progress", "Say what has been done or what happens next.")
        if (cleaned.get("proposed_target_text") or "").strip() and not (
            cleaned.get("target_change_reason") or ""
        ).strip():
            self.add_error("target_change_reason", "Give a reason for changing the target date.")
        return cleaned

    def update_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class DecideUpdateForm(forms.Form):
    """Approve: the version of the update the manager read, posted with the button."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": "This page is out of date: read the update again."},
    )


class ReturnUpdateForm(GovukFormMixin, forms.Form):
    version = DecideUpdateForm.base_fields["version"]
    return_reason = forms.CharField(
        label="Why are you returning this update?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why you are returning the update."},
    )


class CommentForm(GovukFormMixin, forms.ModelForm):
    class Meta:
        model = ActionComment
        fields = ["text"]
        labels = {"text": "Comment"}
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"text": {"required": "Write a comment."}}


class PlanForm(GovukFormMixin, forms.ModelForm):
    class Meta:
        model = Plan
        fields = [
            "board",
            "title",
            "slug",
            "kind",
            "published_text",
            "published_on",
            "introduction",
            "stale_after_days",
        ]
        widgets = {"published_on": DateInput}
        help_texts = {"slug": "Letters, numbers and hyphens; used in the plan's address."}

    def __init__(self, *args, boards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = boards
        if self.instance.pk:
            self.fields["board"].disabled = True


class ThemeForm(GovukFormMixin, forms.ModelForm):
    class Meta:
        model = Theme
        fields = ["key", "title", "position"]


class ObjectiveForm(GovukFormMixin, forms.ModelForm):
    class Meta:
        model = Objective
        fields = ["key", "text", "finding", "position"]

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["finding"].queryset = Finding.objects.filter(
            review__board_id=plan.board_id
        ).select_related("review")


class AgencyForm(GovukFormMixin, forms.ModelForm):
    class Meta:
        model = Agency
        fields = ["board", "short_name", "name", "kind"]

    def __init__(self, *args, boards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = boards
        if self.instance.pk:
            self.fields["board"].disabled = True


class ReviewForm(GovukFormMixin, forms.ModelForm):
    class Meta:
        model = Review
        fields = ["board", "kind", "reference", "title", "published_text", "published_on"]
        widgets = {"published_on": DateInput}

    def __init__(self, *args, boards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = boards
        if self.instance.pk:
            self.fields["board"].disabled = True


class FindingForm(GovukFormMixin, forms.ModelForm):
    class Meta:
        model = Finding
        fields = [
            "number",
            "kind",
            "text",
            "strategic_response",
            "priority",
            "outcome",
            "measure",
            "position",
        ]


class TwoFactorCodeForm(GovukFormMixin, forms.Form):
    """A code from the authenticator app (or, when signing in, a backup code)."""

    code = forms.CharField(
        label="Code",
        max_length=20,
        error_messages={"required": "Enter the code from your authenticator app"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "autocapitalize": "none",
                "class": "govuk-input govuk-input--width-10",
            }
        ),
    )

    def __init__(self, *args, numeric: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if numeric:
            self.fields["code"].widget.attrs["inputmode"] = "numeric"
            self.fields["code"].help_text = "The 6-digit code your app shows for this service."
        else:
            self.fields[
                "code"
            ].help_text = (
                "The 6-digit code your authenticator app shows, or one of your backup codes."
            )


class PersonForm(GovukFormMixin, forms.Form):
    """Add someone to a board: an existing account by username, or a new one."""

    username = forms.CharField(
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="Their username if they already use this service; otherwise choose one.",
    )
    full_name = forms.CharField(
        label="Full name", max_length=150, required=False, help_text="For a new account."
    )
    email = forms.EmailField(label="Email address", required=False, help_text="For a new account.")
    role = forms.ChoiceField(choices=Role.choices)
    agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(),
        required=False,
        widget=GovukCheckboxes,
        label="Agencies they lead for",
        help_text="Agency leads only: they can report progress on these agencies' actions.",
    )

    def __init__(self, *args, board, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = board.agencies.order_by("short_name")


class MembershipForm(GovukFormMixin, forms.Form):
    """Change someone's role on a board (the service checks the rules of roles)."""

    role = PersonForm.base_fields["role"]
    agencies = PersonForm.base_fields["agencies"]

    def __init__(self, *args, membership: Membership, **kwargs):
        kwargs.setdefault(
            "initial", {"role": membership.role, "agencies": list(membership.agencies.all())}
        )
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = membership.board.agencies.order_by("short_name")


class OfflineReturnUploadForm(forms.Form):
    """The filled-in offline return of a round: read and checked by `rounds.offline`."""

    file = forms.FileField(
        label="Your filled-in return",
        help_text="The workbook (.xlsx) you downloaded from this page, up to 10 MB.",
        error_messages={"required": "Choose the filled-in return to upload."},
        widget=forms.ClearableFileInput(attrs={"class": "govuk-file-upload", "accept": ".xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The file must be smaller than {MAX_FILE_BYTES // 1024 // 1024} MB."
            )
        return upload


class NotificationSettingsForm(GovukFormMixin, forms.Form):
    """The emails a person may turn on or off (the round's own messages always go)."""

    daily_digest = forms.BooleanField(
        label=NotificationSettings._meta.get_field("daily_digest").verbose_name.capitalize(),
        required=False,
        help_text="Each morning, a list of the updates on your boards waiting for you to "
        "approve or return them (only on days when some are waiting).",
    )
    approved_notices = forms.BooleanField(
        label=NotificationSettings._meta.get_field("approved_notices").verbose_name.capitalize(),
        required=False,
        help_text="An email when a business manager approves an update you sent. You are "
        "always told when one is returned.",
    )

    def __init__(self, *args, choices: NotificationSettings, manager: bool, **kwargs):
        kwargs.setdefault(
            "initial",
            {"daily_digest": choices.daily_digest, "approved_notices": choices.approved_notices},
        )
        super().__init__(*args, **kwargs)
        self.choices = choices
        if not manager:
            del self.fields["daily_digest"]

    def clean(self):
        data = super().clean()
        data.setdefault("daily_digest", self.choices.daily_digest)
        return data
