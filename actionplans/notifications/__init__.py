"""Email the app sends: what the round and the workflow call when something happens.

Each function only records what is due (in the outbox) and queues the sending on the
background worker; the services call them after their transaction commits, so nothing
is sent inside a request. A failure here is logged, never shown to the person who
acted: `send_reminders` sweeps up anything not recorded. See `outbox.py` for the
sending and `schedule.py` for what `send_reminders` decides is due.
"""

import functools
import logging

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def send_soon() -> None:
    """Ask the worker to send the outbox, once the current transaction commits."""
    from .tasks import send_outbox

    transaction.on_commit(send_outbox.enqueue)


def _never_raises(hook):
    @functools.wraps(hook)
    def wrapper(*args, **kwargs):
        try:
            hook(*args, **kwargs)
        except Exception:
            logger.exception("Recording the email for %s failed", hook.__name__)

    return wrapper


@_never_raises
def round_opened(round) -> None:
    """Invitations to every lead asked in a newly opened round: the worker writes them
    (`send_reminders` also invites anyone not invited yet)."""
    from .tasks import queue_invitations

    transaction.on_commit(lambda: queue_invitations.enqueue(round.pk))


def _notice(kind, board, person) -> None:
    from .outbox import notice_queue

    if person is None or not person.is_active:
        return
    _message, told_more = notice_queue(
        kind=kind, board=board, person=person, day=timezone.localdate()
    )
    if told_more:
        send_soon()


@_never_raises
def update_returned(update) -> None:
    """Tell the author their update was returned, with the reason."""
    from actionplans.models import MessageKind

    _notice(MessageKind.RETURNED, update.action.plan.board, update.author)


@_never_raises
def update_approved(update) -> None:
    """Tell the author their update was approved, if they asked to be told."""
    from actionplans.models import MessageKind

    from .outbox import notification_settings

    if update.author is not None and notification_settings(update.author).approved_notices:
        _notice(MessageKind.APPROVED, update.action.plan.board, update.author)


@_never_raises
def board_challenged(item) -> None:
    """Tell the action's leads the board did not sign it off yet, and why."""
    from actionplans.models import MessageKind
    from actionplans.rounds.selectors import leads_by_agency

    board = item.round.board
    agency_id = item.agency_id or item.action.lead_agency_id
    for lead in leads_by_agency(board.pk, [agency_id]).get(agency_id, []):
        _notice(MessageKind.CHALLENGED, board, lead)


def sign_up_link_send(*, person, board, by):
    """Email `person` their sign-up link (at most once a day). The message, and whether
    it is new; None if they have no email address."""
    from actionplans import services
    from actionplans.models import MessageKind

    from . import compose, outbox

    link = compose.absolute(services.set_password_link(person=person, by=by))  # policy
    key = outbox.message_key(MessageKind.SIGN_UP, board.pk, person.pk, timezone.localdate())
    existing = outbox.Message.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    email = compose.sign_up_email(person=person, board=board, link=link, by=by)
    message, created = outbox.message_queue(
        key=key, kind=MessageKind.SIGN_UP, board_id=board.pk, person=person, email=email
    )
    if created:
        send_soon()
    return message, created
