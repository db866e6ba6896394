"""Reads: what the pages, exports and reports show. Writes live in services.py."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst

from reviews.models import Finding

from . import policy
from .filters import SORTS, ActionFilter
from .models import (
    Action,
    ActionSource,
    EvidenceFile,
    EvidenceState,
    Objective,
    Plan,
    ProgressUpdate,
    Theme,
    UpdateStatus,
)

EVIDENCE_HELD = (EvidenceState.AVAILABLE, EvidenceState.CHECKING)


def plan_list(*, user) -> QuerySet[Plan]:
    return (
        policy.visible_plans(user)
        .select_related("board")
        .order_by("board__name", "-published_on", "title")
    )


def action_list(*, user, filters: dict | None = None) -> tuple[QuerySet[Action], ActionFilter]:
    """The actions a user may see, filtered and sorted as the action list asks.

    Returns the queryset and the bound FilterSet (its form shows the errors, if any).
    """
    # Plan ids, not a join to plans: counting and paging then read one index.
    plan_ids = list(policy.visible_plans(user).values_list("pk", flat=True))
    base = Action.objects.select_related("plan", "lead_agency").filter(plan_id__in=plan_ids)
    base = base.order_by(*SORTS["plan"])
    filterset = ActionFilter(filters or None, queryset=base, user=user)
    if filterset.is_bound and not filterset.is_valid():
        return base.none(), filterset
    return filterset.qs, filterset


def action_queryset() -> QuerySet[Action]:
    """Actions with everything a row shows, in a constant number of queries."""
    return Action.objects.select_related(
        "plan", "plan__board", "theme", "objective", "lead_agency"
    ).prefetch_related(
        Prefetch(
            "sources",
            queryset=ActionSource.objects.select_related("review", "finding").order_by(
                "position", "id"
            ),
        )
    )


@dataclass
class ObjectiveGroup:
    objective: Objective | None
    actions: list[Action] = field(default_factory=list)


@dataclass
class PlanSection:
    """A part of the plan as printed: a theme, a finding or recommendation, or the whole."""

    title: str
    theme: Theme | None = None
    finding: Finding | None = None
    groups: list[ObjectiveGroup] = field(default_factory=list)

    @property
    def actions(self) -> list[Action]:
        return [action for group in self.groups for action in group.actions]


def primary_finding(action: Action) -> Finding | None:
    """The finding an action is printed under: its first cited finding of the plan."""
    for source in action.sources.all():
        if source.finding_id:
            return source.finding
    return None


def plan_sections(plan: Plan) -> list[PlanSection]:
    """The plan's actions grouped the way the document groups them.

    Plans with themes print theme by theme (the CAP, the JTAI's agency sections);
    otherwise by the finding or recommendation each action answers; objectives
    group actions inside a section. Actions the board signed off (closed) are not on
    the live plan: `signed_off_actions` lists them apart.
    """
    actions = list(
        action_queryset().filter(plan=plan, closed_on__isnull=True).order_by("position", "id")
    )
    sections: dict[object, PlanSection] = {}
    if plan.themes.exists():
        for theme in plan.themes.all():
            sections[("theme", theme.pk)] = PlanSection(title=theme.title, theme=theme)
        for action in actions:
            key = ("theme", action.theme_id)
            if key not in sections:
                sections[key] = PlanSection(title="Other actions")
            _append(sections[key], action)
    else:
        for action in actions:
            finding = primary_finding(action)
            key = ("finding", finding.pk if finding else None)
            if key not in sections:
                title = _finding_title(finding) if finding else "Actions"
                sections[key] = PlanSection(title=title, finding=finding)
            _append(sections[key], action)
    return [section for section in sections.values() if section.groups or section.theme]


def signed_off_actions(plan: Plan) -> list[Action]:
    """The plan's actions the board signed off: closed, off the live plan, kept here."""
    return list(
        action_queryset().filter(plan=plan, closed_on__isnull=False).order_by("position", "id")
    )


def _finding_title(finding: Finding) -> str:
    return f"{finding.get_kind_display()} {finding.number}"


def _append(section: PlanSection, action: Action) -> None:
    if section.groups and section.groups[-1].objective == action.objective:
        section.groups[-1].actions.append(action)
    else:
        section.groups.append(ObjectiveGroup(objective=action.objective, actions=[action]))


def action_detail(pk: int) -> Action:
    return (
        action_queryset()
        .prefetch_related(
            Prefetch(
                "updates",
                queryset=ProgressUpdate.objects.select_related("author", "recorded_for").order_by(
                    "-as_at", "-submitted_at"
                ),
            )
        )
        .get(pk=pk)
    )


def action_evidence(*, action: Action) -> list[EvidenceFile]:
    """The action's evidence files still held (available, or being checked), with the
    update each supports: for its page."""
    files = list(
        EvidenceFile.objects.filter(action=action, state__in=EVIDENCE_HELD)
        .select_related("uploaded_by", "update")
        .order_by("uploaded_at", "id")
    )
    for file in files:
        file.action = action  # already loaded, with its plan: the policy asks for it
    return files


def evidence_held(actions: list[Action]) -> None:
    """Load the evidence files still held by these actions in one query, onto each
    (`Action.held_evidence`): for lists, exports and packs, which name the files and
    count them in the "complete without evidence" check."""
    held: dict[int, list[EvidenceFile]] = {action.pk: [] for action in actions}
    files = EvidenceFile.objects.filter(action_id__in=list(held), state__in=EVIDENCE_HELD)
    for file in files.order_by("uploaded_at", "id"):
        held[file.action_id].append(file)
    for action in actions:
        action.held_evidence = held[action.pk]


def evidence_names(action: Action) -> list[str]:
    """The names of the action's evidence files that may be downloaded (from
    `held_evidence`, loaded by `evidence_held`)."""
    return [file.filename for file in action.held_evidence or () if file.is_available]


@dataclass
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: object
    who: str
    kind: str
    reason: str
    changes: list[FieldChange]
    about: str = ""  # for a step of a progress update: which update


def action_history(action: Action) -> list[HistoryEntry]:
    """Every recorded change to an action, newest first, with before and after."""
    records = list(action.history.select_related("history_user").order_by("history_date"))
    raw = _raw_changes(records, Action)
    labels = _RelatedLabels(raw.values())
    entries = [
        HistoryEntry(
            when=record.history_date,
            who=_who(record),
            kind=record.get_history_type_display(),
            reason=record.history_change_reason or "",
            changes=labels.changes(raw[record.history_id]),
        )
        for record in records
    ]
    return list(reversed(entries))


# What a progress update says: a change to any of these is shown before and after.
UPDATE_TEXT_FIELDS = [
    "label",
    "as_at",
    "rag",
    "progress",
    "next_steps",
    "evidence",
    "proposed_target_text",
    "target_change_reason",
    "internal",
]

# The steps of an update, by the change reason the services record, in words.
UPDATE_STEPS = {
    "Submitted": "Update submitted",
    "Edited": "Update changed",
    "Resubmitted": "Update changed and resubmitted",
    "Returned": "Update returned",
    "Approved": "Update approved",
}
UPDATE_RECORD_KINDS = {"+": "Update added", "~": "Update changed", "-": "Update deleted"}


def action_timeline(action: Action) -> list[HistoryEntry]:
    """The action's history and every step of its progress updates (submitted,
    changed, returned with the reason, resubmitted, approved, recorded on behalf),
    newest first, in a constant number of queries."""
    own = action_history(action)
    records = list(
        ProgressUpdate.history.filter(action_id=action.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    raw = _raw_changes(records, ProgressUpdate, fields=UPDATE_TEXT_FIELDS)
    labels = _RelatedLabels(raw.values())
    steps = [
        HistoryEntry(
            when=record.history_date,
            who=_who(record),
            kind=_update_step(record),
            reason=_update_step_reason(record),
            changes=labels.changes(raw[record.history_id]),
            about=record.label or f"Update as at {date_format(record.as_at, 'j F Y')}",
        )
        for record in records
    ]
    return sorted(own + steps + evidence_steps(action), key=lambda entry: entry.when, reverse=True)


def evidence_steps(action: Action) -> list[HistoryEntry]:
    """Every evidence file added, checked, refused or removed: its name and description
    (never its content), who and why."""
    records = EvidenceFile.history.filter(action_id=action.pk).select_related("history_user")
    entries = []
    for record in records.order_by("history_date", "history_id"):
        reason = record.history_change_reason or ""
        if record.history_type == "+":
            kind, why = "Evidence file added", ""
        elif reason.startswith("Removed"):
            kind, why = "Evidence file removed", record.removal_reason
        elif reason.startswith("Refused"):
            kind, why = "Evidence file refused by the virus check", record.scan_result
        elif reason == "Virus check passed":
            kind, why = "Evidence file checked", ""
        else:
            kind, why = "Evidence file changed", reason
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=str(record.history_user) if record.history_user else "System",
                kind=kind,
                reason=why,
                changes=[],
                about=f"{record.filename} ({record.description})",
            )
        )
    return entries


def _update_step(record) -> str:
    reason = record.history_change_reason or ""
    if reason in UPDATE_STEPS:
        return UPDATE_STEPS[reason]
    if reason.startswith("Recorded on behalf of"):
        return f"Update {reason[0].lower()}{reason[1:]}"
    if reason.startswith("Imported"):
        return "Update imported"
    return UPDATE_RECORD_KINDS.get(record.history_type, "Update changed")


def _update_step_reason(record) -> str:
    reason = record.history_change_reason or ""
    if reason == "Returned":
        return record.return_reason
    if reason in UPDATE_STEPS or reason.startswith("Recorded on behalf of"):
        return ""  # the step says it
    return reason


def _who(record) -> str:
    return str(record.history_user) if record.history_user else "System (import)"


def _raw_changes(records, model, fields=None) -> dict[int, list[tuple]]:
    """history_id -> (model field, old, new) against the object's previous record."""
    previous: dict[int, object] = {}
    raw = {}
    for record in records:
        before = previous.get(record.id)
        changes = []
        if before is not None:
            delta = record.diff_against(before, included_fields=fields)
            changes = [
                (model._meta.get_field(change.field), change.old, change.new)
                for change in delta.changes
            ]
        raw[record.history_id] = changes
        previous[record.id] = record
    return raw


class _RelatedLabels:
    """Names of the related rows that changes point at: one query a related model."""

    def __init__(self, raw_lists):
        wanted: dict[type, set] = {}
        for changes in raw_lists:
            for model_field, old, new in changes:
                if model_field.is_relation:
                    ids = wanted.setdefault(model_field.related_model, set())
                    ids |= {value for value in (old, new) if value not in (None, "")}
        self.names = {
            model: {obj.pk: str(obj) for obj in model._default_manager.filter(pk__in=ids)}
            for model, ids in wanted.items()
            if ids
        }

    def changes(self, raw: list[tuple]) -> list[FieldChange]:
        return [
            FieldChange(
                field=capfirst(model_field.verbose_name),
                old=display_value(model_field, old, self.names),
                new=display_value(model_field, new, self.names),
            )
            for model_field, old, new in raw
        ]


def display_value(model_field, value, names: dict | None = None) -> str:
    """A history value as people read it: choice labels, related names, not ids.

    `names` holds the names of related rows already fetched (model -> pk -> name);
    without it a related value is looked up on its own.
    """
    if value is None or value == "":
        return "(blank)"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        known = (names or {}).get(model_field.related_model)
        if known is not None:
            name = known.get(value)
        else:
            related = model_field.related_model._default_manager.filter(pk=value).first()
            name = str(related) if related else None
        return name or f"(deleted #{value})"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def my_actions(*, user) -> list[Action]:
    """The actions an agency lead may update (not those the board closed): overdue first,
    then by due date.

    Each action carries `open_updates` (waiting or returned, each with `can_change`)
    and `offer` (what to offer: report progress, change their waiting update, or who
    else's update is waiting)."""
    actions = list(
        action_queryset()
        .filter(
            plan__board_id__in=policy.board_ids(user),
            lead_agency_id__in=policy.lead_agency_ids(user),
            closed_on__isnull=True,  # signed off by the board: nothing left to report
        )
        .prefetch_related(
            Prefetch(
                "updates",
                queryset=ProgressUpdate.objects.exclude(status=UpdateStatus.APPROVED)
                .select_related("author")
                .order_by("-submitted_at", "-id"),
                to_attr="open_updates",
            )
        )
    )
    for action in actions:
        for update in action.open_updates:
            update.can_change = policy.can_edit_update(user, update)
        action.offer = policy.update_offer(user, action, action.open_updates)
    today = timezone.localdate()
    far = datetime.date.max
    return sorted(
        actions,
        key=lambda a: (
            not a.is_overdue(today),
            a.is_complete,
            a.due_date or far,
            a.plan_id,
            a.position,
        ),
    )


def waiting_updates(*, action: Action) -> list[ProgressUpdate]:
    """The action's updates waiting for approval, newest first."""
    updates = list(
        action.updates.filter(status=UpdateStatus.PENDING)
        .select_related("author")
        .order_by("-submitted_at", "-id")
    )
    for update in updates:
        update.action = action  # already loaded, with its plan
    return updates


def approval_queue(*, user) -> QuerySet[ProgressUpdate]:
    """Updates waiting for a business manager of the user's boards, oldest first."""
    boards = policy.managed_boards(user).values("pk")
    return (
        ProgressUpdate.objects.filter(status=UpdateStatus.PENDING, action__plan__board__in=boards)
        .select_related("action", "action__plan", "action__lead_agency", "author", "recorded_for")
        .prefetch_related("evidence_files")
        .order_by("submitted_at", "id")
    )


def update_list(*, actions: QuerySet[Action]) -> QuerySet[ProgressUpdate]:
    """Every progress update of these actions, action by action, newest first."""
    return (
        ProgressUpdate.objects.filter(action__in=actions.order_by().values("pk"))
        .select_related("action__plan", "author", "recorded_for")
        .order_by("action__plan__title", "action__position", "action_id", "-as_at", "-id")
    )


def security_event_list(*, user) -> QuerySet:
    """Sign-in activity the user may see, newest first."""
    return policy.visible_security_events(user).select_related("user", "actor", "board")
