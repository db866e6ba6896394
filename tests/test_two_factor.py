"""Two-factor sign-in: who must have it, setting it up, codes, backup codes, throttling."""

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from actionplans import two_factor

pytestmark = pytest.mark.django_db
PLANS = reverse("actionplans:plan_list")
ACTIONS = reverse("actionplans:action_list")
SETUP = reverse("actionplans:two_factor_setup")
VERIFY = reverse("actionplans:two_factor_verify")
ACCOUNT = reverse("actionplans:two_factor")


@pytest.fixture
def managers_need_it(settings):
    settings.TWO_FACTOR_ROLES = ["manager", "staff"]


def app_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the user's app shows (a later step: each step's code works once)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def turned_on(user) -> tuple[TOTPDevice, list[str]]:
    device = two_factor.start_setup(user)
    codes = two_factor.confirm_setup(user, device, app_code(device))
    return device, codes


def test_a_manager_sets_it_up_before_opening_any_page(client, personas, managers_need_it):
    client.force_login(personas.manager)

    response = client.get(ACTIONS)
    assert response.status_code == 302 and response.url == f"{SETUP}?next=%2Factions%2F"

    page = client.get(response.url)
    assert page.status_code == 200
    key = page.context["key"]
    assert re.fullmatch(r"([A-Z2-7]{4} )*[A-Z2-7]{1,4}", key)
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()
    device = TOTPDevice.objects.get(user=personas.manager, confirmed=False)

    wrong = client.post(SETUP, {"code": "000000", "next": ACTIONS})
    assert wrong.status_code == 200 and "Enter the code your authenticator app shows" in (
        wrong.content.decode()
    )
    assert not two_factor.is_on(personas.manager)

    device.throttle_reset()
    done = client.post(SETUP, {"code": app_code(device), "next": ACTIONS})
    assert done.status_code == 200 and len(done.context["codes"]) == 10
    assert done.context["next"] == ACTIONS
    assert two_factor.is_on(personas.manager)
    assert client.get(ACTIONS).status_code == 200


def test_signing_in_asks_for_the_code_then_opens_the_page_asked_for(client, personas):
    device, _codes = turned_on(personas.police_lead)
    client.force_login(personas.police_lead)  # the password step

    response = client.get(ACTIONS)
    assert response.status_code == 302 and response.url == f"{VERIFY}?next=%2Factions%2F"
    assert client.get(response.url).status_code == 200

    passed = client.post(VERIFY, {"code": app_code(device, 1), "next": ACTIONS})
    assert passed.status_code == 302 and passed.url == ACTIONS
    assert client.get(ACTIONS).status_code == 200


def test_a_wrong_code_is_refused_and_then_codes_slow_down(client, personas):
    device, _codes = turned_on(personas.police_lead)
    client.force_login(personas.police_lead)

    wrong = client.post(VERIFY, {"code": "123 456"})
    assert wrong.status_code == 200
    assert "Enter the code your authenticator app shows now" in wrong.content.decode()
    # Straight after a wrong code even the right one waits (django-otp's back-off).
    again = client.post(VERIFY, {"code": app_code(device, 1)})
    assert again.status_code == 200 and "Too many wrong codes" in again.content.decode()
    assert client.get(PLANS).status_code == 302


def test_a_backup_code_works_once(client, personas):
    _device, codes = turned_on(personas.police_lead)
    client.force_login(personas.police_lead)

    used = client.post(VERIFY, {"code": f"  {codes[0].upper()} "}, follow=True)
    assert used.redirect_chain[-1][0] == PLANS
    assert "You have 9 left" in used.content.decode()

    client.logout()
    client.force_login(personas.police_lead)
    refused = client.post(VERIFY, {"code": codes[0]})
    assert refused.status_code == 200 and client.get(PLANS).status_code == 302


def test_new_backup_codes_replace_the_old_ones(client, personas):
    device, old = turned_on(personas.chair)
    client.force_login(personas.chair)
    client.post(VERIFY, {"code": app_code(device, 1)})

    page = client.post(ACCOUNT, {"action": "new_codes"})

    new = page.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    stored = set(
        StaticToken.objects.filter(device__user=personas.chair).values_list("token", flat=True)
    )
    assert stored == set(new)


def test_leads_may_turn_it_on_and_off_but_managers_may_not_turn_it_off(
    client, personas, managers_need_it
):
    lead = personas.health_lead
    client.force_login(lead)
    assert client.get(PLANS).status_code == 200  # not required of leads
    device, _codes = turned_on(lead)
    client.post(VERIFY, {"code": app_code(device, 1)})

    off = client.post(ACCOUNT, {"action": "turn_off"}, follow=True)
    assert "Two-factor sign-in is off." in off.content.decode()
    assert not two_factor.is_on(lead)

    manager = personas.manager
    device, _codes = turned_on(manager)
    client.force_login(manager)
    client.post(VERIFY, {"code": app_code(device, 1)})
    kept = client.post(ACCOUNT, {"action": "turn_off"}, follow=True)
    assert "cannot be turned off" in kept.content.decode()
    assert two_factor.is_on(manager)
    assert "Turn off two-factor sign-in" not in client.get(ACCOUNT).content.decode()


def test_the_code_page_never_sends_anyone_to_another_site(client, personas):
    device, _codes = turned_on(personas.viewer)
    client.force_login(personas.viewer)

    response = client.post(VERIFY, {"code": app_code(device, 1), "next": "https://evil.example/"})

    assert response.status_code == 302 and response.url == PLANS


def test_signing_out_works_before_the_code_is_given(client, personas):
    turned_on(personas.viewer)
    client.force_login(personas.viewer)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(PLANS).status_code == 302  # back to signing in


def test_staff_need_it_for_the_admin(client, managers_need_it):
    staff = get_user_model().objects.create_user("admin-staff", password="x", is_staff=True)
    client.force_login(staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response.url.startswith(SETUP)


def test_nobody_is_forced_when_no_role_needs_it(client, personas, settings):
    settings.TWO_FACTOR_ROLES = []
    client.force_login(personas.manager)
    assert client.get(PLANS).status_code == 200


def test_a_misspelt_role_in_the_setting_fails_the_checks(settings):
    from django.core.checks import run_checks

    settings.TWO_FACTOR_ROLES = ["manager", "managers"]
    errors = [e for e in run_checks() if e.id == "actionplans.E001"]
    assert len(errors) == 1 and "managers" in errors[0].msg
    settings.TWO_FACTOR_ROLES = ["manager", "staff"]
    assert not [e for e in run_checks() if e.id == "actionplans.E001"]
