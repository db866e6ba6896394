"""CSV and XLSX of a plan's actions, or of any filtered action list, and their update trail.

The columns are the board PDF's: plan, ref, reviews and findings answered (resolved,
and as the plan wrote them), theme, objective, action, lead agency, lead as written,
enabling subgroup, evidence, resources, KPIs, target date as written, the due date it
resolves to, the target it slipped from, RAG (the plan's own words and the code),
latest approved progress and its date, and flags. The update trail (every progress
update) is a second sheet in XLSX and a file of its own in CSV.

Headings come from `actionplans.columns`, which the importer reads them by, so an export
imports straight back.
Every text cell goes through `neutralise` (a leading `= + - @`, tab or CR gets a
single quote, the OWASP way; in XLSX through `actionplans.spreadsheets.xlsx_text`,
shared with the offline return), which the importer takes off again. CSV is UTF-8 with a
BOM (so Excel reads it as UTF-8), dates ISO 8601; XLSX dates are date cells shown
day first. Nothing here writes to the database.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import batched

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from actionplans import selectors
from actionplans.columns import DERIVED, LABELS, UPDATE_HEADINGS, neutralise
from actionplans.models import Action, Plan, ProgressUpdate
from actionplans.spreadsheets import (  # noqa: F401 - the export views use these from here
    XLSX_CONTENT_TYPE,
    XLSX_MAX_CELL,
    xlsx_text,
)

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_DATE_FORMAT = "DD/MM/YYYY"

type Cell = str | datetime.date | None


@dataclass(frozen=True)
class Column:
    heading: str
    value: Callable[[Action, datetime.date], Cell]
    width: int = 18


def _field(key: str) -> str:
    return LABELS[key]


def reviews_answered(action: Action) -> str:
    """The reviews and findings an action cites, resolved: "Case L finding 2; Case D"."""
    cited = []
    for source in action.sources.all():
        words = source.review.reference
        if source.finding is not None:
            kind = source.finding.get_kind_display().lower()
            words = f"{words} {kind} {source.finding.number}"
        cited.append(f"{words} ({source.note})" if source.note else words)
    return "; ".join(cited)


def _flags(action: Action, on: datetime.date) -> str:
    return "; ".join(words for _code, words in action.flags(on))


ACTION_COLUMNS: tuple[Column, ...] = (
    Column(DERIVED["plan"], lambda a, on: a.plan.title, 30),
    Column(_field("ref"), lambda a, on: a.ref, 8),
    Column(DERIVED["reviews_answered"], lambda a, on: reviews_answered(a), 24),
    Column(_field("answers"), lambda a, on: a.answers_as_written),
    Column(_field("theme"), lambda a, on: a.theme.title if a.theme else "", 24),
    Column(_field("objective"), lambda a, on: a.objective.text if a.objective else "", 40),
    Column(_field("text"), lambda a, on: a.text, 60),
    Column(_field("lead_agency"), lambda a, on: a.lead_agency.short_name if a.lead_agency else ""),
    Column(_field("lead"), lambda a, on: a.lead_person, 24),
    Column(_field("subgroup"), lambda a, on: a.subgroup),
    Column(_field("evidence"), lambda a, on: a.evidence, 40),
    Column(DERIVED["evidence_files"], lambda a, on: "; ".join(selectors.evidence_names(a)), 30),
    Column(_field("resources"), lambda a, on: a.resources, 24),
    Column(_field("kpis"), lambda a, on: a.kpis, 40),
    Column(_field("target"), lambda a, on: a.target_text),
    Column(DERIVED["due_date"], lambda a, on: a.due_date, 12),
    Column(
        DERIVED["original_target"], lambda a, on: a.original_target_text if a.is_slipped else ""
    ),
    Column(_field("rag"), lambda a, on: a.rag_label, 24),
    Column(DERIVED["rag_code"], lambda a, on: a.rag, 12),
    Column(_field("progress"), lambda a, on: a.progress, 60),
    Column(_field("progress_as_at"), lambda a, on: a.progress_as_at, 12),
    Column(DERIVED["flags"], _flags, 30),
)


def _update_author(update: ProgressUpdate) -> str:
    """Who sent it; an update a manager recorded for an agency says so."""
    author = update.author.get_username() if update.author else ""
    if update.recorded_for_id:
        return f"{author} (recorded for {update.recorded_for})"
    return author


def _update_rag(update: ProgressUpdate) -> str:
    return update.action.plan.rag_label(update.rag)


UPDATE_COLUMNS: tuple[tuple[str, Callable[[ProgressUpdate], Cell], int], ...] = (
    (UPDATE_HEADINGS["plan"], lambda u: u.action.plan.title, 30),
    (UPDATE_HEADINGS["ref"], lambda u: u.action.ref, 8),
    (UPDATE_HEADINGS["label"], lambda u: u.label, 30),
    (UPDATE_HEADINGS["as_at"], lambda u: u.as_at, 12),
    (UPDATE_HEADINGS["status"], lambda u: u.get_status_display(), 16),
    (UPDATE_HEADINGS["rag"], _update_rag, 24),
    (UPDATE_HEADINGS["progress"], lambda u: u.progress, 60),
    (UPDATE_HEADINGS["next_steps"], lambda u: u.next_steps, 40),
    (UPDATE_HEADINGS["author"], lambda u: _update_author(u), 16),
    (UPDATE_HEADINGS["proposed_target"], lambda u: u.proposed_target_text, 18),
    (UPDATE_HEADINGS["reason"], lambda u: u.target_change_reason, 40),
)


# ------------------------------------------------------------------- what is exported


def plan_actions(plan: Plan) -> QuerySet[Action]:
    """A plan's actions in the plan's order, with everything a row prints."""
    return selectors.action_queryset().filter(plan=plan).order_by("position", "id")


def update_trail(actions: QuerySet[Action]) -> QuerySet[ProgressUpdate]:
    """Every progress update of these actions, action by action, newest first."""
    return selectors.update_list(actions=actions)


EVIDENCE_BATCH = 500


def action_rows(actions: Iterable[Action]) -> Iterable[list[Cell]]:
    """The rows; evidence files are read for each batch of actions in one query."""
    on = timezone.localdate()
    for batch in batched(actions, EVIDENCE_BATCH, strict=False):
        selectors.evidence_held(list(batch))
        for action in batch:
            yield [column.value(action, on) for column in ACTION_COLUMNS]


def update_rows(updates: Iterable[ProgressUpdate]) -> Iterable[list[Cell]]:
    for update in updates:
        yield [value(update) for _heading, value, _width in UPDATE_COLUMNS]


ACTION_HEADINGS = [column.heading for column in ACTION_COLUMNS]
UPDATE_HEADINGS_ROW = [heading for heading, _value, _width in UPDATE_COLUMNS]


def actions_csv(actions: QuerySet[Action]) -> bytes:
    return csv_bytes(ACTION_HEADINGS, action_rows(actions))


def updates_csv(actions: QuerySet[Action]) -> bytes:
    return csv_bytes(UPDATE_HEADINGS_ROW, update_rows(update_trail(actions)))


def actions_xlsx(actions: QuerySet[Action]) -> bytes:
    """Actions on the first sheet, their update trail on the second."""
    return xlsx_bytes(
        [
            Sheet(
                "Actions", ACTION_HEADINGS, [c.width for c in ACTION_COLUMNS], action_rows(actions)
            ),
            Sheet(
                "Updates",
                UPDATE_HEADINGS_ROW,
                [width for _heading, _value, width in UPDATE_COLUMNS],
                update_rows(update_trail(actions)),
            ),
        ]
    )


# ------------------------------------------------------------------------- writers


def csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return neutralise(str(value))


def csv_bytes(headings: list[str], rows: Iterable[list[Cell]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(heading) for heading in headings])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


@dataclass
class Sheet:
    title: str
    headings: list[str]
    widths: list[int]
    rows: Iterable[list[Cell]]


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(workbook.create_sheet(sheet.title), sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(worksheet, sheet: Sheet) -> None:
    worksheet.freeze_panes = "A2"
    for index, width in enumerate(sheet.widths, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    heading_cells = []
    for heading in sheet.headings:
        cell = WriteOnlyCell(worksheet, value=heading)
        cell.font = bold
        heading_cells.append(cell)
    worksheet.append(heading_cells)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in sheet.rows:
        worksheet.append([_xlsx_cell(worksheet, value, wrap) for value in row])


def _xlsx_cell(worksheet, value: Cell, wrap: Alignment):
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(worksheet, value=value)
        cell.number_format = XLSX_DATE_FORMAT
        return cell
    cell = WriteOnlyCell(worksheet, value=xlsx_text(str(value)))
    cell.data_type = "s"  # never a formula, whatever the text
    cell.alignment = wrap
    return cell
