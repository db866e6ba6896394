"""`/healthz` answers a load balancer: 200 with a database, 503 without; nothing else."""

from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

pytestmark = pytest.mark.django_db
HEALTHZ = reverse("healthz")


def test_healthz_says_ok_without_signing_in(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(HEALTHZ)
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"]


def test_healthz_says_503_when_the_database_is_down(client):
    def database_down(execute, sql, params, many, context):
        raise OperationalError("connection refused")

    with connection.execute_wrapper(database_down):
        response = client.get(HEALTHZ)
    assert response.status_code == 503
    assert response.content == b"database unavailable"
    assert "no-store" in response["Cache-Control"]


def test_healthz_is_not_redirected_to_https(client, settings):
    """The container's health check speaks plain http inside the host."""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(HEALTHZ).status_code == 200
    assert client.get(reverse("login")).status_code == 301


def test_healthz_says_nothing_about_a_signed_in_user(client, personas):
    client.force_login(personas.manager)
    response = client.get(HEALTHZ)
    assert response.content == b"ok"
    assert b"manager" not in response.content


def test_docker_compose_has_health_checks_and_no_written_in_secrets():
    compose = (Path(__file__).resolve().parent.parent / "docker-compose.yml").read_text()
    for insecure in ("change-me", "SECURE_COOKIES", "POSTGRES_PASSWORD: postgres", ":postgres@"):
        assert insecure not in compose
    assert "${SECRET_KEY:?" in compose and "${POSTGRES_PASSWORD:?" in compose
    assert "/healthz" in compose and "pg_isready" in compose
    assert "pgdata:/var/lib/postgresql/data" in compose
