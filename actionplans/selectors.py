"""Reads: what the pages, exports and reports show. Writes live in services.py."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.text import capfirst

from reviews.models import Finding

from . import policy
from .filters import SORTS, ActionFilter
from .models import (
    Action,
    ActionSource,
    Objective,
    Plan,
    ProgressUpdate,
    Theme,
    UpdateStatus,
)


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
    group actions inside a section.
    """
    actions = list(action_queryset().filter(plan=plan).order_by("position", "id"))
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
                queryset=ProgressUpdate.objects.select_related("author").order_by(
                    "-as_at", "-submitted_at"
                ),
            )
        )
        .get(pk=pk)
    )


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


def action_history(action: Action) -> list[HistoryEntry]:
    """Every recorded change to an action, newest first, with before and after."""
    records = list(action.history.select_related("history_user").order_by("history_date"))
    entries = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            for change in delta.changes:
                model_field = Action._meta.get_field(change.field)
                changes.append(
                    FieldChange(
                        field=capfirst(model_field.verbose_name),
                        old=_display(model_field, change.old),
                        new=_display(model_field, change.new),
                    )
                )
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=str(record.history_user) if record.history_user else "System (import)",
                kind=record.get_history_type_display(),
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
        previous = record
    return list(reversed(entries))


def _display(model_field, value) -> str:
    """A history value as people read it: choice labels, related names, not ids."""
    if value is None or value == "":
        return "(blank)"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        related = model_field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related else f"(deleted #{value})"
    return str(value)


def my_actions(*, user) -> list[Action]:
    """The actions an agency lead may update (not those the board closed): overdue first,
    then by due date."""
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
                queryset=ProgressUpdate.objects.exclude(status=UpdateStatus.APPROVED),
                to_attr="open_updates",
            )
        )
    )
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


def approval_queue(*, user) -> QuerySet[ProgressUpdate]:
    """Updates waiting for a business manager of the user's boards, oldest first."""
    boards = policy.managed_boards(user).values("pk")
    return (
        ProgressUpdate.objects.filter(status=UpdateStatus.PENDING, action__plan__board__in=boards)
        .select_related("action", "action__plan", "action__lead_agency", "author")
        .order_by("submitted_at", "id")
    )


def update_list(*, actions: QuerySet[Action]) -> QuerySet[ProgressUpdate]:
    """Every progress update of these actions, action by action, newest first."""
    return (
        ProgressUpdate.objects.filter(action__in=actions.order_by().values("pk"))
        .select_related("action__plan", "author")
        .order_by("action__plan__title", "action__position", "action_id", "-as_at", "-id")
    )


def security_event_list(*, user) -> QuerySet:
    """Sign-in activity the user may see, newest first."""
    return policy.visible_security_events(user).select_related("user", "actor", "board")
