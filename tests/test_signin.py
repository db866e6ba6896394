"""Signing in with a password: odd usernames, the client's address behind proxies, and
django-axes' two limits (a username from one address; a username from everywhere)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from actionplans.signin import ODD_CHARACTERS, TOO_LONG

pytestmark = pytest.mark.django_db
LOGIN = reverse("login")
PLANS = reverse("actionplans:plan_list")


def sign_in(client, username, password, **meta):
    return client.post(LOGIN, {"username": username, "password": password}, **meta)


@pytest.fixture
def limits(settings):
    """Smaller limits than production's 5 and 20, so the tests stay quick."""
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_USERNAME_FAILURE_LIMIT = 5
    return settings


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("a" * 151, TOO_LONG),
        ("a" * 256, TOO_LONG),
        ("a" * 10_000, TOO_LONG),
        ("viewer\x00", "Null characters are not allowed."),
        ("vie\x01wer", ODD_CHARACTERS),
        ("viewer\x1b[2J", ODD_CHARACTERS),
        ("view\u200ber", ODD_CHARACTERS),
    ],
)
def test_a_long_or_odd_username_gets_a_form_error_not_a_500(client, seed, username, message):
    response = sign_in(client, username, "demo")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_the_admin_sign_in_refuses_a_long_username_too(client, seed):
    response = client.post(
        reverse("admin:login"), {"username": "a" * 300, "password": "x", "next": "/admin/"}
    )
    assert response.status_code == 200
    assert TOO_LONG in response.content.decode()


def test_five_failures_lock_the_username_from_that_address_only(client, personas, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    here = {"REMOTE_ADDR": "198.51.100.7"}
    for _ in range(4):
        assert sign_in(client, "viewer", "wrong", **here).status_code == 200
    assert sign_in(client, "viewer", "wrong", **here).status_code == 429
    locked = sign_in(client, "viewer", "demo", **here)
    assert locked.status_code == 429
    assert "Too many attempts to sign in" in locked.content.decode()

    # Someone else's address: the real user still signs in.
    elsewhere = sign_in(client, "viewer", "demo", REMOTE_ADDR="203.0.113.9")
    assert elsewhere.status_code == 302 and elsewhere.url == PLANS


def test_an_address_guessing_one_username_does_not_lock_another(client, personas, limits):
    here = {"REMOTE_ADDR": "198.51.100.7"}
    for _ in range(3):
        sign_in(client, "viewer", "wrong", **here)
    assert sign_in(client, "viewer", "demo", **here).status_code == 429
    assert sign_in(client, "chair", "demo", **here).status_code == 302


def test_many_addresses_guessing_one_username_lock_it_everywhere(client, personas, limits):
    for n in range(5):
        sign_in(client, "viewer", "wrong", REMOTE_ADDR=f"192.0.2.{n + 1}")
    # No address reached 3, but the username reached 5: locked from a new address too.
    assert sign_in(client, "viewer", "demo", REMOTE_ADDR="192.0.2.200").status_code == 429
    assert sign_in(client, "chair", "demo", REMOTE_ADDR="192.0.2.200").status_code == 302


def test_the_lock_ends_after_the_cool_off(client, personas, limits):
    for n in range(5):
        sign_in(client, "viewer", "wrong", REMOTE_ADDR=f"192.0.2.{n + 1}")
    assert sign_in(client, "viewer", "demo", REMOTE_ADDR="192.0.2.1").status_code == 429

    an_hour_ago = timezone.now() - timedelta(hours=1, minutes=1)
    AccessAttempt.objects.update(attempt_time=an_hour_ago)
    assert sign_in(client, "viewer", "demo", REMOTE_ADDR="192.0.2.1").status_code == 302
    assert not AccessAttempt.objects.filter(username="viewer").exists()  # reset on success


def test_without_a_proxy_x_forwarded_for_is_ignored(client, personas, limits):
    """An attacker cannot dodge the lock by sending a new X-Forwarded-For each time."""
    for n in range(3):
        sign_in(
            client,
            "viewer",
            "wrong",
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )
    assert sign_in(client, "viewer", "demo", REMOTE_ADDR="198.51.100.7").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_behind_one_proxy_the_address_the_proxy_saw_counts(client, personas, limits):
    limits.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(3):
        # The client wrote "1.2.3.4" itself; the proxy appended what it saw.
        sign_in(
            client,
            "viewer",
            "wrong",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7",
            **proxy,
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    locked = sign_in(client, "viewer", "demo", HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    assert locked.status_code == 429
    # Another client behind the same proxy is not locked out.
    other = sign_in(client, "viewer", "demo", HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)
    assert other.status_code == 302


def test_behind_two_proxies_the_second_address_from_the_right_counts(client, personas, limits):
    limits.TRUSTED_PROXY_COUNT = 2
    sign_in(
        client,
        "viewer",
        "wrong",
        REMOTE_ADDR="10.0.0.3",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7, 10.0.0.2",
    )
    assert AccessAttempt.objects.get().ip_address == "198.51.100.7"


@pytest.mark.parametrize("forwarded", ["", "not-an-address", "  ,  "])
def test_behind_a_proxy_a_missing_or_bad_header_falls_back_to_the_peer(
    client, personas, limits, forwarded
):
    limits.TRUSTED_PROXY_COUNT = 1
    sign_in(client, "viewer", "wrong", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert AccessAttempt.objects.get().ip_address == "10.0.0.2"
