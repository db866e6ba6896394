"""Board packs ready before they are asked for: the worker re-renders changed parts.

When a plan's actions change (an edit, an approved update, a cited review, an
import), `plan_changed` asks for a refresh of its board pack: one `PackRefresh` row
a plan, whose due time each further change pushes back (`REPORT_PRERENDER_DELAY`
seconds, 30), so a burst of approvals makes one refresh, not one each. The worker's
`refresh_pack` task then works out the pack's parts (as `reporting.pdf.render_pack`
would print the plan's default pack today) and queues one `render_pack_part` task
for each part that is not in the part cache. A part task takes a lock on its part
(a file lock beside the cache, so two workers never render the same part; the
second finds it taken and stops) and renders it into the cache. When the chair
presses Download, every part is in the cache and the pack is only joined.

The signals come from `actionplans` (model signals, and `actions_written` for bulk
writes); `actionplans` never imports this module.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
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
    """A plan's actions changed: render its pack again once the changes stop coming."""
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


def pack_documents(plan: Plan) -> list[pdf.Source]:
    """What `render_pack` renders for the plan's default pack today (HTML, tagged)."""
    return pdf.pack_sources(selectors.board_pack(plans=[plan]))


def refresh(plan_id: int) -> list[str]:
    """The worker's side of `plan_changed`: queue a task for each part not cached.

    Returns the keys of the parts queued. Too early (a change came after the task was
    queued): the task is queued again for the new due time and nothing else happens.
    """
    from .tasks import refresh_pack, render_pack_part

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
    missing = [
        key
        for key in dict.fromkeys(
            pdf.part_key(html, tagged=tagged) for html, tagged in pack_documents(plan)
        )
        if not storage.part_path(key).exists()
    ]
    for key in missing:
        render_pack_part.enqueue(plan_id=plan_id, key=key)
    return missing


@contextlib.contextmanager
def part_lock(key: str):
    """Hold the lock on one part (yields False at once if another worker holds it)."""
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
    """Render one part of the plan's pack into the cache; what happened, in a word."""
    with part_lock(key) as locked:
        if not locked:
            return "busy"  # another worker is rendering it
        if storage.part_path(key).exists():
            return "cached"
        plan = Plan.objects.filter(pk=plan_id).first()
        documents = pack_documents(plan) if plan else []
        for html, tagged in documents:
            if pdf.part_key(html, tagged=tagged) == key:
                pdf.cache_store(key, pdf.render_part(html, tagged=tagged))
                return "rendered"
        return "gone"  # the plan changed again: a newer refresh renders its parts
