"""Tags for the round pages: an item's state as a labelled tag."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from actionplans.rounds.selectors import ItemState

register = template.Library()

STATE_COLOURS = {
    ItemState.APPROVED: "green",
    ItemState.WAITING: "light-blue",
    ItemState.RETURNED: "orange",
    ItemState.MISSING: "grey",
    ItemState.NOT_DUE: "turquoise",
}


@register.simple_tag
def state_tag(item, overdue: bool = False):
    """Where an action stands in the round, in words; "Overdue" once past the deadline."""
    tag = format_html(
        '<strong class="govuk-tag govuk-tag--{}">{}</strong>',
        STATE_COLOURS.get(item.state, "grey"),
        item.state_label,
    )
    if overdue and item.state == ItemState.MISSING:
        tag += mark_safe(' <strong class="govuk-tag govuk-tag--red app-overdue">Overdue</strong>')  # noqa: S308
    return tag


@register.simple_tag
def state_label(state: str) -> str:
    return ItemState.LABELS.get(state, state)
