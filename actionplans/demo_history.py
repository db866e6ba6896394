"""Demo history for `make run`: three past quarterly rounds over the seed plans.

A layer on top of the seed fixtures, which stay word for word: it never touches
`fixtures/`, and it changes no action's text, reference or target. Each board gets
three closed rounds (board meetings about 9, 6 and 3 months ago) in which each
agency's lead reports progress and the business manager approves it, through the real
services (`round_open`, `update_submit`, `update_approve`, `round_close`), so the
dashboards' trends and the as-at packs have something to show.

The services stamp every row with the clock (history dates, submitted, decided,
closed), so each step runs with the clock moved back to its day (`time_machine`, a
development dependency: `make run` installs it; production never runs this). Before
the first round the plans are recorded as they stood a year ago (a history row for
each plan, theme, agency, review link and action), since the seed was loaded today;
after the last, each action changed gets a history row for today again, so the plan
as at today is the plan as it is.

Idempotent: a board that has its demo rounds is left alone.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import services
from .models import RAG, Action, ActionSource, Agency, Membership, Plan, Role, Round, Theme
from .rounds.services import RoundRequest, round_close, round_open

DEMO_MARK = "(demo history)"
# Board meetings this many days ago; the deadline for updates two weeks before each.
MEETINGS_DAYS_AGO = (273, 182, 91)
BASELINE_DAYS_AGO = 365
DEADLINE_BEFORE_MEETING = 14
OPEN_BEFORE_DEADLINE = 21

# Each action not complete in the seed follows one of these, a status a round.
PATHS = [
    (RAG.AMBER, RAG.GREEN, RAG.BLUE),
    (RAG.RED, RAG.AMBER, RAG.GREEN),
    (RAG.GREEN, RAG.GREEN, RAG.BLUE),
    (RAG.AMBER, RAG.RED, RAG.AMBER),
    (RAG.RED, RAG.RED, RAG.AMBER),
    (RAG.GREEN, RAG.BLUE, RAG.BLUE),
    (RAG.AMBER, RAG.AMBER, RAG.GREEN),
    (RAG.GREEN, RAG.AMBER, RAG.RED),
]
PROGRESS = {
    RAG.RED: "Behind plan: the work has not started as agreed; a recovery plan goes to the "
    "next board.",
    RAG.AMBER: "Under way with some delay: the first part is done, the rest is scheduled.",
    RAG.GREEN: "On track: the work is going as planned and the evidence is being gathered.",
    RAG.BLUE: "Complete: done, with the evidence held by the lead agency.",
}


def _moment(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), ZoneInfo(settings.TIME_ZONE))


def _travel(day: datetime.date, hour: int = 10):
    import time_machine  # development dependency: the demo only

    return time_machine.travel(_moment(day, hour), tick=False)


def _quarter(meeting: datetime.date) -> str:
    year = meeting.year if meeting.month >= 4 else meeting.year - 1
    quarter = ((meeting.month - 4) % 12) // 3 + 1
    return f"Q{quarter} {year}/{str(year + 1)[-2:]} – board {meeting.day} {meeting:%B %Y}"


def _resave(instances, user, reason: str) -> None:
    for instance in instances:
        services.stamp(instance, user, reason)
        instance.save()


def _baseline(plans: list[Plan], manager) -> None:
    """A history row for each seed object as it stands, dated a year ago."""
    reason = f"The plan as adopted {DEMO_MARK}"
    _resave(plans, manager, reason)
    _resave(Theme.objects.filter(plan__in=plans), manager, reason)
    _resave(Agency.objects.filter(board__in={plan.board_id for plan in plans}), manager, reason)
    _resave(ActionSource.objects.filter(action__plan__in=plans), manager, reason)
    _resave(Action.objects.filter(plan__in=plans), manager, reason)


def _leads(board_id: int) -> dict[int, object]:
    """Agency id -> the demo lead who reports for it."""
    leads = {}
    memberships = Membership.objects.filter(board_id=board_id, role=Role.LEAD).select_related(
        "user"
    )
    for membership in memberships.prefetch_related("agencies").order_by("user__username"):
        for agency in membership.agencies.all():
            leads.setdefault(agency.pk, membership.user)
    return leads


def _report(round: Round, step: int, manager, leads: dict, deadline: datetime.date) -> list[int]:
    """Every action owed in the round gets its next status: sent by its lead a few days
    before the deadline, approved by the manager the day before it."""
    actions = Action.objects.filter(round_items__round=round).select_related("plan")
    actions = actions.order_by("plan_id", "position", "id")
    pending = []
    with _travel(deadline - datetime.timedelta(days=3)):
        for index, action in enumerate(actions):
            if action.rag == RAG.BLUE or action.is_closed:
                continue
            rag = PATHS[index % len(PATHS)][step]
            progress = f"{PROGRESS[rag]} ({round.name})"
            lead = leads.get(action.lead_agency_id)
            if lead is None:
                services.update_record(action=action, recorder=manager, rag=rag, progress=progress)
            else:
                pending.append(
                    services.update_submit(action=action, author=lead, rag=rag, progress=progress)
                )
    with _travel(deadline - datetime.timedelta(days=1), hour=15):
        for update in pending:
            services.update_approve(update=update, approver=manager)
    return [update.action_id for update in pending]


@transaction.atomic
def load_demo_history(*, today: datetime.date | None = None) -> list[Round]:
    """Three closed rounds a board over the seed plans; nothing if they are there."""
    from .seeding import seed_files

    slugs = [path.stem for path in seed_files()]
    today = today or timezone.localdate()
    manager = get_user_model().objects.get(username="manager")
    plans = list(Plan.objects.filter(slug__in=slugs).select_related("board"))
    boards = {}
    for plan in plans:
        boards.setdefault(plan.board, []).append(plan)
    created = []
    for board, board_plans in boards.items():
        if Round.objects.filter(board=board, name__endswith=DEMO_MARK).exists():
            continue
        with _travel(today - datetime.timedelta(days=BASELINE_DAYS_AGO)):
            _baseline(board_plans, manager)
        leads = _leads(board.pk)
        changed: set[int] = set()
        for step, days_ago in enumerate(MEETINGS_DAYS_AGO):
            meeting = today - datetime.timedelta(days=days_ago)
            deadline = meeting - datetime.timedelta(days=DEADLINE_BEFORE_MEETING)
            opened = deadline - datetime.timedelta(days=OPEN_BEFORE_DEADLINE)
            with _travel(opened):
                round = round_open(
                    request=RoundRequest(
                        board=board,
                        name=f"{_quarter(meeting)} {DEMO_MARK}",
                        deadline=deadline,
                        meeting_date=meeting,
                        plans=board_plans,
                    ),
                    by=manager,
                    today=opened,
                )
            changed |= set(_report(round, step, manager, leads, deadline))
            with _travel(meeting, hour=17):
                created.append(round_close(round=round, by=manager, on=meeting))
        # Today's history row for each action changed, so "as at today" is the plan now.
        _resave(
            Action.objects.filter(plan__in=board_plans),
            manager,
            f"Position after the demo rounds {DEMO_MARK}",
        )
    return created
