"""System checks for our own settings (`manage.py check`, run by `make check`)."""

from django.conf import settings
from django.core.checks import Error, register

from .models import Role
from .policy import STAFF


@register()
def two_factor_roles(app_configs, **kwargs):
    """A misspelt role in TWO_FACTOR_ROLES would silently let that role in without a code."""
    known = {*Role.values, STAFF}
    unknown = sorted(set(getattr(settings, "TWO_FACTOR_ROLES", ())) - known)
    if not unknown:
        return []
    return [
        Error(
            f"TWO_FACTOR_ROLES names unknown roles: {', '.join(unknown)}.",
            hint=f"Use some of: {', '.join(sorted(known))}.",
            id="actionplans.E001",
        )
    ]
