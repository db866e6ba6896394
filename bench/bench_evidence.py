"""Uploading evidence: a 20 MB PDF through the real view (upload handler, checks,
storage), its time and the web process's peak memory while it handles the request.

Goal (issue 16: evidence files): peak memory well under twice the file's size (the
file is streamed to a temporary file and moved into storage, never held whole).
Baseline, in the same run: the same request with a 10 KB PDF.

The request is built as a WSGI request whose body is read from a file on disk, as a
server hands it over, so nothing but the app holds the upload; `tracemalloc` measures
what Python allocates while Django handles it, and `ru_maxrss` the process's peak.
"""

import os
import resource
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.common import bench_database

BIG = 20 * 1024 * 1024
SMALL = 10 * 1024
REPEAT = 2 if os.environ.get("BENCH_QUICK") else 4
BOUNDARY = "----evidence-bench-boundary"


def _pdf(path: Path, size: int) -> None:
    """A PDF-looking file of `size` bytes, written a megabyte at a time."""
    head, tail = b"%PDF-1.7\n% evidence bench\n", b"\n%%EOF\n"
    with open(path, "wb") as out:
        out.write(head)
        left = size - len(head) - len(tail)
        while left > 0:
            piece = min(left, 1024 * 1024)
            out.write(b"%" * piece)
            left -= piece
        out.write(tail)


def _body(pdf: Path, body: Path) -> None:
    """The multipart body of the upload form, streamed from `pdf` into `body`."""
    with open(body, "wb") as out, open(pdf, "rb") as source:
        out.write(
            (
                f"--{BOUNDARY}\r\n"
                'Content-Disposition: form-data; name="description_1"\r\n\r\n'
                "Audit of 30 assessments\r\n"
                f"--{BOUNDARY}\r\n"
                'Content-Disposition: form-data; name="file_1"; filename="audit.pdf"\r\n'
                "Content-Type: application/pdf\r\n\r\n"
            ).encode()
        )
        shutil.copyfileobj(source, out, 1024 * 1024)
        out.write(f"\r\n--{BOUNDARY}--\r\n".encode())


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-evidence-"))
    try:
        with bench_database("bench_evidence"):
            _run(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(work: Path) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import Client
    from django.urls import reverse

    from actionplans.models import Action, EvidenceFile, Membership, Role
    from actionplans.synthetic import generate_actions

    settings.MEDIA_ROOT = work / "media"
    board = generate_actions(actions=20, history=0)
    manager = get_user_model().objects.create(username="bench-manager")
    Membership.objects.create(user=manager, board=board, role=Role.MANAGER)
    action = Action.objects.filter(plan__board=board).first()
    client = Client()
    client.force_login(manager)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    csrf = secrets.token_hex(16)  # a 32-character secret: cookie and header agree
    url = reverse("actionplans:evidence_add", args=[action.pk])
    handler = WSGIHandler()

    def upload(body: Path) -> tuple[float, int]:
        """One request: (seconds, peak bytes Python allocated while handling it)."""
        status = []
        with open(body, "rb") as stream:
            environ = {
                "REQUEST_METHOD": "POST",
                "PATH_INFO": url,
                "SERVER_NAME": "testserver",
                "SERVER_PORT": "80",
                "HTTP_HOST": "testserver",
                "wsgi.url_scheme": "http",
                "wsgi.input": stream,
                "wsgi.errors": sys.stderr,
                "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
                "CONTENT_LENGTH": str(body.stat().st_size),
                "HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={session}; "
                f"{settings.CSRF_COOKIE_NAME}={csrf}",
                "HTTP_X_CSRFTOKEN": csrf,
            }
            tracemalloc.start()
            started = time.perf_counter()
            response = handler(environ, lambda s, headers, exc=None: status.append(s))
            b"".join(response)
            elapsed = time.perf_counter() - started
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        assert status[0].startswith("302"), f"upload refused: {status[0]}"
        return elapsed, peak

    results = {}
    for label, size in (("small", SMALL), ("big", BIG)):
        pdf, body = work / f"{label}.pdf", work / f"{label}.body"
        _pdf(pdf, size)
        _body(pdf, body)
        upload(body)  # warm up (imports, templates, first queries)
        results[label] = [upload(body) for _ in range(REPEAT)]
    stored = EvidenceFile.objects.filter(action=action).count()
    assert stored == 2 * (REPEAT + 1), stored

    small_time = statistics.median(t for t, _ in results["small"])
    big_time = statistics.median(t for t, _ in results["big"])
    small_peak = max(p for _, p in results["small"])
    big_peak = max(p for _, p in results["big"])
    ratio = big_peak / BIG
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"   10 KB PDF (baseline): {small_time * 1000:.1f} ms, peak {small_peak / 1024:.0f} KB")
    print(
        f"   20 MB PDF: {big_time * 1000:.1f} ms ({big_time / small_time:.1f}x the baseline, "
        f"{BIG / 1024 / 1024 / big_time:.0f} MB/s), peak {big_peak / 1024 / 1024:.2f} MB"
    )
    print(
        f"   peak memory while handling the 20 MB upload: {ratio:.2f}x the file's size "
        f"(goal: well under 2x); {(big_peak - small_peak) / 1024:.0f} KB above the baseline's"
    )
    print(f"   process peak RSS over the whole run: {rss_mb:.0f} MB")
    if ratio >= 2:
        raise SystemExit("peak memory is not under twice the file's size")
