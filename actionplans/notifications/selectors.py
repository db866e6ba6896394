"""Reads for the outbox pages."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from actionplans import policy
from actionplans.models import Message, MessageKind, MessageStatus


def message_queryset(*, user) -> QuerySet[Message]:
    """Messages of the user's boards (another board's are "not found")."""
    return Message.objects.filter(board_id__in=policy.board_ids(user)).select_related(
        "board", "recipient", "round"
    )


@dataclass
class OutboxFilters:
    status: str
    kind: str
    query: str
    statuses: list
    kinds: list


def message_list(*, user, filters) -> tuple[QuerySet[Message], OutboxFilters]:
    """The outbox of the boards the user manages, newest first, filtered by status, kind
    or a word of the recipient or subject."""
    found = policy.visible_messages(user).select_related("board", "recipient", "round")
    status = filters.get("status", "")
    kind = filters.get("kind", "")
    query = filters.get("q", "").strip()[:100]
    if status in MessageStatus.values:
        found = found.filter(status=status)
    if kind in MessageKind.values:
        found = found.filter(kind=kind)
    if query:
        found = found.filter(
            Q(to_email__icontains=query)
            | Q(subject__icontains=query)
            | Q(recipient__username__icontains=query)
        )
    return found.order_by("-created_at", "-pk"), OutboxFilters(
        status=status if status in MessageStatus.values else "",
        kind=kind if kind in MessageKind.values else "",
        query=query,
        statuses=MessageStatus.choices,
        kinds=MessageKind.choices,
    )


def round_messages(*, round) -> dict[int, list[Message]]:
    """What the round has emailed each lead (invitation, reminder, chasers), by user id,
    oldest first: for the round's tracker ("reminded on 9 January, chased twice")."""
    sent: dict[int, list[Message]] = {}
    for message in Message.objects.filter(round=round).order_by("created_at", "pk"):
        sent.setdefault(message.recipient_id, []).append(message)
    return sent
