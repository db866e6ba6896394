"""Several app servers, no shared disk: two real app servers (separate processes, ports
and local folders) and a worker share one PostgreSQL and one object store (moto's S3
server on loopback). A return previewed on one server is confirmed on the other, and a
pack the worker rendered downloads from both."""

import datetime
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection
from django.urls import reverse
from samples import offline_return_filled, pdf_text
from smtp import free_port

from actionplans.models import ProgressUpdate
from actionplans.rounds.services import RoundRequest, round_open

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("postgresql" not in connection.vendor, reason="servers share PostgreSQL"),
]
ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = shutil.which("timeout")
LIFETIME = "600"  # seconds: a server the test forgets to stop stops by itself
SECRET = "scale-out-test-key-shared-by-every-server-" + "x" * 20


def server_env(store, prefix: str, folder: Path) -> dict:
    database = connection.settings_dict
    return {
        **os.environ,
        "TESTING": "1",
        "DEBUG": "0",
        "SECRET_KEY": SECRET,  # one key for the deployment: signed tokens cross servers
        "SECURE_COOKIES": "0",  # plain http on loopback
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
        f"/{database['NAME']}",
        "STORAGE_URL": store.storage_url(prefix),
        "MEDIA_ROOT": str(folder / "media"),  # unused with STORAGE_URL: proves it
        "REPORT_CACHE_DIR": str(folder / "parts"),
        "REPORT_INLINE_MAX_ACTIONS": "0",  # every PDF goes to the worker
    }


def start_server(env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    process = subprocess.Popen(  # noqa: S603 - our own manage.py
        [TIMEOUT, LIFETIME, *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return process, url
        except requests.ConnectionError:
            time.sleep(0.5)
    process.kill()
    raise AssertionError("the app server did not start")


@pytest.fixture
def two_servers(object_store, tmp_path):
    prefix = f"scale-{os.getpid()}-{int(time.time())}"
    envs = [server_env(object_store, prefix, tmp_path / name) for name in ("a", "b", "worker")]
    started = []
    try:
        for env in envs[:2]:
            started.append(start_server(env))
        yield [url for _process, url in started], envs[2]
    finally:
        for process, _url in started:
            process.terminate()
            process.wait(timeout=20)


def signed_in(url: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/accounts/login/", timeout=30)
    response = session.post(
        f"{url}/accounts/login/",
        {"username": username, "password": "demo", "csrfmiddlewaretoken": csrf(page.text)},
        timeout=30,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]
    # Signing in rotates the CSRF secret; later forms send it back as the header.
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    return session


def csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_return_previewed_on_one_server_is_confirmed_on_the_other(seed, personas, two_servers):
    (server_a, server_b), _worker = two_servers
    plan = seed["norfolk-cap-2017"]
    today = datetime.date.today()
    round = round_open(
        request=RoundRequest(
            board=plan.board,
            name="Q3 round",
            deadline=today + datetime.timedelta(days=21),
            meeting_date=today + datetime.timedelta(days=35),
            plans=[plan],
        ),
        by=personas.manager,
    )
    lead = signed_in(server_a, "health-lead")
    blank = lead.get(server_a + reverse("actionplans:offline_return_download", args=[round.pk]))
    assert blank.status_code == 200, blank.text[:300]
    filled = offline_return_filled(blank.content, {"2.1": {"progress": "Audit on two servers."}})

    preview = lead.post(
        server_a + reverse("actionplans:offline_return_upload", args=[round.pk]),
        files={"file": ("return.xlsx", filled)},
        timeout=60,
    )
    assert preview.status_code == 200 and "Audit on two servers." in preview.text
    token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)

    confirm = lead.post(
        server_b + reverse("actionplans:offline_return_confirm", args=[round.pk]),
        data={"token": token},
        timeout=60,
        allow_redirects=False,
    )

    assert confirm.status_code == 302, confirm.text[:500]
    assert ProgressUpdate.objects.get(round=round).progress == "Audit on two servers."


def test_a_pack_the_worker_rendered_downloads_from_both_servers(seed, two_servers, tmp_path):
    (server_a, server_b), worker_env = two_servers
    slug = "norfolk-scr-case-l-2014"
    manager = signed_in(server_a, "manager")
    pack_url = reverse("reporting:plan_pack", args=[slug])
    queued = manager.get(server_a + pack_url, timeout=60)
    status_url = queued.url
    assert "/reports/rendered/" in status_url, status_url

    subprocess.run(  # noqa: S603 - the worker, own local folders, until the queue is empty
        [TIMEOUT, LIFETIME, sys.executable, "manage.py", "db_worker", "--batch"],
        cwd=ROOT,
        env=worker_env,
        check=True,
        capture_output=True,
    )

    download = status_url.rstrip("/").replace(server_a, "") + "/download/"
    pdfs = []
    for server in (server_a, server_b):
        response = manager.get(f"{server}{download}", timeout=60)
        assert response.status_code == 200, response.text[:300]
        assert response.headers["Content-Type"] == "application/pdf"
        pdfs.append(response.content)
    assert pdfs[0] == pdfs[1] and "Norfolk" in pdf_text(pdfs[0])
    # The same pack asked on the other server is the stored one, not a new render.
    again = manager.get(server_b + pack_url, timeout=60)
    assert again.url.endswith(download) and again.content == pdfs[0]
    # Nothing went to a server's own MEDIA_ROOT: every file is in the object store.
    assert not [name for name in ("a", "b", "worker") if (tmp_path / name / "media").exists()]
    assert (tmp_path / "worker" / "parts").exists(), "the worker's local copy of its parts"
