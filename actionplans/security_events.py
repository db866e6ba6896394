"""Recording security events (`SecurityEvent`), from wherever they happen.

Django's auth signals give sign-in, sign-out and failed sign-in; django-axes' signal
the lockouts; a pre/post-save hook on the user every password set (the sign-up link,
the admin, `changepassword`; not Django's silent re-hash of the same password); the
two-factor functions and the People services call `record` themselves. The address is
the client's as the sign-in lock sees it (`signin.client_ip`), from the request in hand
or the one django-simple-history's middleware holds for this thread.
"""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from simple_history.models import HistoricalRecords

from .models import SecurityEvent, SecurityEventKind
from .signin import client_ip, has_control_characters

__all__ = ["record"]

USERNAME_LENGTH = 150


def _current_request():
    return getattr(HistoricalRecords.context, "request", None)


def _username_as_typed(value) -> str:
    text = str(value or "")
    if has_control_characters(text):
        text = "".join(char if char.isprintable() else "?" for char in text)
    return text[:USERNAME_LENGTH]


def record(
    kind: str,
    *,
    user=None,
    username: str = "",
    actor=None,
    board=None,
    detail: str = "",
    request=None,
) -> SecurityEvent:
    request = request if request is not None else _current_request()
    if actor is None and request is not None:
        signed_in = getattr(request, "user", None)
        if signed_in is not None and signed_in.is_authenticated and signed_in != user:
            actor = signed_in
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=_username_as_typed(username or (user.get_username() if user else "")),
        actor=actor,
        board=board,
        detail=detail[:200],
        ip_address=client_ip(request) if request is not None else None,
    )


@receiver(user_logged_in, dispatch_uid="actionplans.security_events.signed_in")
def _signed_in(sender, request, user, **kwargs):
    record(SecurityEventKind.SIGNED_IN, user=user, request=request, actor=user)


@receiver(user_logged_out, dispatch_uid="actionplans.security_events.signed_out")
def _signed_out(sender, request, user, **kwargs):
    if user is None:
        return
    reason = getattr(request, "signed_out_reason", "")
    record(SecurityEventKind.SIGNED_OUT, user=user, request=request, actor=user, detail=reason)


@receiver(user_login_failed, dispatch_uid="actionplans.security_events.failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    username = _username_as_typed(credentials.get(get_user_model().USERNAME_FIELD))
    user = get_user_model().objects.filter(username=username).first() if username else None
    record(SecurityEventKind.SIGN_IN_FAILED, user=user, username=username, request=request)


@receiver(user_locked_out, dispatch_uid="actionplans.security_events.locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    username = _username_as_typed(username)
    user = get_user_model().objects.filter(username=username).first() if username else None
    record(SecurityEventKind.LOCKED_OUT, user=user, username=username, request=request)


@receiver(pre_save, sender=get_user_model(), dispatch_uid="actionplans.security_events.pw")
def _note_password_set(sender, instance, update_fields=None, **kwargs):
    # set_password() keeps the new password in `_password` until the save; Django's
    # re-hash at sign-in clears it first (it is no change of password).
    instance._security_password_set = getattr(instance, "_password", None) is not None


@receiver(post_save, sender=get_user_model(), dispatch_uid="actionplans.security_events.pw2")
def _password_set(sender, instance, **kwargs):
    if getattr(instance, "_security_password_set", False):
        instance._security_password_set = False
        record(SecurityEventKind.PASSWORD_SET, user=instance)
