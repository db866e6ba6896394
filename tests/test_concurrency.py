"""Two people at once: nothing lost, nothing silently overwritten (real PostgreSQL)."""

import datetime
import io
import threading
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from openpyxl import load_workbook

from actionplans import services
from actionplans.models import (
    RAG,
    Action,
    Agency,
    AgencyKind,
    Membership,
    Plan,
    ProgressUpdate,
    Role,
    UpdateStatus,
)
from actionplans.rounds import offline
from actionplans.rounds.services import RoundRequest, offline_return_apply, round_open
from reviews.models import Board

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("postgresql" not in connection.vendor, reason="row locks need PostgreSQL"),
]


@pytest.fixture
def board():
    """A small board of its own: these tests commit, so they do not touch the seeds."""
    User = get_user_model()
    board = Board.objects.create(slug="concurrency", name="Concurrency Board", short_name="CB")
    health = Agency.objects.create(board=board, short_name="Trust", kind=AgencyKind.HEALTH)
    plan = Plan.objects.create(board=board, slug="concurrency-plan", title="Plan")
    actions = [
        Action.objects.create(plan=plan, ref=str(n), text=f"Action {n}", lead_agency=health)
        for n in range(1, 4)
    ]
    managers = []
    for name in ("manager-a", "manager-b"):
        user = User.objects.create(username=name)
        Membership.objects.create(user=user, board=board, role=Role.MANAGER)
        managers.append(user)
    leads = []
    for n in range(8):
        user = User.objects.create(username=f"lead-{n}")
        Membership.objects.create(user=user, board=board, role=Role.LEAD).agencies.add(health)
        leads.append(user)
    return {"actions": actions, "managers": managers, "leads": leads}


def run_together(jobs):
    """Start every job at the same moment, each on its own database connection."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:  # noqa: BLE001 - collected and asserted on
            errors[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_two_managers_saving_the_same_version_one_wins_one_is_told(board):
    action = board["actions"][0]
    version = action.version

    def edit(manager, rag):
        return lambda: services.action_update(
            action=Action.objects.get(pk=action.pk),
            editor=manager,
            data={"rag": rag, "progress": f"Set by {manager.username}"},
            expected_version=version,
        )

    results, errors = run_together(
        [edit(board["managers"][0], RAG.GREEN), edit(board["managers"][1], RAG.RED)]
    )
    assert sum(result is not None for result in results) == 1
    refused = [error for error in errors if error is not None]
    assert len(refused) == 1 and isinstance(refused[0], services.StaleEditError)
    assert "RAG status" in [change.field for change in refused[0].changes]
    action.refresh_from_db()
    assert action.version == version + 1
    winner = next(r for r in results if r is not None)
    assert (action.rag, action.progress) == (winner.rag, winner.progress)
    assert action.history.filter(version=version + 1).count() == 1


def test_many_leads_submitting_at_once_lose_nothing(board):
    per_lead = 10

    def submit(lead):
        def job():
            for n in range(per_lead):
                services.update_submit(
                    action=board["actions"][n % 3],
                    author=lead,
                    rag=RAG.AMBER,
                    progress=f"{lead.username} update {n}",
                    submission_key=uuid.uuid4(),
                )

        return job

    _, errors = run_together([submit(lead) for lead in board["leads"]])
    assert errors == [None] * len(board["leads"])
    stored = set(ProgressUpdate.objects.values_list("progress", flat=True))
    expected = {f"{lead.username} update {n}" for lead in board["leads"] for n in range(per_lead)}
    assert stored == expected


def test_the_same_submission_sent_four_times_at_once_is_stored_once(board):
    key = uuid.uuid4()
    lead = board["leads"][0]
    action = board["actions"][1]

    def submit():
        return services.update_submit(
            action=action, author=lead, rag=RAG.GREEN, progress="Once", submission_key=key
        )

    results, errors = run_together([submit] * 4)
    assert errors == [None] * 4
    assert ProgressUpdate.objects.filter(submission_key=key).count() == 1
    assert len({update.pk for update in results}) == 1


def test_approvals_on_one_action_at_once_are_applied_one_after_the_other(board):
    action = board["actions"][2]
    updates = [
        services.update_submit(
            action=action, author=lead, rag=RAG.AMBER, progress=f"From {lead.username}"
        )
        for lead in board["leads"][:2]
    ]
    manager = board["managers"][0]
    _, errors = run_together(
        [lambda u=update: services.update_approve(update=u, approver=manager) for update in updates]
    )
    assert errors == [None, None]
    action.refresh_from_db()
    assert action.version == 3
    assert ProgressUpdate.objects.filter(status=UpdateStatus.APPROVED).count() == 2
    assert action.history.filter(history_change_reason__startswith="Approved").count() == 2


def test_the_same_offline_return_uploaded_twice_at_once_is_stored_once(board):
    """Two tabs (or two servers) confirming one file: one makes the updates, the other
    finds them made; nothing twice."""
    manager, lead = board["managers"][0], board["leads"][0]
    round = round_open(
        request=RoundRequest(
            board=Board.objects.get(slug="concurrency"),
            name="Round",
            deadline=datetime.date.today(),
            meeting_date=datetime.date.today(),
            plans=[Plan.objects.get(slug="concurrency-plan")],
        ),
        by=manager,
    )
    workbook = load_workbook(
        io.BytesIO(offline.return_workbook(offline.return_scope(round=round, user=lead)))
    )
    sheet = workbook[offline.SHEET]
    progress = offline.COLUMNS.index(offline.BY_KEY["progress"]) + 1
    for row in range(offline.FIRST_ROW, offline.FIRST_ROW + len(board["actions"])):
        sheet.cell(row=row, column=progress, value=f"Progress in row {row}")
    buffer = io.BytesIO()
    workbook.save(buffer)

    def confirm():
        return offline_return_apply(round=round, by=lead, data=buffer.getvalue())

    results, errors = run_together([confirm, confirm])
    assert errors == [None, None]
    assert sorted(len(result.created) for result in results) == [0, 3]
    assert sorted(result.already for result in results) == [0, 3]
    assert ProgressUpdate.objects.filter(round=round).count() == 3


def test_two_servers_asking_for_the_same_big_pack_at_once_queue_one_render(seed):
    from django_tasks_db.models import DBTaskResult

    from reporting import services
    from reporting.models import RenderedReport, ReportKind
    from reporting.services import ReportSpec
    from reporting.tasks import render_report

    manager = get_user_model().objects.get(username="manager")
    spec = ReportSpec(kind=ReportKind.PACK, plans=("norfolk-cap-2017",))
    data = services.report_data(spec, manager)
    tasks_before = DBTaskResult.objects.filter(task_path=render_report.module_path).count()

    results, errors = run_together(
        [lambda: services.report_request(spec=spec, data=data, user=manager)] * 6
    )

    assert errors == [None] * 6
    assert len({report.pk for report in results}) == 1
    assert RenderedReport.objects.filter(key=results[0].key).count() == 1
    tasks = DBTaskResult.objects.filter(task_path=render_report.module_path).count()
    assert tasks - tasks_before == 1, "queued once, never again"
