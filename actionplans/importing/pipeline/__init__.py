"""Import a plan's actions: one module a step, one entry point, `run_import`.

1. `read_document`: bytes -> rows of cell values (XLSX, CSV, Word), refusing hostile
   files with a clear message;
2. `header`: find the heading row and the sub-headings under it;
3. `columns`: map the columns to fields (the manager's choice, else the headings);
4. `key`: find the RAG key and legend (above or under the table, colours or numbers);
5. `groups`: walk the rows, carrying findings, themes and objectives down; say which
   rows are actions, headings or continuations;
6. `rows`: read each action's cells (merged cells, fills, ticks, quarters);
7. `matching`: match agencies, reviews and status words;
8. `refs`: number refs;
9. `validate`: row errors;
10. `write`: the preview -> the database, all or nothing, idempotent (or a dry run),
    asking `policy` like every other write.

Each step takes what the steps before it returned (frozen records: `Header`,
`Columns`, `Key`, `Grouped`, `Rows`...) and nothing else; each is tested alone in
tests/test_import_pipeline_steps.py. Steps 1 to 9 read and never write: together they
make the `ImportPreview` the manager checks (`build_preview`). The upload pages
(`importing.forms`) and `manage.py import_plan` both call `run_import`.
"""

from __future__ import annotations

from reviews.models import Board

from ..preview import ImportPreview, RowProblem
from ..readers import Table, UnreadableFile
from .columns import read_columns
from .context import ImportChoices, ImportRefused, ImportRun, ImportSource, ImportTarget
from .groups import build_groups
from .header import read_header
from .key import find_key
from .matching import match_rows
from .refs import number_refs
from .rows import read_rows
from .validate import validate
from .write import LEAVE_UNLINKED, NEW_AGENCY, ImportOutcome, plan_for_target, write_plan

__all__ = [
    "LEAVE_UNLINKED",
    "NEW_AGENCY",
    "ImportChoices",
    "ImportOutcome",
    "ImportRefused",
    "ImportRun",
    "ImportSource",
    "ImportTarget",
    "build_preview",
    "read_plan",
    "run_import",
]


def run_import(source: ImportSource, choices: ImportChoices, *, dry_run: bool, user) -> ImportRun:
    """Read the source with the choices and, when it has no row errors, write it (or,
    for a dry run, count what writing would do).

    `user` is who imports (asked of `policy` by the write step); None is the command
    line. Problems of the whole file (unreadable, another board's plan, refused on
    writing) are in the run's `problems`, row errors in its preview; PermissionDenied
    is raised."""
    run = read_plan(source, choices)
    if run.preview is None or run.preview.errors:
        return run
    try:
        run.outcome = write_plan(
            preview=run.preview, target=source.target, author=user, dry_run=dry_run
        )
    except ImportRefused as refused:
        run.problems += refused.problems
    return run


def read_plan(source: ImportSource, choices: ImportChoices) -> ImportRun:
    """Steps 1 to 9: the preview of the source with the choices; writes nothing."""
    run = ImportRun()
    try:
        run.plan = plan_for_target(source.target)
        reading = choices.reading
        if reading not in source.readings:
            source.readings[reading] = build_preview(
                source.table,
                board=source.target.board,
                legend=run.plan.rag_legend if run.plan else None,
                columns=choices.columns,
                heading_rows=set(choices.heading_rows),
            )
        preview = source.readings[reading]
    except (UnreadableFile, ImportRefused) as problem:
        run.problems.append(str(problem))
        return run
    agencies = choices.agencies
    if choices.new_agencies:
        agencies = dict.fromkeys(preview.unknown_agencies, NEW_AGENCY)
    run.preview = preview.with_choices(agencies=agencies, statuses=choices.statuses)
    return run


def build_preview(
    table: Table,
    *,
    board: Board,
    legend: dict[str, str] | None = None,
    columns: dict[int, str] | None = None,
    heading_rows: set[int] | None = None,
) -> ImportPreview:
    """Read the table's actions with the automatic column mapping, or the manager's.

    `legend` is the plan's own words for each status, when importing into a plan that
    has them. `heading_rows`: rows the manager says are headings (a theme, or a
    finding when they read as one), whatever they hold. Raises UnreadableFile when no
    heading row can be found.
    """
    header = read_header(table)
    mapped = read_columns(header, columns)
    preview = ImportPreview(table=table, header_row=header.number, columns=list(mapped.mapping))
    preview.notes += [*header.notes, *mapped.notes]
    if not mapped.has_actions:
        preview.errors.append(
            RowProblem(header.number, "Choose the column that holds the actions.")
        )
        return preview
    preview.refs_number_findings = mapped.finding_numbers is not None
    key = find_key(header, legend)
    headings = frozenset(heading_rows or ()) | table.heading_rows
    grouped = build_groups(header, mapped, key, heading_rows=headings)
    rows = read_rows(grouped, header, mapped, key, table)
    matches = match_rows(rows, board=board, columns=mapped, key=key)
    actions = rows.actions
    number_refs(actions)
    preview.actions = actions
    preview.notes += rows.notes
    if key.rows:
        preview.notes.append(_key_note(key.rows))
    preview.errors = validate(actions, grouped.errors, mapped, header.number)
    preview.unknown_agencies = matches.unknown_agencies
    preview.suggested_agencies = matches.suggested_agencies
    preview.unknown_reviews = matches.unknown_reviews
    preview.unknown_statuses = matches.unknown_statuses
    preview.legend = matches.legend
    preview.key_statuses = set(key.key_statuses)
    return preview


def _key_note(rows: tuple[int, ...]) -> RowProblem:
    listed = f" (rows {', '.join(map(str, rows))})." if len(rows) > 1 else "."
    return RowProblem(rows[0], "read as the plan's RAG key, not as actions" + listed)
