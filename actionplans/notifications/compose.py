"""What each message says: its subject, plain text and HTML (`templates/email/<kind>.*`).

Every link is absolute (`settings.SITE_URL`). A lead's message names only the actions
their own agencies lead: nothing about other agencies or other people.
"""

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from actionplans.models import MessageKind, ProgressUpdate, Round, RoundAction, UpdateStatus
from actionplans.rounds.selectors import ItemState, TrackerItem

SERVICE_NAME = "Safeguarding action plans"
DIGEST_MAX_LINES = 50


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Line:
    """One action in a message, with where to go for it."""

    ref: str
    text: str
    plan: str
    agency: str
    target: str
    link: str
    link_label: str
    note: str = ""  # a reason, a challenge, a state


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def _day(value) -> str:
    return date_format(value, "j F Y")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _render(kind: str, subject: str, context: dict) -> Email:
    # One line, at most 300 characters: a header can never carry a line break.
    subject = " ".join(subject.split())
    subject = subject if len(subject) <= 300 else subject[:299] + "…"
    context = {
        "subject": subject,
        "service_name": SERVICE_NAME,
        "site_url": settings.SITE_URL,
        "settings_url": absolute(reverse("actionplans:notification_settings")),
        **context,
    }
    text = render_to_string(f"email/{kind}.txt", context).strip() + "\n"
    html = render_to_string(f"email/{kind}.html", context)
    return Email(subject=subject, text=text, html=html)


def _name(person) -> str:
    return person.get_full_name() or person.get_username()


def _action_line(action, *, link: str, link_label: str, note: str = "") -> Line:
    return Line(
        ref=action.ref,
        text=action.text,
        plan=action.plan.title,
        agency=action.lead_agency.short_name if action.lead_agency_id else "",
        target=action.target_text,
        link=link,
        link_label=link_label,
        note=note,
    )


def _item_line(item: TrackerItem, person) -> Line:
    """The update form for an action the person owes: their returned update to change
    and resend, or a new one."""
    update = item.update
    if (
        update is not None
        and update.status == UpdateStatus.RETURNED
        and update.author_id == person.pk
    ):
        link = absolute(reverse("actionplans:update_edit", args=[update.pk]))
        return _action_line(
            item.action,
            link=link,
            link_label="Change and resend your update",
            note=f"Returned: {update.return_reason}" if update.return_reason else "Returned",
        )
    note = "Challenged by the board: " + item.item.challenge if item.item.challenge else ""
    if not note and item.state == ItemState.RETURNED:
        note = "Returned: send a new update"
    link = absolute(reverse("actionplans:update_submit", args=[item.action.pk]))
    return _action_line(item.action, link=link, link_label="Send the update", note=note)


def round_email(kind: str, *, round: Round, person, items: list[TrackerItem], on=None) -> Email:
    """Invitation, reminder or chaser: the person's own actions owed in the round."""
    lines = [_item_line(item, person) for item in items]
    n = len(lines)
    deadline = _day(round.deadline)
    subject = {
        MessageKind.INVITATION: f"Updates wanted by {deadline}: {round.name}",
        MessageKind.REMINDER: f"Reminder: {_plural(n, 'update')} due by {deadline}",
        MessageKind.CHASER: f"Overdue: {_plural(n, 'update')} were due on {deadline}",
    }[kind]
    days_left = (round.deadline - on).days if on else None
    return _render(
        kind,
        subject,
        {
            "person": _name(person),
            "round": round,
            "board": round.board.name,
            "deadline": deadline,
            "meeting": _day(round.meeting_date),
            "lines": lines,
            "count": n,
            "days_left": days_left,
            "my_actions_url": absolute(reverse("actionplans:my_actions")),
        },
    )


def returned_email(*, person, board, updates: list[ProgressUpdate]) -> Email:
    lines = [
        _action_line(
            update.action,
            link=absolute(reverse("actionplans:update_edit", args=[update.pk])),
            link_label="Change and resend the update",
            note=update.return_reason,
        )
        for update in updates
    ]
    subject = (
        f"Your update on action {lines[0].ref} was returned"
        if len(lines) == 1
        else f"{len(lines)} of your updates were returned"
    )
    return _render(
        MessageKind.RETURNED,
        subject,
        {"person": _name(person), "board": board.name, "lines": lines},
    )


def approved_email(*, person, board, updates: list[ProgressUpdate]) -> Email:
    lines = [
        _action_line(
            update.action,
            link=absolute(update.action.get_absolute_url()),
            link_label="See the action",
            note=f"Now {update.get_rag_display()}",
        )
        for update in updates
    ]
    subject = (
        f"Your update on action {lines[0].ref} was approved"
        if len(lines) == 1
        else f"{len(lines)} of your updates were approved"
    )
    return _render(
        MessageKind.APPROVED,
        subject,
        {"person": _name(person), "board": board.name, "lines": lines},
    )


def challenged_email(*, person, board, items: list[RoundAction]) -> Email:
    lines = [
        _action_line(
            item.action,
            link=absolute(reverse("actionplans:update_submit", args=[item.action.pk])),
            link_label="Send a new update",
            note=item.challenge,
        )
        for item in items
    ]
    subject = (
        f"The board has not signed off action {lines[0].ref} yet"
        if len(lines) == 1
        else f"The board has not signed off {len(lines)} actions yet"
    )
    return _render(
        MessageKind.CHALLENGED,
        subject,
        {"person": _name(person), "board": board.name, "lines": lines},
    )


def _waited(delta) -> str:
    return "since today" if delta.days < 1 else _plural(delta.days, "day")


def digest_email(*, person, board, updates: list[ProgressUpdate], on) -> Email:
    now = timezone.now()
    lines = [
        _action_line(
            update.action,
            link=absolute(update.action.get_absolute_url()),
            link_label="See the action",
            note=f"From {update.byline}, waiting {_waited(now - update.submitted_at)}",
        )
        for update in updates[:DIGEST_MAX_LINES]
    ]
    n = len(updates)
    return _render(
        MessageKind.DIGEST,
        f"{_plural(n, 'update')} waiting for your approval: {board.short_name or board.name}",
        {
            "person": _name(person),
            "board": board.name,
            "lines": lines,
            "count": n,
            "more": n - len(lines),
            "queue_url": absolute(reverse("actionplans:approval_queue")),
            "on": _day(on),
        },
    )


def sign_up_email(*, person, board, link: str, by) -> Email:
    return _render(
        MessageKind.SIGN_UP,
        f"Choose your password for {SERVICE_NAME}",
        {
            "person": _name(person),
            "username": person.get_username(),
            "board": board.name,
            "link": link,
            "by": _name(by),
        },
    )
