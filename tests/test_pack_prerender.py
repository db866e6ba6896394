"""Packs ready before they are asked for: changes make the worker re-render parts.

A change of a plan's actions asks for one (debounced) refresh; the worker's refresh
queues a task for the first part that changed, and each part task queues the next
one missing; a part task renders into the part cache under a lock, so two workers
never render the same part; the download then only joins.
"""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from samples import pdf_text
from test_import_samples import CASE_PLAN, make_board, xlsx_bytes

from actionplans import signals
from actionplans.models import Action, Agency, Objective, Plan, ProgressUpdate, UpdateStatus
from reporting import pdf, prerender, selectors, storage
from reporting.models import PackRefresh, RenderedReport
from reviews.models import Board, Finding, Review

pytestmark = pytest.mark.django_db
CAP = "norfolk-cap-2017"
CASE_L = "norfolk-scr-case-l-2014"
# A Monday morning; the clock stands still (tick=False) unless a test moves it.
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


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


def test_changes_ask_for_one_refresh_however_many(
    seed, time_machine, django_capture_on_commit_callbacks
):
    plan = seed[CAP]
    action = plan.actions.get(ref="2.4")
    time_machine.move_to(START, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        action.text = "First"
        action.save()
    assert PackRefresh.objects.get(plan=plan).due_at == START + prerender.delay()
    for seconds, words in ((5, "Second"), (12, "Third")):
        time_machine.shift(datetime.timedelta(seconds=seconds))
        with django_capture_on_commit_callbacks(execute=True):
            action.text = words
            action.save()
    last = START + datetime.timedelta(seconds=17)
    # Pushed back to the delay after the last change: strictly later than at first.
    assert PackRefresh.objects.get(plan=plan).due_at == last + prerender.delay()
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


def refresh_tasks() -> list[tuple[dict, datetime.datetime]]:
    rows = DBTaskResult.objects.filter(task_path="reporting.tasks.refresh_pack", status="READY")
    return [(row.args_kwargs["kwargs"], row.run_after) for row in rows]


def test_a_refresh_waits_while_changes_keep_coming(
    seed, small_parts, time_machine, django_capture_on_commit_callbacks
):
    """The refresh task, queued for the delay after the first change, finds a later
    change pushed the refresh back: it queues itself again for then, and only then
    queues the parts."""
    plan = seed[CAP]
    action = plan.actions.get(ref="2.4")
    wait = prerender.delay()
    time_machine.move_to(START, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        action.text = "First"
        action.save()
    assert refresh_tasks() == [({"plan_id": plan.pk}, START + wait)]
    time_machine.shift(datetime.timedelta(seconds=20))
    with django_capture_on_commit_callbacks(execute=True):
        action.text = "Second"
        action.save()
    due = START + datetime.timedelta(seconds=20) + wait
    assert PackRefresh.objects.get(plan=plan).due_at == due > START + wait
    assert refresh_tasks() == [({"plan_id": plan.pk}, START + wait)]  # still one task
    DBTaskResult.objects.all().delete()

    time_machine.move_to(START + wait, tick=False)  # the task runs: too early now
    assert prerender.refresh(plan.pk) == []
    assert refresh_tasks() == [({"plan_id": plan.pk}, due)]  # queued again for then
    assert queued("render_pack_part") == []
    assert PackRefresh.objects.get(plan=plan).due_at == due

    time_machine.move_to(due, tick=False)  # the task runs again: due now
    keys = prerender.refresh(plan.pk)
    assert keys and sorted(job["key"] for job in queued("render_pack_part")) == sorted(keys)
    assert not PackRefresh.objects.filter(plan=plan).exists()


def test_a_real_import_asks_for_a_refresh_of_the_plan_it_wrote(
    seed, tmp_path, django_capture_on_commit_callbacks
):
    """The import writes in bulk (no model signals): its `actions_written`, sent once
    the import commits, is what asks for the refresh. A re-import that changes a row
    asks again."""
    board = make_board()
    path = tmp_path / "child-q.xlsx"

    def import_plan(rows):
        path.write_bytes(xlsx_bytes(rows))
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command(
                "import_plan", str(path), "--title", "Child Q plan", "--kind", "scr",
                "--board", board.slug, "--plan-slug", "child-q", stdout=out, stderr=StringIO(),
            )  # fmt: skip
        return out.getvalue()

    assert "Imported into new plan child-q: 4 created" in import_plan(CASE_PLAN)
    plan = Plan.objects.get(slug="child-q")
    assert list(PackRefresh.objects.values_list("plan_id", flat=True)) == [plan.pk]
    assert queued("refresh_pack") == [{"plan_id": plan.pk}]

    PackRefresh.objects.all().delete()
    DBTaskResult.objects.all().delete()
    changed = [list(row) for row in CASE_PLAN]
    changed[4][6] = "Protocol agreed by every agency"  # 1.1's progress
    assert "1 updated" in import_plan(changed)
    assert list(PackRefresh.objects.values_list("plan_id", flat=True)) == [plan.pk]


def _rename(field, words):
    def edit(instance):
        setattr(instance, field, words)
        return instance

    return edit


# A record printed beside the actions, an edit of it, and the plans whose packs print it.
PRINTED = {
    "board name": (
        lambda seed: Board.objects.get(slug="stockton"),
        _rename("name", "Stockton-on-Tees Safeguarding Children Partnership"),
        {"stockton-ofsted-cp-2013", "stockton-jtai-neglect-2018"},
    ),
    "plan title": (lambda seed: seed[CAP], _rename("title", "Composite plan, 2017"), {CAP}),
    "plan RAG legend": (
        lambda seed: seed[CAP],
        lambda plan: _rename("rag_legend", {**plan.rag_legend, "red": "Stuck"})(plan),
        {CAP},
    ),
    "plan introduction": (
        lambda seed: seed[CAP],
        _rename("introduction", "The board agreed this plan in January 2017."),
        {CAP},
    ),
    "theme": (
        lambda seed: seed[CAP].themes.filter(actions__isnull=False).first(),
        _rename("title", "Hearing the voice of the child"),
        {CAP},
    ),
    "objective": (
        lambda seed: Objective.objects.filter(plan__slug=CASE_L, actions__isnull=False).first(),
        _rename("text", "Children at risk of neglect are seen early."),
        {CASE_L},
    ),
    "lead agency": (
        lambda seed: Agency.objects.get(board__slug="norfolk", short_name="Health"),
        _rename("short_name", "Health (NHS)"),
        {CAP, CASE_L},
    ),
    "review": (
        lambda seed: Review.objects.get(board__slug="norfolk", reference="Case L"),
        _rename("reference", "Case L (2014)"),
        {CAP, CASE_L},
    ),
    "finding": (
        lambda seed: Finding.objects.get(review__reference="Case L", number="6"),
        _rename("number", "6a"),
        {CAP, CASE_L},
    ),
}


@pytest.mark.parametrize("kind", PRINTED)
def test_an_edit_of_what_the_pack_prints_asks_for_a_refresh_of_its_plans_only(
    seed, kind, django_capture_on_commit_callbacks
):
    read, edit, slugs = PRINTED[kind]
    plans = [seed[slug] for slug in sorted(slugs)]
    before = {plan.slug: selectors.board_pack(plans=[plan]).fingerprint() for plan in plans}
    instance = read(seed)
    with django_capture_on_commit_callbacks(execute=True):
        edit(instance).save()
    refreshed = set(PackRefresh.objects.values_list("plan__slug", flat=True))
    assert refreshed == slugs  # and no other plan's
    assert sorted(job["plan_id"] for job in queued("refresh_pack")) == sorted(p.pk for p in plans)
    # The packs print the edit: each needs its refresh.
    after = {plan.slug: selectors.board_pack(plans=[plan]).fingerprint() for plan in plans}
    assert all(after[slug] != before[slug] for slug in slugs)


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


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the lock across machines is PostgreSQL's"
)
def test_a_worker_on_another_machine_holding_the_part_makes_this_one_stop(seed, small_parts):
    """Another machine's worker shares the database, not this machine's lock files: its
    lock is an advisory lock of its own database session."""
    import psycopg

    plan = seed[CAP]
    key = keys_of(plan)[0]
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
        autocommit=True,
    )
    lock = [prerender.LOCK_SPACE, prerender.lock_number(key)]

    def other_takes_it() -> bool:
        return other.execute("SELECT pg_try_advisory_lock(%s::int, %s::int)", lock).fetchone()[0]

    try:
        assert other_takes_it()
        assert prerender.render_part(plan.pk, key) == "busy"
        assert not storage.part_path(key).exists()
        other.execute("SELECT pg_advisory_unlock(%s::int, %s::int)", lock)
        with prerender.part_lock(key) as here:
            assert here
            assert not other_takes_it()  # this worker's lock holds the other one off
        assert prerender.render_part(plan.pk, key) == "rendered"
        assert other_takes_it()  # given back when done
    finally:
        other.close()


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
