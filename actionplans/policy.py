"""Every "may this user do this to this object?" question, answered in one place.

Views, templates (which buttons show), exports, PDFs and the admin all ask here;
nothing re-derives permissions inline. Roles are held per board (`Membership`):

- manager (board business manager): edits the board's reviews, plans and actions,
  assigns leads, approves or returns updates (never their own: a manager who is also
  a lead has another manager decide theirs), imports plans.
- lead (agency lead): reads the board's plans; submits progress updates only on
  actions led by one of their agencies, one waiting update an action; edits their own
  update while it is pending or returned.
- chair (PIQAG): reads, comments, exports and prints.
- viewer (board member): reads and exports what they can read.

A user sees only the boards they belong to; anything else is "not found" (404), so
ids of other boards' objects reveal nothing. Superusers hold every role everywhere.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet

from reviews.models import Board, Review

from .models import (
    Action,
    Agency,
    EvidenceFile,
    Membership,
    Message,
    Plan,
    ProgressUpdate,
    Role,
    Round,
    RoundAction,
    SecurityEvent,
    UpdateStatus,
)


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _memberships(user) -> list[Membership]:
    """The user's memberships, fetched once per request-scoped user object."""
    if not _active(user):
        return []
    cached = getattr(user, "_membership_cache", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user).prefetch_related("agencies").order_by("id")
        )
        user._membership_cache = cached
    return cached


def roles_on(user, board_id: int) -> set[str]:
    if _active(user) and user.is_superuser:
        return set(Role.values)
    return {m.role for m in _memberships(user) if m.board_id == board_id}


def lead_agency_ids(user) -> set[int]:
    """The agencies this user leads for, on any board."""
    return {
        agency.pk
        for membership in _memberships(user)
        if membership.role == Role.LEAD
        for agency in membership.agencies.all()
    }


def board_ids(user) -> set[int]:
    if _active(user) and user.is_superuser:
        return set(Board.objects.values_list("pk", flat=True))
    return {m.board_id for m in _memberships(user)}


def _has_role(user, board_id: int, *roles: str) -> bool:
    return bool(roles_on(user, board_id) & set(roles))


# Scopes: what a user may see at all.
def visible_boards(user) -> QuerySet[Board]:
    return Board.objects.filter(pk__in=board_ids(user))


def visible_plans(user) -> QuerySet[Plan]:
    return Plan.objects.filter(board_id__in=board_ids(user))


def visible_actions(user) -> QuerySet[Action]:
    return Action.objects.filter(plan__board_id__in=board_ids(user))


def visible_reviews(user) -> QuerySet[Review]:
    return Review.objects.filter(board_id__in=board_ids(user))


def visible_agencies(user) -> QuerySet[Agency]:
    return Agency.objects.filter(board_id__in=board_ids(user))


# Reading.
def can_view_board(user, board: Board) -> bool:
    return board.pk in board_ids(user)


def can_view_plan(user, plan: Plan) -> bool:
    return plan.board_id in board_ids(user)


def can_view_action(user, action: Action) -> bool:
    return action.plan.board_id in board_ids(user)


def can_view_review(user, review: Review) -> bool:
    return review.board_id in board_ids(user)


def can_view_dashboard(user, board: Board, plan: Plan | None = None) -> bool:
    """A board's (or plan's) dashboard: for everyone who may read the board or plan."""
    if plan is not None:
        return plan.board_id == board.pk and can_view_plan(user, plan)
    return can_view_board(user, board)


def can_export_plan(user, plan: Plan) -> bool:
    """Exports and PDFs follow the pages: whoever may read a plan may print it."""
    return can_view_plan(user, plan)


# Writing plans.
def can_manage_board(user, board_id: int) -> bool:
    return _has_role(user, board_id, Role.MANAGER)


def can_edit_plan(user, plan: Plan) -> bool:
    return can_manage_board(user, plan.board_id)


def can_edit_review(user, review: Review) -> bool:
    return can_manage_board(user, review.board_id)


def can_edit_action(user, action: Action) -> bool:
    return can_manage_board(user, action.plan.board_id)


def can_import_plan(user, board: Board) -> bool:
    return can_manage_board(user, board.pk)


# The update workflow.
def can_submit_update(user, action: Action) -> bool:
    """Agency leads update only the actions their own agency leads."""
    return (
        action.lead_agency_id is not None
        and _has_role(user, action.plan.board_id, Role.LEAD)
        and action.lead_agency_id in lead_agency_ids(user)
    )


def can_edit_update(user, update: ProgressUpdate) -> bool:
    return update.status in (UpdateStatus.PENDING, UpdateStatus.RETURNED) and is_update_author(
        user, update
    )


def is_update_author(user, update: ProgressUpdate) -> bool:
    """The author, still a lead for the action: they may change it while it is open, and
    are told (not refused) when it was approved as they changed it."""
    return update.author_id == user.pk and can_submit_update(user, update.action)


def can_approve_update(user, update: ProgressUpdate) -> bool:
    return update.status == UpdateStatus.PENDING and can_decide_updates(user, update)


def can_decide_updates(user, update: ProgressUpdate) -> bool:
    """Whether the user approves and returns the updates of this board (pending or not:
    a second manager clicking Approve is told who decided first). Nobody decides their
    own update, not even a business manager who is also the agency's lead: another
    manager of the board does."""
    return not _wrote(user, update) and can_manage_board(user, update.action.plan.board_id)


def wrote_update_to_decide(user, update: ProgressUpdate) -> bool:
    """A business manager's own waiting update: the pages say another manager decides
    it instead of offering Approve and Return."""
    return (
        update.status == UpdateStatus.PENDING
        and _wrote(user, update)
        and can_manage_board(user, update.action.plan.board_id)
    )


def _wrote(user, update: ProgressUpdate) -> bool:
    return _active(user) and update.author_id is not None and update.author_id == user.pk


@dataclass(frozen=True)
class UpdateOffer:
    """What an action's page offers the user about reporting progress: "Report
    progress" only while no update of the action is waiting for approval (approving
    one would then overwrite the other); their own waiting update to change instead;
    or someone else's waiting update, named."""

    report: bool = False
    change: ProgressUpdate | None = None
    waiting: ProgressUpdate | None = None


def update_offer(user, action: Action, updates) -> UpdateOffer:
    """`updates`: the action's updates already loaded (any order; only waiting ones count)."""
    waiting = [update for update in updates if update.status == UpdateStatus.PENDING]
    if not waiting:
        return UpdateOffer(report=can_submit_update(user, action))
    own = next((update for update in waiting if can_edit_update(user, update)), None)
    if own is not None:
        return UpdateOffer(change=own)
    return UpdateOffer(waiting=waiting[0])


# Evidence files.
def can_attach_evidence(user, action: Action, update: ProgressUpdate | None = None) -> bool:
    """A lead attaches evidence to their own update while they may still change it; a
    business manager attaches it to the action itself."""
    if update is not None:
        return update.action_id == action.pk and can_edit_update(user, update)
    return can_edit_action(user, action)


def evidence_update_for(user, action: Action, updates) -> ProgressUpdate | None:
    """The update the user's evidence goes on: their own, still open (pending or
    returned), among `updates` (the action's, already loaded). None: the action."""
    return next((update for update in updates if can_edit_update(user, update)), None)


def visible_evidence(user) -> QuerySet[EvidenceFile]:
    return EvidenceFile.objects.filter(action__plan__board_id__in=board_ids(user))


def can_download_evidence(user, evidence: EvidenceFile) -> bool:
    """Everyone who may read the action may download its evidence (once checked). The
    public version of a report never lists it (reporting asks `public`)."""
    return can_view_action(user, evidence.action)


def can_remove_evidence(user, evidence: EvidenceFile) -> bool:
    """The board's business managers remove files (one uploaded by mistake, one with
    personal data): the file goes; the history keeps who removed what and why."""
    return can_manage_board(user, evidence.action.plan.board_id)


def can_record_update(user, action: Action) -> bool:
    """A business manager records an update received from an agency by email or in a
    meeting (it is approved at once and says who recorded it)."""
    return can_edit_action(user, action)


def can_comment(user, action: Action) -> bool:
    return _has_role(user, action.plan.board_id, Role.MANAGER, Role.CHAIR, Role.LEAD)


def manages_a_board(user) -> bool:
    """Business manager somewhere (from the memberships already loaded: no query)."""
    return any(m.role == Role.MANAGER for m in _memberships(user)) or (
        _active(user) and user.is_superuser
    )


def can_see_approval_queue(user) -> bool:
    return manages_a_board(user)


def can_see_my_actions(user) -> bool:
    return bool(lead_agency_ids(user))


def managed_boards(user) -> QuerySet[Board]:
    """Boards on which the user is a business manager (where they may create things)."""
    if _active(user) and user.is_superuser:
        return Board.objects.all()
    ids = {m.board_id for m in _memberships(user) if m.role == Role.MANAGER}
    return Board.objects.filter(pk__in=ids)


# People: who holds which role on a board.
def can_manage_people(user, board_id: int) -> bool:
    """Board business managers add people to their board, change and remove roles."""
    return can_manage_board(user, board_id)


def can_send_set_password_link(user, person) -> bool:
    """A manager may make a sign-up link only for someone who has never set a password,
    is not staff, and belongs only to boards the manager manages: a link lets whoever
    holds it choose the password, so it must never reach anyone else's account."""
    if not _active(user) or person.has_usable_password():
        return False
    if person.is_staff or person.is_superuser:
        return False
    boards = set(Membership.objects.filter(user=person).values_list("board_id", flat=True))
    return bool(boards) and all(can_manage_people(user, board) for board in boards)


# Sign-in activity (security events).
def can_see_security_events(user) -> bool:
    """Business managers (for the people on their boards) and staff (for everyone)."""
    return manages_a_board(user) or (_active(user) and user.is_staff)


def visible_security_events(user) -> QuerySet[SecurityEvent]:
    if not can_see_security_events(user):
        return SecurityEvent.objects.none()
    if user.is_staff or user.is_superuser:
        return SecurityEvent.objects.all()
    boards = {m.board_id for m in _memberships(user) if m.role == Role.MANAGER}
    people = Membership.objects.filter(board_id__in=boards).values("user_id")
    return SecurityEvent.objects.filter(Q(user_id__in=people) | Q(board_id__in=boards))


# Signing in.
STAFF = "staff"  # in TWO_FACTOR_ROLES: staff and superusers (who can open the admin)


def two_factor_required(user) -> bool:
    """Whether the user must sign in with a code as well as a password.

    `settings.TWO_FACTOR_ROLES` names the roles (on any board) that must, and "staff"
    for staff and superusers. Production default: managers and staff.
    """
    if not _active(user):
        return False
    roles = set(getattr(settings, "TWO_FACTOR_ROLES", ()))
    if STAFF in roles and (user.is_staff or user.is_superuser):
        return True
    return any(m.role in roles for m in _memberships(user))


# The quarterly round.
def can_manage_rounds(user, board_id: int) -> bool:
    """Business managers open and close rounds, see the tracker and record the board's
    decisions."""
    return can_manage_board(user, board_id)


def can_view_round(user, round: Round) -> bool:
    """Managers see the whole tracker; a lead asked in the round sees their own actions."""
    if round.board_id not in board_ids(user):
        return False
    return can_manage_rounds(user, round.board_id) or _has_role(user, round.board_id, Role.LEAD)


def can_see_rounds(user) -> bool:
    return manages_a_board(user) or bool(lead_agency_ids(user))


def offline_return_agency_ids(user, round: Round) -> set[int] | None:
    """Whose actions the user's offline return of this round holds: None for the board's
    business manager (every agency's), else the user's own agencies that are asked in
    the round (empty: none, so no return)."""
    if round.board_id not in board_ids(user):
        return set()
    if can_manage_rounds(user, round.board_id):
        return None
    if not _has_role(user, round.board_id, Role.LEAD):
        return set()
    mine = lead_agency_ids(user)
    return set(
        RoundAction.objects.filter(round=round, agency_id__in=mine).values_list(
            "agency_id", flat=True
        )
    )


def can_use_offline_return(user, round: Round) -> bool:
    """Download the round's actions as a workbook and upload it filled in: the board's
    business managers (for any agency, recorded on its behalf), and leads whose agencies
    have actions in the round (their own actions only). A closed round takes no uploads;
    the service says so."""
    return offline_return_agency_ids(user, round) != set()


def can_see_outbox(user) -> bool:
    return manages_a_board(user)


def visible_messages(user) -> QuerySet[Message]:
    """The outbox of the boards the user manages."""
    return Message.objects.filter(board__in=managed_boards(user))


def can_view_message(user, message: Message) -> bool:
    """A message (with its text) is for the business managers of its board."""
    return can_manage_board(user, message.board_id)
