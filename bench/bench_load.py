"""Load over real HTTP: Locust users against gunicorn, on 2,000 actions.

The users of `bench/locustfile.py` (agency leads submitting updates, the business
manager filtering and approving, the PIQAG chair reading plans and exporting) sign in
and click through the app, 3 workers of gunicorn serving them as in docker-compose.
Two stages: 10 users (a busy afternoon), then 30 (everyone at the quarter's deadline).
Reported: requests per second, failures, and p50/p95 per page. Aim: no failures, and
p95 under 1 s for pages (the CSV export of a whole plan excepted) at each stage.

Users sign in two a second (each sign-in hashes the password with PBKDF2, about
0.3 s of CPU); the figures are then counted from zero once all are in, over 45 s of
steady use (`--reset-stats`). Load generator, server and PostgreSQL share this 2-core
machine, so the figures are a floor.

`BENCH_QUICK=1` measures 20 s a stage instead of 45.
"""

import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import bench_database

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "bench" / "locustfile.py"
STAGES = (10, 30)  # users
SPAWN_RATE = 2  # users signing in each second: people do not all sign in at once
SECONDS = 20 if os.environ.get("BENCH_QUICK") else 45
PASSWORD = "load-test-password"  # noqa: S105 - a throwaway database


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn stopped while starting.")
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own loopback server
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not start within a minute.")


def _people(board) -> dict:
    from django.contrib.auth import get_user_model

    from actionplans.models import Action, Agency, Membership, Plan, Role

    users = get_user_model()
    config = {"password": PASSWORD, "leads": [], "plans": []}
    for n, agency in enumerate(Agency.objects.filter(board=board).order_by("pk")[:8]):
        lead = users.objects.create_user(f"load-lead-{n}", password=PASSWORD)
        Membership.objects.create(user=lead, board=board, role=Role.LEAD).agencies.add(agency)
        actions = list(Action.objects.filter(lead_agency=agency).values_list("pk", flat=True)[:50])
        config["leads"].append({"username": lead.username, "actions": actions})
    for role in (Role.MANAGER, Role.CHAIR):
        user = users.objects.create_user(f"load-{role}", password=PASSWORD)
        Membership.objects.create(user=user, board=board, role=role)
        config[str(role)] = user.username
    config["plans"] = list(Plan.objects.filter(board=board).values_list("slug", flat=True))
    return config


def _report(stats_csv: Path, users: int) -> None:
    with stats_csv.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    print(f"-- {users} users signed in, then {SECONDS} s of steady use; gunicorn, 3 workers")
    print(f"   {'page':<24} {'requests':>8} {'failed':>6} {'p50 ms':>7} {'p95 ms':>7}")
    for row in rows:
        name = row["Name"]
        print(
            f"   {name:<24} {row['Request Count']:>8} {row['Failure Count']:>6} "
            f"{row['50%']:>7} {row['95%']:>7}"
            + (f"   {float(row['Requests/s']):.1f} requests/s" if name == "Aggregated" else "")
        )
    # Sign-ins still finishing when counting starts, and the whole-plan CSV, aside.
    pages = [
        r for r in rows if r["Name"] not in {"Aggregated", "plan CSV", "login page", "sign in"}
    ]
    failures = sum(int(r["Failure Count"]) for r in rows if r["Name"] == "Aggregated")
    worst = max(pages, key=lambda r: float(r["95%"]))
    met = failures == 0 and float(worst["95%"]) < 1000
    print(
        f"   worst p95: {worst['Name']} {worst['95%']} ms; failures {failures}; "
        f"aim (no failures, p95 < 1 s): {'met' if met else 'MISSED'}"
    )


def main() -> None:
    with bench_database("bench_load"):
        from django.conf import settings

        from actionplans.synthetic import generate_actions

        board = generate_actions(actions=2_000, history=20_000)
        config = _people(board)
        database = settings.DATABASES["default"]
        port = _free_port()
        host = f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
        env = os.environ | {
            "DATABASE_URL": f"postgres://{database['USER']}@{host}/{database['NAME']}",
            "DEBUG": "0",
            "TESTING": "1",  # the settings' test defaults: no two-factor, static from finders
            "SECURE_COOKIES": "0",  # plain HTTP on loopback
            "ALLOWED_HOSTS": "127.0.0.1",
        }
        with tempfile.TemporaryDirectory() as workdir:
            config_path = Path(workdir) / "load.json"
            config_path.write_text(json.dumps(config), encoding="utf-8")
            server = subprocess.Popen(  # noqa: S603 - our own app
                [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", "3",
                 "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
                cwd=ROOT, env=env,
            )  # fmt: skip
            try:
                _wait_until_up(f"http://127.0.0.1:{port}/accounts/login/", server)
                for users in STAGES:
                    csv_prefix = Path(workdir) / f"load-{users}"
                    subprocess.run(  # noqa: S603 - our own locustfile
                        [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE),
                         "--headless", "--users", str(users), "--spawn-rate", str(SPAWN_RATE),
                         "--run-time", f"{users // SPAWN_RATE + SECONDS}s", "--reset-stats",
                         "--host", f"http://127.0.0.1:{port}", "--csv", str(csv_prefix),
                         "--only-summary", "--loglevel", "WARNING"],
                        cwd=ROOT, env=env | {"BENCH_LOAD_CONFIG": str(config_path)},
                        check=False, capture_output=True, timeout=SECONDS + 180,
                    )  # fmt: skip
                    _report(Path(f"{csv_prefix}_stats.csv"), users)
            finally:
                server.terminate()
                server.wait(timeout=30)
