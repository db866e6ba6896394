"""Step 10: write a checked import: all or nothing, idempotent, in the history as its
author.

`write_plan` works in two steps. First it decides, reading only, what each row
means for the database: which reviews, findings, themes, objectives, agencies,
actions, sources and progress updates to create, and which to change. Everything is
found by its natural key first: the review by (board, title), the plan by slug,
findings by number, themes by title (then key), objectives by text, agencies by short
name, actions by (plan, ref), updates by (action, label). So importing the same file
again creates nothing and saves only what changed (no history noise).

A dry run stops there: its counts are the real run's, and it writes nothing at all.
A real run then writes the decisions inside one transaction, in bulk and with their
history rows (`_history_user` is the importer, the change reason names the file), so
a 5,000-row plan imports in seconds and a failure leaves nothing behind.
"""

from __future__ import annotations

import datetime
import functools
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from actionplans import policy, signals
from actionplans.models import (
    RAG,
    Action,
    ActionSource,
    Agency,
    Objective,
    Plan,
    PlanKind,
    ProgressUpdate,
    Theme,
    UpdateStatus,
)
from actionplans.models.plans import DEFAULT_HEADINGS
from actionplans.models.rag import DEFAULT_MEANING
from actionplans.target_dates import resolve_target
from reviews.models import Finding, FindingKind, Review

from ..bulk import BATCH_SIZE, create_with_history, new_instance
from ..headers import normalise_heading
from ..preview import ACTION_FIELDS, ImportPreview, ParsedAction, RowProblem
from .context import ImportRefused, ImportTarget
from .matching import guess_kind

NEW_AGENCY = "new"
LEAVE_UNLINKED = "unlinked"  # the manager's answer; an action's lead kept as written
# What an import may change on an action (bulk updates name them all).
ACTION_WRITTEN = [
    *ACTION_FIELDS.values(),
    "theme",
    "objective",
    "lead_agency",
    "rag",
    "progress",
    "progress_as_at",
    "position",
    "target_kind",
    "start_date",
    "due_date",
    "original_target_text",
    "original_due_date",
    "version",
    "updated_at",
]
UPDATE_WRITTEN = ["progress", "next_steps", "rag", "as_at"]


@dataclass
class ImportOutcome:
    plan_slug: str
    dry_run: bool
    plan_created: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    not_in_file: int = 0
    records: Counter = field(default_factory=Counter)  # other rows created, by kind


def plan_for_target(target: ImportTarget) -> Plan | None:
    """The existing plan the import updates, or None for a new one; refuses another board's."""
    plan = Plan.objects.filter(slug=target.plan_slug).first()
    if plan is not None and plan.board_id != target.board.pk:
        raise ImportRefused([f'The plan "{target.plan_slug}" belongs to another board.'])
    return plan


def write_plan(
    *, preview: ImportPreview, target: ImportTarget, author, dry_run: bool
) -> ImportOutcome:
    """Write the preview into the target plan, or (dry run) count what that would do.

    Like every other write it asks `policy`: a user who may not import into the board
    is refused (PermissionDenied). `author=None` is the command line (`import_plan`),
    run by whoever runs the server."""
    if author is not None and not policy.can_import_plan(author, target.board):
        raise PermissionDenied("Only the board's business manager can import plans.")
    if preview.errors:
        raise ImportRefused(preview.errors)
    if dry_run:
        return _Decisions(preview, target, author, dry_run=True).decide().outcome
    try:
        with transaction.atomic():
            decisions = _Decisions(preview, target, author, dry_run=False).decide()
            decisions.write()
            plan_id = decisions.plan.pk
            transaction.on_commit(
                lambda: signals.actions_written.send(sender=Plan, plan_ids=[plan_id])
            )
    except IntegrityError as error:
        raise ImportRefused(
            [
                "The plan changed while it was being imported, or the file clashes with it. "
                "Nothing was written; try again."
            ]
        ) from error
    return decisions.outcome


@dataclass
class _Batch:
    """Rows of one model to create and to change, written in bulk with their history."""

    model: type[models.Model]
    fields: list[str] = field(default_factory=list)
    new: list = field(default_factory=list)
    changed: list = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    parsed: ParsedAction
    action: Action
    as_at: datetime.date


class _Decisions:
    """What the import will create and change; `write` applies it."""

    def __init__(self, preview: ImportPreview, target: ImportTarget, author, dry_run: bool):
        self.preview = preview
        self.target = target
        self.author = author if getattr(author, "is_authenticated", False) else None
        self.reason = f"Imported from {target.source_name}" if target.source_name else "Imported"
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.lock = not dry_run
        self.outcome = ImportOutcome(plan_slug=target.plan_slug, dry_run=dry_run)
        self.problems: list[RowProblem] = []
        # (action ref, update label) -> the date the update was first imported with
        self.first_dates: dict[tuple[str, str], datetime.date] = {}
        # In write order: each batch refers only to rows of the batches before it.
        self.batches = {
            model: _Batch(model, fields)
            for model, fields in [
                (Plan, ["title", "rag_legend", "columns", "introduction"]),
                (Review, ["title"]),
                (Agency, []),
                (Finding, ["kind", "text", "priority", "position"]),
                (Theme, []),
                (Objective, []),
                (Action, ACTION_WRITTEN),
                (ActionSource, []),
                (ProgressUpdate, UPDATE_WRITTEN),
            ]
        }

    # ---- deciding (reads only)

    def decide(self) -> _Decisions:
        self.plan = self._plan()
        self.review = self._review()
        findings = self._findings()
        themes = self._themes()
        objectives = self._objectives(findings)
        agencies = self._agencies()
        rows = self._actions(findings, themes, objectives, agencies)
        if self.problems:
            raise ImportRefused(self.problems)
        self._sources(rows, findings)
        self._updates(rows)
        for model, batch in self.batches.items():
            if model not in (Action, Plan) and batch.new:
                self.outcome.records[model._meta.verbose_name_plural] += len(batch.new)
        return self

    def _keep(
        self, instance, changed: bool = False, row: int | None = None, check: bool = True
    ) -> None:
        """Check a new or changed instance (unless built only from checked values) and put it
        in its batch."""
        if check and not self._valid(instance, row):
            return
        batch = self.batches[type(instance)]
        (batch.changed if changed else batch.new).append(instance)

    def _valid(self, instance, row: int | None) -> bool:
        """Field rules and clean(), without a query per row: related rows may not exist yet,
        uniqueness is by construction, and the database checks its constraints on write.
        An action's field rules are checked for what the file gave it; the fields the
        importer works out itself (position, version, the target's dates) are not."""
        try:
            instance.full_clean(
                exclude=_not_checked(type(instance)),
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            messages = [
                message
                for field_messages in error.message_dict.values()
                for message in field_messages
            ]
            self.problems += [RowProblem(row or 0, message) for message in messages]
            return False
        return True

    def _plan(self) -> Plan:
        plan = plan_for_target(self.target)
        values = {
            "title": self.target.title,
            "rag_legend": (plan.rag_legend if plan else {}) or self._legend(),
            "columns": (plan.columns if plan else {}) or self._headings(),
            # A Word document's paragraphs before its table; a plan's own is kept.
            "introduction": (plan.introduction if plan else "") or self.preview.table.introduction,
        }
        if plan is None:
            kind = PlanKind.COMPOSITE if "answers" in self.preview.mapped else PlanKind.SINGLE
            plan = Plan(board=self.target.board, slug=self.target.plan_slug, kind=kind, **values)
            self.outcome.plan_created = True
            self._keep(plan)
            return plan
        if self.lock:
            plan = Plan.objects.select_for_update().get(pk=plan.pk)
        if _assign(plan, values):
            self._keep(plan, changed=True)
        return plan

    def _legend(self) -> dict[str, str]:
        """The plan's own words for its colours: all of a key's, and those of status cells
        ("Green – On track") that differ from ours (a plan that only uses our words in
        its cells has no legend of its own: it prints the default one, every colour)."""
        return {
            status: words
            for status, words in self.preview.legend.items()
            if status in self.preview.key_statuses
            or words.casefold() != DEFAULT_MEANING[RAG(status)]
        }

    def _headings(self) -> dict[str, str]:
        """The file's own column headings ("By when"), where they differ from ours."""
        mapped = self.preview.mapped
        if "lead" not in mapped and "lead_agency" in mapped:
            mapped = mapped | {"lead": mapped["lead_agency"]}
        if self.preview.refs_number_findings:  # "Rec No": the actions' refs are ours
            mapped = {key: column for key, column in mapped.items() if key != "ref"}
        return {
            key: column.heading
            for key, column in mapped.items()
            if key in DEFAULT_HEADINGS
            and normalise_heading(column.heading) != normalise_heading(column.label)
        }

    def _review(self) -> Review:
        """The review the plan answers: the board's review with the target's reference, or
        a new one. A review named by its own reference keeps its own title."""
        review = self.target.existing_review()
        if review is None:
            review = Review(
                board=self.target.board,
                reference=self.target.reference,
                kind=self.target.kind,
                title=self.target.title,
            )
            self._keep(review)
        elif not self.target.review_reference.strip() and _assign(
            review, {"title": self.target.title}
        ):
            self._keep(review, changed=True)
        return review

    def _findings(self) -> dict[int, Finding]:
        existing = {}
        if self.review.pk:
            existing = {finding.number: finding for finding in self.review.findings.all()}
        found = {}
        for position, parsed in enumerate(self.preview.findings, start=1):
            values = {
                "kind": parsed.kind,
                "text": parsed.text or f"{FindingKind(parsed.kind).label} {parsed.number}",
                "priority": parsed.priority[:200],
                "position": position,
            }
            finding = existing.get(parsed.number)
            if finding is None:
                finding = Finding(review=self.review, number=parsed.number, **values)
                self._keep(finding)
            elif _assign(finding, values):
                self._keep(finding, changed=True)
            found[id(parsed)] = finding
        return found

    def _themes(self) -> dict[int, Theme]:
        existing = list(Theme.objects.filter(plan=self.plan)) if self.plan.pk else []
        by_title = {normalise_heading(theme.title): theme for theme in existing}
        keys = {theme.key for theme in existing}
        found = {}
        for position, parsed in enumerate(self.preview.themes, start=len(existing) + 1):
            theme = by_title.get(normalise_heading(parsed.title))
            if theme is None:
                key = parsed.key if parsed.key not in keys else _free_key(keys)
                keys.add(key)
                theme = Theme(plan=self.plan, key=key, title=parsed.title, position=position)
                self._keep(theme)
            found[id(parsed)] = theme
        return found

    def _objectives(self, findings: dict[int, Finding]) -> dict[int, Objective]:
        existing = list(Objective.objects.filter(plan=self.plan)) if self.plan.pk else []
        by_text = {objective.text: objective for objective in existing}
        keys = {objective.key for objective in existing}
        found = {}
        for position, parsed in enumerate(self.preview.objectives, start=len(existing) + 1):
            objective = by_text.get(parsed.text)
            if objective is None:
                key = parsed.key if parsed.key and parsed.key not in keys else _free_key(keys)
                keys.add(key)
                objective = Objective(
                    plan=self.plan,
                    key=key,
                    text=parsed.text,
                    finding=findings.get(id(parsed.finding)),
                    position=position,
                )
                self._keep(objective)
            found[id(parsed)] = objective
        return found

    def _agencies(self) -> dict[str, Agency | None]:
        """The manager's answer for each agency name we could not match."""
        board = self.target.board
        existing = Agency.objects.filter(board=board)
        by_pk = {str(agency.pk): agency for agency in existing}
        by_short_name = {agency.short_name: agency for agency in existing}
        chosen: dict[str, Agency | None] = {}
        for name in self.preview.unknown_agencies:
            choice = self.preview.agency_choices.get(name, "")
            if choice != NEW_AGENCY:
                chosen[name] = by_pk.get(choice)
                continue
            short_name = name[:60].strip()
            if short_name not in by_short_name:
                agency = Agency(
                    board=board, short_name=short_name, name=name[:200], kind=guess_kind(name)
                )
                self._keep(agency)
                by_short_name[short_name] = agency
            chosen[name] = by_short_name[short_name]
        return chosen

    def _actions(self, findings, themes, objectives, agencies) -> list[_Row]:
        existing = {}
        if self.plan.pk:
            existing = {
                action.ref: action
                for action in Action.objects.filter(plan=self.plan).select_related(
                    "lead_agency", "theme", "objective"
                )
            }
            for action in existing.values():
                action.plan = self.plan  # model rules read it: no query per row
        self.first_dates = self._first_update_dates()
        has = {
            "theme": any(parsed.theme for parsed in self.preview.actions),
            "objective": any(parsed.objective for parsed in self.preview.actions),
            "agency": "lead" in self.preview.mapped or "lead_agency" in self.preview.mapped,
        }
        rows = []
        for position, parsed in enumerate(self.preview.actions, start=1):
            values = self._action_values(parsed, position, themes, objectives, agencies, has)
            as_at = (
                self.first_dates.get((parsed.ref, self.preview.label_for(parsed)))
                or parsed.progress_as_at
                or self.preview.label_date_for(parsed)
                or self.today
            )
            action = existing.get(parsed.ref)
            if action is None:
                action = new_instance(Action, {"plan": self.plan, "ref": parsed.ref, **values})
                action.take_progress(
                    parsed.values.get("progress", ""), as_at, dated=parsed.progress_as_at
                )
                action.resolve_target()
                self._keep(action, row=parsed.row)
                self.outcome.created += 1
            elif self._change(action, values, parsed, as_at):
                self._keep(action, changed=True, row=parsed.row)
                self.outcome.updated += 1
            else:
                self.outcome.unchanged += 1
            rows.append(_Row(parsed, action, as_at))
        in_file = {parsed.ref for parsed in self.preview.actions}
        self.outcome.not_in_file = len(set(existing) - in_file)
        return rows

    def _action_values(self, parsed, position, themes, objectives, agencies, has) -> dict:
        values = {
            ACTION_FIELDS[key]: text for key, text in parsed.values.items() if key in ACTION_FIELDS
        }
        values["position"] = position
        if "rag" in self.preview.mapped or "tick" in self.preview.mapped:
            values["rag"] = self.preview.rag_for(parsed)
        if has["theme"]:
            values["theme"] = themes.get(id(parsed.theme))
        if has["objective"]:
            values["objective"] = objectives.get(id(parsed.objective))
        if has["agency"]:
            values["lead_agency"] = parsed.agency or agencies.get(parsed.agency_name)
        return values

    def _change(self, action: Action, values: dict, parsed: ParsedAction, as_at) -> bool:
        """Apply what the file changes to an existing action; False when nothing does.

        A changed target keeps the first one agreed as the original: the action slipped.
        """
        values = dict(values)
        target = values.pop("target_text", action.target_text)
        progress = parsed.values.get("progress", "")
        changed = _assign(action, values)
        changed = action.take_progress(progress, as_at, dated=parsed.progress_as_at) or changed
        changed = action.move_target(target) or changed
        if not changed:
            return False
        action.bump_version()
        action.updated_at = self.now
        return True

    def _sources(self, rows: list[_Row], findings) -> None:
        """Each action cites the board's reviews its answers column names ("K,O,P"), and
        the import's own review (with its finding) when it has a finding or names none:
        each exactly once. A source the import no longer wants is removed. When its
        answers column names reviews, the file says what every action cites, as it says
        the rest; otherwise only the import's own review is the import's business."""
        existing: dict[int, list[ActionSource]] = {}
        if self.plan.pk:
            sources = ActionSource.objects.filter(action__plan=self.plan)
            if not any(row.parsed.values.get("answers") for row in rows):
                sources = sources.filter(review_id=self.review.pk)
            for source in sources:
                existing.setdefault(source.action_id, []).append(source)
        self.stale_sources = []
        for row in rows:
            finding = findings.get(id(row.parsed.finding))
            wanted = [(review, None, note) for review, note in row.parsed.cited]
            if finding is not None or not wanted:
                wanted.insert(0, (self.review, finding, ""))
            sources = existing.get(row.action.pk, []) if row.action.pk else []
            kept = []
            for position, (review, cited_finding, note) in enumerate(wanted):
                same = next(
                    (
                        source
                        for source in sources
                        if _same_source(source, review, cited_finding, note) and source not in kept
                    ),
                    None,
                )
                if same is not None:
                    kept.append(same)
                    continue
                source = new_instance(
                    ActionSource,
                    {
                        "action": row.action,
                        "review": review,
                        "finding": cited_finding,
                        "note": note,
                        "position": position,
                    },
                )
                self._keep(source, check=False)
            self.stale_sources += [source for source in sources if source not in kept]

    @cached_property
    def labels(self) -> set[str]:
        """The labels of the updates the file gives (one a progress column)."""
        labels = set()
        for parsed in self.preview.actions:
            labels.add(self.preview.label_for(parsed))
            labels.update(heading[:200] for heading, _, _ in parsed.earlier_progress)
        return labels

    def _first_update_dates(self) -> dict[tuple[str, str], datetime.date]:
        """When each update the file repeats was first imported: re-imports keep that date.
        Keyed by (action ref, update label)."""
        if not self.plan.pk:
            return {}
        updates = ProgressUpdate.objects.filter(action__plan=self.plan, label__in=self.labels)
        return {
            (ref, label): as_at
            for ref, label, as_at in updates.values_list("action__ref", "label", "as_at")
        }

    def _updates(self, rows: list[_Row]) -> None:
        """An approved progress update per action with progress, found again by its label
        (the heading of the progress column it is from).

        The plan's own progress column is the board's record, so it is approved by
        whoever imports it.
        """
        existing = {}
        if self.plan.pk:
            updates = ProgressUpdate.objects.filter(action__plan=self.plan, label__in=self.labels)
            existing = {(update.action_id, update.label): update for update in updates}
        for row in rows:
            for label, values in self._row_updates(row):
                self._update(row.action, label, values, existing)

    def _row_updates(self, row: _Row) -> list[tuple[str, dict]]:
        """(label, values) of the updates a row gives: its earlier quarters, then its latest."""
        given = []
        for heading, progress, rag in row.parsed.earlier_progress:
            label = heading[:200]
            as_at = (
                self.first_dates.get((row.parsed.ref, label))
                or resolve_target(heading).due
                or row.as_at
            )
            given.append(
                (label, {"progress": progress, "next_steps": "", "rag": rag, "as_at": as_at})
            )
        values = {
            "progress": row.parsed.values.get("progress", ""),
            "next_steps": row.parsed.values.get("next_steps", ""),
            "rag": row.action.rag,
            "as_at": row.as_at,
        }
        if values["progress"] or values["next_steps"]:
            given.append((self.preview.label_for(row.parsed), values))
        return given

    def _update(self, action: Action, label: str, values: dict, existing: dict) -> None:
        """Create the approved update, or bring the one the label finds up to date."""
        update = existing.get((action.pk, label)) if action.pk else None
        if update is None:
            update = new_instance(
                ProgressUpdate,
                {
                    "action": action,
                    "label": label,
                    "status": UpdateStatus.APPROVED,
                    "author": self.author,
                    "decided_by": self.author,
                    "decided_at": self.now,
                    "submitted_at": self.now,
                    **values,
                },
            )
            self._keep(update, check=False)
        elif _assign(update, values):
            self._keep(update, changed=True, check=False)

    # ---- writing (real runs only, inside the transaction)

    def write(self) -> None:
        history = {"default_user": self.author, "default_change_reason": self.reason}
        for stale in self.stale_sources:
            stale._history_user = self.author
            stale._change_reason = self.reason
            stale.delete()
        for batch in self.batches.values():
            if batch.new:
                create_with_history(
                    batch.new, batch.model, author=self.author, reason=self.reason, when=self.now
                )
            if batch.changed:
                bulk_update_with_history(
                    batch.changed, batch.model, batch.fields, BATCH_SIZE, **history
                )


# An action's fields the file gives (`_Decisions._valid` checks their field rules).
_FROM_THE_FILE = {*ACTION_FIELDS.values(), "ref", "rag", "progress"}


@functools.cache
def _not_checked(model: type[models.Model]) -> list[str]:
    """The fields whose rules `_Decisions._valid` leaves out: relations (their rows may
    not be written yet) and, of an action, what the importer works out itself."""
    return [
        field.name
        for field in model._meta.fields
        if field.is_relation or (model is Action and field.name not in _FROM_THE_FILE)
    ]


def _same_source(source: ActionSource, review, finding, note: str) -> bool:
    """Whether an existing source already says this (a new review or finding never does)."""
    if review.pk is None or (finding is not None and finding.pk is None):
        return False
    return (
        source.review_id == review.pk
        and source.finding_id == (finding.pk if finding is not None else None)
        and source.note == note
    )


def _assign(instance, values: dict) -> bool:
    """Set the values that differ; whether any did."""
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def _free_key(keys: set[str]) -> str:
    number = 1
    while str(number) in keys:
        number += 1
    return str(number)
