"""The import pages' forms, and `check_upload`, which the preview and confirm steps share.

Step 1, `UploadForm`, refuses a file the readers cannot read before anything is kept.
Step 2 shows `ColumnsForm` (what each column imports as) and `ResolutionsForm`
(agency names and status words we could not match) over a dry run's counts. Step 3
posts the same forms again and writes. Both runs are `pipeline.run_import`, as the
command's is; this module only turns the forms into its `ImportChoices`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import cached_property

from django import forms
from django.utils.html import escape
from django.utils.text import slugify

from actionplans.models import RAG, Agency, Plan, PlanImport
from reviews.models import Board, Review, ReviewKind

from .headers import FIELDS, FIELDS_BY_KEY, REPEATABLE_FIELDS
from .pipeline import (
    LEAVE_UNLINKED,
    NEW_AGENCY,
    ImportChoices,
    ImportOutcome,
    ImportRefused,
    ImportSource,
    ImportTarget,
    read_plan,
    run_import,
)
from .pipeline.header import find_header
from .pipeline.read_document import read_plan_table
from .pipeline.write import plan_for_target
from .preview import ColumnMapping, ImportPreview, choice_key
from .readers import MAX_FILE_BYTES, MissingSheet, UnreadableFile
from .uploads import remember_choices, store_upload

FIELD_CHOICES = [("", "Do not import"), *((item.key, item.label) for item in FIELDS)]
# Enough for any real plan, well under DATA_UPLOAD_MAX_NUMBER_FIELDS.
MAX_QUESTIONS = 100


def _govuk(widget: forms.Widget, css: str) -> forms.Widget:
    widget.attrs["class"] = css
    return widget


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Plan file",
        help_text="An Excel workbook (.xlsx), a Word document (.docx) or a CSV file, up to 10 MB.",
        widget=_govuk(forms.ClearableFileInput(), "govuk-file-upload"),
    )
    title = forms.CharField(
        label="Plan title", max_length=300, widget=_govuk(forms.TextInput(), "govuk-input")
    )
    kind = forms.ChoiceField(
        label="What the plan responds to",
        choices=ReviewKind.choices,
        widget=_govuk(forms.Select(), "govuk-select"),
    )
    review = forms.CharField(
        label="Review reference (optional)",
        required=False,
        max_length=80,
        help_text=(
            'The short name the board uses for the review this plan answers, such as "Case L"'
            ' or "JTAI 2018". Actions cite it in board packs, and a review of the board with'
            " that reference is used if there is one. Leave blank to use the plan title."
        ),
        widget=_govuk(forms.TextInput(), "govuk-input govuk-input--width-20"),
    )
    plan = forms.ModelChoiceField(
        label="Import into",
        queryset=Plan.objects.none(),
        required=False,
        to_field_name="slug",
        empty_label="A new plan",
        help_text="Choose one of the board's plans to update its actions by ref.",
        widget=_govuk(forms.Select(), "govuk-select"),
    )
    sheet = forms.CharField(
        label="Sheet name",
        required=False,
        max_length=31,
        help_text=(
            "Excel workbooks only. Leave blank to read the first sheet with a table of actions "
            "and each later sheet with the same headings; name a sheet to read it alone."
        ),
        widget=_govuk(forms.TextInput(), "govuk-input govuk-input--width-20"),
    )

    def __init__(self, *args, board: Board, **kwargs):
        super().__init__(*args, **kwargs)
        self.board = board
        self.fields["plan"].queryset = Plan.objects.filter(board=board).order_by("title")
        self.data_bytes = b""

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The file must be smaller than {MAX_FILE_BYTES // 1024 // 1024} MB."
            )
        self.data_bytes = upload.read()
        return upload

    def clean(self):
        cleaned = super().clean()
        if self.data_bytes:
            self._check_file(cleaned.get("sheet", ""))
        if cleaned.get("title"):
            self._check_plan(cleaned)
        return cleaned

    def _check_file(self, sheet: str) -> None:
        try:
            find_header(read_plan_table(self.data_bytes, sheet=sheet or None).rows)
        except MissingSheet as problem:
            self.add_error("sheet", str(problem))
        except UnreadableFile as problem:
            self.add_error("file", str(problem))

    def _check_plan(self, cleaned: dict) -> None:
        plan = cleaned.get("plan")
        cleaned["plan_slug"] = plan.slug if plan else slugify(cleaned["title"])[:80].strip("-")
        if not cleaned["plan_slug"]:
            self.add_error("title", "Enter a title with letters or numbers in it.")
            return
        try:
            plan_for_target(self.target(cleaned))
        except ImportRefused:
            self.add_error(
                "title",
                "A plan of another board already has this title. Choose a different title.",
            )

    def target(self, cleaned: dict) -> ImportTarget:
        return ImportTarget(
            self.board,
            cleaned["title"],
            cleaned.get("kind", ""),
            cleaned["plan_slug"],
            review_reference=cleaned.get("review", ""),
        )

    def store(self, user) -> PlanImport:
        cleaned = self.cleaned_data
        return store_upload(
            user=user,
            data=self.data_bytes,
            board_id=self.board.pk,
            title=cleaned["title"],
            kind=cleaned["kind"],
            plan_slug=cleaned["plan_slug"],
            sheet=cleaned.get("sheet", ""),
            filename=cleaned["file"].name,
            review_reference=cleaned.get("review", ""),
        )


class ColumnsForm(forms.Form):
    """What each column of the file imports as; starts from what its heading says."""

    def __init__(self, data=None, *, columns: list[ColumnMapping]):
        super().__init__(data)
        self.columns = [column for column in columns if column.status != "empty"]
        self.fields["heading_rows"] = forms.CharField(
            label="Rows that are headings",
            help_text="Row numbers, for example 5, 12, 30: each starts a new theme or "
            "recommendation (the text of the row's first filled cell) instead of an action.",
            required=False,
            max_length=2000,
            widget=_govuk(forms.TextInput(), "govuk-input govuk-input--width-20"),
        )
        for column in self.columns:
            self.fields[f"column_{column.index}"] = forms.ChoiceField(
                label=f"Column {column.letter}: {column.heading}",
                choices=FIELD_CHOICES,
                required=False,
                initial=column.field,
                widget=_govuk(forms.Select(), "govuk-select"),
            )

    def rows(self) -> list[tuple[ColumnMapping, forms.BoundField]]:
        return [(column, self[f"column_{column.index}"]) for column in self.columns]

    def clean(self):
        cleaned = super().clean()
        chosen: dict[str, list[str]] = {}
        for column in self.columns:
            key = cleaned.get(f"column_{column.index}")
            if key:
                chosen.setdefault(key, []).append(column.letter)
        if "text" not in chosen:
            raise forms.ValidationError("Choose the column that holds the actions.")
        for key, letters in chosen.items():
            if len(letters) > 1 and key not in REPEATABLE_FIELDS and key != "tick":
                raise forms.ValidationError(
                    f"“{FIELDS_BY_KEY[key].label}” is chosen for columns {' and '.join(letters)}. "
                    "Choose it for one column only."
                )
        return cleaned

    def clean_heading_rows(self) -> set[int]:
        text = self.cleaned_data.get("heading_rows", "")
        pieces = [piece for piece in re.split(r"[\s,;]+", text) if piece]
        if not all(piece.isdigit() and len(piece) <= 6 for piece in pieces):
            raise forms.ValidationError("Give row numbers only, separated by commas.")
        return {int(piece) for piece in pieces}

    def chosen_heading_rows(self) -> set[int]:
        return self.cleaned_data.get("heading_rows") or set()

    def mapping(self) -> dict[int, str]:
        return {
            column.index: self.cleaned_data.get(f"column_{column.index}", "")
            for column in self.columns
        }


class ResolutionsForm(forms.Form):
    """The manager's answers for agency names and status words we could not match."""

    def __init__(
        self, data=None, *, preview: ImportPreview, board: Board, confirming: bool = False
    ):
        super().__init__(data)
        self.preview = preview
        # Confirming, every lead that matches no agency needs an answer (one for all
        # will do): none is left without a lead agency unless the manager says so.
        self.confirming = confirming
        agencies = [
            (str(agency.pk), f"Link to {agency.short_name}")
            for agency in Agency.objects.filter(board=board).order_by("short_name")
        ]
        agency_choices = [
            ("", "Choose what to do"),
            (LEAVE_UNLINKED, "Leave unlinked (keep the lead as written)"),
            (NEW_AGENCY, "Create a new agency with this name"),
            *agencies,
        ]
        count = len(preview.unknown_agencies)
        if count:
            self.fields["agencies_all"] = forms.ChoiceField(
                label="All the leads we could not match",
                choices=[
                    ("", "Choose for each lead below"),
                    (
                        NEW_AGENCY,
                        f"Create all {count:,} as new agencies (kind guessed from the name)",
                    ),
                    (LEAVE_UNLINKED, f"Leave all {count:,} unlinked (keep the leads as written)"),
                ],
                required=False,
                widget=_govuk(forms.Select(), "govuk-select"),
            )
        suggested = {text: agency for text, agency in preview.suggested_agencies.items() if agency}
        self.agency_names = self._ask(
            "agency",
            preview.unknown_agencies,
            agency_choices,
            "",
            initials={text: str(agency.pk) for text, agency in suggested.items()},
            hints={
                text: f"Suggested: {agency.short_name}, the board's only "
                f"{agency.get_kind_display().lower()} agency. Check it."
                for text, agency in suggested.items()
            },
        )
        self.unasked_agencies = len(preview.unknown_agencies) - len(self.agency_names)
        self.status_words = self._ask(
            "status", preview.unknown_statuses, RAG.choices, RAG.NOT_RATED.value
        )

    def _ask(
        self,
        prefix: str,
        unknown: dict[str, list[int]],
        choices,
        initial: str,
        *,
        initials: dict[str, str] | None = None,
        hints: dict[str, str] | None = None,
    ) -> dict[str, str]:
        names = {}
        for text, rows in list(unknown.items())[:MAX_QUESTIONS]:
            name = f"{prefix}_{choice_key(text)}"
            hint = (hints or {}).get(text)
            self.fields[name] = forms.ChoiceField(
                label=text,
                choices=choices,
                required=False,
                initial=(initials or {}).get(text, initial),
                # Help text is printed as HTML: the hint names an agency, so escape it.
                help_text=escape(f"{_rows_text(rows)}. {hint}" if hint else _rows_text(rows)),
                widget=_govuk(forms.Select(), "govuk-select"),
            )
            names[name] = text
        return names

    def agency_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.agency_names]

    def all_agencies_field(self) -> forms.BoundField | None:
        return self["agencies_all"] if "agencies_all" in self.fields else None

    def clean(self):
        cleaned = super().clean()
        if self.confirming and not cleaned.get("agencies_all"):
            for name in self.agency_names:
                if not cleaned.get(name):
                    self.add_error(name, "Choose what to do with this lead.")
        return cleaned

    def status_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.status_words]

    def choices(self) -> dict[str, dict[str, str]]:
        answers = self.cleaned_data
        for_all = answers.get("agencies_all", "")
        asked = {text: answers.get(name, "") for name, text in self.agency_names.items()}
        agencies = {
            text: "" if (answer := asked.get(text) or for_all) == LEAVE_UNLINKED else answer
            for text in self.preview.unknown_agencies
        }
        return {
            "agencies": agencies,
            "statuses": {
                text: answers.get(name) or RAG.NOT_RATED.value
                for name, text in self.status_words.items()
            },
        }


def _rows_text(rows: list[int]) -> str:
    shown = ", ".join(str(row) for row in rows[:10])
    more = f" and {len(rows) - 10:,} more" if len(rows) > 10 else ""
    return f"Row {shown}{more}" if len(rows) == 1 else f"Rows {shown}{more}"


@dataclass
class ImportCheck:
    """Step 2's picture of an upload: the preview, the forms and the dry run's counts."""

    upload: PlanImport
    source: ImportSource
    plan: Plan | None = None
    preview: ImportPreview | None = None
    choices: ImportChoices = field(default_factory=ImportChoices)
    columns_form: ColumnsForm | None = None
    resolutions_form: ResolutionsForm | None = None
    outcome: ImportOutcome | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def target(self) -> ImportTarget:
        return self.source.target

    @property
    def can_import(self) -> bool:
        return self.outcome is not None and not self.problems

    @cached_property
    def review(self) -> Review | None:
        """The board's review the plan will answer, if it has one already."""
        return self.target.existing_review()


def check_upload(
    upload: PlanImport, *, board: Board, data=None, confirming: bool = False
) -> ImportCheck:
    """Read the stored file with the posted choices (or the automatic ones) and dry-run it.
    `confirming`: every lead matching no agency must have been answered."""
    target = ImportTarget(
        board,
        upload.title,
        upload.kind,
        upload.plan_slug,
        upload.filename,
        review_reference=upload.review_reference,
    )
    check = ImportCheck(upload=upload, source=ImportSource(upload.read(), target, upload.sheet))
    automatic = read_plan(check.source, ImportChoices())
    check.plan, check.preview = automatic.plan, automatic.preview
    if automatic.problems:
        check.problems += automatic.problems
        return check
    check.columns_form = ColumnsForm(data, columns=automatic.preview.columns)
    columns_chosen = data is not None and check.columns_form.is_valid()
    reading = ImportChoices()
    if columns_chosen:
        reading = ImportChoices(
            columns=check.columns_form.mapping(),
            heading_rows=frozenset(check.columns_form.chosen_heading_rows()),
        )
    preview = read_plan(check.source, reading).preview
    check.resolutions_form = ResolutionsForm(
        data, preview=preview, board=board, confirming=confirming
    )
    resolved = data is not None and check.resolutions_form.is_valid()
    answers = check.resolutions_form.choices() if resolved else {}
    check.choices = dataclasses.replace(reading, **answers)
    if columns_chosen and resolved:
        remember_choices(
            upload,
            {
                "columns": {str(i): key for i, key in check.columns_form.mapping().items()},
                "heading_rows": sorted(check.columns_form.chosen_heading_rows()),
                **answers,
            },
        )
    if data is None or (columns_chosen and resolved):
        run = run_import(check.source, check.choices, dry_run=True, user=upload.user)
        check.outcome = run.outcome
        check.problems += run.problems
        check.preview = run.preview
    else:
        check.preview = read_plan(check.source, check.choices).preview
    return check


def confirm_upload(check: ImportCheck, *, author) -> ImportOutcome:
    """Step 3: write what step 2 showed. Raises ImportRefused if it can no longer be written."""
    run = run_import(check.source, check.choices, dry_run=False, user=author)
    if run.problems or run.outcome is None:
        raise ImportRefused(run.problems or (run.preview.errors if run.preview else []))
    return run.outcome
