"""The evidence forms: files (each with a short description), and a removal's reason."""

from django import forms
from django.conf import settings

from actionplans.forms import GovukFormMixin

from .checks import RefusedFile, evidence_check

SLOTS = 3  # file inputs on the page; without JavaScript, one file each


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MB"


class EvidenceUploadForm(GovukFormMixin, forms.Form):
    """Up to `SLOTS` files, each with a description; every file checked by its content
    and its size before anything is stored. `checked`: (file, description, Checked)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = megabytes(settings.EVIDENCE_MAX_FILE_BYTES)
        for number in range(1, SLOTS + 1):
            self.fields[f"file_{number}"] = forms.FileField(
                label=f"Choose file {number}",
                required=False,
                help_text=f"PDF, Word, Excel, PowerPoint, OpenDocument, CSV, text, PNG or "
                f"JPEG, up to {limit}."
                if number == 1
                else "",
                widget=forms.ClearableFileInput(attrs={"class": "govuk-file-upload"}),
                error_messages={"empty": "The file is empty. Nothing was kept."},
            )
            self.fields[f"description_{number}"] = forms.CharField(
                label=f"Describe file {number}",
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"class": "govuk-input"}),
                help_text='For example "Audit of 30 assessments, March 2027".'
                if number == 1
                else "",
            )
            # The legend says which files are optional; a description is needed with its file.
            self.fields[f"file_{number}"].conditionally_required = True
            self.fields[f"description_{number}"].conditionally_required = True
        self.checked = []

    def pairs(self):
        """(file field, description field) as bound fields, for the template."""
        return [(self[f"file_{n}"], self[f"description_{n}"]) for n in range(1, SLOTS + 1)]

    def clean(self):
        data = super().clean()
        self.checked = []
        for number in range(1, SLOTS + 1):
            file = data.get(f"file_{number}")
            description = (data.get(f"description_{number}") or "").strip()
            if not file:
                if description and f"file_{number}" not in self.errors:
                    self.add_error(
                        f"file_{number}", f"Choose file {number}, or clear its description."
                    )
                continue
            if file.size > settings.EVIDENCE_MAX_FILE_BYTES:
                self.add_error(
                    f"file_{number}",
                    f"{_name(file)} is {megabytes(file.size)}: the limit is "
                    f"{megabytes(settings.EVIDENCE_MAX_FILE_BYTES)} a file. Nothing was kept.",
                )
                continue
            try:
                checked = evidence_check(file, filename=file.name)
            except RefusedFile as refused:
                self.add_error(f"file_{number}", f"{_name(file)}: {refused} Nothing was kept.")
                continue
            if not description:
                self.add_error(f"description_{number}", f"Describe file {number} in a few words.")
                continue
            self.checked.append((file, description, checked))
        if not self.errors and not self.checked:
            self.add_error("file_1", "Choose a file to attach.")
        return data


def _name(file) -> str:
    return f"“{(file.name or 'The file')[:80]}”"


class EvidenceRemoveForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why are you removing this file?",
        help_text="Kept in the action's history with the file's name and description "
        "(never its content): for example “Uploaded by mistake: it names a child”.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why you are removing the file."},
    )
