"""Writes: every change to plans, actions and updates goes through a function here.

Each function checks the policy, works inside one transaction, records who made the
change in the history tables, and refuses (never silently overwrites) a save based
on a stale copy of an action: actions carry a version number that every write bumps.
Progress updates do too: approving, returning or changing an update that changed
since the user read it raises StaleUpdateError with what changed.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import capfirst

from reviews.models import Finding, Review

from . import notifications, policy, security_events, selectors
from .models import (
    Action,
    ActionComment,
    ActionSource,
    Membership,
    ProgressUpdate,
    Role,
    RoundAction,
    RoundStatus,
    SecurityEventKind,
    UpdateStatus,
)


@dataclass
class StaleChange:
    field: str
    yours: str
    theirs: str


class StaleEditError(Exception):
    """Somebody saved the action after this user opened it: nothing was written."""

    def __init__(self, action: Action, changes: list[StaleChange], who: str):
        self.action = action
        self.changes = changes
        self.who = who
        fields = ", ".join(change.field for change in changes) or "the action"
        super().__init__(
            f"{who} changed {fields} while you were editing. Nothing you typed was saved: "
            "check their changes below and make yours again."
        )


def stamp(instance, user, reason: str = "") -> None:
    """Tell django-simple-history who made this change and why."""
    instance._history_user = user
    if reason:
        instance._change_reason = reason


def _lock_action(action_id: int) -> Action:
    return Action.objects.select_for_update().select_related("plan").get(pk=action_id)


def stale_changes(action: Action, expected_version: int) -> tuple[list[StaleChange], str]:
    """What changed since the version the user saw, from the history table."""
    seen = action.history.filter(version=expected_version).order_by("-history_date").first()
    latest = action.history.order_by("-history_date").first()
    who = str(latest.history_user) if latest and latest.history_user else "Someone else"
    if seen is None or latest is None:
        return [], who
    changes = []
    for change in latest.diff_against(seen, excluded_fields=["version"]).changes:
        label = capfirst(Action._meta.get_field(change.field).verbose_name)
        changes.append(StaleChange(field=label, yours=str(change.old), theirs=str(change.new)))
    return changes, who


def _check_version(action: Action, expected_version: int | None) -> None:
    if expected_version is not None and action.version != expected_version:
        changes, who = stale_changes(action, expected_version)
        raise StaleEditError(action, changes, who)


class StaleUpdateError(Exception):
    """The update changed after this user opened it (its author edited it, another
    manager returned it): nothing was written. `changes` says what, `who` who."""

    def __init__(self, update: ProgressUpdate, changes: list[StaleChange], who: str):
        self.update = update
        self.changes = changes
        self.who = who
        fields = ", ".join(change.field.lower() for change in changes) or "the update"
        super().__init__(f"{who} changed {fields} after you opened this update.")


# What a person reads in an update; a change to any of these is worth saying.
UPDATE_STALE_FIELDS = [
    "rag",
    "progress",
    "next_steps",
    "evidence",
    "proposed_target_text",
    "target_change_reason",
    "internal",
    "status",
    "return_reason",
]


def _check_update_version(update: ProgressUpdate, expected_version: int | None) -> None:
    """Refuse to act on an update that changed since the version the user read."""
    if expected_version is None or update.version == expected_version:
        return
    seen = update.history.filter(version=expected_version).order_by("-history_date").first()
    latest = update.history.select_related("history_user").order_by("-history_date").first()
    who = str(latest.history_user) if latest and latest.history_user else "Someone else"
    changes = []
    if seen is not None and latest is not None:
        for change in latest.diff_against(seen, included_fields=UPDATE_STALE_FIELDS).changes:
            model_field = ProgressUpdate._meta.get_field(change.field)
            changes.append(
                StaleChange(
                    field=capfirst(model_field.verbose_name),
                    yours=selectors.display_value(model_field, change.old),
                    theirs=selectors.display_value(model_field, change.new),
                )
            )
    raise StaleUpdateError(update, changes, who)


def _save_action(action: Action, user, reason: str = "") -> Action:
    action.bump_version()
    action.full_clean()
    stamp(action, user, reason)
    action.save()
    return action


@transaction.atomic
def action_create(*, plan, creator, data: dict) -> Action:
    if not policy.can_edit_plan(creator, plan):
        raise PermissionDenied
    last = plan.actions.order_by("-position").values_list("position", flat=True).first()
    action = Action(plan=plan, position=(last or 0) + 1)
    for name, value in data.items():
        setattr(action, name, value)
    action.full_clean()
    stamp(action, creator, "Created")
    action.save()
    return action


@transaction.atomic
def action_update(
    *,
    action: Action,
    editor,
    data: dict,
    expected_version: int,
    target_change_reason: str = "",
) -> Action:
    """A manager's edit. Moving the target needs a reason; the original is kept."""
    if not policy.can_edit_action(editor, action):
        raise PermissionDenied
    locked = _lock_action(action.pk)
    _check_version(locked, expected_version)
    new_target = data.pop("target_text", locked.target_text)
    if new_target != locked.target_text and locked.target_text:
        if not target_change_reason.strip():
            raise ValidationError(
                {"target_change_reason": "Give a reason for changing the target date."}
            )
        locked.move_target(new_target)
    else:
        locked.target_text = new_target
    for name, value in data.items():
        setattr(locked, name, value)
    reason = target_change_reason.strip() and f"Target changed: {target_change_reason.strip()}"
    return _save_action(locked, editor, reason or "Edited")


@transaction.atomic
def action_set_sources(
    *, action: Action, editor, reviews: list[Review], findings: list[Finding]
) -> None:
    """Set the reviews and findings an action answers; each change is in history."""
    if not policy.can_edit_action(editor, action):
        raise PermissionDenied
    wanted = {(f.review_id, f.pk) for f in findings}
    wanted |= {(r.pk, None) for r in reviews if r.pk not in {f.review_id for f in findings}}
    current = {(s.review_id, s.finding_id): s for s in action.sources.all()}
    for key, source in current.items():
        if key not in wanted:
            stamp(source, editor)
            source.delete()
    for position, (review_id, finding_id) in enumerate(sorted(wanted, key=str), start=1):
        if (review_id, finding_id) in current:
            continue
        source = ActionSource(
            action=action, review_id=review_id, finding_id=finding_id, position=position
        )
        source.full_clean()
        stamp(source, editor)
        source.save()


# The quarterly update workflow.


@transaction.atomic
def update_submit(
    *,
    action: Action,
    author,
    rag: str,
    progress: str,
    next_steps: str = "",
    evidence: str = "",
    proposed_target_text: str = "",
    target_change_reason: str = "",
    internal: bool = False,
    as_at: datetime.date | None = None,
    submission_key: uuid.UUID | None = None,
) -> ProgressUpdate:
    """An agency lead reports progress; it waits for the business manager's approval.

    The same submission key twice (a double-clicked button, a resent form) returns
    the first update instead of creating a second.
    """
    if not policy.can_submit_update(author, action):
        raise PermissionDenied
    update = _new_update(
        action=action,
        author=author,
        report={
            "rag": rag,
            "progress": progress,
            "next_steps": next_steps,
            "evidence": evidence,
            "proposed_target_text": proposed_target_text,
            "target_change_reason": target_change_reason,
        },
        internal=internal,
        as_at=as_at,
        submission_key=submission_key,
        status=UpdateStatus.PENDING,
    )
    # Field checks here; the check constraints are the database's (one round trip
    # each if validated in Python), and the action and author were just loaded.
    update.full_clean(
        exclude=["action", "author", "submission_key"],
        validate_unique=False,
        validate_constraints=False,
    )
    stamp(update, author, "Submitted")
    try:
        with transaction.atomic():
            update.save()
    except IntegrityError:
        # The same form arrived twice (double click, resent request): keep the first.
        existing = ProgressUpdate.objects.filter(submission_key=submission_key).first()
        if submission_key is None or existing is None:
            raise
        return existing
    return update


def _new_update(
    *, action: Action, author, report: dict, internal: bool, as_at, submission_key, **state
) -> ProgressUpdate:
    """A new update of the action, unsaved, as every writer builds it: the report's words
    trimmed, dated today unless `as_at` says otherwise, answering the open round the
    action is in, and a new target date only with its reason. `state`: its status (and
    who decided it, for an update recorded on the lead's behalf)."""
    update = ProgressUpdate(
        action=action,
        author=author,
        **{name: value.strip() if name != "rag" else value for name, value in report.items()},
        internal=internal,
        as_at=as_at or timezone.localdate(),
        submission_key=submission_key,
        round_id=_open_round_id(action),
        **state,
    )
    _validate_target_change(update)
    return update


def _open_round_id(action: Action) -> int | None:
    """The open round the action owes an update in: the update answers it."""
    return (
        RoundAction.objects.filter(action=action, round__status=RoundStatus.OPEN)
        .values_list("round_id", flat=True)
        .first()
    )


def _validate_target_change(update: ProgressUpdate) -> None:
    if update.proposed_target_text and not update.target_change_reason:
        raise ValidationError(
            {"target_change_reason": "Give a reason for changing the target date."}
        )


class AlreadyDecided(Exception):  # noqa: N818 - a domain outcome, named as users say it
    """Someone else decided the update first (another manager approved or returned it, or
    it was approved while its author changed it): nothing was changed."""

    def __init__(self, update: ProgressUpdate):
        super().__init__(f"Update {update.pk} is already {update.get_status_display().lower()}.")
        self.update = update


@transaction.atomic
def update_edit(
    *, update: ProgressUpdate, editor, data: dict, expected_version: int | None = None
) -> ProgressUpdate:
    """The author changes their pending or returned update; a returned one is resubmitted.

    `expected_version` is the version the author's form was opened at (every web save
    passes it): if the update changed since, StaleUpdateError says what and nothing
    is written, unless this is the same save sent again (it already holds `data`).
    """
    locked = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    if not policy.is_update_author(editor, locked):
        raise PermissionDenied
    if not policy.can_edit_update(editor, locked):
        raise AlreadyDecided(locked)
    data = {
        name: value.strip() if isinstance(value, str) else value for name, value in data.items()
    }
    if (
        expected_version is not None
        and locked.version != expected_version
        and locked.status == UpdateStatus.PENDING
        and all(getattr(locked, name) == value for name, value in data.items())
    ):
        return locked  # the same form saved twice (a resent request): nothing to change
    _check_update_version(locked, expected_version)
    resubmitted = locked.status == UpdateStatus.RETURNED
    for name, value in data.items():
        setattr(locked, name, value)
    locked.status = UpdateStatus.PENDING
    locked.submitted_at = timezone.now()
    locked.version += 1
    _validate_target_change(locked)
    locked.full_clean(exclude=["submission_key"])
    stamp(locked, editor, "Resubmitted" if resubmitted else "Edited")
    locked.save()
    return locked


@transaction.atomic
def update_approve(
    *, update: ProgressUpdate, approver, expected_version: int | None = None
) -> ProgressUpdate:
    """The update becomes the action's current progress and RAG, with history.

    `expected_version` is the version the manager read (every web approval passes it;
    the seed and import writers need not): if the author changed the update since,
    StaleUpdateError says what and nothing is approved.
    """
    locked = _lock_pending(update, approver)
    _check_update_version(locked, expected_version)
    _apply_update(locked, approver, f"Approved update by {locked.author or 'an agency lead'}")
    locked.status = UpdateStatus.APPROVED
    locked.decided_by = approver
    locked.decided_at = timezone.now()
    locked.return_reason = ""
    locked.version += 1
    stamp(locked, approver, "Approved")
    locked.save()
    transaction.on_commit(lambda: notifications.update_approved(locked))
    return locked


def _apply_update(update: ProgressUpdate, by, reason: str) -> Action:
    """The rule of an approved update: it becomes the action's progress and RAG, and a
    new target it proposes moves the action's target (the original is kept)."""
    action = _lock_action(update.action_id)
    action.take_update(update)
    if update.proposed_target_text:
        reason += f"; target changed: {update.target_change_reason}"
    return _save_action(action, by, reason)


@transaction.atomic
def update_record(
    *,
    action: Action,
    recorder,
    rag: str,
    progress: str,
    next_steps: str = "",
    evidence: str = "",
    proposed_target_text: str = "",
    target_change_reason: str = "",
    internal: bool = False,
    as_at: datetime.date | None = None,
    submission_key: uuid.UUID | None = None,
) -> ProgressUpdate:
    """A business manager records an update received from the lead agency (by email, in
    a meeting). It says so wherever it is shown and is approved at once."""
    if not policy.can_record_update(recorder, action):
        raise PermissionDenied
    if submission_key and (
        existing := ProgressUpdate.objects.filter(submission_key=submission_key).first()
    ):
        return existing
    now = timezone.now()
    update = _new_update(
        action=action,
        author=recorder,
        report={
            "rag": rag,
            "progress": progress,
            "next_steps": next_steps,
            "evidence": evidence,
            "proposed_target_text": proposed_target_text,
            "target_change_reason": target_change_reason,
        },
        internal=internal,
        as_at=as_at,
        submission_key=submission_key,
        recorded_for=action.lead_agency,
        status=UpdateStatus.APPROVED,
        submitted_at=now,
        decided_by=recorder,
        decided_at=now,
    )
    update.full_clean(exclude=["submission_key"])
    stamp(update, recorder, f"Recorded on behalf of {action.lead_agency or 'the lead'}")
    update.save()
    _apply_update(update, recorder, f"Update {update.byline}")
    return update


@transaction.atomic
def action_close(*, action: Action, by, reason: str, on: datetime.date | None = None) -> Action:
    """The board signed the action off: it is closed and leaves the live plan."""
    if not policy.can_edit_action(by, action):
        raise PermissionDenied
    locked = _lock_action(action.pk)
    locked.closed_on = on or timezone.localdate()
    return _save_action(locked, by, reason)


def _lock_pending(update: ProgressUpdate, manager) -> ProgressUpdate:
    """The update, locked, if the manager may still decide it; AlreadyDecided if not."""
    locked = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    if not policy.can_decide_updates(manager, locked):
        raise PermissionDenied
    if not policy.can_approve_update(manager, locked):
        raise AlreadyDecided(locked)
    return locked


@transaction.atomic
def update_return(
    *, update: ProgressUpdate, manager, reason: str, expected_version: int | None = None
) -> ProgressUpdate:
    """Send an update back to its author with the reason; they can change and resubmit.

    Like approval, it is refused (StaleUpdateError) if the update changed since the
    version the manager read.
    """
    locked = _lock_pending(update, manager)
    if not reason.strip():
        raise ValidationError({"return_reason": "Say why you are returning the update."})
    _check_update_version(locked, expected_version)
    locked.status = UpdateStatus.RETURNED
    locked.return_reason = reason.strip()
    locked.decided_by = manager
    locked.decided_at = timezone.now()
    locked.version += 1
    stamp(locked, manager, "Returned")
    locked.save()
    transaction.on_commit(lambda: notifications.update_returned(locked))
    return locked


@transaction.atomic
def comment_add(*, action: Action, author, text: str) -> ActionComment:
    if not policy.can_comment(author, action):
        raise PermissionDenied
    comment = ActionComment(action=action, author=author, text=text.strip())
    comment.full_clean()
    stamp(comment, author)
    comment.save()
    return comment


@transaction.atomic
def board_record_save(*, instance, user, board_id: int, reason: str = ""):
    """Create or edit a plan, review, finding, theme, objective or agency of a board.

    Only the board's business managers may; the change is validated and its author
    recorded in history.
    """
    if not policy.can_manage_board(user, board_id):
        raise PermissionDenied
    instance.full_clean()
    stamp(instance, user, reason)
    instance.save()
    return instance


# ---- People: roles on a board


@dataclass(frozen=True)
class PersonAdded:
    membership: Membership
    new_account: bool  # True: the account was made now, with no password yet


def _check_agencies(board, role: str, agencies) -> None:
    if role == Role.LEAD and not agencies:
        raise ValidationError({"agencies": "Choose the agencies this lead reports for."})
    if role != Role.LEAD and agencies:
        raise ValidationError({"agencies": "Only an agency lead names agencies."})
    if any(agency.board_id != board.pk for agency in agencies):
        raise ValidationError({"agencies": "Choose agencies of this board only."})


@transaction.atomic
def person_add(
    *, board, by, username: str, full_name: str, email: str, role: str, agencies
) -> PersonAdded:
    """Give someone a role on the board, making their account if it does not exist.

    A new account has no password: the manager sends the person a sign-up link
    (`set_password_link`). An existing account keeps its name, email and password.
    """
    if not policy.can_manage_people(by, board.pk):
        raise PermissionDenied
    _check_agencies(board, role, agencies)
    User = get_user_model()  # noqa: N806 - Django's naming
    user = User.objects.filter(username__iexact=username).first()
    new_account = user is None
    if new_account:
        first, _, last = full_name.strip().rpartition(" ")
        if not first:  # one word: a first name
            first, last = last, ""
        user = User(username=username, email=email, first_name=first, last_name=last)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    elif Membership.objects.filter(user=user, board=board, role=role).exists():
        raise ValidationError({"role": f"{user.get_username()} already has this role here."})
    membership = Membership(user=user, board=board, role=role)
    stamp(membership, by, "Added")
    membership.save()
    membership.agencies.set(agencies)
    _record_role(SecurityEventKind.ROLE_ADDED, membership, by, agencies=agencies)
    return PersonAdded(membership=membership, new_account=new_account)


@transaction.atomic
def membership_change(*, membership: Membership, by, role: str, agencies) -> Membership:
    if not policy.can_manage_people(by, membership.board_id):
        raise PermissionDenied
    _check_agencies(membership.board, role, agencies)
    if membership.role == Role.MANAGER and role != Role.MANAGER:
        _keep_a_manager(membership)
    if (
        role != membership.role
        and Membership.objects.filter(user=membership.user_id, board=membership.board_id, role=role)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise ValidationError({"role": "This person already has that role here."})
    before = membership.get_role_display()
    membership.role = role
    stamp(membership, by, "Role changed")
    membership.save()
    membership.agencies.set(agencies)
    _record_role(SecurityEventKind.ROLE_CHANGED, membership, by, agencies=agencies, before=before)
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by) -> None:
    if not policy.can_manage_people(by, membership.board_id):
        raise PermissionDenied
    if membership.role == Role.MANAGER:
        _keep_a_manager(membership)
    stamp(membership, by, "Removed")
    _record_role(SecurityEventKind.ROLE_REMOVED, membership, by)
    membership.delete()


def _record_role(kind, membership: Membership, by, *, agencies=(), before: str = "") -> None:
    role = membership.get_role_display()
    names = ", ".join(sorted(agency.short_name for agency in agencies))
    detail = f"{before} → {role}" if before else role
    if names:
        detail += f" ({names})"
    security_events.record(
        kind, user=membership.user, actor=by, board=membership.board, detail=detail
    )


def _keep_a_manager(membership: Membership) -> None:
    """A board always keeps a business manager: nobody else could add one back."""
    others = (
        Membership.objects.select_for_update()
        .filter(board=membership.board_id, role=Role.MANAGER)
        .exclude(pk=membership.pk)
    )
    if not others.exists():
        raise ValidationError("A board needs at least one business manager: add another first.")


def set_password_link(*, person, by) -> str:
    """The path of a one-off link where `person` chooses their password.

    Valid for PASSWORD_RESET_TIMEOUT (3 days) and until they use it.
    """
    if not policy.can_send_set_password_link(by, person):
        raise PermissionDenied
    return reverse(
        "password_set",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
            "token": default_token_generator.make_token(person),
        },
    )


def notification_settings_change(*, user, daily_digest: bool, approved_notices: bool):
    """What the person chooses to be sent: the daily digest, approved notices."""
    from .models import NotificationSettings

    choices, _ = NotificationSettings.objects.update_or_create(
        user=user,
        defaults={"daily_digest": daily_digest, "approved_notices": approved_notices},
    )
    return choices
