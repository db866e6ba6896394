"""Signing in with a password: the form, the client's address and django-axes' limits.

- `SignInForm` (and `AdminSignInForm` for the admin) refuse a username that is too
  long or holds control characters with a form error, before any account is looked up
  (django-axes stores the username tried in a 255-character column).
- `client_ip(request)` is the address every sign-in rule uses (django-axes'
  `AXES_CLIENT_IP_CALLABLE`, and the security events). With `TRUSTED_PROXY_COUNT` = 0
  it is `REMOTE_ADDR`; with N proxies in front of the app, each of which appends the
  address it was reached from to X-Forwarded-For, the client is the N-th address from
  the right (what the first proxy saw). Anything left of it was written by the client
  and is never believed.
- `SignInAttemptsHandler` locks a username from one address after `AXES_FAILURE_LIMIT`
  failures, and a username from every address after `AXES_USERNAME_FAILURE_LIMIT`.
"""

from __future__ import annotations

import ipaddress
import unicodedata

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum

__all__ = ["AdminSignInForm", "SignInAttemptsHandler", "SignInForm", "client_ip"]

USERNAME_MAX_LENGTH = 150  # django.contrib.auth's User.username
TOO_LONG = f"Enter a username of {USERNAME_MAX_LENGTH} characters or fewer"
ODD_CHARACTERS = "Enter a username without hidden or control characters"


def has_control_characters(value: str) -> bool:
    """NUL, other control characters, and unassigned or private-use code points."""
    return any(unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"} for char in value)


class SafeUsernameMixin:
    """Checks the username before `authenticate()` is called: a refused one is never
    looked up, counted or stored."""

    def clean_username(self):
        username = self.cleaned_data.get("username") or ""
        if len(username) > USERNAME_MAX_LENGTH:
            raise forms.ValidationError(TOO_LONG, code="max_length")
        if has_control_characters(username):
            raise forms.ValidationError(ODD_CHARACTERS, code="invalid")
        return username


class SignInForm(SafeUsernameMixin, AuthenticationForm):
    """The sign-in page's form."""


class AdminSignInForm(SafeUsernameMixin, AdminAuthenticationForm):
    """The admin's sign-in form (staff only), with the same checks."""


def _forwarded_for(request) -> list[str]:
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return [part.strip() for part in header.split(",") if part.strip()]


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address, trusting X-Forwarded-For only as far as our own proxies."""
    remote = _valid_ip(request.META.get("REMOTE_ADDR"))
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    forwarded = _forwarded_for(request)
    if len(forwarded) < count:
        # Not through every proxy we were told of: only the peer's address is known.
        return remote
    return _valid_ip(forwarded[-count]) or remote


class SignInAttemptsHandler(AxesDatabaseHandler):
    """django-axes' database handler with two limits instead of one.

    `AXES_LOCKOUT_PARAMETERS` is `[["username", "ip_address"], "username"]`: the first
    set counts a username's failures from this address, the second its failures from
    every address. django-axes compares the larger of the two with one limit; here the
    first is compared with `AXES_FAILURE_LIMIT` (5) and the second with
    `AXES_USERNAME_FAILURE_LIMIT` (20), so one address cannot lock others out of an
    account it is not guessing, and many addresses cannot keep guessing one account.
    Both locks last `AXES_COOLOFF_TIME` after the latest failure.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        totals = [
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        from_here = totals[0] if totals else 0
        everywhere = totals[1] if len(totals) > 1 else 0
        if everywhere >= settings.AXES_USERNAME_FAILURE_LIMIT:
            # Reported as the per-address limit reached: django-axes then locks.
            return max(from_here, get_failure_limit(request, credentials))
        return from_here
