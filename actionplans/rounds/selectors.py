"""Reads for the round: who owes what, who has replied, what the board must decide.

Every function here runs a constant number of queries whatever the number of
actions: the states are worked out in Python from one read of the round's updates.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from actionplans import policy
from actionplans.models import (
    Action,
    Agency,
    BoardDecision,
    Membership,
    Plan,
    ProgressUpdate,
    Role,
    Round,
    RoundAction,
    RoundStatus,
    UpdateStatus,
)


class ItemState:
    """Where an action stands in a round (the tracker's columns)."""

    APPROVED = "approved"
    WAITING = "waiting"
    RETURNED = "returned"
    MISSING = "missing"
    NOT_DUE = "not_due"  # complete when the round opened: waits for the board's sign-off

    LABELS = {
        APPROVED: "Approved",
        WAITING: "Waiting for approval",
        RETURNED: "Returned",
        MISSING: "No update yet",
        NOT_DUE: "Complete: for sign-off",
    }
    COUNTED = (APPROVED, WAITING, RETURNED, MISSING)


def actions_owing(plans) -> QuerySet[Action]:
    """The actions a round over these plans covers: every action the board has not closed."""
    return Action.objects.filter(plan__in=plans, closed_on__isnull=True)


def leads_by_agency(board_id: int, agency_ids) -> dict[int, list]:
    """The users who lead for each agency on the board, by agency id."""
    leads = defaultdict(list)
    memberships = (
        Membership.objects.filter(board_id=board_id, role=Role.LEAD, user__is_active=True)
        .select_related("user")
        .prefetch_related(
            Prefetch("agencies", queryset=Agency.objects.filter(pk__in=list(agency_ids)))
        )
        .order_by("user__last_name", "user__username")
    )
    for membership in memberships:
        for agency in membership.agencies.all():
            leads[agency.pk].append(membership.user)
    return leads


# Before opening: what the round will ask of whom.


@dataclass
class AgencyAsk:
    agency: Agency | None
    actions: list[Action]
    leads: list

    @property
    def owed(self) -> int:
        return sum(1 for action in self.actions if not action.is_complete)


@dataclass
class RoundPreview:
    asks: list[AgencyAsk]
    total: int
    complete: int  # complete already: on the round for the board's sign-off only

    @property
    def unasked(self) -> list[AgencyAsk]:
        """Agencies with actions owed and nobody to ask: no lead user (or no agency)."""
        return [ask for ask in self.asks if ask.owed and not ask.leads]

    @property
    def leads(self) -> list:
        seen = {}
        for ask in self.asks:
            for lead in ask.leads:
                seen.setdefault(lead.pk, lead)
        return list(seen.values())


def round_preview(*, board, plans) -> RoundPreview:
    actions = list(
        actions_owing(plans)
        .select_related("plan", "lead_agency")
        .order_by("lead_agency__short_name", "plan__title", "position", "id")
    )
    by_agency: dict[int | None, list[Action]] = defaultdict(list)
    agencies = {}
    for action in actions:
        by_agency[action.lead_agency_id].append(action)
        if action.lead_agency_id:
            agencies[action.lead_agency_id] = action.lead_agency
    leads = leads_by_agency(board.pk, agencies)
    asks = [
        AgencyAsk(agency=agencies.get(agency_id), actions=items, leads=leads.get(agency_id, []))
        for agency_id, items in by_agency.items()
    ]
    asks.sort(key=lambda ask: (ask.agency is None, ask.agency.short_name if ask.agency else ""))
    return RoundPreview(
        asks=asks,
        total=len(actions),
        complete=sum(1 for action in actions if action.is_complete),
    )


# While open: the tracker.


@dataclass
class TrackerItem:
    item: RoundAction
    state: str
    update: ProgressUpdate | None  # the latest update of the action in this round
    link: tuple[str, str] | None = None  # what the reader can do next: (label, url)

    @property
    def action(self) -> Action:
        return self.item.action

    @property
    def state_label(self) -> str:
        if self.state == ItemState.RETURNED and self.item.decision == BoardDecision.NOT_YET:
            return "Challenged by the board"
        return ItemState.LABELS[self.state]

    @property
    def replied_on(self) -> datetime.date | None:
        if self.update is None:
            return None
        return timezone.localdate(self.update.submitted_at)

    @property
    def reason(self) -> str:
        """Why it came back: the board's challenge, or the manager's reason for returning."""
        if self.state != ItemState.RETURNED:
            return ""
        if self.item.decision == BoardDecision.NOT_YET and (
            self.update is None or self.update.submitted_at <= self.item.decided_at
        ):
            return self.item.challenge
        return self.update.return_reason if self.update else ""

    @property
    def can_sign_off(self) -> bool:
        """Reported complete and not yet closed: for the board to sign off or challenge."""
        return self.action.is_complete and not self.action.is_closed


@dataclass
class AgencyRow:
    agency: Agency | None
    leads: list
    items: list[TrackerItem] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for item in self.items if item.state == state)

    @property
    def counts(self) -> dict[str, int]:
        return {state: self.count(state) for state in ItemState.COUNTED}

    @property
    def owed(self) -> int:
        return sum(1 for item in self.items if item.state in ItemState.COUNTED)

    @property
    def replied(self) -> int:
        return self.owed - self.count(ItemState.MISSING)

    @property
    def response_rate(self) -> int | None:
        """Percentage of the actions owed with an update (approved, waiting or returned)."""
        return round(100 * self.replied / self.owed) if self.owed else None

    def on_time(self, deadline: datetime.date) -> int:
        return sum(
            1 for item in self.items if item.replied_on is not None and item.replied_on <= deadline
        )


@dataclass
class Tracker:
    round: Round
    rows: list[AgencyRow]
    on: datetime.date

    @property
    def items(self) -> list[TrackerItem]:
        return [item for row in self.rows for item in row.items]

    @property
    def totals(self) -> dict[str, int]:
        return {state: sum(row.count(state) for row in self.rows) for state in ItemState.COUNTED}

    @property
    def owed(self) -> int:
        return sum(row.owed for row in self.rows)

    @property
    def response_rate(self) -> int | None:
        replied = sum(row.replied for row in self.rows)
        return round(100 * replied / self.owed) if self.owed else None

    @property
    def past_deadline(self) -> bool:
        return self.round.is_past_deadline(self.on)

    @property
    def for_sign_off(self) -> list[TrackerItem]:
        return [item for item in self.items if item.can_sign_off]

    def summary(self) -> dict:
        """What closing keeps: per agency, owed, replied, on time and late."""
        deadline = self.round.deadline
        agencies = []
        for row in self.rows:
            on_time = row.on_time(deadline)
            agencies.append(
                {
                    "agency": str(row.agency) if row.agency else "No lead agency",
                    "owed": row.owed,
                    "replied": row.replied,
                    "on_time": on_time,
                    "late": row.replied - on_time,
                    "response_rate": row.response_rate,
                    **row.counts,
                }
            )
        return {
            "owed": self.owed,
            "response_rate": self.response_rate,
            "signed_off": sum(
                1 for item in self.items if item.item.decision == BoardDecision.SIGNED_OFF
            ),
            "challenged": sum(
                1 for item in self.items if item.item.decision == BoardDecision.NOT_YET
            ),
            "agencies": agencies,
        }


def _state(item: RoundAction, update: ProgressUpdate | None) -> str:
    challenged = item.decision == BoardDecision.NOT_YET
    if challenged and (update is None or update.submitted_at <= item.decided_at):
        return ItemState.RETURNED
    if update is None:
        return ItemState.NOT_DUE if item.action.is_complete else ItemState.MISSING
    return {
        UpdateStatus.APPROVED: ItemState.APPROVED,
        UpdateStatus.PENDING: ItemState.WAITING,
        UpdateStatus.RETURNED: ItemState.RETURNED,
    }[update.status]


def round_items(round: Round, *, agency_ids=None) -> list[TrackerItem]:
    """The round's actions with their state, in plan order (optionally some agencies')."""
    items = RoundAction.objects.filter(round=round).select_related(
        "action", "action__plan", "action__lead_agency", "agency"
    )
    updates = ProgressUpdate.objects.filter(round=round).select_related("author", "recorded_for")
    if agency_ids is not None:
        # Who leads it now: an action given to another agency is theirs to report on.
        items = items.filter(action__lead_agency_id__in=agency_ids)
        updates = updates.filter(action_id__in=items.values("action_id"))
    latest: dict[int, ProgressUpdate] = {}
    for update in updates.order_by("submitted_at", "id"):
        latest[update.action_id] = update
    result = []
    for item in items.order_by("action__plan__title", "action__position", "action_id"):
        update = latest.get(item.action_id)
        if update is not None:
            update.action = item.action  # the same action: no query to read it again
        result.append(TrackerItem(item=item, state=_state(item, update), update=update))
    return result


def round_tracker(round: Round, *, on: datetime.date | None = None) -> Tracker:
    """Per agency: how many of its actions are approved, waiting, returned or missing."""
    items = round_items(round)
    rows: dict[int | None, AgencyRow] = {}
    agency_ids = {item.action.lead_agency_id for item in items if item.action.lead_agency_id}
    leads = leads_by_agency(round.board_id, agency_ids)
    for item in items:
        agency_id = item.action.lead_agency_id
        if agency_id not in rows:
            rows[agency_id] = AgencyRow(
                agency=item.action.lead_agency, leads=leads.get(agency_id, [])
            )
        rows[agency_id].items.append(item)
    ordered = sorted(
        rows.values(), key=lambda row: (row.agency is None, str(row.agency or "").casefold())
    )
    return Tracker(round=round, rows=ordered, on=on or timezone.localdate())


def visible_rounds(*, user) -> QuerySet[Round]:
    return (
        Round.objects.filter(board_id__in=policy.board_ids(user))
        .select_related("board")
        .prefetch_related("plans")
    )


def open_round_for_action(action: Action) -> Round | None:
    """The open round the action owes an update in, if any."""
    item = (
        RoundAction.objects.filter(action=action, round__status=RoundStatus.OPEN)
        .select_related("round")
        .first()
    )
    return item.round if item else None


def plans_in_open_rounds(plans) -> list[Plan]:
    return list(Plan.objects.filter(pk__in=[plan.pk for plan in plans], round_plans__is_open=True))


@dataclass
class LeadRound:
    """What a lead owes in one open round, for their home page and the round page."""

    round: Round
    items: list[TrackerItem]

    @property
    def missing(self) -> list[TrackerItem]:
        return [item for item in self.items if item.state == ItemState.MISSING]

    @property
    def returned(self) -> list[TrackerItem]:
        return [item for item in self.items if item.state == ItemState.RETURNED]

    @property
    def owed(self) -> list[TrackerItem]:
        """Still to send: no update yet, or returned (by the manager or the board)."""
        return [
            item for item in self.items if item.state in (ItemState.MISSING, ItemState.RETURNED)
        ]


def lead_rounds(*, user) -> list[LeadRound]:
    """Open rounds that ask this user, with their own agencies' actions only."""
    agency_ids = policy.lead_agency_ids(user)
    if not agency_ids:
        return []
    rounds = Round.objects.filter(
        status=RoundStatus.OPEN,
        board_id__in=policy.board_ids(user),
        items__action__lead_agency_id__in=agency_ids,
    ).distinct()
    return [
        _with_lead_links(round, user, agency_ids) for round in rounds.order_by("deadline", "id")
    ]


# The pages.


@dataclass
class BoardRounds:
    """A board the manager manages, with its rounds (open first)."""

    board: object
    rounds: list[Round]


@dataclass
class RoundList:
    boards: list[BoardRounds]
    lead_rounds: list[Round]


def round_list(*, user) -> RoundList:
    """Managers: their boards' rounds, open first. Leads: the open rounds that ask them."""
    boards = list(policy.managed_boards(user).order_by("name"))
    rounds = list(
        visible_rounds(user=user)
        .filter(board__in=boards)
        .order_by("-status", "-meeting_date", "-id")  # open first: "open" > "closed"
    )
    lead_ids = {lead_round.round.pk for lead_round in lead_rounds(user=user)}
    return RoundList(
        boards=[
            BoardRounds(board=board, rounds=[r for r in rounds if r.board_id == board.pk])
            for board in boards
        ],
        lead_rounds=list(
            visible_rounds(user=user).filter(pk__in=lead_ids).order_by("deadline", "id")
        ),
    )


@dataclass
class StateList:
    """The actions behind one number of the tracker: one agency, one state."""

    row: AgencyRow
    state: str
    items: list[TrackerItem]

    @property
    def label(self) -> str:
        return ItemState.LABELS[self.state]


@dataclass
class RoundPage:
    """What the round page shows this user: the whole tracker, or their own actions."""

    round: Round
    tracker: Tracker | None = None  # managers
    lead: LeadRound | None = None  # agency leads: their agencies' actions only
    selected: StateList | None = None

    @property
    def past_deadline(self) -> bool:
        return self.round.is_past_deadline(timezone.localdate())


def agency_key(agency) -> str:
    """How the tracker's links name an agency (`none` for actions with no lead agency)."""
    return str(agency.pk) if agency else "none"


def round_page(*, round: Round, user, agency: str = "", state: str = "") -> RoundPage:
    if policy.can_manage_rounds(user, round.board_id):
        tracker = round_tracker(round)
        page = RoundPage(round=round, tracker=tracker)
        if state in ItemState.COUNTED:
            for row in tracker.rows:
                if agency_key(row.agency) == agency:
                    items = [item for item in row.items if item.state == state]
                    page.selected = StateList(row=row, state=state, items=items)
        return page
    agency_ids = policy.lead_agency_ids(user)
    return RoundPage(round=round, lead=_with_lead_links(round, user, agency_ids))


def lead_link(item: TrackerItem, user) -> tuple[str, str] | None:
    """What a lead does next on an item: report progress, or change the update they sent."""
    update = item.update
    challenged = item.state == ItemState.RETURNED and item.item.decision == BoardDecision.NOT_YET
    if update is not None and not challenged and policy.can_edit_update(user, update):
        label = "Change and resubmit" if item.state == ItemState.RETURNED else "Change your update"
        return label, reverse("actionplans:update_edit", args=[update.pk])
    owing = item.state in (ItemState.MISSING, ItemState.RETURNED, ItemState.NOT_DUE)
    if owing and policy.can_submit_update(user, item.action):
        return "Report progress", reverse("actionplans:update_submit", args=[item.action.pk])
    return None


def _with_lead_links(round: Round, user, agency_ids) -> LeadRound:
    items = round_items(round, agency_ids=agency_ids)
    for item in items:
        item.link = lead_link(item, user)
    return LeadRound(round=round, items=items)


@dataclass
class Home:
    """The home page's panels: what a lead owes, how the manager's rounds are going."""

    lead_rounds: list[LeadRound]
    trackers: list[Tracker]
    waiting: int | None  # updates waiting for approval (managers only)


def waiting_count(*, user) -> int:
    """Updates waiting for approval on the boards the user manages (one query)."""
    return ProgressUpdate.objects.filter(
        status=UpdateStatus.PENDING, action__plan__board__in=policy.managed_boards(user)
    ).count()


def home(*, user) -> Home:
    manages = policy.manages_a_board(user)
    open_rounds = Round.objects.none()
    if manages:
        open_rounds = Round.objects.filter(
            status=RoundStatus.OPEN, board__in=policy.managed_boards(user)
        ).order_by("deadline", "id")
    return Home(
        lead_rounds=lead_rounds(user=user),
        trackers=[round_tracker(round) for round in open_rounds],
        waiting=waiting_count(user=user) if manages else None,
    )
