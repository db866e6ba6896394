"""The outbox: queue a message once, claim it, send it, record what happened.

The shape of healthchecks' `sendalerts`: a message is claimed by a conditional UPDATE
(QUEUED or FAILED -> SENDING), so two workers never send one message; it is sent over
one SMTP connection per batch and marked SENT (with `sent_at`) or FAILED (with the
error and `attempts + 1`), and a failed one is tried again by the next run. A message
left SENDING by a worker that died is taken again after `CLAIM_AGAIN_AFTER`.

`Message.key` is unique: queueing the same key again creates nothing, so a run that
repeats sends nothing twice. Without `EMAIL_HOST` nothing is sent: messages are HELD.
"""

import datetime
import hashlib
import logging
import smtplib
from dataclasses import asdict, dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Prefetch, Q
from django.utils import timezone

from actionplans.models import (
    Membership,
    Message,
    MessageKind,
    MessageStatus,
    NotificationSettings,
    ProgressUpdate,
    Role,
    RoundAction,
    RoundStatus,
    UpdateStatus,
)

from . import compose

logger = logging.getLogger(__name__)

CLAIM_AGAIN_AFTER = datetime.timedelta(minutes=15)
MAX_ATTEMPTS = 10  # then it stays FAILED, with its error, for the manager to see
BATCH_SIZE = 100  # messages per SMTP connection
NOTICE_SWEEP_DAYS = 2  # returns, approvals and challenges not told yet are looked for this far


def mail_configured() -> bool:
    """A mail server is set up (EMAIL_HOST): without one, messages are HELD."""
    return bool(settings.OUTBOX_SENDS)


def message_key(kind: str, board_id: int, person_id: int, *parts) -> str:
    """kind, board, person, then the round and/or the day: one message per person per
    kind per day (or per round) at most."""
    return ":".join([kind, f"b{board_id}", f"u{person_id}", *(str(p) for p in parts)])


def notification_settings(person) -> NotificationSettings:
    """The person's choices, or the defaults if they never changed them."""
    try:
        return person.notification_settings
    except NotificationSettings.DoesNotExist:
        return NotificationSettings(user=person)


# Queueing.


def message_queue(
    *,
    key: str,
    kind: str,
    board_id: int,
    person,
    email: compose.Email,
    round=None,
    updates=(),
    round_items=(),
) -> tuple[Message | None, bool]:
    """The message with this key, created if it is new. (None, False) for a person with
    no email address: there is nobody to send to."""
    if not person.email:
        return None, False
    with transaction.atomic():
        message, created = Message.objects.get_or_create(
            key=key,
            defaults={
                "kind": kind,
                "board_id": board_id,
                "round": round,
                "recipient": person,
                "to_email": person.email,
                "subject": email.subject[:300],
                "text": email.text,
                "html": email.html,
            },
        )
        if created and updates:
            message.updates.set(updates)
        if created and round_items:
            message.round_items.set(round_items)
    return message, created


# Notices: returned, approved, challenged. One per person per kind per board per day;
# a message not sent yet is rebuilt to tell of a second one the same day; one that
# went already leaves the new one for the next day's message (`notices_sweep`).


def _lead_agency_ids(person, board_id: int) -> list[int]:
    return list(
        Membership.objects.filter(user=person, board_id=board_id, role=Role.LEAD).values_list(
            "agencies", flat=True
        )
    )


def _updates(status):
    def subjects(person, board_id):
        return ProgressUpdate.objects.filter(
            author=person,
            status=status,
            recorded_for__isnull=True,
            action__plan__board_id=board_id,
        ).select_related("action", "action__plan", "action__lead_agency")

    return subjects


def _challenges(person, board_id):
    return RoundAction.objects.filter(
        decision="not_yet",
        round__board_id=board_id,
        round__status=RoundStatus.OPEN,
        agency_id__in=_lead_agency_ids(person, board_id),
    ).select_related("action", "action__plan", "action__lead_agency", "round")


NOTICES = {
    MessageKind.RETURNED: (_updates(UpdateStatus.RETURNED), "updates", compose.returned_email),
    MessageKind.APPROVED: (_updates(UpdateStatus.APPROVED), "updates", compose.approved_email),
    MessageKind.CHALLENGED: (_challenges, "round_items", compose.challenged_email),
}


def _told(subject, exclude: Message | None) -> bool:
    """Whether a message (other than `exclude`) told of this return, approval or
    challenge as it stands: one of its days on or after the decision, that was still
    to send when the decision was made."""
    decided = subject.decided_at
    for message in subject.told_by:
        if exclude is not None and message.pk == exclude.pk:
            continue
        day = message.day
        if day is None or day < timezone.localdate(decided):
            continue
        went = message.claimed_at or message.sent_at
        if not message.is_unsent and went is not None and went < decided:
            continue
        return True
    return False


def notice_queue(*, kind: str, board, person, day: datetime.date) -> tuple[Message | None, bool]:
    """Today's notice of this kind to this person: created, or rebuilt while unsent, to
    tell of every return (approval, challenge) not told yet. (message, told_more)."""
    if not person.email:
        return None, False
    subjects_of, relation, email_for = NOTICES[kind]
    key = message_key(kind, board.pk, person.pk, day.isoformat())
    since = timezone.now() - datetime.timedelta(days=NOTICE_SWEEP_DAYS)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                existing = Message.objects.select_for_update().filter(key=key).first()
                if existing is not None and not existing.is_unsent:
                    return existing, False  # gone: what is new goes in the next day's
                mine = Q(**{"messages": existing}) if existing else Q(pk__in=[])
                subjects = list(
                    subjects_of(person, board.pk)
                    .filter(Q(decided_at__gte=since) | mine)
                    .prefetch_related(
                        Prefetch(
                            "messages",
                            queryset=Message.objects.filter(kind=kind),
                            to_attr="told_by",
                        )
                    )
                    .distinct()
                    .order_by("decided_at", "pk")
                )
                linked = {
                    s.pk
                    for s in subjects
                    if existing and any(m.pk == existing.pk for m in s.told_by)
                }
                subjects = [s for s in subjects if s.pk in linked or not _told(s, existing)]
                fresh = [s for s in subjects if s.pk not in linked]
                if not subjects or (existing is None and not fresh):
                    return existing, False
                email = email_for(
                    person=person,
                    board=board,
                    **{"updates" if relation == "updates" else "items": subjects},
                )
                if existing is None:
                    existing = Message.objects.create(
                        key=key,
                        kind=kind,
                        board=board,
                        recipient=person,
                        to_email=person.email,
                        subject=email.subject[:300],
                        text=email.text,
                        html=email.html,
                    )
                else:
                    existing.subject = email.subject[:300]
                    existing.text = email.text
                    existing.html = email.html
                    existing.to_email = person.email
                    existing.save(update_fields=["subject", "text", "html", "to_email"])
                getattr(existing, relation).add(*fresh)
                return existing, bool(fresh)
        except IntegrityError:
            continue  # another run created it meanwhile: rebuild that one
    return None, False


def notice_recipients(kind: str, *, since: datetime.datetime):
    """(board, person) pairs with a return, approval or challenge since `since`."""
    if kind == MessageKind.CHALLENGED:
        items = RoundAction.objects.filter(
            decision="not_yet", decided_at__gte=since, round__status=RoundStatus.OPEN
        ).select_related("round__board")
        pairs = {}
        for item in items:
            leads = Membership.objects.filter(
                board_id=item.round.board_id,
                role=Role.LEAD,
                agencies=item.agency_id,
                user__is_active=True,
            ).select_related("user")
            for membership in leads:
                pairs[(item.round.board_id, membership.user_id)] = (
                    item.round.board,
                    membership.user,
                )
        return list(pairs.values())
    status = UpdateStatus.RETURNED if kind == MessageKind.RETURNED else UpdateStatus.APPROVED
    updates = ProgressUpdate.objects.filter(
        status=status,
        decided_at__gte=since,
        author__isnull=False,
        author__is_active=True,
        recorded_for__isnull=True,
    ).select_related("author", "action__plan__board")
    if kind == MessageKind.APPROVED:
        updates = updates.filter(author__notification_settings__approved_notices=True)
    pairs = {}
    for update in updates:
        board = update.action.plan.board
        pairs[(board.pk, update.author_id)] = (board, update.author)
    return list(pairs.values())


# Sending.


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    held: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def _claimable(now) -> Q:
    return Q(
        status__in=[MessageStatus.QUEUED, MessageStatus.FAILED], attempts__lt=MAX_ATTEMPTS
    ) | Q(status=MessageStatus.SENDING, claimed_at__lt=now - CLAIM_AGAIN_AFTER)


def waiting_count() -> int:
    """Messages the next run would try to send (or hold)."""
    return Message.objects.filter(_claimable(timezone.now())).count()


def outbox_send(*, limit: int = 5000) -> SendResult:
    """Send what is waiting (queued, failed, or left sending by a dead worker)."""
    result = SendResult()
    if not mail_configured():
        result.held = Message.objects.filter(status=MessageStatus.QUEUED).update(
            status=MessageStatus.HELD
        )
        return result
    ids = list(
        Message.objects.filter(_claimable(timezone.now()))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for start in range(0, len(ids), BATCH_SIZE):
        _send_batch(ids[start : start + BATCH_SIZE], result)
    return result


def _claim(ids: list[int]) -> list[int]:
    """Take these messages to send, if they are still to send: a conditional UPDATE, so
    two workers never take one message. On PostgreSQL one statement for the batch (rows
    another worker holds are skipped); elsewhere one UPDATE a message."""
    now = timezone.now()
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            mine = list(
                Message.objects.select_for_update(skip_locked=True)
                .filter(_claimable(now), pk__in=ids)
                .values_list("pk", flat=True)
            )
            Message.objects.filter(pk__in=mine).update(status=MessageStatus.SENDING, claimed_at=now)
        return mine
    return [
        pk
        for pk in ids
        if Message.objects.filter(_claimable(now), pk=pk).update(
            status=MessageStatus.SENDING, claimed_at=now
        )
        == 1
    ]


def _send_batch(ids: list[int], result: SendResult) -> None:
    claimed = _claim(ids)
    messages = list(Message.objects.filter(pk__in=claimed).order_by("created_at", "pk"))
    if not messages:
        return
    mailer = mailers.default
    try:
        mailer.open()
    except Exception as error:  # noqa: BLE001 - a server down or refusing: all fail
        for message in messages:
            _record_failed(message, error, result)
        return
    try:
        for index, message in enumerate(messages):
            try:
                sent = mailer.send_messages([_email(message)])
                if not sent:
                    raise smtplib.SMTPRecipientsRefused({message.to_email: (0, b"not sent")})
            except smtplib.SMTPResponseException as error:
                _record_failed(message, error, result)  # refused; the connection still works
            except smtplib.SMTPRecipientsRefused as error:
                _record_failed(message, error, result)
            except Exception as error:  # noqa: BLE001 - connection lost: reconnect once
                _record_failed(message, error, result)
                mailer.close()
                try:
                    mailer.open()
                except Exception as reopen_error:  # noqa: BLE001
                    for rest in messages[index + 1 :]:
                        _record_failed(rest, reopen_error, result)
                    return
            else:
                _record_sent(message, result)
    finally:
        mailer.close()


def _message_id(message: Message) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(message.key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def _email(message: Message) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_email],
        headers={
            # The same id whenever it is sent: a copy sent again after a crash is
            # recognised as the same message by the mail client.
            "Message-ID": _message_id(message),
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    return email


def _text(reply) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


def _describe(error: Exception) -> str:
    """What went wrong, as the outbox shows it."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"The mail server refused {address}: {code} {_text(reply)}"
            for address, (code, reply) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return f"The mail server refused it: {error.smtp_code} {_text(error.smtp_error)}"
    if isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException):
        options = settings.MAILERS["default"].get("OPTIONS", {})
        server = f"{options.get('host')}:{options.get('port')}"
        return f"Could not reach the mail server {server}: {error}"
    return f"{type(error).__name__}: {error}"


def _record_sent(message: Message, result: SendResult) -> None:
    """Recorded at once, message by message: a worker that dies can resend at most the
    one it was sending. On PostgreSQL without waiting for the disk (a crash of the
    database itself could forget the last few, which are then sent again)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
            status=MessageStatus.SENT,
            sent_at=timezone.now(),
            attempts=F("attempts") + 1,
            last_error="",
        )
    result.sent += 1


def _record_failed(message: Message, error: Exception, result: SendResult) -> None:
    logger.warning("Sending message %s failed: %s", message.pk, error)
    Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
        status=MessageStatus.FAILED,
        attempts=F("attempts") + 1,
        last_error=_describe(error)[:2000],
    )
    result.failed += 1
