from django import template

from reports.metrics import percent

register = template.Library()


@register.filter
def pct(value) -> str:
    """A rate 0–1 as "93.72 %", "—" when it has no value (DOMAIN.md §7)."""
    return percent(value)
