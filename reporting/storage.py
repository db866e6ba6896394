"""Where reporting keeps files, and how old ones are cleared away.

Two kinds of file pile up as boards print:

- rendered parts of board packs (`reporting.pdf` caches them by a hash of their HTML).
  They are kept in storage under reports/parts/, so every server and worker shares
  them, and each server also keeps the ones it has read in a local folder,
  `REPORT_CACHE_DIR` (default: a folder in the system's temporary directory), so a
  warm pack reads no object store. A part that no pack has used for
  `REPORT_PART_CACHE_DAYS` (default 120: one quarter's pack helps the next quarter's)
  is deleted from both; using a part refreshes its date (the stored copy's at most
  once a day, as rewriting it is the only way to date an object).
- PDFs rendered by the worker (`RenderedReport`, in storage under reports/). Those
  finished more than `REPORT_KEEP_DAYS` ago (default 90) are deleted with their
  rows; asking for the same report again renders it again. Requests the worker never
  finished are deleted on the same terms, counted from when they were made, and so
  are files under reports/ that no row names (after a day, so that a render which
  is saving its file is never touched).

`manage.py prune_reports` does it; run it daily (cron, or a scheduler beside the
worker). This module must not import WeasyPrint: pruning is cheap and runs alone.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from .models import RenderedReport, ReportStatus

REPORTS_DIRECTORY = "reports"
PARTS_DIRECTORY = f"{REPORTS_DIRECTORY}/parts"
PART_SUFFIX = ".part"
PART_REFRESH_AFTER = datetime.timedelta(days=1)
DEFAULT_KEEP_DAYS = 90
DEFAULT_PART_CACHE_DAYS = 120
ORPHAN_GRACE = datetime.timedelta(days=1)


def part_cache_dir() -> Path:
    """This server's local read-through copy of the stored parts."""
    default = Path(tempfile.gettempdir()) / "actionplans-report-parts"
    return Path(getattr(settings, "REPORT_CACHE_DIR", None) or default)


def part_path(key: str) -> Path:
    return part_cache_dir() / key[:2] / f"{key}{PART_SUFFIX}"


def part_name(key: str) -> str:
    """The part's name in storage."""
    return f"{PARTS_DIRECTORY}/{key[:2]}/{key}{PART_SUFFIX}"


def part_read(key: str) -> bytes | None:
    """A cached part's bytes: from the local copy, else from storage (then kept locally)."""
    path = part_path(key)
    try:
        data = path.read_bytes()
    except OSError:
        data = None
    if data is not None:
        mark_part_used(path, key=key, data=data)
        return data
    try:
        with default_storage.open(part_name(key), "rb") as stored:
            data = stored.read()
    except (FileNotFoundError, NotADirectoryError):
        return None
    _write_local(path, data)
    return data


def part_write(key: str, data: bytes) -> None:
    """Keep a rendered part in storage (for every server) and in the local copy."""
    _write_local(part_path(key), data)
    name = part_name(key)
    if not default_storage.exists(name):
        # Two servers rendering the same part at once: the second copy gets another
        # name, no pack reads it and pruning removes it after REPORT_PART_CACHE_DAYS.
        default_storage.save(name, ContentFile(data))


def _write_local(path: Path, data: bytes) -> None:
    # A read-only or full local disk: the stored part is still there for next time.
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            handle.write(data)
        os.replace(handle.name, path)


def mark_part_used(path: Path, *, key: str | None = None, data: bytes | None = None) -> None:
    """Keep a part that packs still use: pruning goes by the files' dates.

    The local file is touched every time; the stored copy (which only a rewrite can
    date) when the local file had not been touched for `PART_REFRESH_AFTER`.
    """
    # A read-only cache, or a race with pruning: the part was read all the same.
    with contextlib.suppress(OSError):
        stale = path.stat().st_mtime < (timezone.now() - PART_REFRESH_AFTER).timestamp()
        os.utime(path)
        if stale and key is not None and data is not None:
            _refresh_stored(part_name(key), data)


def _refresh_stored(name: str, data: bytes) -> None:
    try:
        if default_storage.get_modified_time(name) >= timezone.now() - PART_REFRESH_AFTER:
            return
        default_storage.delete(name)
    except (FileNotFoundError, NotADirectoryError):
        pass
    default_storage.save(name, ContentFile(data))


@dataclass
class PruneOutcome:
    reports: int = 0  # RenderedReport rows deleted
    report_files: int = 0  # their PDFs, and files no row named
    parts: int = 0  # cached parts
    bytes_freed: int = 0

    def __str__(self) -> str:
        return (
            f"{self.reports} stored report(s), {self.report_files} report file(s) and "
            f"{self.parts} cached part(s); {self.bytes_freed / 1024 / 1024:.1f} MB"
        )


def prune_reports(
    *,
    keep_days: int | None = None,
    part_days: int | None = None,
    dry_run: bool = False,
    now: datetime.datetime | None = None,
) -> PruneOutcome:
    """Delete stored reports and cached parts older than their keeping periods."""
    now = now or timezone.now()
    if keep_days is None:
        keep_days = getattr(settings, "REPORT_KEEP_DAYS", DEFAULT_KEEP_DAYS)
    if part_days is None:
        part_days = getattr(settings, "REPORT_PART_CACHE_DAYS", DEFAULT_PART_CACHE_DAYS)
    outcome = PruneOutcome()
    _prune_stored(now - datetime.timedelta(days=keep_days), now, outcome, dry_run)
    _prune_parts(now - datetime.timedelta(days=part_days), outcome, dry_run)
    return outcome


def _prune_stored(cutoff, now, outcome: PruneOutcome, dry_run: bool) -> None:
    finished = Q(status__in=[ReportStatus.DONE, ReportStatus.FAILED])
    old = RenderedReport.objects.filter(
        (finished & Q(finished_at__lt=cutoff))
        | (finished & Q(finished_at__isnull=True, created_at__lt=cutoff))
        | (~finished & Q(created_at__lt=cutoff)),
        # A round's pack is the record of what its board meeting saw: never pruned.
        round__isnull=True,
    )
    for report in old.iterator():
        if report.file and default_storage.exists(report.file.name):
            outcome.bytes_freed += default_storage.size(report.file.name)
            outcome.report_files += 1
            if not dry_run:
                default_storage.delete(report.file.name)
        outcome.reports += 1
        if not dry_run:
            report.delete()
    _prune_orphans(now - ORPHAN_GRACE, outcome, dry_run)


def _prune_orphans(cutoff, outcome: PruneOutcome, dry_run: bool) -> None:
    try:
        _folders, files = default_storage.listdir(REPORTS_DIRECTORY)
    except FileNotFoundError:
        return
    named = set(RenderedReport.objects.exclude(file="").values_list("file", flat=True).iterator())
    for name in files:
        path = f"{REPORTS_DIRECTORY}/{name}"
        if path in named or default_storage.get_modified_time(path) >= cutoff:
            continue
        outcome.bytes_freed += default_storage.size(path)
        outcome.report_files += 1
        if not dry_run:
            default_storage.delete(path)


def _prune_parts(cutoff, outcome: PruneOutcome, dry_run: bool) -> None:
    _prune_stored_parts(cutoff, outcome, dry_run)
    root = part_cache_dir()
    if not root.is_dir():
        return
    oldest = cutoff.timestamp()
    for path in root.glob("*/*"):  # parts, and temporary files a crash left behind
        try:
            status = path.stat()
        except FileNotFoundError:
            continue  # pruned by another run
        if status.st_mtime >= oldest:
            continue
        outcome.parts += 1
        outcome.bytes_freed += status.st_size
        if not dry_run:
            path.unlink(missing_ok=True)


def _prune_stored_parts(cutoff, outcome: PruneOutcome, dry_run: bool) -> None:
    try:
        folders, _files = default_storage.listdir(PARTS_DIRECTORY)
    except FileNotFoundError:
        return
    for folder in folders:
        try:
            _folders, files = default_storage.listdir(f"{PARTS_DIRECTORY}/{folder}")
        except FileNotFoundError:
            continue
        for name in files:
            path = f"{PARTS_DIRECTORY}/{folder}/{name}"
            try:
                if default_storage.get_modified_time(path) >= cutoff:
                    continue
                size = default_storage.size(path)
            except FileNotFoundError:
                continue  # pruned by another run
            outcome.parts += 1
            outcome.bytes_freed += size
            if not dry_run:
                default_storage.delete(path)
