"""GOV.UK Frontend select and checkbox markup, built in Python.

Django renders each option through a template, which costs about a millisecond per
option; filter panels and forms with long choice lists were spending most of their
render time there. These produce the same markup directly, escaped by format_html.
"""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


def _selected_values(value) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, list | tuple | set):
        return {str(v) for v in value}
    return {str(value)}


class GovukSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        attrs.setdefault("class", "govuk-select")
        chosen = _selected_values(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option_value, " selected" if str(option_value) in chosen else "", label)
                for option_value, label in self._flat_choices()
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(attrs), options)

    def _flat_choices(self):
        for option_value, label in self.choices:
            if isinstance(label, list | tuple):  # an optgroup: flatten it
                yield from ((str(v), str(lab)) for v, lab in label)
            else:
                yield ("" if option_value is None else str(option_value), str(label))


class GovukCheckboxes(forms.CheckboxSelectMultiple):
    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        base_id = attrs.get("id", f"id_{name}")
        chosen = _selected_values(value)
        items = format_html_join(
            "",
            '<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" '
            'id="{}" name="{}" type="checkbox" value="{}"{}>'
            '<label class="govuk-label govuk-checkboxes__label" for="{}">{}</label></div>',
            (
                (
                    f"{base_id}_{index}",
                    name,
                    option_value,
                    " checked" if str(option_value) in chosen else "",
                    f"{base_id}_{index}",
                    label,
                )
                for index, (option_value, label) in enumerate(self.choices)
            ),
        )
        return format_html(
            '<div class="govuk-checkboxes govuk-checkboxes--small" '
            'data-module="govuk-checkboxes">{}</div>',
            items,
        )


class GovukDateInput(forms.Widget):
    """The GOV.UK date input: day, month and year boxes (`<name>_day`, ...) in a fieldset.

    The value is a (day, month, year) tuple of what was typed, or a date; the field
    (`actionplans.forms.GovukDateField`) turns it into a date with GOV.UK messages.
    """

    use_fieldset = True
    PARTS = (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4))

    def format_value(self, value):
        if value is None or value == "":
            return ("", "", "")
        if hasattr(value, "year"):
            return (str(value.day), str(value.month), str(value.year))
        return tuple(value)

    def value_from_datadict(self, data, files, name):
        return tuple((data.get(f"{name}_{part}") or "").strip() for part, _, _ in self.PARTS)

    def value_omitted_from_data(self, data, files, name):
        return not any(f"{name}_{part}" in data for part, _, _ in self.PARTS)

    def id_for_label(self, id_):
        return ""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        base_id = attrs.get("id", f"id_{name}")
        error = " govuk-input--error" if attrs.get("aria-invalid") == "true" else ""
        items = format_html_join(
            "",
            '<div class="govuk-date-input__item"><div class="govuk-form-group">'
            '<label class="govuk-label govuk-date-input__label" for="{}_{}">{}</label>'
            '<input class="govuk-input govuk-date-input__input govuk-input--width-{}{}" '
            'id="{}_{}" name="{}_{}" type="text" inputmode="numeric" value="{}"></div></div>',
            (
                (base_id, index, label, width, error, base_id, index, name, part, typed)
                for index, ((part, label, width), typed) in enumerate(
                    zip(self.PARTS, self.format_value(value), strict=True)
                )
            ),
        )
        return format_html('<div class="govuk-date-input" id="{}">{}</div>', base_id, items)


class GovukRadios(forms.RadioSelect):
    """GOV.UK radios (small, inline when `inline=True`)."""

    def __init__(self, *args, inline: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.inline = inline

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        base_id = attrs.get("id", f"id_{name}")
        chosen = _selected_values(value)
        items = format_html_join(
            "",
            '<div class="govuk-radios__item"><input class="govuk-radios__input" '
            'id="{}_{}" name="{}" type="radio" value="{}"{}>'
            '<label class="govuk-label govuk-radios__label" for="{}_{}">{}</label></div>',
            (
                (
                    base_id,
                    index,
                    name,
                    option_value,
                    " checked" if str(option_value) in chosen else "",
                    base_id,
                    index,
                    label,
                )
                for index, (option_value, label) in enumerate(self.choices)
            ),
        )
        inline = " govuk-radios--inline" if self.inline else ""
        return format_html(
            '<div class="govuk-radios govuk-radios--small{}" data-module="govuk-radios">{}</div>',
            inline,
            items,
        )
