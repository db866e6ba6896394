"""Packs ready before they are asked for: changes make the worker re-render parts.

A change of a plan's actions asks for one (debounced) refresh; the worker's refresh
queues a task for the first part that changed, and each part task queues the next
one missing; a part task renders into the part cache under a lock, so two workers
never render the same part; the download then only joins.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from samples import pdf_text

from actionplans import signals
from actionplans.models import Action, Plan, ProgressUpdate, UpdateStatus
from reporting import pdf, prerender, selectors, storage
from reporting.models import PackRefresh, RenderedReport

pytestmark = pytest.mark.django_db
CAP = "norfolk-cap-2017"


def queued(name: str) -> list[dict]:
    rows = DBTaskResult.objects.filter(task_path=f"reporting.tasks.{name}", status="READY")
    return [row.args_kwargs["kwargs"] for row in rows]


def keys_of(plan: Plan) -> list[str]:
    """The keys of the plan's pack as it prints today, up to the first part not cached."""
    pack = selectors.board_pack(plans=[plan])
    return [job.key for job, _ in pdf.walk_pack(pack, render=False)] + [pdf.footer_job(pack).key]


def run_queued_parts(plan: Plan) -> list[str]:
    """Run the part tasks queued, and those they queue, as the worker would."""
    done = []
    while jobs := list(DBTaskResult.objects.filter(task_path="reporting.tasks.render_pack_part")):
        for job in jobs:
            key = job.args_kwargs["kwargs"]["key"]
            job.delete()
            assert prerender.render_part(plan.pk, key) == "rendered"
            done.append(key)
    return done


def catch_up(plan: Plan) -> list[str]:
    """What the worker does when the refresh is due: queue, then run, each part task."""
    PackRefresh.objects.filter(plan=plan).update(due_at=timezone.now())
    keys = prerender.refresh(plan.pk)
    assert sorted(job["key"] for job in queued("render_pack_part")) == sorted(keys)
    return run_queued_parts(plan)


@pytest.fixture(autouse=True)
def nothing_pending(db):
    """Loading the seed plans asked for refreshes of their packs: start without them."""
    PackRefresh.objects.all().delete()
    DBTaskResult.objects.all().delete()


@pytest.fixture
def small_parts(settings, tmp_path):
    settings.REPORT_PART_ROWS = 6
    settings.REPORT_ONE_PART_ROWS = 0  # a seed plan, in parts as a big pack would be
    settings.REPORT_CACHE_DIR = tmp_path / "parts"


def test_changes_ask_for_one_refresh_however_many(seed, django_capture_on_commit_callbacks):
    plan = seed[CAP]
    action = plan.actions.get(ref="2.4")
    with django_capture_on_commit_callbacks(execute=True):
        action.text = "First"
        action.save()
    first = PackRefresh.objects.get(plan=plan).due_at
    for words in ("Second", "Third"):
        with django_capture_on_commit_callbacks(execute=True):
            action.text = words
            action.save()
    assert PackRefresh.objects.get(plan=plan).due_at >= first  # pushed back
    assert queued("refresh_pack") == [{"plan_id": plan.pk}]


def test_an_approved_update_and_an_import_ask_for_a_refresh(
    seed, personas, django_capture_on_commit_callbacks
):
    plan, other = seed[CAP], seed["stockton-ofsted-cp-2013"]
    action = plan.actions.get(ref="2.4")
    with django_capture_on_commit_callbacks(execute=True):
        ProgressUpdate.objects.create(
            action=action,
            author=personas.health_lead,
            progress="Done",
            rag=action.rag,
            as_at=datetime.date(2026, 1, 1),
            status=UpdateStatus.APPROVED,
        )
    with django_capture_on_commit_callbacks(execute=True):
        signals.actions_written.send(sender=Plan, plan_ids=[other.pk])
    assert set(PackRefresh.objects.values_list("plan_id", flat=True)) == {plan.pk, other.pk}


def test_a_refresh_waits_while_changes_keep_coming(seed, django_capture_on_commit_callbacks):
    plan = seed[CAP]
    with django_capture_on_commit_callbacks(execute=True):
        plan.actions.first().save()
    DBTaskResult.objects.all().delete()
    assert prerender.refresh(plan.pk) == []  # not due yet: queued again for later
    assert queued("refresh_pack") == [{"plan_id": plan.pk}]
    assert queued("render_pack_part") == []
    assert PackRefresh.objects.filter(plan=plan).exists()


def test_the_worker_renders_only_the_changed_part_and_the_download_only_joins(
    seed, small_parts, django_capture_on_commit_callbacks
):
    plan = seed[CAP]
    pdf.render_pack(selectors.board_pack(plans=[plan]))  # last quarter's pack: all cached
    before = set(keys_of(plan))
    late = plan.actions.order_by("-position").first()
    with django_capture_on_commit_callbacks(execute=True):
        late.text = "Hold a workshop in March; book the audit."
        late.save()
    rendered = catch_up(plan)
    assert len(rendered) == 1 and rendered[0] not in before  # just the part with it
    keys = keys_of(plan)
    assert all(storage.part_path(key).exists() for key in keys)  # nothing left to render

    text = pdf_text(pdf.render_pack(selectors.board_pack(plans=[plan])))
    assert "Hold a workshop in March" in text
    assert not PackRefresh.objects.exists()


def test_the_worker_renders_the_parts_one_after_another_until_all_are_cached(seed, small_parts):
    """Each part task queues the next part missing: a cold pack ends up wholly cached,
    each part rendered once, and the download then renders nothing."""
    plan = seed[CAP]
    PackRefresh.objects.create(plan=plan, due_at=timezone.now())
    first = prerender.refresh(plan.pk)
    assert len(first) == 2  # the first part and the footer kit: the rest follow
    rendered = run_queued_parts(plan)
    keys = keys_of(plan)
    assert sorted(rendered) == sorted(keys) and len(keys) >= 4
    assert prerender.missing_jobs(plan) == []
    assert pdf.render_pack_if_cached(selectors.board_pack(plans=[plan])) is not None


def test_two_workers_never_render_the_same_part(seed, small_parts):
    plan = seed[CAP]
    key = keys_of(plan)[0]
    with prerender.part_lock(key) as first:
        assert first
        assert prerender.render_part(plan.pk, key) == "busy"
        assert not storage.part_path(key).exists()
    assert prerender.render_part(plan.pk, key) == "rendered"
    assert prerender.render_part(plan.pk, key) == "cached"


def test_a_part_the_plan_no_longer_has_is_not_rendered(seed, small_parts):
    plan = seed[CAP]
    key = keys_of(plan)[0]
    Action.objects.filter(plan=plan).update(text="Changed again")
    assert prerender.render_part(plan.pk, key) == "gone"


def test_a_big_pack_rendered_ahead_downloads_at_once(
    client, seed, personas, small_parts, settings, django_capture_on_commit_callbacks
):
    settings.REPORT_INLINE_MAX_ACTIONS = 1  # a "big" pack: the worker's, not the request's
    plan = seed[CAP]
    action = plan.actions.get(ref="2.4")
    with django_capture_on_commit_callbacks(execute=True):
        action.text = "Run two Early Help forums a year."
        action.save()
    catch_up(plan)

    client.force_login(personas.chair)
    response = client.get(reverse("reporting:plan_pack", args=[CAP]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Run two Early Help forums a year." in pdf_text(response.content)
    assert not RenderedReport.objects.exists()  # nothing waited for the worker
