"""Step 3: map columns: what each column imports as, and how the rows below read.

- The manager's choice, else what its heading says: headings a phrase names are mapped
  first, so that a guess never takes their field. A second column for a field is
  reported, except a progress or RAG column a quarter ("Q1 update", "Q2 update"),
  where each row's latest filled-in one is its value.
- A "Priority" column in a plan without findings is the plan's strategic priorities.
- Columns headed by a status ("Achieved", "On target") holding only ticks give the
  status by their ticks ("On target" is no target date).
- With no action column, the recommendation column is the actions (a progress report
  on recommendations), marked guessed for the manager to check.
- A ref column whose heading names findings ("Rec No") beside a finding column numbers
  the findings, not the actions: their actions are numbered within them ("4.1").
"""

from __future__ import annotations

from dataclasses import dataclass

from actionplans.models import RAG

from ..cells import cell_text
from ..headers import (
    FIELDS_BY_KEY,
    REPEATABLE_FIELDS,
    field_for_heading,
    guess_field,
    is_derived_heading,
    names_findings,
    normalise_heading,
)
from ..preview import ColumnMapping, RowProblem
from ..readers import SourceRow
from ..statuses import is_tick, rag_for_status
from ..vocabulary import finding_kind_for_heading
from .context import Line
from .header import Header

# A "no heading" column letter is still a column: its cells are reported, not dropped.
NO_HEADING = "(no heading)"

_REPEATED_COLUMNS_READ = {
    "progress": "each row's latest filled-in one is its progress, the earlier ones go "
    "into its update trail",
    "rag": "each row's latest filled-in one is its RAG",
}


@dataclass(frozen=True)
class Columns:
    """The mapping, and what the steps after it need to know of it."""

    mapping: tuple[ColumnMapping, ...]
    index: dict[str, int]  # field -> its (first) column
    repeats: dict[str, tuple[int, ...]]  # a column a quarter: field -> all of them, in order
    ticks: tuple[int, ...]  # status tick columns
    finding_numbers: int | None  # "Rec No" numbering the findings, not the actions
    finding_kind: str  # the kind of finding the finding column holds
    # "Recommendation / action" in one column: the kind of its top-level parent rows
    # ("1" above "1.1", "1.2"), None when they are themes.
    parent_kind: str | None
    notes: tuple[RowProblem, ...] = ()

    @property
    def mapped(self) -> dict[str, ColumnMapping]:
        return {column.field: column for column in self.mapping if column.field}

    @property
    def has_actions(self) -> bool:
        return "text" in self.mapped

    def texts(self, line: Line) -> tuple[dict[str, str], dict[str, int]]:
        """The row's text for each field; with a column a quarter, its latest filled-in
        one. Returns the column each such latest value came from too."""
        texts = {key: line.text(index) for key, index in self.index.items()}
        latest = {}
        for key, indices in self.repeats.items():
            for index in reversed(indices):
                if text := line.text(index):
                    texts[key] = text
                    latest[key] = index
                    break
        return texts, latest


def read_columns(header: Header, chosen: dict[int, str] | None = None) -> Columns:
    """The columns of the table under `header`, mapped by `chosen` or by their headings."""
    mapping = map_columns(header.row, list(header.body), chosen)
    mapped = {column.field: column for column in mapping if column.field}
    notes = _repeated_columns_notes(mapping, header.number)
    text_column = mapped.get("text")
    if text_column and field_for_heading(text_column.heading) == "finding" and chosen is None:
        notes.append(
            RowProblem(
                header.number,
                f"there is no action column: each “{text_column.heading}” (column "
                f"{text_column.letter}) is imported as an action. Choose another column "
                "for the actions below if that is wrong.",
            )
        )
    index: dict[str, int] = {}
    repeats: dict[str, list[int]] = {}
    for column in mapping:
        if column.field:
            index.setdefault(column.field, column.index)
            repeats.setdefault(column.field, []).append(column.index)
    text_heading = text_column.heading if text_column else ""
    finding_numbers = None
    numbered = mapped.get("ref")
    if text_column and numbered and "finding" in index and names_findings(numbered.heading):
        finding_numbers = index.pop("ref")
        notes.append(
            RowProblem(
                header.number,
                f"column {numbered.letter} numbers the "
                f"{mapped['finding'].heading.casefold()}s, so their actions "
                "are numbered within them.",
            )
        )
    return Columns(
        mapping=tuple(mapping),
        index=index,
        repeats={key: tuple(found) for key, found in repeats.items() if len(found) > 1},
        ticks=tuple(column.index for column in mapping if column.field == "tick"),
        finding_numbers=finding_numbers,
        finding_kind=finding_kind_for_heading(
            normalise_heading(mapped["finding"].heading) if "finding" in mapped else ""
        ),
        parent_kind=(
            finding_kind_for_heading(normalise_heading(text_heading))
            if "finding" not in index and names_findings(text_heading)
            else None
        ),
        notes=tuple(notes),
    )


def map_columns(
    header: SourceRow, body: list[SourceRow] | list[Line], chosen: dict[int, str] | None = None
) -> list[ColumnMapping]:
    """What each column imports as: the manager's choice, else what its heading says.

    Headings a phrase names are mapped first, so that a guess never takes their field.
    """
    width = max([len(header.cells)] + [len(row.cells) for row in body])
    headings = [
        cell_text(header.cells[index]) if index < len(header.cells) else ""
        for index in range(width)
    ]
    columns = [
        ColumnMapping(index, heading or NO_HEADING, "", "", _sample(body, index))
        for index, heading in enumerate(headings)
    ]
    if chosen is not None:
        for column, heading in zip(columns, headings, strict=True):
            column.field = chosen.get(column.index, "")
            column.status = "chosen" if column.field else _unmapped_status(heading, column.sample)
        return columns
    used: set[str] = set()
    for guessing in (False, True):
        for column, heading in zip(columns, headings, strict=True):
            if column.status:
                continue
            key = guess_field(heading) if guessing else field_for_heading(heading)
            if key and key in used and key in REPEATABLE_FIELDS and not guessing:
                column.field, column.status = key, "matched"  # a column a quarter
            elif key and key in used:
                # A second column named for a field is reported; a guess is just dropped.
                column.status = "" if guessing else "duplicate"
            elif key:
                column.field, column.status = key, "guessed" if guessing else "matched"
                used.add(key)
    for column, heading in zip(columns, headings, strict=True):
        column.status = column.status or _unmapped_status(heading, column.sample)
    _priority_without_finding(columns)
    _tick_columns(columns, body)
    _findings_as_actions(columns)
    return columns


def _repeated_columns_notes(mapping: list[ColumnMapping], header_row: int) -> list[RowProblem]:
    notes = []
    for key in sorted(REPEATABLE_FIELDS):
        letters = [column.letter for column in mapping if column.field == key]
        if len(letters) > 1:
            label = FIELDS_BY_KEY[key].label
            notes.append(
                RowProblem(
                    header_row,
                    f"columns {', '.join(letters)} are all “{label}” (a column a quarter): "
                    f"{_REPEATED_COLUMNS_READ[key]}.",
                )
            )
    return notes


def _tick_columns(columns: list[ColumnMapping], body) -> None:
    """Columns headed by a status ("Achieved", "On target") whose cells are all ticks or
    empty give the status by their ticks, whatever their heading first suggested ("On
    target" is no target date)."""
    for column in columns:
        if column.field in ("ref", "text") or rag_for_status(column.heading) in (
            None,
            RAG.NOT_RATED,
        ):
            continue
        cells = [
            cell_text(row.cells[column.index]) for row in body if column.index < len(row.cells)
        ]
        filled = [text for text in cells if text]
        if filled and all(is_tick(text) for text in filled):
            column.field, column.status = "tick", "matched"


def _findings_as_actions(columns: list[ColumnMapping]) -> None:
    """A progress report on recommendations with no action column: each recommendation
    is itself the thing to do, so its column is read as the actions (for the manager
    to check: it is marked guessed)."""
    fields = {column.field for column in columns}
    if "text" in fields or "finding" not in fields:
        return
    for column in columns:
        if column.field == "finding":
            column.field, column.status = "text", "guessed"
            return


def _unmapped_status(heading: str, sample: str) -> str:
    if is_derived_heading(heading):
        return "derived"
    return "unknown" if heading or sample else "empty"


def _priority_without_finding(columns: list[ColumnMapping]) -> None:
    """A "Priority" column in a plan without findings is the plan's strategic priorities."""
    fields = {column.field for column in columns}
    if "priority" in fields and "finding" not in fields:
        for column in columns:
            if column.field == "priority":
                column.field = "finding"


def _sample(rows, index: int) -> str:
    """The column's first value: a column without a heading is reported if it holds any."""
    for row in rows:
        if index < len(row.cells):
            text = cell_text(row.cells[index])
            if text:
                return text[:80]
    return ""
