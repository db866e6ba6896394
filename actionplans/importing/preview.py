"""What reading a plan file found: the columns, the actions and everything they belong to.

An :class:`ImportPreview` is what the manager checks before confirming and exactly
what `pipeline.write.write_plan` writes. `pipeline.build_preview` makes one.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from actionplans.models import RAG, Agency
from actionplans.target_dates import resolve_target
from reviews.models import Review

from .headers import FIELDS_BY_KEY
from .readers import Table, column_letter

# Import field -> Action field, for the fields stored as written.
ACTION_FIELDS = {
    "text": "text",
    "lead": "lead_person",
    "subgroup": "subgroup",
    "evidence": "evidence",
    "resources": "resources",
    "kpis": "kpis",
    "target": "target_text",
    "answers": "answers_as_written",
}


@dataclass
class ColumnMapping:
    """One column of the file and what it imports as."""

    index: int
    heading: str
    field: str  # a FIELDS key, or "" when not imported
    # "matched" (a known heading), "guessed" (from its words), "chosen" (by the manager),
    # "derived", "unknown", "duplicate" or "empty"
    status: str
    sample: str = ""

    @property
    def letter(self) -> str:
        return column_letter(self.index)

    @property
    def label(self) -> str:
        return FIELDS_BY_KEY[self.field].label if self.field else ""

    @property
    def is_reported(self) -> bool:
        """Unknown or duplicate columns: the preview lists them, they are not imported."""
        return self.status in {"unknown", "duplicate"}


@dataclass(frozen=True)
class RowProblem:
    row: int  # 0 for a problem of the whole file
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}: {self.message}" if self.row else self.message


@dataclass
class ParsedFinding:
    number: str
    kind: str
    text: str
    priority: str = ""


@dataclass
class ParsedTheme:
    key: str
    title: str


@dataclass
class ParsedObjective:
    text: str
    key: str = ""  # a ref when it came from a parent row, else assigned when written
    finding: ParsedFinding | None = None  # the finding it was first written under


@dataclass
class ParsedAction:
    """One action as the file gives it; `values` holds only the columns the file has."""

    row: int
    ref: str
    values: dict[str, str]
    finding: ParsedFinding | None = None
    theme: ParsedTheme | None = None
    objective: ParsedObjective | None = None
    status_word: str = ""
    rag: RAG | None = None  # None: a status word we do not know
    agency_name: str = ""  # the cell matched against the board's agencies
    agency: Agency | None = None
    progress_as_at: date | None = None  # from an "as at" column
    # With a progress column a quarter: the heading of the one this action's progress is
    # from, and the earlier quarters' (heading, progress, RAG) to keep in its update trail
    progress_heading: str = ""
    earlier_progress: list[tuple[str, str, RAG]] = field(default_factory=list)
    # The board's reviews its answers column names, with a note ("All"), in order.
    cited: list[tuple[Review, str]] = field(default_factory=list)
    cites_all: bool = False

    @property
    def block(self) -> str:
        """The key of the finding or theme the action sits in, for numbering its ref."""
        if self.finding:
            return self.finding.number
        return self.theme.key if self.theme else ""


def choice_key(text: str) -> str:
    """A stable, form-safe key for an agency name or status word."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass
class ImportPreview:
    """Everything the manager checks before the import, and everything it will write."""

    table: Table
    header_row: int
    columns: list[ColumnMapping]
    actions: list[ParsedAction] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)
    notes: list[RowProblem] = field(default_factory=list)
    # True when the ref column ("Rec No") numbers the findings, not the actions
    refs_number_findings: bool = False
    unknown_agencies: dict[str, list[int]] = field(default_factory=dict)
    # For each unknown agency name: the board's one agency of the kind it names, or None.
    suggested_agencies: dict[str, Agency | None] = field(default_factory=dict)
    unknown_statuses: dict[str, list[int]] = field(default_factory=dict)
    # Names in the answers column that are no review of the board: reported, not created.
    unknown_reviews: dict[str, list[int]] = field(default_factory=dict)
    legend: dict[str, str] = field(default_factory=dict)
    # Statuses a key in the file explains (all kept, even in our default words), as
    # against words picked up from status cells ("Green – On track").
    key_statuses: set[str] = field(default_factory=set)
    # The manager's answers: agency name -> "" (leave unlinked), "new" or an agency pk;
    # status word -> a RAG value.
    agency_choices: dict[str, str] = field(default_factory=dict)
    status_choices: dict[str, str] = field(default_factory=dict)

    def with_choices(
        self, *, agencies: dict[str, str] | None = None, statuses: dict[str, str] | None = None
    ) -> ImportPreview:
        return dataclasses.replace(
            self, agency_choices=dict(agencies or {}), status_choices=dict(statuses or {})
        )

    @cached_property
    def mapped(self) -> dict[str, ColumnMapping]:
        return {column.field: column for column in self.columns if column.field}

    @property
    def legend_items(self) -> list[tuple[str, str]]:
        """The plan's own words for its colours, as read: (colour, words), in RAG order."""
        return [(rag.label, self.legend[rag.value]) for rag in RAG if rag.value in self.legend]

    @property
    def reported_columns(self) -> list[ColumnMapping]:
        return [column for column in self.columns if column.is_reported]

    @property
    def derived_columns(self) -> list[ColumnMapping]:
        return [column for column in self.columns if column.status == "derived"]

    @property
    def findings(self) -> list[ParsedFinding]:
        return _distinct(action.finding for action in self.actions)

    @property
    def themes(self) -> list[ParsedTheme]:
        return _distinct(action.theme for action in self.actions)

    @property
    def objectives(self) -> list[ParsedObjective]:
        return _distinct(action.objective for action in self.actions)

    @property
    def rows_read(self) -> int:
        return sum(1 for row in self.table.rows if row.number > self.header_row)

    @cached_property
    def progress_label(self) -> str:
        """An imported update's label: the file's progress heading ("Update September 2013")."""
        mapped = self.mapped
        return self._label(mapped["progress"].heading if "progress" in mapped else "")

    def _label(self, progress_heading: str) -> str:
        """A progress heading, and the next steps' heading after it when there is one."""
        headings = [progress_heading] if progress_heading else []
        if "next_steps" in self.mapped:
            headings.append(self.mapped["next_steps"].heading)
        return " / ".join(headings)[:200]

    @cached_property
    def label_date(self) -> date | None:
        """The date the progress heading names, if any: "Update September 2013" is 30/09/2013."""
        return resolve_target(self.progress_label).due if self.progress_label else None

    def label_for(self, action: ParsedAction) -> str:
        """An action's update label: the heading of the progress column its words are from."""
        if not action.progress_heading:
            return self.progress_label
        return self._label(action.progress_heading)

    def label_date_for(self, action: ParsedAction) -> date | None:
        if not action.progress_heading:
            return self.label_date
        return resolve_target(action.progress_heading).due

    def rag_for(self, action: ParsedAction) -> RAG:
        """The action's RAG, with the manager's answer for a status word we did not know."""
        if action.rag is not None:
            return action.rag
        return RAG(self.status_choices.get(action.status_word) or RAG.NOT_RATED)


def _distinct(items: Iterable) -> list:
    seen: dict[int, object] = {}
    for item in items:
        if item is not None:
            seen.setdefault(id(item), item)
    return list(seen.values())
