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
