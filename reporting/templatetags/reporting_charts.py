"""{% pack_charts pack as charts %}: the charts of a board pack's summary page."""

from django import template

from reporting.dashboard.selectors import pack_charts as charts_of

register = template.Library()


@register.simple_tag
def pack_charts(pack):
    return charts_of(pack)
