"""The demo layer: past rounds for `make run`, leaving the seed's words and counts alone."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from actionplans.demo import DEMO_USERS, load_demo_users
from actionplans.demo_history import (
    CURRENT_APPROVED,
    CURRENT_PLAN,
    CURRENT_RETURN_REASON,
    CURRENT_WAITING,
    DEMO_MARK,
    MEETINGS_DAYS_AGO,
    load_demo_history,
)
from actionplans.models import (
    Action,
    ActionSource,
    Objective,
    Plan,
    ProgressUpdate,
    Round,
    RoundStatus,
    Theme,
    UpdateStatus,
)
from actionplans.rounds.selectors import ItemState, plans_in_open_rounds, round_tracker
from actionplans.seeding import load_seed_plans
from reporting import selectors
from reporting.dashboard.selectors import dashboard

pytestmark = pytest.mark.django_db


def _seed_words():
    return {
        "plans": sorted(Plan.objects.values_list("slug", "title", "introduction")),
        "themes": sorted(Theme.objects.values_list("plan__slug", "title")),
        "objectives": sorted(Objective.objects.values_list("plan__slug", "text")),
        "actions": sorted(
            Action.objects.values_list(
                "plan__slug", "ref", "text", "target_text", "original_target_text", "lead_person"
            )
        ),
        "sources": ActionSource.objects.count(),
    }


def test_demo_history_adds_three_closed_rounds_once_and_leaves_the_seed_words(seed):
    before = _seed_words()
    rounds = load_demo_history()
    assert _seed_words() == before
    closed = [round for round in rounds if not round.is_open]
    assert len(closed) == 3 * 2  # three a board, Norfolk and Stockton
    today = timezone.localdate()
    for round in closed:
        assert round.status == RoundStatus.CLOSED
        assert round.name.endswith(DEMO_MARK)
        assert (today - round.meeting_date).days in MEETINGS_DAYS_AGO
        assert round.closed_at.date() == round.meeting_date
    approved = ProgressUpdate.objects.filter(round__in=closed, status=UpdateStatus.APPROVED)
    assert approved.count() > 100
    # Dated in their round: submitted before the deadline, as at that day.
    for update in approved.select_related("round")[:50]:
        assert update.as_at < update.round.deadline
        assert update.submitted_at.date() < update.round.deadline
    # Every fixture's actions still hold their words as published.
    for path in (Path(settings.BASE_DIR) / "fixtures" / "plans").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        stored = {a.ref: a for a in Action.objects.filter(plan__slug=data["plan"]["slug"])}
        assert len(stored) == len(data["actions"])
        for row in data["actions"]:
            action = stored[row["ref"]]
            assert (action.text, action.target_text, action.lead_person) == (
                row["text"],
                row["target_text"],
                row["lead_as_written"],
            )
    # `make run` again: seeds, users, history. Nothing is added and the statuses the
    # demo rounds set are kept.
    rags = dict(Action.objects.values_list("pk", "rag"))
    counts = (Round.objects.count(), ProgressUpdate.objects.count(), Action.history.count())
    load_seed_plans()
    load_demo_users()
    assert load_demo_history() == []
    assert (Round.objects.count(), ProgressUpdate.objects.count(), Action.history.count()) == (
        counts
    )
    assert dict(Action.objects.values_list("pk", "rag")) == rags


def test_one_demo_round_is_open_now_with_some_replies_in(seed):
    rounds = load_demo_history()
    [current] = [round for round in rounds if round.is_open]
    today = timezone.localdate()
    assert current.name.endswith(DEMO_MARK)
    assert [plan.slug for plan in current.plans.all()] == [CURRENT_PLAN]
    assert current.deadline > today and current.meeting_date > current.deadline
    # Stockton and Norfolk's other plans are free for a round of one's own.
    assert [plan.slug for plan in plans_in_open_rounds(Plan.objects.all())] == [CURRENT_PLAN]
    authors = {}
    missing_kinds = set()
    for item in round_tracker(current).items:
        if item.state == ItemState.MISSING:
            missing_kinds.add(item.action.lead_agency.kind)
        elif item.update is not None:
            authors.setdefault(item.state, []).append(item.update.author.username)
    # The partnership lead's replies approved, the council lead's waiting (one sent
    # back), the other leads' not in yet.
    assert set(authors[ItemState.APPROVED]) == {CURRENT_APPROVED}
    assert set(authors[ItemState.WAITING]) == {CURRENT_WAITING}
    assert authors[ItemState.RETURNED] == [CURRENT_WAITING]
    replied = {*DEMO_USERS[CURRENT_APPROVED][1], *DEMO_USERS[CURRENT_WAITING][1]}
    assert missing_kinds and not missing_kinds & replied
    returned = ProgressUpdate.objects.get(round=current, status=UpdateStatus.RETURNED)
    assert returned.return_reason == CURRENT_RETURN_REASON
    # The approved replies moved the plan: as at today, the pack shows their statuses.
    for update in ProgressUpdate.objects.filter(round=current, status=UpdateStatus.APPROVED):
        update.action.refresh_from_db()
        assert update.action.rag == update.rag
    plan = current.plans.get()
    pack = selectors.board_pack(plans=[plan], as_at=today)
    assert {row.action_id: row.rag for row in pack.rows} == dict(
        Action.objects.filter(plan=plan).values_list("pk", "rag")
    )


def test_the_trend_shows_each_rounds_position_in_the_dashboard_and_the_pack(seed, personas):
    import io

    from pypdf import PdfReader

    from reporting import pdf
    from reporting.dashboard.selectors import pack_charts

    load_demo_history()
    today = timezone.localdate()
    # The dashboard: each past round as at its meeting, the open one as it is today.
    plan = seed["norfolk-cap-2017"]
    result = dashboard(user=personas.viewer, board=plan.board, plan=plan)
    trend = result.charts["trend"]
    rounds = Round.objects.filter(board=plan.board).order_by("meeting_date")
    assert len(trend.rows) == 4 == rounds.count()
    assert rounds.last().is_open
    for (label, values), round in zip(trend.rows, rounds, strict=True):
        assert round.name in label
        pack = selectors.board_pack(plans=[plan], as_at=min(round.meeting_date, today))
        counts = [
            sum(row.rag == status for row in pack.rows)
            for status in [s for s, _ in _statuses(trend, plan)]
        ]
        assert values == counts
    # The statuses moved between rounds: the trend is not flat.
    assert len({tuple(values) for _, values in trend.rows}) > 1
    # Today's as-at pack is the plan as it is.
    now = selectors.board_pack(plans=[plan], as_at=today)
    live = {a.pk: a.rag for a in Action.objects.filter(plan=plan)}
    assert {row.action_id: row.rag for row in now.rows} == live

    # The board pack prints the same trend, here for Stockton (no round open).
    plan = seed["stockton-jtai-neglect-2018"]
    pack = selectors.board_pack(plans=[plan], trend=True)
    assert [point.round for point in pack.trend] == list(
        Round.objects.filter(board=plan.board)
        .order_by("meeting_date")
        .values_list("name", flat=True)
    )
    assert len(pack.trend) == 3
    charts = {chart.key.split("-")[1]: chart for chart in pack_charts(pack)}
    text = " ".join(
        " ".join(page.extract_text().split())
        for page in PdfReader(io.BytesIO(pdf.render_pack(pack))).pages
    )
    for key in ("trend", "completed"):
        assert charts[key].title in text
        for label, values in charts[key].rows:
            assert " ".join([label, *map(str, values)]) in text
    # The completed line is the number of blue actions at each meeting.
    assert [values[0] for _, values in charts["completed"].rows] == [
        point.counts.get("blue", 0) for point in pack.trend
    ]


def _statuses(chart, plan):
    from actionplans.models.rag import DISPLAY_ORDER

    by_label = {plan.rag_label(status): status for status in DISPLAY_ORDER}
    return [(by_label[column], column) for column in chart.columns]
