"""Board packs ready before they are asked for: the worker re-renders changed parts.

When a plan's actions change (an edit, an approved update, a cited review, an
import), or something the pack prints beside them (the plan's title, introduction or
RAG legend, its board's name, a theme or objective, an action's lead agency, a cited
review or finding: `reporting.apps.plans_printing` says which plans print it),
`plan_changed` asks for a refresh of its board pack: one `PackRefresh` row
a plan, whose due time each further change pushes back (`REPORT_PRERENDER_DELAY`
seconds, 30), so a burst of approvals makes one refresh, not one each. The worker's
`refresh_pack` task then walks the pack's parts (as `reporting.pdf.render_pack`
would print the plan's default pack today) and queues one `render_pack_part` task
for the first part that is not in the part cache, and one for the footer kit if it
is not. A part can hand the rows of its mostly empty last page to the next part, so
the next part's HTML is known only once this one is rendered: each part task, when
done, queues the task of the next part still missing. The parts before an edit stay
cached; after it, the walk re-renders only while the rows handed on keep changing.
A part task takes a lock on its part, so two workers never render the same part (the
second finds it taken and stops), and renders it into the cache. The lock is a file
lock beside the cache (the workers of one machine) and, on PostgreSQL, an advisory
lock of the database session (the workers of every machine that shares the database
and the stored parts). When the chair presses Download, every part is in the cache and the
pack is only joined.

The signals come from `actionplans` and `reviews` (model signals, and
`actions_written` for an import's bulk writes); neither imports this module, and
this module only reads their models.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import logging

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from actionplans.models import Plan

from . import pdf, selectors, storage
from .models import PackRefresh

logger = logging.getLogger(__name__)
DEFAULT_DELAY_SECONDS = 30


def delay() -> datetime.timedelta:
    seconds = getattr(settings, "REPORT_PRERENDER_DELAY", DEFAULT_DELAY_SECONDS)
    return datetime.timedelta(seconds=seconds)


def plan_changed(plan_id: int) -> None:
    """Something the plan's pack prints changed: render it again once the changes stop
    coming."""
    due = timezone.now() + delay()
    try:
        with transaction.atomic():
            created = PackRefresh.objects.get_or_create(plan_id=plan_id, defaults={"due_at": due})[
                1
            ]
    except IntegrityError:  # another request created it at the same moment
        created = False
    if not created:
        PackRefresh.objects.filter(plan_id=plan_id, due_at__lt=due).update(due_at=due)
        return
    from .tasks import refresh_pack

    refresh_pack.using(run_after=due).enqueue(plan_id=plan_id)


def missing_jobs(plan: Plan, *, kit: bool = True, pack=None) -> list[pdf.PartJob]:
    """What the worker renders next for the plan's default pack (`pack`, if it is read
    already): the first part not in the cache (the parts after it are known once it
    is rendered) and the footer kit, if it is not cached either."""
    pack = pack or selectors.board_pack(plans=[plan])
    jobs = [job for job, part in pdf.walk_pack(pack, render=False) if part is None]
    footer = pdf.footer_job(pack)
    if kit and not storage.part_path(footer.key).exists():
        jobs.append(footer)
    return jobs


def queue_missing(plan: Plan, *, kit: bool = True, pack=None) -> list[str]:
    """Queue a `render_pack_part` task for each of `missing_jobs`; their keys."""
    from .tasks import render_pack_part

    keys = [job.key for job in missing_jobs(plan, kit=kit, pack=pack)]
    for key in keys:
        render_pack_part.enqueue(plan_id=plan.pk, key=key)
    return keys


def refresh(plan_id: int) -> list[str]:
    """The worker's side of `plan_changed`: queue the render of the first part not
    cached (and of the footer kit). Returns the keys of the parts queued.

    Too early (a change came after the task was queued): the task is queued again for
    the new due time and nothing else happens.
    """
    from .tasks import refresh_pack

    row = PackRefresh.objects.filter(plan_id=plan_id).first()
    if row is None:
        return []
    if row.due_at > timezone.now():
        refresh_pack.using(run_after=row.due_at).enqueue(plan_id=plan_id)
        return []
    # Take the row only if no change pushed it back since it was read.
    if not PackRefresh.objects.filter(plan_id=plan_id, due_at=row.due_at).delete()[0]:
        refresh_pack.using(run_after=timezone.now() + delay()).enqueue(plan_id=plan_id)
        return []
    plan = Plan.objects.filter(pk=plan_id).first()
    if plan is None:
        return []
    return queue_missing(plan)


@contextlib.contextmanager
def part_lock(key: str):
    """Hold the lock on one part (yields False at once if another worker holds it, on
    this machine or, on PostgreSQL, on any other)."""
    with _file_lock(key) as here:
        if not here:
            yield False
            return
        with _database_lock(key) as anywhere:
            yield anywhere


# The advisory locks of part renders, apart from any other the database holds: the
# first of PostgreSQL's two 32-bit lock keys.
LOCK_SPACE = int.from_bytes(b"pack", "big") - 2**31


def lock_number(key: str) -> int:
    """The part's advisory lock key (the second 32-bit one)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), "big") - 2**31


@contextlib.contextmanager
def _database_lock(key: str):
    """A session advisory lock on PostgreSQL (released when the session ends, should the
    worker die); nothing to take elsewhere (SQLite serves one machine)."""
    if connection.vendor != "postgresql":
        yield True
        return
    part = lock_number(key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s::int, %s::int)", [LOCK_SPACE, part])
        taken = cursor.fetchone()[0]
    if not taken:
        yield False
        return
    try:
        yield True
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s::int, %s::int)", [LOCK_SPACE, part])


@contextlib.contextmanager
def _file_lock(key: str):
    path = storage.part_path(key).with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def render_part(plan_id: int, key: str) -> str:
    """Render one part of the plan's pack into the cache, then queue the next part
    missing; what happened, in a word."""
    with part_lock(key) as locked:
        if not locked:
            return "busy"  # another worker is rendering it
        if storage.part_path(key).exists():
            return "cached"
        plan = Plan.objects.filter(pk=plan_id).first()
        pack = selectors.board_pack(plans=[plan]) if plan else None
        jobs = missing_jobs(plan, pack=pack) if plan else []
        job = next((job for job in jobs if job.key == key), None)
        if job is None:
            return "gone"  # the plan changed again: a newer refresh renders its parts
        pdf.cache_store(key, job.render())
    if job.may_trim:  # a part with a part after it: that one is known now
        # The pack as read before the render: if the plan changed since, that change
        # queued its own refresh, and a task for a part it no longer has finds it gone.
        queue_missing(plan, kit=False, pack=pack)
    return "rendered"
