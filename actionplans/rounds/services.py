"""Writes for the round: open it, record the board's decisions, close it; take an
offline return.

Each checks the policy, works in one transaction and records who did it in history.
Email goes out through `actionplans.notifications` after the transaction commits.
"""

import datetime
import logging
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from actionplans import notifications, policy
from actionplans.models import (
    BoardDecision,
    Plan,
    Round,
    RoundAction,
    RoundPlan,
    RoundStatus,
)
from actionplans.services import action_close, stamp, update_record, update_submit
from actionplans.signals import round_closed

from . import offline, selectors

logger = logging.getLogger(__name__)

# Rows per INSERT when a round opens: one statement each for the items and their history
# up to this many actions (PostgreSQL takes at most 65,535 parameters a statement).
ROWS_PER_INSERT = 4000


class RoundClosedError(ValidationError):
    def __init__(self, round: Round):
        super().__init__(f"“{round}” is closed: it can no longer be changed.")


@dataclass(frozen=True)
class RoundRequest:
    """What a manager asks for when opening a round, checked before anything is written."""

    board: object
    name: str
    deadline: datetime.date
    meeting_date: datetime.date
    plans: list[Plan]
    reminder_days: int = 7


def check_round_request(request: RoundRequest, *, today: datetime.date | None = None) -> None:
    """Every reason the round cannot open, as one ValidationError (nothing written)."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if not request.name.strip():
        errors.setdefault("name", []).append("Give the round a name.")
    if request.deadline < today:
        errors.setdefault("deadline", []).append(
            f"The deadline {request.deadline:%d/%m/%Y} is in the past: choose today or later."
        )
    if request.meeting_date < request.deadline:
        errors.setdefault("meeting_date", []).append(
            "The board meets on or after the deadline for updates."
        )
    if not 0 <= request.reminder_days <= 60:
        errors.setdefault("reminder_days", []).append(
            "Send the reminder between 0 and 60 days before the deadline."
        )
    if not request.plans:
        errors.setdefault("plans", []).append("Choose the plans the round covers.")
    others = [plan for plan in request.plans if plan.board_id != request.board.pk]
    if others:
        errors.setdefault("plans", []).append(
            f"Not a plan of {request.board}: {', '.join(p.title for p in others)}."
        )
    busy = selectors.plans_in_open_rounds(request.plans)
    if busy:
        errors.setdefault("plans", []).append(
            "Already in an open round: " + ", ".join(plan.title for plan in busy) + "."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def round_open(*, request: RoundRequest, by, today: datetime.date | None = None) -> Round:
    """Open the round: every action of its plans the board has not closed joins it.

    Invitations are queued for the worker once the round is committed.
    """
    if not policy.can_manage_rounds(by, request.board.pk):
        raise PermissionDenied
    # Lock the plans, so two managers opening rounds over one plan cannot both succeed.
    plans = list(Plan.objects.select_for_update().filter(pk__in=[p.pk for p in request.plans]))
    request = RoundRequest(**{**request.__dict__, "plans": plans})
    check_round_request(request, today=today)
    round = Round(
        board=request.board,
        name=request.name.strip(),
        deadline=request.deadline,
        meeting_date=request.meeting_date,
        reminder_days=request.reminder_days,
        opened_by=by,
    )
    round.full_clean()
    stamp(round, by, "Opened")
    round.save()
    try:
        with transaction.atomic():
            bulk_create_with_history(
                [RoundPlan(round=round, plan=plan) for plan in plans],
                RoundPlan,
                default_user=by,
                default_change_reason="Opened",
            )
    except IntegrityError as error:
        raise ValidationError({"plans": "A plan is already in an open round."}) from error
    items = [
        RoundAction(round=round, action_id=action_id, agency_id=agency_id)
        for action_id, agency_id in selectors.actions_owing(plans)
        .order_by("plan_id", "position", "id")
        .values_list("id", "lead_agency_id")
    ]
    bulk_create_with_history(
        items,
        RoundAction,
        batch_size=ROWS_PER_INSERT,
        default_user=by,
        default_change_reason="Opened",
    )
    transaction.on_commit(lambda: notifications.round_opened(round))
    return round


def _lock_open(round: Round) -> Round:
    locked = Round.objects.select_for_update().get(pk=round.pk)
    if not locked.is_open:
        raise RoundClosedError(locked)
    return locked


@transaction.atomic
def round_decide(*, item: RoundAction, by, decision: str, challenge: str = "") -> RoundAction:
    """The board's decision on an action reported complete: signed off, or not yet.

    Signed off closes the action (it leaves the live plan; every as-at pack and the
    history keep it). Not yet sends the board's challenge to the lead, as a returned
    update would.
    """
    if not policy.can_manage_rounds(by, item.round.board_id):
        raise PermissionDenied
    _lock_open(item.round)
    locked = RoundAction.objects.select_for_update().select_related("action").get(pk=item.pk)
    action = locked.action
    if decision not in (BoardDecision.SIGNED_OFF, BoardDecision.NOT_YET):
        raise ValidationError({"decision": "Choose signed off or not yet."})
    if not action.is_complete or action.is_closed:
        raise ValidationError(
            {"decision": f"Action {action.ref} is not reported complete: nothing to sign off."}
        )
    challenge = challenge.strip()
    if decision == BoardDecision.NOT_YET and not challenge:
        raise ValidationError(
            {"challenge": "Say what the board wants to see before it signs the action off."}
        )
    locked.decision = decision
    locked.challenge = challenge if decision == BoardDecision.NOT_YET else ""
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.full_clean()
    stamp(locked, by, locked.get_decision_display())
    locked.save()
    if decision == BoardDecision.SIGNED_OFF:
        action_close(action=action, by=by, reason=f"Signed off by the board in {item.round}")
    else:
        transaction.on_commit(lambda: notifications.board_challenged(locked))
    return locked


@transaction.atomic
def round_close(*, round: Round, by, on: datetime.date | None = None) -> Round:
    """Close the round: its summary is kept as it stands, and it can no longer change.

    Reporting keeps the board pack for the meeting (as at the meeting date) with it.
    """
    if not policy.can_manage_rounds(by, round.board_id):
        raise PermissionDenied
    locked = _lock_open(round)
    on = on or timezone.localdate()
    locked.summary = selectors.round_tracker(locked, on=on).summary()
    locked.status = RoundStatus.CLOSED
    locked.closed_by = by
    locked.closed_at = timezone.now()
    stamp(locked, by, "Closed")
    locked.save()
    for round_plan in RoundPlan.objects.filter(round=locked, is_open=True):
        round_plan.is_open = False
        stamp(round_plan, by, "Round closed")
        round_plan.save()
    transaction.on_commit(lambda: _announce_closed(locked, by))
    return locked


def _announce_closed(round: Round, by) -> None:
    """Tell the layers above (reporting keeps the meeting's pack); a failure there is
    logged, never undoes the closing."""
    for receiver, outcome in round_closed.send_robust(sender=Round, round=round, by=by):
        if isinstance(outcome, Exception):
            logger.error("After closing round %s, %s failed: %r", round.pk, receiver, outcome)


# The offline return: a workbook of the round's actions, filled in and uploaded.


@dataclass(frozen=True)
class ReturnOutcome:
    created: list  # the updates made now
    already: int  # rows sent before (the same file again): nothing new
    skipped: int  # rows left empty
    on_behalf: bool


class ReturnRefused(Exception):  # noqa: N818 - a domain outcome, named as users say it
    """A row (or the file) failed a check: nothing was written; `check` lists every problem."""

    def __init__(self, check: offline.ReturnCheck):
        super().__init__("; ".join(check.problems))
        self.check = check


@transaction.atomic
def offline_return_apply(*, round: Round, by, data: bytes) -> ReturnOutcome:
    """Each filled row of the return becomes an update, through the web form's service:
    a lead's wait for approval (`update_submit`); a business manager's are recorded on the
    agency's behalf and approved at once (`update_record`).

    All or nothing: the rows are checked again with their actions locked, and any
    problem (or any refusal by the update services) writes nothing. The same file
    twice creates nothing new: each row's submission key comes from what it says.
    """
    if not policy.can_use_offline_return(by, round):
        raise PermissionDenied
    locked = _lock_open(round)
    check = offline.check_return(round=locked, user=by, data=data, lock=True)
    if check.refused:
        raise ReturnRefused(check)
    created = []
    for row in check.new_rows:
        try:
            if check.on_behalf:
                update = update_record(
                    action=row.action,
                    recorder=by,
                    submission_key=row.submission_key,
                    **row.update_data(),
                )
            else:
                update = update_submit(
                    action=row.action,
                    author=by,
                    submission_key=row.submission_key,
                    **row.update_data(),
                )
        except ValidationError as error:
            check.errors.append(f"Row {row.number} (action {row.action.ref}): {_said(error)}")
            raise ReturnRefused(check) from error
        created.append(update)
    return ReturnOutcome(
        created=created,
        already=len(check.sent_rows),
        skipped=len(check.skipped),
        on_behalf=check.on_behalf,
    )


def _said(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def round_decide_each(
    *, round: Round, by, decisions: dict[int, tuple[str, str]]
) -> dict[int, ValidationError]:
    """The board's decisions, item id -> (decision, challenge), each recorded on its own:
    one refused keeps the others. Returns the refusals by item id."""
    if not round.is_open:
        raise RoundClosedError(round)
    items = RoundAction.objects.filter(round=round, pk__in=list(decisions)).select_related("round")
    errors = {}
    for item in items:
        decision, challenge = decisions[item.pk]
        try:
            round_decide(item=item, by=by, decision=decision, challenge=challenge)
        except RoundClosedError:
            raise
        except ValidationError as error:
            errors[item.pk] = error
    return errors
