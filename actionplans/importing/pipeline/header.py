"""Step 2: find the heading row, and the sub-headings under it.

- The heading row is the first of the first 30 rows naming the action column and at
  least one other field; rows above it are title rows. Headings are known phrases
  first; failing that, guessed from their words; failing that, the first row naming
  three fields is the heading and the manager chooses the action column.
- A row of short sub-headings right under the heading row, with something under a
  heading-less column and nothing in the action or ref column, is read with it:
  "Progress update" merged over three columns with "June 2016", "Sept 2016", "Dec
  2016" under it gives "Progress update June 2016"...
- A row repeating the headings further down (a table continued on a new page) is
  skipped: `Header.repeated` names them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..cells import cell_text
from ..headers import HEADER_SEARCH_ROWS, field_for_heading, guess_field, normalise_heading
from ..preview import RowProblem
from ..readers import SourceRow, Table, UnreadableFile
from .context import Line

SUB_HEADING_MAX = 40


@dataclass(frozen=True)
class Header:
    """Where the table's headings are, and the rows around them."""

    row: SourceRow  # the heading row (with its sub-headings, if it has them)
    title_rows: tuple[SourceRow, ...]  # above the heading row
    body: tuple[Line, ...]  # under it (and under its sub-headings)
    first_column: int  # the first column with a heading: one-cell rows there are headings
    repeated: frozenset[int]  # body rows repeating the headings (a table continued)
    notes: tuple[RowProblem, ...] = ()

    @property
    def number(self) -> int:
        return self.row.number


def _heading_fields(row: SourceRow, *, guess: bool) -> set[str]:
    fields = set()
    for value in row.cells:
        text = cell_text(value)
        fields.add(field_for_heading(text) or (guess_field(text) if guess else None))
    return fields - {None}


def find_header(rows: list[SourceRow]) -> SourceRow:
    """The heading row: see the module's docstring."""
    candidates = rows[:HEADER_SEARCH_ROWS]
    for guess in (False, True):
        for row in candidates:
            fields = _heading_fields(row, guess=guess)
            if "text" in fields and len(fields) >= 2:
                return row
    for row in candidates:
        if len(_heading_fields(row, guess=True)) >= 3:
            return row
    raise UnreadableFile(
        f"We could not find the table's heading row. In its first {HEADER_SEARCH_ROWS} rows, "
        'one row must name the action column ("Action", "Key task", "What we will do"...) '
        'and at least one other ("Ref", "Lead", "Target date"...).'
    )


def has_header(rows: list[SourceRow]) -> bool:
    """Whether the rows hold a table of actions: a heading row `find_header` accepts."""
    try:
        find_header(rows)
    except UnreadableFile:
        return False
    return True


def read_header(table: Table) -> Header:
    """The heading row and the rows above and under it. Raises UnreadableFile when no
    heading row can be found."""
    header = find_header(table.rows)
    before = tuple(row for row in table.rows if row.number < header.number)
    body = [row for row in table.rows if row.number > header.number]
    notes = []
    combined = with_sub_headings(header, body[0]) if body else None
    if combined is not None:
        notes.append(RowProblem(body[0].number, f"read with row {header.number} as the headings."))
        header, body = combined, body[1:]
    lines = tuple(Line.of(row) for row in body)  # each cell read once
    words = [normalise_heading(cell_text(value)) for value in header.cells]
    named = [(index, heading) for index, heading in enumerate(words) if heading]
    return Header(
        row=header,
        title_rows=before,
        body=lines,
        first_column=min(index for index, value in enumerate(header.cells) if cell_text(value)),
        repeated=frozenset(line.number for line in lines if _repeats(line, named)),
        notes=tuple(notes),
    )


def with_sub_headings(header: SourceRow, under: SourceRow) -> SourceRow | None:
    """The heading row read together with the row under it, when that row holds
    sub-headings: "Progress update" merged over three columns, and "Q1", "Q2", "Q3"
    under it, are "Progress update Q1"... None when the row under it is no such row: it
    must have a short text under a heading-less column (the merged heading's
    continuation), and nothing in the action or ref column or longer than a heading.
    """
    headings = [cell_text(value) for value in header.cells]
    subs = [cell_text(value) for value in under.cells]
    named = {field_for_heading(text) or guess_field(text): i for i, text in enumerate(headings)}
    kept_free = [named[key] for key in ("text", "ref") if key in named]
    filled = [i for i, text in enumerate(subs) if text]
    if (
        not filled
        or any(i in kept_free for i in filled)
        or any(len(subs[i]) > SUB_HEADING_MAX or "\n" in subs[i] for i in filled)
        or not any(i >= len(headings) or not headings[i] for i in filled)
    ):
        return None
    combined, above = [], ""
    for i in range(max(len(headings), len(subs))):
        heading = headings[i] if i < len(headings) else ""
        sub = subs[i] if i < len(subs) else ""
        above = heading or above
        combined.append(" ".join(part for part in (heading or above, sub) if part))
    return SourceRow(header.number, tuple(combined))


def _repeats(line: Line, named: list[tuple[int, str]]) -> bool:
    """Whether the row repeats at least half of the (normalised) headings, given as
    (column, heading): a table continued. Stops as soon as the answer is known."""
    needed = (len(named) + 1) // 2
    same = misses = 0
    for index, words in named:
        text = line.text(index)
        if len(text) <= 2 * len(words) + 10 and normalise_heading(text) == words:
            same += 1
            if same >= needed:
                return True
        else:
            misses += 1
            if misses > len(named) - needed:
                return False
    return same >= needed
