"""Load the transcribed seed plans (fixtures/plans/*.json) into the database.

Loading is idempotent: every row is found by its natural key (board slug, review
reference, plan slug, action ref...) and saved only when something differs, so a
second run neither duplicates rows nor writes history.
"""

import datetime
import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from reviews.models import Board, Finding, Review

from .models import (
    Action,
    ActionSource,
    Agency,
    Objective,
    Plan,
    ProgressUpdate,
    Theme,
    UpdateStatus,
)

SEED_DIRECTORY = Path(settings.BASE_DIR) / "fixtures" / "plans"


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _upsert(model, lookup: dict, values: dict):
    """Get or create one row by its natural key; save only what changed.

    Field rules and the model's own clean() run in Python; uniqueness and check
    constraints are left to the database (which enforces them anyway), and related
    rows are not looked up again: they were just loaded or created here.
    """
    instance = model.objects.filter(**lookup).order_by().first()
    if instance is None:
        instance = model(**lookup, **values)
    elif not _change(instance, values):
        return instance
    relations = [f.name for f in model._meta.concrete_fields if f.is_relation]
    instance.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
    instance.save()
    return instance


def _change(instance, values: dict) -> bool:
    """Set the values that differ; whether any did. An action changes by the rules every
    writer uses: a moved target keeps the first as the original, and a change is a new
    version (a form opened on the old one is refused)."""
    values = dict(values)
    moved = False
    if isinstance(instance, Action) and "target_text" in values:
        moved = instance.move_target(values.pop("target_text"))
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    if isinstance(instance, Action) and (changed or moved):
        instance.bump_version()
    return bool(changed) or moved


def seed_files(directory: Path = SEED_DIRECTORY) -> list[Path]:
    """The fixture files in load order (reviews shared between plans load first)."""
    order = (directory / "ORDER").read_text(encoding="utf-8").split()
    return [directory / f"{slug}.json" for slug in order]


def load_seed_plans(directory: Path = SEED_DIRECTORY) -> list[Plan]:
    return [load_plan_file(path) for path in seed_files(directory)]


def load_plan_file(path: Path) -> Plan:
    return load_plan(json.loads(path.read_text(encoding="utf-8")))


@transaction.atomic
def load_plan(data: dict) -> Plan:
    board_data = data["board"]
    board = _upsert(
        Board,
        {"slug": board_data["slug"]},
        {"name": board_data["name"], "short_name": board_data["short_name"]},
    )
    agencies = {
        row["short_name"]: _upsert(
            Agency,
            {"board": board, "short_name": row["short_name"]},
            {"name": row["name"], "kind": row["kind"]},
        )
        for row in data["agencies"]
    }
    reviews = {}
    for row in data["reviews"]:
        review = _upsert(
            Review,
            {"board": board, "reference": row["reference"]},
            {
                "kind": row["kind"],
                "title": row["title"],
                "published_text": row.get("published_text", ""),
                "published_on": _date(row.get("published_on")),
            },
        )
        for position, finding in enumerate(row["findings"], start=1):
            _upsert(
                Finding,
                {"review": review, "number": finding["number"]},
                {
                    "kind": finding["kind"],
                    "text": finding["text"],
                    "strategic_response": finding.get("strategic_response", ""),
                    "priority": finding.get("priority", ""),
                    "outcome": finding.get("outcome", ""),
                    "measure": finding.get("measure", ""),
                    "source_note": finding.get("source_note", ""),
                    "position": position,
                },
            )
        reviews[row["reference"]] = review

    findings: dict[tuple[str, str], Finding] = {}

    def review_of(reference: str) -> Review:
        if reference not in reviews:
            reviews[reference] = Review.objects.get(board=board, reference=reference)
        return reviews[reference]

    def finding_of(reference: str, number: str | None) -> Finding | None:
        if not number:
            return None
        if (reference, number) not in findings:
            findings[reference, number] = Finding.objects.get(
                review=review_of(reference), number=number
            )
        return findings[reference, number]

    plan_data = data["plan"]
    plan = _upsert(
        Plan,
        {"slug": plan_data["slug"]},
        {
            "board": board,
            "title": plan_data["title"],
            "kind": plan_data["kind"],
            "published_text": plan_data.get("published_text", ""),
            "published_on": _date(plan_data.get("published_on")),
            "introduction": plan_data.get("introduction", ""),
            "rag_legend": plan_data.get("rag_legend", {}),
            "columns": plan_data.get("columns", {}),
        },
    )
    themes = {
        row["key"]: _upsert(
            Theme,
            {"plan": plan, "key": row["key"]},
            {"title": row["title"], "position": position},
        )
        for position, row in enumerate(data["themes"], start=1)
    }
    objectives = {
        row["key"]: _upsert(
            Objective,
            {"plan": plan, "key": row["key"]},
            {
                "text": row["text"],
                "finding": finding_of(row.get("review"), row.get("finding")),
                "position": position,
            },
        )
        for position, row in enumerate(data["objectives"], start=1)
    }
    # A status someone has since set through the update workflow (an approved update
    # with an author: the fixtures' own updates have none, the demo history's do) is
    # kept when the seed is loaded again, as the progress it brought is.
    reported = set(
        ProgressUpdate.objects.filter(
            action__plan=plan, status=UpdateStatus.APPROVED, author__isnull=False
        ).values_list("action__ref", flat=True)
    )
    current_rag = dict(Action.objects.filter(plan=plan, ref__in=reported).values_list("ref", "rag"))
    for position, row in enumerate(data["actions"], start=1):
        action = _upsert(
            Action,
            {"plan": plan, "ref": row["ref"]},
            {
                "text": row["text"],
                "theme": themes[row["theme"]] if row.get("theme") else None,
                "objective": objectives[row["objective"]] if row.get("objective") else None,
                "answers_as_written": row.get("answers_as_written", ""),
                "lead_agency": agencies[row["lead_agency"]] if row.get("lead_agency") else None,
                "lead_person": row.get("lead_as_written", ""),
                "subgroup": row.get("subgroup", ""),
                "evidence": row.get("evidence", ""),
                "resources": row.get("resources", ""),
                "kpis": row.get("kpis", ""),
                "target_text": row.get("target_text", ""),
                "rag": current_rag.get(row["ref"], row["rag"]),
                "position": position,
            },
        )
        _load_sources(action, row.get("answers", []), review_of, finding_of)
        _load_updates(action, row.get("updates", []))
    return plan


def _load_sources(action: Action, answers: list[dict], review_of, finding_of) -> None:
    for position, answer in enumerate(answers, start=1):
        review = review_of(answer["review"])
        _upsert(
            ActionSource,
            {
                "action": action,
                "review": review,
                "finding": finding_of(answer["review"], answer.get("finding")),
            },
            {"note": answer.get("note", ""), "position": position},
        )


def _load_updates(action: Action, updates: list[dict]) -> None:
    for row in updates:
        _upsert(
            ProgressUpdate,
            {"action": action, "label": row["label"], "as_at": _date(row["date"])},
            {
                "progress": row.get("progress", ""),
                "next_steps": row.get("next_steps", ""),
                "rag": row["rag"],
                "status": UpdateStatus.APPROVED,
            },
        )
    if not updates:
        return
    latest = action.updates.filter(status=UpdateStatus.APPROVED).order_by("-as_at").first()
    if latest and (action.rag, action.progress, action.progress_as_at) != (
        latest.rag,
        latest.progress or action.progress,
        latest.as_at,
    ):
        action.take_update(latest)  # the rules every writer uses
        action.bump_version()
        action.save()
