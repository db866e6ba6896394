"""What is due on a day: the round's invitations, reminders and chasers, the managers'
digests, and the notices not told yet. `send_reminders` calls `day_queue`; queueing is
idempotent (by `Message.key`), so any number of runs on a day queue each message once.
"""

import datetime
from collections import Counter

from django.db import transaction
from django.utils import timezone

from actionplans.models import (
    Membership,
    MessageKind,
    ProgressUpdate,
    Role,
    Round,
    RoundStatus,
    UpdateStatus,
)
from actionplans.rounds.selectors import ItemState, TrackerItem, leads_by_agency, round_items

from . import compose, outbox

OWING = (ItemState.MISSING, ItemState.RETURNED)


def round_asks(round: Round) -> list[tuple[object, list[TrackerItem]]]:
    """Each lead asked in the round, with the round's actions their own agencies lead."""
    items = round_items(round)
    agency_ids = {item.item.agency_id for item in items if item.item.agency_id}
    people: dict[int, tuple[object, set[int]]] = {}
    for agency_id, leads in leads_by_agency(round.board_id, agency_ids).items():
        for lead in leads:
            people.setdefault(lead.pk, (lead, set()))[1].add(agency_id)
    return [
        (person, [item for item in items if item.item.agency_id in agencies])
        for person, agencies in people.values()
    ]


def _owed(items: list[TrackerItem]) -> list[TrackerItem]:
    return [item for item in items if item.state in OWING]


@transaction.atomic  # one commit for the round's messages, not one a person
def _round_queue(round: Round, kind: str, *, on: datetime.date, part: str) -> int:
    queued = 0
    for person, items in round_asks(round):
        owed = _owed(items)
        if not owed:
            continue
        parts = [f"r{round.pk}", part] if part else [f"r{round.pk}"]
        key = outbox.message_key(kind, round.board_id, person.pk, *parts)
        if outbox.Message.objects.filter(key=key).exists():
            continue  # composed once: repeating a run costs one query a person
        email = compose.round_email(kind, round=round, person=person, items=owed, on=on)
        _message, created = outbox.message_queue(
            key=key, kind=kind, board_id=round.board_id, person=person, email=email, round=round
        )
        queued += created
    return queued


def round_invitations_queue(round: Round, *, on: datetime.date | None = None) -> int:
    """One invitation a lead: their actions owed, the deadline, a link to each form.
    A lead given the agency after the round opened is invited by the next run."""
    return _round_queue(round, MessageKind.INVITATION, on=on or timezone.localdate(), part="")


def reminder_due(round: Round, on: datetime.date) -> bool:
    """From the reminder day to the deadline (so a missed day is caught up), unless the
    round opened on or after the reminder day (the invitation has just gone)."""
    reminder = round.reminder_date()
    return reminder <= on <= round.deadline and reminder > timezone.localdate(round.opened_at)


def round_messages_queue(round: Round, *, on: datetime.date) -> Counter:
    counts = Counter()
    if not round.is_open or timezone.localdate(round.opened_at) > on:
        return counts
    counts[MessageKind.INVITATION] += round_invitations_queue(round, on=on)
    if reminder_due(round, on):
        counts[MessageKind.REMINDER] += _round_queue(round, MessageKind.REMINDER, on=on, part="")
    chaser = round.chaser_date(on)
    if chaser is not None:
        counts[MessageKind.CHASER] += _round_queue(
            round, MessageKind.CHASER, on=on, part=chaser.isoformat()
        )
    return counts


def digests_queue(*, on: datetime.date) -> int:
    """Each manager of a board with updates waiting gets one digest a day (unless they
    turned it off)."""
    pending = (
        ProgressUpdate.objects.filter(status=UpdateStatus.PENDING)
        .select_related(
            "action", "action__plan", "action__plan__board", "action__lead_agency", "author"
        )
        .select_related("recorded_for")
        .order_by("submitted_at", "pk")
    )
    by_board: dict[int, list[ProgressUpdate]] = {}
    for update in pending:
        by_board.setdefault(update.action.plan.board_id, []).append(update)
    queued = 0
    for board_id, updates in by_board.items():
        board = updates[0].action.plan.board
        managers = Membership.objects.filter(
            board_id=board_id, role=Role.MANAGER, user__is_active=True
        ).select_related("user", "user__notification_settings")
        for membership in managers:
            person = membership.user
            if not outbox.notification_settings(person).daily_digest:
                continue
            key = outbox.message_key(MessageKind.DIGEST, board_id, person.pk, on.isoformat())
            if outbox.Message.objects.filter(key=key).exists():
                continue
            email = compose.digest_email(person=person, board=board, updates=updates, on=on)
            _message, created = outbox.message_queue(
                key=key,
                kind=MessageKind.DIGEST,
                board_id=board_id,
                person=person,
                email=email,
                updates=updates,
            )
            queued += created
    return queued


def notices_sweep(*, on: datetime.date) -> Counter:
    """Returns, approvals and challenges no message told of yet (one came after the
    day's message went, or the worker missed it): into the day's notice."""
    counts = Counter()
    since = timezone.now() - datetime.timedelta(days=outbox.NOTICE_SWEEP_DAYS)
    for kind in (MessageKind.RETURNED, MessageKind.APPROVED, MessageKind.CHALLENGED):
        for board, person in outbox.notice_recipients(kind, since=since):
            _message, told_more = outbox.notice_queue(kind=kind, board=board, person=person, day=on)
            counts[kind] += told_more
    return counts


def day_queue(*, on: datetime.date) -> Counter:
    """Everything due on `on`, queued once: what each kind added."""
    counts = Counter()
    for round in Round.objects.filter(status=RoundStatus.OPEN).select_related("board"):
        counts += round_messages_queue(round, on=on)
    counts[MessageKind.DIGEST] += digests_queue(on=on)
    counts += notices_sweep(on=on)
    return counts
