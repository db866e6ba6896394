"""What the steps of an import hand each other: the source, the manager's choices, a
row read once, and what a whole run found.

Every step takes what it needs as arguments and returns a frozen record (`header.Header`,
`columns.Columns`, `key.Key`, `groups.Grouped`...); nothing is kept on a long-lived
object between steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from reviews.models import Board, Review

from ..cells import cell_text
from ..readers import SourceRow, Value

if TYPE_CHECKING:
    from actionplans.models import Plan

    from ..preview import ImportPreview, RowProblem
    from ..readers import Table
    from .write import ImportOutcome


class ImportRefused(Exception):
    """The import was not written; `problems` say why, row by row where they can."""

    def __init__(self, problems: list[RowProblem] | list[str]):
        self.problems = [str(problem) for problem in problems]
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class ImportTarget:
    """Where an import goes: a board, the plan's title, the kind of review it answers."""

    board: Board
    title: str
    kind: str  # a ReviewKind value
    plan_slug: str
    source_name: str = ""  # the file name, for the history's change reason
    # The short name the board gives the review the plan answers ("Case L"); the title
    # when not given
    review_reference: str = ""

    @property
    def reference(self) -> str:
        return (self.review_reference.strip() or self.title)[:80]

    def existing_review(self) -> Review | None:
        """The board's review with this reference, if it has one."""
        return Review.objects.filter(board=self.board, reference=self.reference).first()


@dataclass(frozen=True)
class ImportChoices:
    """What the manager said (the preview's forms) or the command's options.

    `columns`: column index -> field key, or None for what the headings say.
    `heading_rows`: rows the manager says are headings. `agencies`: an unknown agency
    name -> "" (leave unlinked), "new" or an agency's pk. `statuses`: an unknown status
    word -> a RAG value. `new_agencies`: every unknown agency becomes a new one.
    """

    columns: dict[int, str] | None = None
    heading_rows: frozenset[int] = frozenset()
    agencies: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    new_agencies: bool = False

    @property
    def reading(self) -> tuple:
        """What changes how the file is read (the rest only changes what is written)."""
        columns = tuple(sorted(self.columns.items())) if self.columns is not None else None
        return columns, tuple(sorted(self.heading_rows))


@dataclass(frozen=True)
class ImportSource:
    """The file to import and where it goes. The document is read once, when first
    needed, and each reading of it (one a column mapping) is kept: the preview page
    reads it with the automatic mapping and the manager's, then writes the latter."""

    data: bytes
    target: ImportTarget
    sheet: str | None = None
    # Each reading of the document: ImportChoices.reading -> its ImportPreview.
    readings: dict = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def table(self) -> Table:
        from .read_document import read_plan_table  # noqa: PLC0415 (read_document uses us)

        return read_plan_table(self.data, sheet=self.sheet or None)


@dataclass
class ImportRun:
    """What `run_import` did: the plan updated (None for a new one), the preview it
    read, the write's outcome (None when it wrote nothing: row errors, or refused) and
    problems of the whole file."""

    plan: Plan | None = None
    preview: ImportPreview | None = None
    outcome: ImportOutcome | None = None
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Line:
    """A row with each cell's text worked out once."""

    number: int
    cells: tuple[Value, ...]
    texts: tuple[str, ...]

    @classmethod
    def of(cls, row: SourceRow) -> Line:
        return cls(row.number, row.cells, tuple(cell_text(value) for value in row.cells))

    def text(self, index: int | None) -> str:
        """The text of the cell at `index`; "" past the row's end or for no column."""
        return self.texts[index] if index is not None and index < len(self.texts) else ""

    def raw(self, index: int | None) -> Value:
        return self.cells[index] if index is not None and index < len(self.cells) else None

    @property
    def filled(self) -> list[str]:
        return [text for text in self.texts if text]
