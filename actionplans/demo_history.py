"""Demo history for `make run`: three past quarterly rounds over the seed plans.

A layer on top of the seed fixtures, which stay word for word: it never touches
`fixtures/`, and it changes no action's text, reference or target. Each board gets
three closed rounds (board meetings about 9, 6 and 3 months ago) in which each
agency's lead reports progress and the business manager approves it, through the real
services (`round_open`, `update_submit`, `update_approve`, `round_close`), so the
dashboards' trends and the as-at packs have something to show.

Norfolk's composite plan is also in a round open now (opened ten days ago, updates due
in eleven days): the partnership lead's updates are approved, the council lead's wait for
approval (one was sent back with a reason), and the other leads have not replied yet,
so the reply tracker, the approval queue and the response-rate chart have something
to show. Stockton and Norfolk's other plans stay out of it, free for a round of your own.

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
# The round open now: over this plan only, opened and due this many days from today.
CURRENT_PLAN = "norfolk-cap-2017"
CURRENT_OPENED_DAYS_AGO = 10
CURRENT_DEADLINE_IN_DAYS = 11
CURRENT_MEETING_IN_DAYS = 25
CURRENT_APPROVED = "partnership-lead"  # replied, approved
CURRENT_WAITING = "council-lead"  # replied, waiting for approval; the first one sent back
CURRENT_RETURN_REASON = (
    "Please say which teams the training reached and how many staff attended, so the "
    "board can see the evidence of impact."
)

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


def _report(round: Round, step: int, manager, leads: dict, deadline: datetime.date) -> None:
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


@transaction.atomic
def load_demo_history(*, today: datetime.date | None = None) -> list[Round]:
    """Three closed rounds a board over the seed plans, and one open now over Norfolk's
    composite plan; nothing for a board that has its demo rounds."""
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
        for step, days_ago in enumerate(MEETINGS_DAYS_AGO):
            meeting = today - datetime.timedelta(days=days_ago)
            deadline = meeting - datetime.timedelta(days=DEADLINE_BEFORE_MEETING)
            opened = deadline - datetime.timedelta(days=OPEN_BEFORE_DEADLINE)
            round = _open(board, board_plans, manager, opened, deadline, meeting)
            _report(round, step, manager, leads, deadline)
            with _travel(meeting, hour=17):
                created.append(round_close(round=round, by=manager, on=meeting))
        current = [plan for plan in board_plans if plan.slug == CURRENT_PLAN]
        if current:
            created.append(_current_round(board, current, manager, leads, today))
        # Today's history row for each action, so "as at today" is the plan now.
        _resave(
            Action.objects.filter(plan__in=board_plans),
            manager,
            f"Position after the demo rounds {DEMO_MARK}",
        )
    return created


def _open(board, plans, manager, opened, deadline, meeting) -> Round:
    """A demo round over `plans`, opened by the manager on the day `opened`."""
    with _travel(opened):
        return round_open(
            request=RoundRequest(
                board=board,
                name=f"{_quarter(meeting)} {DEMO_MARK}",
                deadline=deadline,
                meeting_date=meeting,
                plans=plans,
            ),
            by=manager,
            today=opened,
        )


def _current_round(board, plans: list[Plan], manager, leads: dict, today: datetime.date) -> Round:
    """The round open now: some leads have replied (approved, waiting, one returned)."""
    opened = today - datetime.timedelta(days=CURRENT_OPENED_DAYS_AGO)
    deadline = today + datetime.timedelta(days=CURRENT_DEADLINE_IN_DAYS)
    meeting = today + datetime.timedelta(days=CURRENT_MEETING_IN_DAYS)
    round = _open(board, plans, manager, opened, deadline, meeting)
    actions = Action.objects.filter(round_items__round=round).order_by("position", "id")
    replies = {CURRENT_APPROVED: [], CURRENT_WAITING: []}
    with _travel(today - datetime.timedelta(days=3)):
        for index, action in enumerate(actions):
            lead = leads.get(action.lead_agency_id)
            if lead is None or lead.username not in replies or action.is_complete:
                continue
            rag = PATHS[index % len(PATHS)][-1]
            replies[lead.username].append(
                services.update_submit(
                    action=action,
                    author=lead,
                    rag=rag,
                    progress=f"{PROGRESS[rag]} ({round.name})",
                )
            )
    with _travel(today - datetime.timedelta(days=2), hour=15):
        for update in replies[CURRENT_APPROVED]:
            services.update_approve(update=update, approver=manager)
        for update in replies[CURRENT_WAITING][:1]:
            services.update_return(update=update, manager=manager, reason=CURRENT_RETURN_REASON)
    return round
