"""Security headers on every page of the permission matrix, for a signed-in user, and
the production settings (HSTS, https redirect, the secret key) as a server starts them."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from test_permission_matrix import MATRIX, objects, url_for  # noqa: F401 - objects: fixture

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
# Who opens each URL: the first of these roles the page is open to (else the manager,
# who is refused it, which is a response that needs the headers as much).
OPENERS = ["manager", "health_lead", "chair", "viewer"]


def opener(name: str) -> str:
    expected = MATRIX[name]["GET"]
    return next((role for role in OPENERS if expected[role] == 200), "manager")


def assert_security_headers(response, *, signed_in: bool):
    csp = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    if signed_in:
        cache_control = {part.strip() for part in response.headers["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= cache_control
        assert "Cookie" in response.headers.get("Vary", "")


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_every_page_sends_the_security_headers_to_a_signed_in_user(
    client,
    personas,
    objects,  # noqa: F811 - the fixture imported above
    name,
):
    role = opener(name)
    client.force_login(getattr(personas, role))
    response = client.get(url_for(name, objects))
    assert response.status_code == MATRIX[name]["GET"][role]
    assert_security_headers(response, signed_in=True)


def test_the_sign_in_page_sends_them_too(client, seed):
    assert_security_headers(client.get(reverse("login")), signed_in=False)


def test_hsts_includes_subdomains_when_on(client, personas, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    client.force_login(personas.viewer)
    response = client.get(reverse("actionplans:plan_list"), secure=True)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_plain_http_is_redirected_when_asked(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("login"))
    assert response.status_code == 301 and response.url.startswith("https://")


def _production(code: str, **env) -> subprocess.CompletedProcess:
    """Run Python with the settings as a production server would load them."""
    environment = {
        key: value
        for key, value in os.environ.items()
        # Not the test run's own switches (the browser tests allow async-unsafe calls).
        if key
        not in {"DEBUG", "TESTING", "SECRET_KEY", "BEHIND_PROXY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment |= {"DEBUG": "0", "TESTING": "0", "ALLOWED_HOSTS": "example.org"} | env
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


SHOW = (
    "from config import settings as s; "
    "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, "
    "getattr(s, 'SECURE_PROXY_SSL_HEADER', None), s.SESSION_COOKIE_SECURE)"
)


def test_production_defaults_are_https_only():
    done = _production(SHOW, SECRET_KEY=secrets.token_urlsafe(64))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["31536000", "True", "True", "None", "True"]


def test_the_forwarded_protocol_is_believed_only_behind_a_proxy():
    done = _production(SHOW, SECRET_KEY=secrets.token_urlsafe(64), BEHIND_PROXY="1")
    assert "('HTTP_X_FORWARDED_PROTO', 'https')" in done.stdout


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "Set SECRET_KEY"),
        ("change-me", "placeholder"),
        ("change-me-" + secrets.token_urlsafe(64), "placeholder"),
        (secrets.token_urlsafe(30), "too short"),
        ("a" * 60, "too short"),
    ],
    ids=["empty", "placeholder", "long-placeholder", "random-but-short", "one-letter"],
)
def test_the_app_refuses_to_start_with_a_weak_secret_key(key, message):
    done = _production(SHOW, SECRET_KEY=key)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and message in done.stderr


def test_debug_may_use_a_placeholder_key():
    done = _production(SHOW, SECRET_KEY="change-me", DEBUG="1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:3] == ["0", "True", "False"]


def test_the_deployment_checklist_passes_with_production_settings():
    done = _production(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    assert done.returncode == 0, done.stderr


def test_a_form_sent_without_its_csrf_token_is_refused_in_the_services_words(personas):
    """An expired page or blocked cookies: a 403 that says nothing was changed and what
    to do, in the service's layout (never Django's page naming the token)."""
    from django.test import Client

    from actionplans.models import Agency

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.manager)
    agency = Agency.objects.filter(board__slug="norfolk").first()
    before = agency.name
    response = client.post(
        reverse("actionplans:agency_edit", args=[agency.pk]), {"name": "Changed"}
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "What you sent could not be saved" in html
    assert "Nothing was changed." in html
    assert "CSRF" not in html
    agency.refresh_from_db()
    assert agency.name == before
