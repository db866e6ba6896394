"""The offline return: a round's actions as a workbook to fill in, read back and checked.

For leads who will not sign in to write twelve updates. Three steps, each alone:

1. `return_workbook` builds the XLSX: sheet "Updates" with a title row (round,
   deadline, agencies), a header row and one row per action of the round the user
   may report on (a lead: their own agencies' actions only; a manager: every agency,
   or one). Columns A and B (hidden) hold the action's id and its version at download.
   The rest show the ref, action, target, current RAG and last progress, then empty
   columns to fill: what has been done, what happens next, the RAG status proposed (a
   drop-down in the plan's own words; the colour alone is accepted too), a new target
   and the reason. Sheet "How to fill this in" explains, and holds the drop-downs'
   lists. Every text cell goes through `xlsx_text` (never run as a formula); nothing
   is protected (people paste).
2. `read_return` reads the upload with the hardened readers (`importing.readers`:
   zip bombs, entities, sizes, columns, cells) and finds our columns by their
   headings (moved or inserted columns do no harm). A file that is not our return,
   or is another round's, is refused as a whole.
3. `check_return` checks every row with the web form's rules (`ProgressUpdateForm`,
   so the messages are the same) and the policy, and gives each filled row a
   `submission_key` derived from the round, the action and what the row says: the
   same file twice gives the same keys, and `update_submit` returns the first update.
   A row whose action changed since the download is refused with who changed it,
   unless that row was already sent. Rows left empty (none of the columns to fill
   written) are skipped; a row with a status or target but nothing done and nothing
   next is refused, as the web form refuses it. A blank proposed status keeps the
   current one. Any error and nothing is written (`services.offline_return_apply`
   writes, with the rows' actions locked, and checks everything again first).

Between the preview and the confirmation the file waits in `rounds.uploads`.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import uuid
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from actionplans import policy, services
from actionplans.forms import ProgressUpdateForm
from actionplans.importing.cells import cell_text
from actionplans.importing.readers import MissingSheet, UnreadableFile, read_table
from actionplans.models import (
    RAG,
    Action,
    Agency,
    Plan,
    ProgressUpdate,
    Round,
    RoundAction,
    UpdateStatus,
)
from actionplans.selectors import evidence_held, evidence_names
from actionplans.spreadsheets import xlsx_text

from .selectors import round_items

SHEET = "Updates"
GUIDE_SHEET = "How to fill this in"
MARKER = "Offline return"  # cell A1 (hidden): this is our return
TITLE_ROW, NOTE_ROW, HEADER_ROW = 1, 2, 3
FIRST_ROW = HEADER_ROW + 1
# The statuses a lead may propose, in the web form's order.
PROPOSABLE = (RAG.RED, RAG.AMBER, RAG.GREEN, RAG.BLUE, RAG.NOT_STARTED)
KEY_NAMESPACE = uuid.UUID("0b6f9a1e-3c1d-5f7e-9a51-6c0ffee0a11d")


def _label(name: str) -> str:
    return str(ProgressUpdateForm.base_fields[name].label)


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    width: int
    to_fill: bool = False
    hidden: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("action_id", "Action id (do not change)", 10, hidden=True),
    Column("version", "Version at download (do not change)", 10, hidden=True),
    Column("plan", "Plan", 24),
    Column("ref", "Ref", 8),
    Column("agency", "Lead agency", 16),
    Column("text", "Action", 50),
    Column("target", "Target date", 16),
    Column("rag", "Current RAG status", 22),
    Column("last_progress", "Last progress", 50),
    # By reference only: files are attached on the web (the action's page), never here.
    Column("evidence_files", "Evidence files already attached (on the web)", 30),
    Column("state", "In this round", 18),
    Column("progress", _label("progress"), 50, to_fill=True),
    Column("next_steps", _label("next_steps"), 40, to_fill=True),
    Column("rag_proposed", _label("rag"), 26, to_fill=True),
    Column("proposed_target_text", _label("proposed_target_text"), 22, to_fill=True),
    Column("target_change_reason", "Reason for the new target date", 40, to_fill=True),
)
BY_KEY = {column.key: column for column in COLUMNS}
LETTERS = {column.key: get_column_letter(index) for index, column in enumerate(COLUMNS, 1)}
FILLED = [column.key for column in COLUMNS if column.to_fill]
READ = ["action_id", "version", *FILLED]


def _normal(text: str) -> str:
    """Words compared loosely: case, spaces and the kind of dash do not matter."""
    return re.sub(r"\s+", " ", re.sub(r"[‐-―−-]", "-", text)).strip().casefold()


# ------------------------------------------------------------------ 1. the workbook


@dataclass
class ReturnScope:
    """Which of the round's actions a user's return holds."""

    round: Round
    agencies: list[Agency]  # empty: every agency (a manager's return)
    items: list  # round_items' TrackerItems

    @property
    def agency_words(self) -> str:
        if not self.agencies:
            return "all agencies"
        return ", ".join(agency.short_name for agency in self.agencies)


def return_scope(*, round: Round, user, agency: Agency | None = None) -> ReturnScope:
    """The actions of the round this user may report on (a lead: their own agencies')."""
    agency_ids = policy.offline_return_agency_ids(user, round)
    if agency is not None:
        agency_ids = {agency.pk}
    items = round_items(round, agency_ids=agency_ids)
    if policy.can_manage_rounds(user, round.board_id):
        items = [item for item in items if policy.can_record_update(user, item.action)]
    else:
        items = [item for item in items if policy.can_submit_update(user, item.action)]
    agencies = []
    if agency_ids is not None:
        agencies = list(Agency.objects.filter(pk__in=agency_ids).order_by("short_name"))
    return ReturnScope(round=round, agencies=agencies, items=items)


def return_agencies(round: Round) -> list[Agency]:
    """The agencies asked in the round: a manager may download one agency's return."""
    return list(Agency.objects.filter(round_items__round=round).distinct().order_by("short_name"))


def return_filename(scope: ReturnScope) -> str:
    words = slugify(f"{scope.round.name} {scope.agency_words}")[:80] or "return"
    return f"return-{words}.xlsx"


def return_workbook(scope: ReturnScope, *, on: datetime.date | None = None) -> bytes:
    on = on or timezone.localdate()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    guide = workbook.create_sheet(GUIDE_SHEET)
    lists = _write_guide(guide, scope)
    _write_updates(sheet, scope, lists, on)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(sheet, row: int, column: int, value, *, bold=False, wrap=True):
    cell = sheet.cell(row=row, column=column)
    if value is None or value == "":
        return cell
    if isinstance(value, datetime.date | int):
        cell.value = value
    else:
        cell.value = xlsx_text(str(value))
        cell.data_type = "s"  # never a formula, whatever the text
    if bold:
        cell.font = Font(bold=True)
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _write_updates(sheet, scope: ReturnScope, lists: dict[int, str], on: datetime.date) -> None:
    round = scope.round
    sheet.cell(row=TITLE_ROW, column=1, value=MARKER)
    sheet.cell(row=TITLE_ROW, column=2, value=round.pk)
    title = (
        f"{round.name}: updates due by {round.deadline:%d %B %Y}, for {scope.agency_words} "
        f"(downloaded {on:%d/%m/%Y})"
    )
    _text_cell(sheet, TITLE_ROW, 3, title, wrap=False).font = Font(bold=True, size=14)
    note = (
        f"Fill in columns {LETTERS['progress']} to {LETTERS['target_change_reason']} for "
        f"each action you report on; leave a row empty to skip it. See “{GUIDE_SHEET}”."
    )
    _text_cell(sheet, NOTE_ROW, 3, note, wrap=False)
    to_fill = PatternFill("solid", fgColor="FFF7BF")
    for index, column in enumerate(COLUMNS, start=1):
        cell = _text_cell(sheet, HEADER_ROW, index, column.heading, bold=True)
        if column.to_fill:
            cell.fill = to_fill
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        sheet.column_dimensions[letter].hidden = column.hidden
    sheet.freeze_panes = f"E{FIRST_ROW}"
    rows_by_plan: dict[int, list[int]] = {}
    evidence_held([item.action for item in scope.items])
    for number, item in enumerate(scope.items, start=FIRST_ROW):
        action = item.action
        last = action.progress
        if last and action.progress_as_at:
            last = f"{action.progress_as_at:%d/%m/%Y}: {last}"
        values = {
            "action_id": action.pk,
            "version": action.version,
            "plan": action.plan.title,
            "ref": action.ref,
            "agency": action.lead_agency.short_name if action.lead_agency else "",
            "text": action.text,
            "target": action.target_text,
            "rag": action.rag_label,
            "last_progress": last,
            "evidence_files": "; ".join(evidence_names(action)),
            "state": item.state_label,
        }
        for index, column in enumerate(COLUMNS, start=1):
            _text_cell(sheet, number, index, values.get(column.key))
        rows_by_plan.setdefault(action.plan_id, []).append(number)
    letter = LETTERS["rag_proposed"]
    for plan_id, rows in rows_by_plan.items():
        validation = DataValidation(
            type="list",
            formula1=lists[plan_id],
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="information",  # a colour typed alone is kept: we read it too
            errorTitle="RAG status",
            error="Choose a status from the list, or type its colour: Red, Amber, Green, Blue.",
        )
        for row in rows:
            validation.add(f"{letter}{row}")
        sheet.add_data_validation(validation)


GUIDE = [
    "Each row of the sheet “Updates” is one action of the round. Write your update in the "
    "yellow columns; leave the others as they are.",
    "“What has been done” and “What happens next”: at least one of them. A row with both "
    "empty is skipped: no update is sent for that action.",
    "“RAG status you propose”: choose from the drop-down (the plan's own words), or type "
    "the colour: Red, Amber, Green, Blue or Not started. Left empty, the current status "
    "is kept.",
    "“New target date”: only if the target must move, written as the board would: "
    "“March 2027”, “Q2 2027/28”. Give the reason beside it: a new target needs one.",
    "Do not change the hidden columns A and B (the action and its version). You may "
    "paste, add columns or sort the rows.",
    "Save as Excel workbook (.xlsx) and upload it on the “Upload a filled-in return” page. "
    "You will see every update before anything is sent; a problem in any row is listed "
    "with its row number and nothing is sent until the file is right.",
    "If someone changed an action after you downloaded this file, that row is refused: "
    "download the return again and copy your update into it.",
    "Uploading the same file again sends nothing new.",
    "Evidence files (an audit report, a training register) cannot go in this workbook: "
    "once your return is sent, attach them to your update on the web, on each action's "
    "page (“Attach evidence files”). The column “Evidence files already attached” lists "
    "the files each action has already.",
]


def _write_guide(sheet, scope: ReturnScope) -> dict[int, str]:
    """The instructions, and each plan's RAG words (the drop-downs' lists) by plan id."""
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 90
    _text_cell(sheet, 1, 1, GUIDE_SHEET, bold=True, wrap=False).font = Font(bold=True, size=14)
    row = 3
    for number, text in enumerate(GUIDE, start=1):
        _text_cell(sheet, row, 1, f"{number}.", wrap=False)
        _text_cell(sheet, row, 2, text)
        row += 1
    row += 1
    _text_cell(sheet, row, 1, "Plan", bold=True)
    _text_cell(sheet, row, 2, "RAG statuses you may propose (in the plan's own words)", bold=True)
    row += 1
    lists: dict[int, str] = {}
    plans = {item.action.plan_id: item.action.plan for item in scope.items}
    for plan in sorted(plans.values(), key=lambda plan: plan.title):
        first = row
        _text_cell(sheet, row, 1, plan.title)
        for status in PROPOSABLE:
            _text_cell(sheet, row, 2, plan.rag_label(status), wrap=False)
            row += 1
        lists[plan.pk] = f"{quote_sheetname(GUIDE_SHEET)}!$B${first}:$B${row - 1}"
    return lists


# --------------------------------------------------------------- 2. reading it back


@dataclass(frozen=True)
class ReturnRow:
    number: int
    action_id: int | None
    version: int | None
    values: dict[str, str]  # the filled columns, as text

    @property
    def is_empty(self) -> bool:
        return not any(self.values.values())


class NotAReturn(UnreadableFile):
    """Readable, but not this round's offline return."""


NOT_OURS = (
    "This is not an offline return of this service. Download the return on this page "
    "(an Excel workbook of your actions in the round), fill that file in and upload it."
)


def read_return(data: bytes, *, round: Round) -> list[ReturnRow]:
    """The rows under the headings with an action id or anything written in them.

    NotAReturn (or the readers' UnreadableFile) when the file is not this round's return.
    """
    if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise NotAReturn(
            "This file is not an Excel workbook (.xlsx). Upload the return you downloaded, "
            "saved in Excel as an Excel workbook."
        )
    try:
        table = read_table(data, sheet=SHEET)
    except MissingSheet as error:
        raise NotAReturn(NOT_OURS) from error
    rows = {row.number: row.cells for row in table.rows}
    title = rows.get(TITLE_ROW, ())
    if len(title) < 2 or cell_text(title[0]) != MARKER:
        raise NotAReturn(NOT_OURS)
    if cell_text(title[1]) != str(round.pk):
        raise NotAReturn(
            f"This return was downloaded for another round. Download the return of "
            f"“{round}” and copy your updates into it."
        )
    positions = _columns(rows.get(HEADER_ROW, ()))
    result = []
    for number, cells in sorted(rows.items()):
        if number <= HEADER_ROW:
            continue

        def value(key, cells=cells):
            index = positions[key]
            return cells[index] if index < len(cells) else None

        values = {key: cell_text(value(key)) for key in FILLED}
        action_id, version = _whole(value("action_id")), _whole(value("version"))
        if action_id is None and not any(values.values()):
            continue  # a note someone wrote under the table
        result.append(ReturnRow(number, action_id, version, values))
    return result


def _columns(headings) -> dict[str, int]:
    """Where each column we read is, by its heading."""
    found: dict[str, int] = {}
    wanted = {_normal(BY_KEY[key].heading): key for key in READ}
    for index, heading in enumerate(headings):
        key = wanted.get(_normal(cell_text(heading)))
        if key and key not in found:
            found[key] = index
    missing = [BY_KEY[key].heading for key in READ if key not in found]
    if missing:
        raise NotAReturn(
            f"Row {HEADER_ROW} of the return has lost these columns: "
            + ", ".join(f"“{heading}”" for heading in missing)
            + ". Download the return again and copy your updates into it."
        )
    return found


MAX_ID = 2**31 - 1  # an id or version past any the database holds is not ours


def _whole(value) -> int | None:
    """An id or version as a spreadsheet keeps it (a number, or text of digits)."""
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    return number if number is not None and 0 < number <= MAX_ID else None


# --------------------------------------------------------------------- 3. checking


@dataclass
class CheckedRow:
    """A filled row that passed every check: the update it sends (or sent already)."""

    number: int
    action: Action
    rag: str
    progress: str
    next_steps: str
    proposed_target_text: str
    target_change_reason: str
    submission_key: uuid.UUID
    existing: ProgressUpdate | None = None  # the same row, sent before: nothing new
    waiting: ProgressUpdate | None = None  # another update of the action awaiting approval

    @property
    def rag_label(self) -> str:
        return self.action.plan.rag_label(self.rag)

    @property
    def rag_unchanged(self) -> bool:
        return self.rag == self.action.rag

    def update_data(self) -> dict:
        return {
            "rag": self.rag,
            "progress": self.progress,
            "next_steps": self.next_steps,
            "proposed_target_text": self.proposed_target_text,
            "target_change_reason": self.target_change_reason,
        }


@dataclass
class ReturnCheck:
    round: Round
    on_behalf: bool  # a manager's upload: recorded for the agencies, approved at once
    rows: list[CheckedRow] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # row numbers left empty
    errors: list[str] = field(default_factory=list)
    file_error: str = ""

    @property
    def new_rows(self) -> list[CheckedRow]:
        return [row for row in self.rows if row.existing is None]

    @property
    def sent_rows(self) -> list[CheckedRow]:
        return [row for row in self.rows if row.existing is not None]

    @property
    def refused(self) -> bool:
        return bool(self.errors or self.file_error)

    @property
    def can_apply(self) -> bool:
        return not self.refused and bool(self.new_rows)

    @property
    def problems(self) -> list[str]:
        return [self.file_error] if self.file_error else self.errors


def check_return(*, round: Round, user, data: bytes, lock: bool = False) -> ReturnCheck:
    """Every row of the upload checked; nothing written. `lock` (inside the service's
    transaction) locks the rows' actions first, so their versions hold until written."""
    on_behalf = policy.can_manage_rounds(user, round.board_id)
    check = ReturnCheck(round=round, on_behalf=on_behalf)
    if not round.is_open:
        check.file_error = closed_message(round)
        return check
    try:
        rows = read_return(data, round=round)
    except UnreadableFile as error:
        check.file_error = str(error)
        return check
    ids = sorted({row.action_id for row in rows if row.action_id and not row.is_empty})
    if lock:
        list(Action.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
    items = {
        item.action_id: item
        for item in RoundAction.objects.filter(round=round, action_id__in=ids).select_related(
            "action", "action__plan", "action__plan__board", "action__lead_agency"
        )
    }
    seen: dict[int, int] = {}
    for row in rows:
        if row.is_empty:
            check.skipped.append(row.number)
            continue
        if row.action_id is None:
            check.errors.append(
                f"Row {row.number}: this row has no action id (column "
                f"{LETTERS['action_id']}, hidden), so we cannot tell which action it is "
                "about. Write updates only in the rows of the actions."
            )
            continue
        if row.action_id in seen:
            check.errors.append(
                f"Row {row.number}: the same action as row {seen[row.action_id]}. Give each "
                "action one row."
            )
            continue
        seen[row.action_id] = row.number
        item = items.get(row.action_id)
        if item is None:
            check.errors.append(
                f"Row {row.number}: this action is not in “{round}” (its hidden id was "
                "changed, or the row was pasted from another file)."
            )
            continue
        checked = _check_row(
            row, item.action, round_id=round.pk, user=user, on_behalf=on_behalf, errors=check.errors
        )
        if checked is not None:
            check.rows.append(checked)
    _find_sent(check.rows)
    versions = {row.number: row.version for row in rows}
    for checked in check.rows:
        if checked.existing is None and versions[checked.number] != checked.action.version:
            check.errors.append(
                _changed_since(checked.number, versions[checked.number], checked.action)
            )
    check.errors.sort(key=_row_number)
    return check


def _row_number(message: str) -> int:
    found = re.match(r"Row (\d+)", message)
    return int(found.group(1)) if found else 0


class RowForm(ProgressUpdateForm):
    """One row, checked as the web form checks an update: its fields, rules and messages.

    The table's check constraints are left to the save, as `update_submit` leaves them
    (in Python they cost a query each, so a return's check would grow with its rows);
    the form's own rules say the same things first.
    """

    def validate_constraints(self):
        pass


def submission_key(*, round_id: int, action: Action, content: list[str]) -> uuid.UUID:
    """The same round, action and words: the same key (the row number plays no part, so
    sorting the rows changes nothing)."""
    return uuid.uuid5(KEY_NAMESPACE, json.dumps([round_id, action.pk, *content]))


def _check_row(
    row: ReturnRow, action: Action, *, round_id: int, user, on_behalf: bool, errors: list[str]
) -> CheckedRow | None:
    allowed = (
        policy.can_record_update(user, action)
        if on_behalf
        else policy.can_submit_update(user, action)
    )
    if not allowed:
        led_by = action.lead_agency.short_name if action.lead_agency else "no agency"
        errors.append(
            f"Row {row.number}: action {action.ref} is led by {led_by}, not by your "
            "agencies, so you cannot report on it."
        )
        return None
    where = f"Row {row.number} (action {action.ref})"
    rag = _rag(row.values["rag_proposed"], action)
    if rag is None:
        words = "; ".join(action.plan.rag_label(status) for status in PROPOSABLE)
        errors.append(
            f"{where}, {BY_KEY['rag_proposed'].heading}: “{row.values['rag_proposed']}” is "
            f"not a status of this plan. Choose from the list ({words}) or write the colour."
        )
        return None
    form = RowForm(
        data={
            "rag": rag,
            "progress": row.values["progress"],
            "next_steps": row.values["next_steps"],
            "proposed_target_text": row.values["proposed_target_text"],
            "target_change_reason": row.values["target_change_reason"],
        },
        action=action,
    )
    if not form.is_valid():
        for name, messages in form.errors.items():
            heading = BY_KEY[_FORM_COLUMNS.get(name, "progress")].heading
            for message in messages:
                errors.append(f"{where}, {heading}: {message}")
        return None
    data = form.update_data()
    content = [
        data[name]
        for name in (
            "rag",
            "progress",
            "next_steps",
            "proposed_target_text",
            "target_change_reason",
        )
    ]
    key = submission_key(round_id=round_id, action=action, content=content)
    return CheckedRow(
        number=row.number,
        action=action,
        rag=data["rag"],
        progress=data["progress"],
        next_steps=data["next_steps"],
        proposed_target_text=data["proposed_target_text"].strip(),
        target_change_reason=data["target_change_reason"].strip(),
        submission_key=key,
    )


_FORM_COLUMNS = {
    "rag": "rag_proposed",
    "progress": "progress",
    "next_steps": "next_steps",
    "proposed_target_text": "proposed_target_text",
    "target_change_reason": "target_change_reason",
}


def _rag(text: str, action: Action) -> str | None:
    """The status a cell names: the plan's words, the colour, or its meaning alone.
    Empty: the current status (as the web form starts), "Not started" if none."""
    if not text:
        return action.rag if action.rag != RAG.NOT_RATED else RAG.NOT_STARTED
    plan: Plan = action.plan
    wanted = _normal(text)
    for status in PROPOSABLE:
        words = {plan.rag_label(status), status.label, status.value}
        words |= {(plan.rag_legend or {}).get(status.value) or ""}
        if wanted in {_normal(word) for word in words if word}:
            return status.value
    return None


def _find_sent(rows: list[CheckedRow]) -> None:
    """Rows sent already (by this file or an identical row): their first update. And
    for the others, an update of the action still awaiting approval (the preview says
    the new one goes beside it: neither replaces nor decides it)."""
    sent = ProgressUpdate.objects.filter(submission_key__in=[row.submission_key for row in rows])
    by_key = {update.submission_key: update for update in sent}
    waiting = ProgressUpdate.objects.filter(
        action_id__in=[row.action.pk for row in rows], status=UpdateStatus.PENDING
    ).select_related("author", "recorded_for")
    by_action = {update.action_id: update for update in waiting.order_by("submitted_at", "id")}
    for row in rows:
        row.existing = by_key.get(row.submission_key)
        if row.existing is None:
            row.waiting = by_action.get(row.action.pk)


def _changed_since(number: int, version: int | None, action: Action) -> str:
    changes, who = services.stale_changes(action, version) if version else ([], "")
    latest = action.history.order_by("-history_date").first()
    who = who or (str(latest.history_user) if latest and latest.history_user else "Someone")
    when = f" on {timezone.localtime(latest.history_date):%d/%m/%Y}" if latest else ""
    what = ", ".join(change.field.lower() for change in changes)
    return (
        f"Row {number}: action {action.ref} was changed by {who}{when}"
        + (f" ({what})" if what else "")
        + " after this return was downloaded. Download the return again and copy your "
        "update into it, so that you report on the action as it now stands."
    )


def closed_message(round: Round) -> str:
    when = f" on {timezone.localtime(round.closed_at):%d %B %Y}" if round.closed_at else ""
    return (
        f"“{round}” closed{when}: it no longer takes updates. Report progress on each "
        "action's page instead, or ask the business manager."
    )
