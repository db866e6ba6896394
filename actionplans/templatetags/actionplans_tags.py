"""Tags for what every action row shows: built in Python, they keep long lists fast."""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.simple_tag
def rag_tag(rag: str, label: str):
    """A RAG colour always with its words: "Red – Behind schedule"."""
    return format_html('<strong class="govuk-tag app-rag app-rag--{}">{}</strong>', rag, label)


@register.simple_tag
def action_flags(action, on=None):
    """The action's flags (overdue, slipped, stale, contradictions) as labelled tags."""
    flags = action.flags(on)
    if not flags:
        return ""
    items = format_html_join(
        "",
        '<li><strong class="govuk-tag app-flag app-flag--{}">{}</strong></li>',
        flags,
    )
    return format_html('<ul class="govuk-list app-tag-list">{}</ul>', items)


@register.filter
def excerpt(text: str, length: int = 220) -> str:
    """The start of a long text, cut at a word, for lists (the page shows it whole)."""
    text = text or ""
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0] + "…"
