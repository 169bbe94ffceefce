"""Template filters of the case timeline."""

from django import template

from escalations.timeline import local_time

register = template.Library()


@register.filter
def local_minute(moment) -> str:
    """Show a moment in the project's zone, to the minute."""
    return local_time(moment)
