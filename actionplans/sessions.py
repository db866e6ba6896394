"""How long a signed-in session lasts: an idle limit and an absolute one.

A session ends `SESSION_IDLE_MINUTES` (30) after the user's last request, and
`SESSION_MAX_HOURS` (12) after they signed in, whatever they do. The next request
signs them out and the sign-in page says why (`signed_out_message`). The times are
kept in the session itself (seconds since the epoch): `signed_in` at sign-in, and
`last_seen`, refreshed at most once a minute so that most pages write nothing.

`static/js/session.js` reads `seconds_left` from the page, warns two minutes before
the end, and keeps drafts of forms marked `data-keep-draft` in the browser's
sessionStorage so that nothing typed is lost to a sign-out.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

__all__ = [
    "SessionLimitsMiddleware",
    "seconds_left",
    "signed_out_message",
    "touch",
]

SIGNED_IN = "_signed_in_at"
LAST_SEEN = "_last_seen_at"
SIGNED_OUT_REASON = "signed_out_reason"
IDLE = "idle"
MAX_AGE = "max"
TOUCH_EVERY_SECONDS = 60


def idle_seconds() -> int:
    return int(settings.SESSION_IDLE_MINUTES * 60)


def max_seconds() -> int:
    return int(settings.SESSION_MAX_HOURS * 3600)


def _plural(number: int, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


def signed_out_message(reason: str | None) -> str:
    if reason == IDLE:
        minutes = _plural(settings.SESSION_IDLE_MINUTES, "minute")
        return f"You were signed out after {minutes} without activity."
    if reason == MAX_AGE:
        hours = _plural(settings.SESSION_MAX_HOURS, "hour")
        return f"You were signed out because you signed in {hours} ago."
    return ""


def touch(session, now: float | None = None) -> None:
    """The user did something: the idle limit starts again."""
    session[LAST_SEEN] = time.time() if now is None else now


def seconds_left(session, now: float | None = None) -> tuple[int, str]:
    """Seconds until the session ends, and which limit ends it (`idle` or `max`)."""
    now = time.time() if now is None else now
    idle_left = idle_seconds() - (now - session.get(LAST_SEEN, now))
    max_left = max_seconds() - (now - session.get(SIGNED_IN, now))
    if max_left < idle_left:
        return max(0, int(max_left)), MAX_AGE
    return max(0, int(idle_left)), IDLE


def expired(session, now: float) -> str | None:
    """Which limit has passed, if one has."""
    if now - session.get(SIGNED_IN, now) > max_seconds():
        return MAX_AGE
    if now - session.get(LAST_SEEN, now) > idle_seconds():
        return IDLE
    return None


@receiver(user_logged_in, dispatch_uid="actionplans.sessions.start")
def start(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[SIGNED_IN] = now
    touch(request.session, now)


class SessionLimitsMiddleware:
    """After AuthenticationMiddleware: signs out a session past either limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = time.time()
            if SIGNED_IN not in session:  # a session from before these limits
                session[SIGNED_IN] = now
            reason = expired(session, now)
            if reason:
                limit = "idle" if reason == IDLE else "fixed"
                request.signed_out_reason = f"Session ended: {limit} time limit"
                logout(request)
                request.session[SIGNED_OUT_REASON] = reason
            elif now - session.get(LAST_SEEN, 0) >= TOUCH_EVERY_SECONDS:
                touch(session, now)
        return self.get_response(request)
