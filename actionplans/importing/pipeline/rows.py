"""Step 6: read rows: each grouped row's cells -> the action it gives (`ParsedAction`).

- Progress and RAG may have a column a quarter: each row's latest filled-in one is its
  value. Each filled-in progress cell becomes an approved update in the action's trail,
  labelled and dated by its column's heading (with the RAG of the same quarter when
  there is a RAG column a quarter too).
- A lead, date, status... cell merged down over several actions belongs to each of
  them (refs, action text and block columns are left alone: blocks carry down anyway).
- A status cell with no words but a fill colour (a RAG coloured by hand) is read by its
  colour: red, amber (orange and yellow too), green, blue; any other colour is put to
  the manager. With status ticks, the ticked column that says most done is the status.
- A target cell that is a date prints as the day it is. Line breaks inside cells are
  kept. A row continuing the action above adds its cells on new lines.

The status words, leads and reviews the cells name are matched by `matching`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from actionplans.models import RAG
from actionplans.target_dates import resolve_target

from ..cells import cell_text, uk_date
from ..preview import ACTION_FIELDS, ParsedAction, RowProblem
from ..readers import Table, Value
from ..statuses import colour_status, fill_word, is_tick, rag_for_status
from .columns import Columns
from .context import Line
from .groups import CARRIED, CONTINUED, Grouped, GroupedRow
from .header import Header
from .key import Key

# Fields an empty cell under a merged range does not take from the range's first row.
_NOT_FILLED_FROM_MERGES = {"ref", "text", *CARRIED}
# With status ticks, the ticked column saying most done wins.
_MOST_DONE_FIRST = [RAG.BLUE, RAG.GREEN, RAG.AMBER, RAG.RED, RAG.NOT_STARTED, RAG.NOT_RATED]


@dataclass(frozen=True)
class ReadRow:
    """An action read from its row, with the cells `matching` reads as they were on it
    (a continuation row may add lines to the action's values)."""

    action: ParsedAction
    status: str | None  # the status cell's words; None without a status column
    answers: str  # the reviews it answers, as written


@dataclass(frozen=True)
class Rows:
    read: tuple[ReadRow, ...]
    notes: tuple[RowProblem, ...]

    @property
    def actions(self) -> list[ParsedAction]:
        return [row.action for row in self.read]


def read_rows(grouped: Grouped, header: Header, columns: Columns, key: Key, table: Table) -> Rows:
    lines = {line.number: line for line in header.body}
    read: list[ReadRow] = []
    notes: list[RowProblem] = []
    for row in grouped.rows:
        if row.continues:
            previous = read[-1].action
            _continue(previous, row.texts)
            notes.append(
                RowProblem(
                    row.line.number, f"no ref: added to the action on row {previous.row} above it."
                )
            )
            continue
        read.append(_read(row, lines, columns, key, table, notes))
    return Rows(tuple(read), tuple(notes))


def _read(
    row: GroupedRow,
    lines: dict[int, Line],
    columns: Columns,
    key: Key,
    table: Table,
    notes: list[RowProblem],
) -> ReadRow:
    line, texts = row.line, dict(row.texts)
    anchors = _merged_from_above(line, texts, lines, columns, table)
    if "rag" in texts and not texts["rag"]:
        texts["rag"] = _fill_word(line, columns, table)
    elif texts.get("rag") and key.rag(texts["rag"], row=line.number) is None:
        texts["rag"] = _coloured_words(line, row.latest, columns, table, texts["rag"], notes)
    if columns.ticks and not texts.get("rag"):
        texts["rag"] = _ticked(line, columns)
    values = {name: texts[name] for name in ACTION_FIELDS if name in texts}
    if "target" in values:
        values["target"] = target_text(anchors.get("target", line).raw(columns.index["target"]))
    action = ParsedAction(
        row=line.number,
        ref=row.ref,
        values=values,
        finding=row.finding,
        theme=row.theme,
        objective=row.objective,
    )
    if "progress" in texts or "next_steps" in texts:
        values["progress"] = texts.get("progress", "")
        values["next_steps"] = texts.get("next_steps", "")
        as_at = anchors.get("progress_as_at", line).raw(columns.index.get("progress_as_at"))
        action.progress_as_at = _as_at(line.number, as_at, notes)
    if "lead_agency" in texts or "lead" in texts:
        action.agency_name = " ".join((texts.get("lead_agency") or texts.get("lead", "")).split())
        if "lead" not in texts:
            values["lead"] = texts["lead_agency"]
    if "progress" in row.latest:
        action.progress_heading = columns.mapping[row.latest["progress"]].heading
        action.earlier_progress = _earlier_progress(line, row.latest["progress"], columns, key)
    return ReadRow(action, texts.get("rag"), texts.get("answers", ""))


def _continue(previous: ParsedAction, texts: dict[str, str]) -> None:
    for name in ("text", *CONTINUED):
        if name in previous.values and texts.get(name):
            earlier = previous.values[name]
            previous.values[name] = f"{earlier}\n{texts[name]}" if earlier else texts[name]


def _merged_from_above(
    line: Line, texts: dict[str, str], lines: dict[int, Line], columns: Columns, table: Table
) -> dict[str, Line]:
    """An empty cell in a range merged down from an earlier row takes that row's value.
    Returns the row each filled field came from."""
    anchors = {}
    for name, index in columns.index.items():
        if name in _NOT_FILLED_FROM_MERGES or texts.get(name):
            continue
        anchor = lines.get(table.merged_down.get((line.number, index), 0))
        if anchor is not None:
            texts[name] = anchor.text(index)
            anchors[name] = anchor
    return anchors


def _fill_word(line: Line, columns: Columns, table: Table) -> str:
    """A status column with no words but a coloured cell: the colour, as a status word
    (the latest coloured one, with a RAG column a quarter)."""
    for index in reversed(columns.repeats.get("rag", (columns.index["rag"],))):
        if rgb := table.fills.get((line.number, index)):
            return fill_word(rgb)
    return ""


def _coloured_words(
    line: Line,
    latest: dict[str, int],
    columns: Columns,
    table: Table,
    words: str,
    notes: list[RowProblem],
) -> str:
    """A status cell whose words are no status ("In progress") but whose fill shows one
    (shaded amber): the colour, as a status word, with a note; else the words."""
    rgb = table.text_fills.get((line.number, latest.get("rag", columns.index["rag"])))
    status = colour_status(rgb) if rgb else None
    if status is None:
        return words
    notes.append(
        RowProblem(
            line.number,
            f"status \u201c{words}\u201d is not a status word we know: read by the cell's "
            f"colour, {status.label}.",
        )
    )
    return fill_word(rgb)


def _ticked(line: Line, columns: Columns) -> str:
    """The heading of the ticked column that says most done ("Achieved" before "On
    target"); "" when none is ticked."""
    ticked = [columns.mapping[i].heading for i in columns.ticks if is_tick(line.text(i))]
    return min(
        ticked,
        key=lambda heading: _MOST_DONE_FIRST.index(rag_for_status(heading) or RAG.NOT_RATED),
        default="",
    )


def _earlier_progress(
    line: Line, latest: int, columns: Columns, key: Key
) -> list[tuple[str, str, RAG]]:
    """The quarters before the latest (column `latest`), for the update trail:
    (heading, progress, RAG). A RAG column a quarter beside them gives each its RAG
    when there are as many."""
    progress = columns.repeats["progress"]
    statuses = columns.repeats.get("rag", ())
    earlier = []
    for position, index in enumerate(progress[: progress.index(latest)]):
        if text := line.text(index):
            word = line.text(statuses[position]) if len(statuses) == len(progress) else ""
            rag = key.rag(word, row=line.number) if word else None
            earlier.append((columns.mapping[index].heading, text, rag or RAG.NOT_RATED))
    return earlier


def _as_at(row: int, value: Value, notes: list[RowProblem]) -> date | None:
    if value is None or value == "":
        return None
    day = resolve_target(value).due
    if day is None:
        notes.append(RowProblem(row, f'the progress date "{cell_text(value)}" was not understood.'))
    return day


def target_text(value: Value) -> str:
    """A target cell as text: a date cell or Excel day number prints as the day it is."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        target = resolve_target(value)
        if target.due is not None:
            return uk_date(target.due)
    return cell_text(value)
