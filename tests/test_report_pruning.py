"""Old stored PDFs and cached pack parts are cleared away; recent and used ones stay."""

import datetime
import io
import os
import tempfile
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from reporting.models import RenderedReport, ReportKind, ReportStatus
from reporting.storage import part_cache_dir, part_name, part_path, prune_reports

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def stored_report(name: str, *, status=ReportStatus.DONE, finished_days=None, created_days=0):
    report = RenderedReport.objects.create(
        kind=ReportKind.PACK, key=name, title=name, filename=f"{name}.pdf", status=status
    )
    if status == ReportStatus.DONE:
        report.file.save(f"{name}.pdf", ContentFile(b"%PDF-1.7 " + name.encode()), save=False)
    report.finished_at = days_ago(finished_days) if finished_days is not None else None
    report.save()
    RenderedReport.objects.filter(pk=report.pk).update(created_at=days_ago(created_days))
    return report


def set_age(path, days: float) -> None:
    moment = days_ago(days).timestamp()
    os.utime(path, (moment, moment))


@pytest.fixture
def part_cache(settings, tmp_path):
    settings.REPORT_CACHE_DIR = tmp_path / "parts"
    return settings.REPORT_CACHE_DIR


def make_part(key: str, days: float):
    path = part_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * 100)
    set_age(path, days)
    return path


def test_reports_finished_long_ago_go_with_their_files(part_cache):
    old = stored_report("old", finished_days=91, created_days=91)
    recent = stored_report("recent", finished_days=10, created_days=100)
    failed = stored_report("failed", status=ReportStatus.FAILED, finished_days=95)
    stuck = stored_report("stuck", status=ReportStatus.QUEUED, created_days=120)
    waiting = stored_report("waiting", status=ReportStatus.QUEUED, created_days=1)
    old_file = old.file.name

    outcome = prune_reports(keep_days=90, part_days=120, now=NOW)

    assert (outcome.reports, outcome.report_files) == (3, 1)
    assert set(RenderedReport.objects.values_list("key", flat=True)) == {"recent", "waiting"}
    assert not default_storage.exists(old_file)
    assert default_storage.exists(recent.file.name)
    assert not RenderedReport.objects.filter(pk__in=[failed.pk, stuck.pk]).exists()
    assert waiting.pk in set(RenderedReport.objects.values_list("pk", flat=True))


def test_files_no_report_names_go_after_a_day(part_cache):
    kept = stored_report("kept", finished_days=1)
    orphan = default_storage.save("reports/orphan.pdf", ContentFile(b"%PDF"))
    saving = default_storage.save("reports/being-saved.pdf", ContentFile(b"%PDF"))
    set_age(default_storage.path(orphan), 2)
    set_age(default_storage.path(kept.file.name), 200)  # old file, but a live row names it

    outcome = prune_reports(keep_days=90, part_days=120, now=NOW)

    assert outcome.report_files == 1
    assert not default_storage.exists(orphan)
    assert default_storage.exists(saving) and default_storage.exists(kept.file.name)


def test_parts_unused_for_the_keeping_period_go(part_cache):
    old = make_part("a" * 64, days=121)
    fresh = make_part("b" * 64, days=3)
    leftover = part_cache / "cc" / "tmpabc123"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half a part")
    set_age(leftover, 200)

    outcome = prune_reports(keep_days=90, part_days=120, now=NOW)

    assert outcome.parts == 2
    assert not old.exists() and not leftover.exists() and fresh.exists()
    assert outcome.bytes_freed == 100 + len(b"half a part")


def test_using_a_cached_part_keeps_it(part_cache):
    from reporting import pdf

    html = "<html lang='en-GB'><head><title>Kept</title></head><body><p>Kept</p></body></html>"
    key = pdf.part_key(html)
    pdf.load_or_render(pdf.PartJob(html))
    path = part_path(key)
    set_age(path, 150)

    pdf.load_or_render(pdf.PartJob(html))  # served from the cache

    assert time.time() - path.stat().st_mtime < 60
    assert prune_reports(part_days=120, now=NOW).parts == 0 and path.exists()


def test_dry_run_deletes_nothing_and_the_command_says_what_went(part_cache):
    report = stored_report("old", finished_days=200)
    part = make_part("d" * 64, days=200)

    call_command("prune_reports", "--dry-run", stdout=(dry := io.StringIO()))
    assert "Would delete 1 stored report(s), 1 report file(s) and 1 cached part(s)" in (
        dry.getvalue()
    )
    assert RenderedReport.objects.filter(pk=report.pk).exists() and part.exists()

    call_command("prune_reports", stdout=(real := io.StringIO()))
    assert "Deleted 1 stored report(s)" in real.getvalue()
    assert not RenderedReport.objects.filter(pk=report.pk).exists() and not part.exists()


def test_the_default_local_cache_folder_is_a_temporary_one(settings):
    settings.REPORT_CACHE_DIR = None
    assert part_cache_dir() == Path(tempfile.gettempdir()) / "actionplans-report-parts"


def test_a_part_used_from_the_local_copy_keeps_its_stored_copy(part_cache):
    from reporting import pdf

    html = "<html lang='en-GB'><head><title>Both</title></head><body><p>Both</p></body></html>"
    key = pdf.part_key(html)
    pdf.load_or_render(pdf.PartJob(html))
    stored = default_storage.path(part_name(key))
    set_age(stored, 150)
    set_age(part_path(key), 150)

    pdf.load_or_render(pdf.PartJob(html))  # read from this server's copy

    assert time.time() - os.stat(default_storage.path(part_name(key))).st_mtime < 60
    assert prune_reports(part_days=120, now=NOW).parts == 0


def test_stored_parts_unused_for_the_keeping_period_go(part_cache):
    old = default_storage.save(part_name("e" * 64), ContentFile(b"y" * 50))
    fresh = default_storage.save(part_name("f" * 64), ContentFile(b"z" * 50))
    set_age(default_storage.path(old), 121)

    outcome = prune_reports(keep_days=90, part_days=120, now=NOW)

    assert outcome.parts == 1 and outcome.bytes_freed == 50
    assert not default_storage.exists(old) and default_storage.exists(fresh)
