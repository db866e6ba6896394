"""Two-factor sign-in (django-otp): an authenticator app, with backup codes.

A user turns it on by scanning a key into an authenticator app and typing back one
code (`start_setup`, `confirm_setup`); that also makes ten single-use backup codes
for a lost phone. From then on, signing in asks for a code (`verify`). Who must
have it is the policy's question (`policy.two_factor_required`: board business
managers and staff by default); anyone else may turn it on, and off again.
Wrong codes slow down exponentially (django-otp's throttling), on top of
django-axes' lock on the password.
"""

from __future__ import annotations

import base64
import io

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_otp import devices_for_user, match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from . import policy, security_events
from .models import SecurityEventKind

APP_DEVICE = "Authenticator app"
BACKUP_DEVICE = "Backup codes"
BACKUP_CODES = 10
WRONG_CODE = "Enter the code your authenticator app shows now, or one of your backup codes."
TOO_MANY = "Too many wrong codes. Wait a minute, then enter the newest code from your app."


class InvalidCode(ValueError):
    """The code was wrong, used already, or came too soon after wrong ones."""


def is_on(user) -> bool:
    """Whether the user signs in with an app code (one query: the middleware asks on
    every page until the code is given). Backup codes exist only beside an app."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def start_setup(user) -> TOTPDevice:
    """The user's unconfirmed authenticator key: the same one until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)


def setup_key(device: TOTPDevice) -> str:
    """The secret as people type it into an app: base32 in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def setup_qr_code(device: TOTPDevice) -> str:
    """A data: URL of the key as a QR code (SVG), for the app to scan."""
    buffer = io.BytesIO()
    write_qrcode_image(device.config_url, buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@transaction.atomic
def confirm_setup(user, device: TOTPDevice, code: str) -> list[str]:
    """Turn two-factor sign-in on if `code` comes from the app; the new backup codes."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    if not device.verify_is_allowed()[0]:
        raise InvalidCode(TOO_MANY)
    if not device.verify_token(_digits(code)):
        raise InvalidCode("Enter the code your authenticator app shows now.")
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save()
    security_events.record(SecurityEventKind.TWO_FACTOR_ON, user=user)
    return new_backup_codes(user)


@transaction.atomic
def new_backup_codes(user) -> list[str]:
    """Ten fresh single-use codes; any earlier ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=BACKUP_DEVICE)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def verify(user, code: str):
    """The device that accepts `code` (app code or backup code), else InvalidCode.

    Six digits are an app code; anything else is tried as a backup code. While
    django-otp's back-off holds every device (a wrong code was just given), nothing
    is tried at all.
    """
    devices = list(devices_for_user(user))
    if devices and not any(device.verify_is_allowed()[0] for device in devices):
        raise InvalidCode(TOO_MANY)
    digits = _digits(code)
    token = digits if digits.isdigit() and len(digits) == 6 else digits.lower()
    device = match_token(user, token)
    if device is None:
        raise InvalidCode(WRONG_CODE)
    return device


@transaction.atomic
def turn_off(user) -> None:
    if policy.two_factor_required(user):
        raise PermissionDenied("Your role needs two-factor sign-in: it cannot be turned off.")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    security_events.record(SecurityEventKind.TWO_FACTOR_OFF, user=user)


def _digits(code: str) -> str:
    return "".join(code.split())
