"""Rows of a plan's table -> the actions, findings, themes and objectives they describe.

`build_preview` reads; it never writes. What it returns, an :class:`ImportPreview`,
is what the manager checks before confirming and what `services.import_plan_rows`
writes.

How a plan's layout is read (each rule has a test):

- The heading row is the first of the first 30 rows naming the action column and at
  least one other field; rows above it are title rows. Headings are known phrases
  first; failing that, guessed from their words; failing that, the first row naming
  three fields is the heading and the manager chooses the action column. A row
  repeating the headings further down (a table continued on a new page) is skipped.
- A row of short sub-headings right under the heading row, with something under a
  heading-less column and nothing in the action or ref column, is read with it:
  "Progress update" merged over three columns with "June 2016", "Sept 2016", "Dec
  2016" under it gives "Progress update June 2016"...
- Progress and RAG may have a column a quarter: each row's latest filled-in one is its
  value. Each filled-in progress cell becomes an approved update in the action's trail,
  labelled and dated by its column's heading (with the RAG of the same quarter when
  there is a RAG column a quarter too).
- Finding, priority, theme and objective cells are written once, on the first row of
  their block: each applies to the rows below it until the next one. A new finding or
  theme starts without an objective.
- A RAG key in the title rows ("R = Not on track, A = Some delay, G = On track", or a
  colour a row) is the new plan's legend, and its words read the status cells. So is a
  key under the table (a row naming two colours or more, a colour in the first column
  beside its meaning, or rows of one colour each, with or without a "Key" row, in any
  column): it is read, not imported, and the statuses above it are read with its words.
- A row with one cell, in the table's first column and without a ref, is a heading:
  "Finding 2. ...", "Recommendation No. 1 - for immediate improvement" or "Priority 3"
  start a finding (the one-cell rows right after it are its text); any other short
  heading ("Actions for Cleveland Police", "Professional Curiosity") starts a theme.
- A row holding only a ref and text, followed by sub-refs ("1" then "1.1", "1.2"), is
  the heading of those sub-refs: a theme at the top level, an objective below it. When
  the action column's heading names findings too ("Recommendation / action") and no
  other column holds them, the top-level ones are the findings.
- A row with no action text and no ref continues the action above it (a second owner
  or KPI written on its own row): its cells are added on new lines.
- In a workbook, a lead, date, status... cell merged down over several actions belongs
  to each of them, and a status cell with no words but a fill colour (a RAG coloured by
  hand) is read by its colour: red, amber (orange and yellow too), green, blue; any
  other colour is put to the manager.
- A ref column whose heading names findings ("Rec No") beside a finding column numbers
  the findings, not the actions: their actions are numbered within them ("4.1", "4.2").
- Without a ref column, a number starting the action text ("1.1 Introduce audits",
  "2. Train staff", before a capital) is its ref, and is taken off the text.
- Refs lose a trailing full stop ("1." is "1"). When plain numbers repeat (each
  recommendation numbering its actions from 1, as Ofsted plans do) they are prefixed
  with their finding or theme ("2.1"); a row without a ref gets the next ref in its
  block. Line breaks inside cells are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from actionplans.models import RAG, Action, Agency, AgencyKind, Theme
from actionplans.target_dates import resolve_target
from reviews.models import Board, Finding, FindingKind

from .cells import cell_text, uk_date
from .citations import ReviewMatcher, read_citations
from .headers import (
    FIELDS_BY_KEY,
    HEADER_SEARCH_ROWS,
    REPEATABLE_FIELDS,
    field_for_heading,
    guess_field,
    is_derived_heading,
    names_findings,
    normalise_heading,
)
from .preview import (
    ACTION_FIELDS,
    ColumnMapping,
    ImportPreview,
    ParsedAction,
    ParsedFinding,
    ParsedObjective,
    ParsedTheme,
    RowProblem,
)
from .readers import SourceRow, Table, UnreadableFile, Value, read_table
from .statuses import (
    COLOURS,
    fill_word,
    is_key_label,
    is_tick,
    key_in_row,
    key_pieces,
    legend_in_text,
    legend_meaning,
    normalise_status,
    number_key,
    rag_for_status,
    starts_as_a_key,
)

# Fields whose cell applies to the rows below it until the next one.
CARRIED = ("finding", "priority", "theme", "objective")
# Fields a continuation row adds to the action above it.
CONTINUED = (
    "lead",
    "lead_agency",
    "subgroup",
    "evidence",
    "resources",
    "kpis",
    "target",
    "progress",
    "next_steps",
    "answers",
)
# Fields an empty cell under a merged range does not take from the range's first row.
_NOT_FILLED_FROM_MERGES = {"ref", "text", *CARRIED}
# A "no heading" column letter is still a column: its cells are reported, not dropped.
NO_HEADING = "(no heading)"


# ------------------------------------------------------------------ the heading


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


def read_plan_table(data: bytes, *, sheet: str | None = None) -> Table:
    """The uploaded file's table of actions: from the sheet named, else from the first
    sheet with a heading row (a "Guidance" or "Key" sheet in front is passed over); a
    Word document's tables, one after the other (`word.read_docx`)."""
    return read_table(data, sheet=sheet, wanted=has_header, word=True)


def map_columns(
    header: SourceRow, body: list[SourceRow], chosen: dict[int, str] | None = None
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


def _tick_columns(columns: list[ColumnMapping], body: list[SourceRow]) -> None:
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


def _sample(rows: list[SourceRow], index: int) -> str:
    """The column's first value: a column without a heading is reported if it holds any."""
    for row in rows:
        if index < len(row.cells):
            text = cell_text(row.cells[index])
            if text:
                return text[:80]
    return ""


# ------------------------------------------------------------------ the preview


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
    header = find_header(table.rows)
    before = [row for row in table.rows if row.number < header.number]
    body = [row for row in table.rows if row.number > header.number]
    under = body[0] if body else None
    combined = _with_sub_headings(header, under) if under else None
    if combined is not None:
        header, body = combined, body[1:]
    mapping = map_columns(header, body, columns)
    preview = ImportPreview(table=table, header_row=header.number, columns=mapping)
    if combined is not None:
        preview.notes.append(
            RowProblem(under.number, f"read with row {header.number} as the headings.")
        )
    _note_repeated_columns(preview)
    text_column = preview.mapped.get("text")
    if text_column and field_for_heading(text_column.heading) == "finding" and columns is None:
        preview.notes.append(
            RowProblem(
                header.number,
                f"there is no action column: each “{text_column.heading}” (column "
                f"{text_column.letter}) is imported as an action. Choose another column "
                "for the actions below if that is wrong.",
            )
        )
    if "text" not in preview.mapped:
        preview.errors.append(
            RowProblem(header.number, "Choose the column that holds the actions.")
        )
        return preview
    reviews = ReviewMatcher(board) if "answers" in preview.mapped else None
    reader = _PlanReader(preview, header, AgencyMatcher(board), legend or {}, reviews)
    reader.heading_rows = heading_rows or set()
    reader.read_title_rows(before, header)
    reader.read_body(body)
    if not preview.actions and not preview.errors:
        preview.errors.append(
            RowProblem(header.number, "There are no actions under the heading row.")
        )
    return preview


SUB_HEADING_MAX = 40


def _with_sub_headings(header: SourceRow, under: SourceRow) -> SourceRow | None:
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


_REPEATED_COLUMNS_READ = {
    "progress": "each row's latest filled-in one is its progress, the earlier ones go "
    "into its update trail",
    "rag": "each row's latest filled-in one is its RAG",
}


def _note_repeated_columns(preview: ImportPreview) -> None:
    for key in sorted(REPEATABLE_FIELDS):
        letters = [column.letter for column in preview.columns if column.field == key]
        if len(letters) > 1:
            label = FIELDS_BY_KEY[key].label
            preview.notes.append(
                RowProblem(
                    preview.header_row,
                    f"columns {', '.join(letters)} are all “{label}” (a column a quarter): "
                    f"{_REPEATED_COLUMNS_READ[key]}.",
                )
            )


# Words that say what kind of agency a lead belongs to, when its name is not written.
KIND_WORDS: dict[str, tuple[str, ...]] = {
    AgencyKind.POLICE: ("police", "constabulary", "dci", "det supt", "detective"),
    AgencyKind.HEALTH: ("nhs", "ccg", "icb", "hospital", "gp", "gps", "named nurse",
                        "designated nurse", "midwife", "midwifery", "paediatrician", "camhs",
                        "health visiting", "health visitor", "health visitors"),
    AgencyKind.EDUCATION: ("school", "schools", "education", "academy", "academies",
                           "college", "headteacher", "head teacher"),
    AgencyKind.PROBATION: ("probation", "crc", "nps"),
    AgencyKind.YOUTH_JUSTICE: ("yot", "yos", "youth offending", "youth justice"),
    AgencyKind.COUNCIL: ("council", "local authority", "social care", "children s services",
                         "childrens services", "early help", "social work"),
}  # fmt: skip


def kinds_named(text: str) -> set[str]:
    """The kinds of agency a lead's words name ("DCI Jones, Constabulary": police)."""
    padded = f" {normalise_heading(text)} "
    return {
        kind for kind, words in KIND_WORDS.items() if any(f" {word} " in padded for word in words)
    }


def guess_kind(name: str) -> str:
    """The kind of a new agency, from its name: the one kind its words name, else Other."""
    kinds = kinds_named(name)
    return kinds.pop() if len(kinds) == 1 else AgencyKind.OTHER


class AgencyMatcher:
    """Finds a board's agency in a lead cell: by name or short name, whole words only.

    An exact match wins; otherwise the agency named earliest in the cell (the longest
    name at that place: "Public Health" before "Health"), as the seed plans' leads
    were mapped by hand.

    A lead that names no agency may still say its kind ("DCI Jones, Police", "Named
    Nurse"): `suggest` offers the board's one agency of that kind, for the manager to
    confirm. It never links by itself.
    """

    def __init__(self, board: Board) -> None:
        self.names: dict[str, Agency] = {}
        by_kind: dict[str, list[Agency]] = {}
        for agency in Agency.objects.filter(board=board).order_by("short_name"):
            for name in (agency.short_name, agency.name):
                self.names.setdefault(normalise_heading(name), agency)
            by_kind.setdefault(agency.kind, []).append(agency)
        self.names.pop("", None)
        self.only_of_kind = {kind: found[0] for kind, found in by_kind.items() if len(found) == 1}
        self._cache: dict[str, Agency | None] = {}

    def suggest(self, text: str) -> Agency | None:
        """The board's only agency of the one kind the lead's words name, if any."""
        kinds = kinds_named(text)
        return self.only_of_kind.get(kinds.pop()) if len(kinds) == 1 else None

    def match(self, text: str) -> Agency | None:
        if text not in self._cache:
            self._cache[text] = self._match(normalise_heading(text))
        return self._cache[text]

    def _match(self, words: str) -> Agency | None:
        if not words:
            return None
        if words in self.names:
            return self.names[words]
        padded = f" {words} "
        found = [
            (position, -len(name), agency)
            for name, agency in self.names.items()
            if (position := padded.find(f" {name} ")) >= 0
        ]
        return min(found, key=lambda hit: hit[:2])[2] if found else None


_LOOKS_LIKE_REF = re.compile(r"^[\w./-]{1,12}$")
_SPACES_RE = re.compile(r"\s+")
# "1.1 Introduce audits", "2. Train staff", "3) Report": a ref at the start of the action
# text, before a capital ("1.5 hours of training" is no ref).
_REF_IN_TEXT_RE = re.compile(
    r"^(?P<ref>\d{1,3}(?:(?:\.\d{1,3})++\.?|[.)]))\s++(?P<rest>[A-Z].*)$", re.DOTALL
)
# Possessive quantifiers (*+) never give back what they matched: a 100,000-character
# cell cannot make these patterns backtrack.
_NUMBER = r"(?P<number>\d{1,3}[a-z]?(?:\.\d{1,3})*+)"
_FINDING_WORD = r"(?P<word>strategic\s++priority|finding|recommendation|priority|rec)"
_FINDING_HEADING_RE = re.compile(
    rf"^{_FINDING_WORD}\b\.?\s*+(?:no\.?|number)?\s*+[:.]?\s*+{_NUMBER}\b[.:)]?\s*+"
    r"(?:[-\u2013\u2014:]\s*+)?(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
FINDING_HEADING_RE = _FINDING_HEADING_RE  # a heading above a Word table, too
_NUMBERED_RE = re.compile(rf"^{_NUMBER}(?:[.:)]\s++|\s*+$)(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
_THEME_RE = re.compile(
    r"^(?:theme|section)?\s*+(?P<key>\d{1,3}[a-z]?)[.:)]\s++(?P<title>.+)$",
    re.IGNORECASE | re.DOTALL,
)
_KIND_WORDS = {
    "finding": FindingKind.FINDING,
    "recommendation": FindingKind.RECOMMENDATION,
    "rec": FindingKind.RECOMMENDATION,
    "priority": FindingKind.PRIORITY,
    "strategic priority": FindingKind.PRIORITY,
}
_MAX_LENGTHS = {
    key: Action._meta.get_field(name).max_length
    for key, name in ACTION_FIELDS.items()
    if Action._meta.get_field(name).max_length
}
_REF_MAX = Action._meta.get_field("ref").max_length
_THEME_TITLE_MAX = Theme._meta.get_field("title").max_length
_FINDING_NUMBER_MAX = Finding._meta.get_field("number").max_length


def finding_kind_for_heading(heading: str) -> str:
    words = normalise_heading(heading)
    if "recommend" in words:
        return FindingKind.RECOMMENDATION
    if "priorit" in words:
        return FindingKind.PRIORITY
    return FindingKind.FINDING


class _PlanReader:
    """Walks the rows once, carrying findings, themes and objectives down the table."""

    def __init__(
        self,
        preview: ImportPreview,
        header: SourceRow,
        agencies: AgencyMatcher,
        legend: dict,
        reviews: ReviewMatcher | None = None,
    ) -> None:
        self.preview = preview
        self.columns: dict[str, int] = {}
        self.repeats: dict[str, list[int]] = {}  # a column a quarter: all of them, in order
        for column in preview.columns:
            if column.field:
                self.columns.setdefault(column.field, column.index)
                self.repeats.setdefault(column.field, []).append(column.index)
        self.repeats = {key: found for key, found in self.repeats.items() if len(found) > 1}
        self.header_words = [normalise_heading(cell_text(value)) for value in header.cells]
        self.first_column = min(
            index for index, value in enumerate(header.cells) if cell_text(value)
        )
        self.finding_kind = finding_kind_for_heading(
            preview.mapped["finding"].heading if "finding" in preview.mapped else ""
        )
        self.agencies = agencies
        self.reviews = reviews
        self.legend = legend
        self.findings: dict[str, ParsedFinding] = {}
        self.themes: dict[str, ParsedTheme] = {}
        self.objectives: dict[str, ParsedObjective] = {}
        self.finding: ParsedFinding | None = None
        self.finding_text_open = False  # one-cell rows after a finding heading are its text
        self.theme: ParsedTheme | None = None
        self.objective: ParsedObjective | None = None
        self.parents: list[str] = []  # refs of parent rows in force ("1", "1.2")
        # "Recommendation / action" in one column: its top-level parent rows ("1" above
        # "1.1", "1.2") are the recommendations, not themes.
        text_heading = preview.mapped["text"].heading if "text" in preview.mapped else ""
        self.parent_kind = (
            finding_kind_for_heading(text_heading)
            if "finding" not in self.columns and names_findings(text_heading)
            else None
        )
        # "Rec No" beside a "Recommendation" column numbers the recommendations: their
        # actions are numbered within them ("1.1", "1.2").
        self.finding_numbers: int | None = None
        numbered = preview.mapped.get("ref")
        if numbered and "finding" in self.columns and names_findings(numbered.heading):
            self.finding_numbers = self.columns.pop("ref")
            preview.refs_number_findings = True
            preview.notes.append(
                RowProblem(
                    header.number,
                    f"column {numbered.letter} numbers the "
                    f"{preview.mapped['finding'].heading.casefold()}s, so their actions "
                    "are numbered within them.",
                )
            )
        self.in_full: set[str] = set()
        # Status ticks: a column a status ("Achieved", "On target"), ✓ or empty.
        self.ticks = [column.index for column in preview.columns if column.field == "tick"]
        # A key of category numbers ("1 = Achieved; 2 = On track..."): number -> RAG
        self.number_key: dict[str, RAG] = {}
        self.merged_down = preview.table.merged_down
        self.key_rows: list[int] = []
        self.heading_rows: set[int] = set()  # the manager's: these rows are headings
        self.lines: dict[int, _Line] = {}

    # ---- walking

    def read_title_rows(self, rows: list[SourceRow], header: SourceRow) -> None:
        """Above the heading row, title rows are skipped; a RAG key, a finding heading (and
        its text) are read, and so is a theme written on the row right above the headings."""
        lines = [_Line.of(row) for row in rows]
        has_key = self._key_above(lines)
        for row in lines:
            texts = [text for text in row.texts if text]
            if self._number_key_row(row):
                continue
            if (has_key and _is_key_line(row)) or any(map(starts_as_a_key, row.texts)):
                continue  # the key, or a line of it: not a theme
            if len(texts) != 1:
                self.finding_text_open = False
            elif self.finding_text_open or _FINDING_HEADING_RE.match(texts[0]):
                self._heading(texts[0])
            elif row.number == header.number - 1 and len(texts[0]) <= _THEME_TITLE_MAX:
                self._start_theme(self._theme(texts[0]))

    def _key_above(self, lines: list[_Line]) -> bool:
        """A RAG key in the title rows is the plan's own legend; the words it gives read
        the status cells too (a legend of the plan imported into wins)."""
        texts = [text for line in lines for text in _key_texts(line)]
        key = legend_in_text(texts)
        self._learn_key(key)
        return bool(key)

    def _learn_key(self, key: dict[RAG, str]) -> None:
        for status, words in key.items():
            self.preview.legend.setdefault(status.value, words)
            self.preview.key_statuses.add(status.value)
        self.legend = {status.value: words for status, words in key.items()} | self.legend

    def _key_below(self, row: _Line) -> bool:
        """Whether the row is (part of) a RAG key under the table, read rather than
        imported: a key in every cell (`statuses.key_in_row`), or a colour in the first
        column beside its meaning ("Green | On track")."""
        texts = [text for text in row.texts if text]
        key = key_in_row(texts)
        first = self._cell(row, self.first_column)
        if not key and len(texts) == 2 and first == texts[0]:
            colour = COLOURS.get(normalise_status(first))
            key = {colour: texts[1]} if colour and len(texts[1]) <= 200 else {}
        if not key:
            return False
        self._learn_key(key)
        self.key_rows.append(row.number)
        return True

    def _number_key_row(self, row: _Line) -> bool:
        """Whether the row is (a piece of) a key of category numbers, read not imported:
        "1 = Achieved; 2 = On track but not yet due; 3 = Slipped" in a cell, or "1 =
        Achieved" alone on its row."""
        texts = [text for text in row.texts if text]
        if not 1 <= len(texts) <= 2:
            return False
        key = number_key(texts)
        if len(key) == 1 and not self.number_key:
            # A key a piece a row starts with its first status, written as a status alone
            # ("1 = Achieved"), never with an action's words ("1 - Complete the audit").
            ((number, (_rag, words)),) = key.items()
            if number not in ("0", "1") or rag_for_status(words) is None:
                return False
        if not key:
            return False
        for number, (rag, words) in key.items():
            self.number_key[number] = rag
            if rag != RAG.NOT_RATED:
                self.preview.legend.setdefault(rag.value, words)
                self.preview.key_statuses.add(rag.value)
        self.key_rows.append(row.number)
        return True

    def _number_key_lines(self, rows: list[_Line]) -> set[int]:
        """Rows of a key of category numbers under the table (with a "Key" row above
        them), learnt before the statuses are read."""
        found: set[int] = set()
        label: int | None = None
        for row in rows:
            if self._number_key_row(row):
                self.key_rows.pop()  # `read_body` notes it with the other key rows
                found.add(row.number)
                if label is not None:
                    found.add(label)
                label = None
                continue
            texts = [text for text in row.texts if text]
            label = row.number if len(texts) == 1 and is_key_label(texts[0]) else None
        return found

    def _rag(self, word: str) -> RAG | None:
        """A status cell's RAG: by the file's key of numbers, else its words."""
        number = word.strip().rstrip(".")
        if number in self.number_key:
            return self.number_key[number]
        return rag_for_status(word, self.legend)

    def _reread_statuses(self) -> None:
        """Statuses read before a key under the table are read again with its words."""
        unknown = self.preview.unknown_statuses
        for action in self.preview.actions:
            if action.rag is None:
                action.rag = self._rag(action.status_word)
                if action.rag is not None:
                    rows = unknown.get(action.status_word, [])
                    if action.row in rows:
                        rows.remove(action.row)
        self.preview.unknown_statuses = {word: rows for word, rows in unknown.items() if rows}

    def read_body(self, source_rows: list[SourceRow]) -> None:
        rows = [_Line.of(row) for row in source_rows]  # each cell read once
        self.lines = {row.number: row for row in rows}
        self.in_full = self._written_in_full(rows)
        key_lines = self._key_lines(rows) | self._number_key_lines(rows)
        for row, next_ref in zip(rows, self._next_refs(rows), strict=True):
            if self._repeats_header(row):
                self.finding_text_open = False
                continue
            if row.number in key_lines:
                self.key_rows.append(row.number)
                continue
            if self._key_below(row):
                continue
            heading = self._heading_text(row)
            if row.number in self.heading_rows:
                heading = next((text for text in row.texts if text), "")[:_THEME_TITLE_MAX]
                self.finding_text_open = False
            if heading:
                self._heading(heading)
                continue
            self.finding_text_open = False
            self._action_row(row, next_ref)
        self._cite_all()
        if self.key_rows:
            self._reread_statuses()
            self.preview.notes.append(
                RowProblem(
                    self.key_rows[0],
                    "read as the plan's RAG key, not as actions"
                    + (
                        f" (rows {', '.join(map(str, self.key_rows))})."
                        if len(self.key_rows) > 1
                        else "."
                    ),
                )
            )
        _number_refs(self.preview)

    def _key_lines(self, rows: list[_Line]) -> set[int]:
        """A key written a colour a row in the table's rows ("Key", "Red – Stalled",
        "Green – Moving"): runs of rows each holding only a piece of a key or its label,
        naming two colours or more between them. Their key is learnt at once."""
        found: set[int] = set()
        run: list[_Line] = []
        for row in [*rows, None]:
            if row is not None and _is_key_piece_row(row):
                run.append(row)
                continue
            key = legend_in_text([text for line in run for text in _key_texts(line)])
            if key:
                self._learn_key(key)
                found.update(line.number for line in run)
            run = []
        return found

    def _written_in_full(self, rows: list[_Line]) -> set[str]:
        """Block columns that repeat their value on consecutive rows are written on every
        row (as our exports do): there an empty cell means "none", not "as above"."""
        in_full = set()
        for key in CARRIED:
            if key not in self.columns:
                continue
            cells = [self._cell(row, self.columns[key]) for row in rows]
            if any(a and a == b for a, b in zip(cells, cells[1:], strict=False)):
                in_full.add(key)
        return in_full

    def _next_refs(self, rows: list[_Line]) -> list[str]:
        """For each row, the first ref written below it (to spot parent rows)."""
        following, found = [], ""
        for row in reversed(rows):
            following.append(found)
            found = self._ref(row) or found
        return following[::-1]

    def _action_row(self, row: _Line, next_ref: str) -> None:
        texts = {key: self._cell(row, index) for key, index in self.columns.items()}
        latest = self._latest_of_repeats(row, texts)
        if self.finding_numbers is not None:
            self._number_finding(row, texts)
        ref = _clean_ref(texts.get("ref", ""))
        if "ref" not in self.columns and self.finding_numbers is None:
            ref = self._ref_in_text(texts)
        heads_block = self._heads_block(ref, texts)
        self._carry(texts, row.number)
        if heads_block:
            return
        if ref:
            self._leave_parents(ref)
        if not ref and self._continues(texts):
            self._continue(row.number, texts)
            return
        if not texts["text"]:
            self.preview.errors.append(
                RowProblem(
                    row.number,
                    f"ref {ref} has no action text."
                    if ref
                    else "there is no action text in this row.",
                )
            )
            return
        if ref and next_ref.startswith(ref + ".") and self._only_ref_and_text(texts):
            self._parent(ref, texts["text"])
            return
        anchors = self._merged_from_above(row, texts)
        if "rag" in texts and not texts["rag"]:
            texts["rag"] = self._fill_word(row)
        if self.ticks and not texts.get("rag"):
            texts["rag"] = self._ticked(row)
        self._add_action(
            row.number,
            ref,
            texts,
            self._raw(anchors.get("target", row), "target"),
            self._raw(anchors.get("progress_as_at", row), "progress_as_at"),
        )
        actions = self.preview.actions
        if "progress" in latest and actions and actions[-1].row == row.number:
            actions[-1].progress_heading = self.preview.columns[latest["progress"]].heading
            actions[-1].earlier_progress = self._earlier_progress(row, latest["progress"])

    def _heads_block(self, ref: str, texts: dict[str, str]) -> bool:
        """A recommendation (or theme, or objective) written on its own row, with its
        number and text and no action ("1 | The board should..."), heads the actions
        under it ("1.1", "1.2", whose recommendation cell is empty): it takes the ref as
        its number. Changes `texts` so that `_carry` starts it."""
        if not ref or texts["text"] or not self._only_ref_and_text(texts):
            return False
        for key in CARRIED:
            if texts.get(key) and not _NUMBERED_RE.match(texts[key]) and "." not in ref:
                texts[key] = f"{ref}. {texts[key]}"
        if texts.get("objective") and not any(texts.get(key) for key in CARRIED[:3]):
            self.objective = self._objective(texts.pop("objective"), key=ref)
            return True
        return any(texts.get(key) for key in CARRIED)

    @staticmethod
    def _ref_in_text(texts: dict[str, str]) -> str:
        """In a table without a ref column, an action written "1.1 Introduce audits" or
        "2. Train staff" has the ref it starts with, and the text after it."""
        match = _REF_IN_TEXT_RE.match(texts.get("text", ""))
        if not match:
            return ""
        texts["text"] = match["rest"]
        return match["ref"].rstrip(".)")

    def _number_finding(self, row: _Line, texts: dict[str, str]) -> None:
        """The finding number column ("Rec No") gives the finding written beside it its
        number, or names a finding given before."""
        number = _clean_ref(self._cell(row, self.finding_numbers))
        if not number:
            return
        if texts.get("finding"):
            texts["finding"] = f"{number}. {texts['finding']}"
        elif number in self.findings:
            self._start_finding(self.findings[number])

    def _latest_of_repeats(self, row: _Line, texts: dict[str, str]) -> dict[str, int]:
        """With a column a quarter, a row's latest filled-in one is its value. Returns the
        column each such value came from."""
        latest = {}
        for key, indices in self.repeats.items():
            for index in reversed(indices):
                if text := self._cell(row, index):
                    texts[key] = text
                    latest[key] = index
                    break
        return latest

    def _ticked(self, row: _Line) -> str:
        """With status ticks, the heading of the ticked column that says most done
        ("Achieved" before "On target"); "" when none is ticked."""
        ticked = [
            self.preview.columns[i].heading for i in self.ticks if is_tick(self._cell(row, i))
        ]
        order = [RAG.BLUE, RAG.GREEN, RAG.AMBER, RAG.RED, RAG.NOT_STARTED, RAG.NOT_RATED]
        return min(
            ticked,
            key=lambda heading: order.index(rag_for_status(heading) or RAG.NOT_RATED),
            default="",
        )

    def _fill_word(self, row: _Line) -> str:
        """A status column with no words but a coloured cell: the colour, as a status word
        (the latest coloured one, with a RAG column a quarter)."""
        fills = self.preview.table.fills
        for index in reversed(self.repeats.get("rag", [self.columns["rag"]])):
            if rgb := fills.get((row.number, index)):
                return fill_word(rgb)
        return ""

    def _earlier_progress(self, row: _Line, latest: int) -> list[tuple[str, str, RAG]]:
        """The quarters before the latest (column `latest`), for the update trail:
        (heading, progress, RAG). A RAG column a quarter beside them gives each its RAG
        when there are as many."""
        progress = self.repeats["progress"]
        statuses = self.repeats.get("rag", [])
        earlier = []
        for position, index in enumerate(progress[: progress.index(latest)]):
            if text := self._cell(row, index):
                word = self._cell(row, statuses[position]) if len(statuses) == len(progress) else ""
                rag = self._rag(word) if word else None
                earlier.append((self.preview.columns[index].heading, text, rag or RAG.NOT_RATED))
        return earlier

    def _merged_from_above(self, row: _Line, texts: dict[str, str]) -> dict[str, _Line]:
        """An empty cell in a range merged down from an earlier row takes that row's value:
        a lead or target date merged over three actions belongs to all three. Refs, action
        text and block columns are left alone (blocks carry down anyway). Returns the row
        each filled field came from."""
        anchors = {}
        for key, index in self.columns.items():
            if key in _NOT_FILLED_FROM_MERGES or texts.get(key):
                continue
            anchor = self.lines.get(self.merged_down.get((row.number, index), 0))
            if anchor is not None:
                texts[key] = self._cell(anchor, index)
                anchors[key] = anchor
        return anchors

    # ---- headings and blocks

    def _heading_text(self, row: _Line) -> str | None:
        """The text of a one-cell heading row, or None for any other row."""
        filled = [(index, text) for index, text in enumerate(row.texts) if text]
        if len(filled) != 1 or filled[0][0] != self.first_column:
            return None
        text = filled[0][1]
        if self.columns.get("ref") == self.first_column and _LOOKS_LIKE_REF.match(text):
            return None  # a ref with nothing beside it: an error the row check reports
        is_finding = _FINDING_HEADING_RE.match(text)
        if not (self.finding_text_open or is_finding) and len(text) > _THEME_TITLE_MAX:
            return None  # too long for a heading: an action written without other cells
        return text

    def _heading(self, text: str) -> None:
        if self.finding_text_open and self.finding is not None:
            self.finding.text = f"{self.finding.text}\n{text}".strip()
            return
        match = _FINDING_HEADING_RE.match(text)
        if match:
            self._start_finding(self._finding(match, _KIND_WORDS[_word(match)]))
            self.finding_text_open = True
            return
        self._start_theme(self._theme(text))

    def _start_finding(self, finding: ParsedFinding | None) -> None:
        if finding is not self.finding:
            self.objective = None
        self.finding = finding

    def _start_theme(self, theme: ParsedTheme | None) -> None:
        if theme is not self.theme:
            self.objective = None
        self.theme = theme

    def _carry(self, texts: dict[str, str], row: int) -> None:
        if texts.get("finding"):
            self._start_finding(self._finding_cell(texts["finding"], row))
        elif "finding" in self.in_full:
            self._start_finding(None)
        if texts.get("priority") and self.finding is not None:
            self.finding.priority = texts["priority"]
        if texts.get("theme"):
            self._start_theme(self._theme(texts["theme"]))
        elif "theme" in self.in_full:
            self._start_theme(None)
        if texts.get("objective"):
            self.objective = self._objective(texts["objective"])
        elif "objective" in self.in_full:
            self.objective = None

    def _finding_cell(self, text: str, row: int) -> ParsedFinding | None:
        match = _FINDING_HEADING_RE.match(text)
        if match:
            return self._finding(match, _KIND_WORDS[_word(match)])
        match = _NUMBERED_RE.match(text)
        if match:
            return self._finding(match, self.finding_kind)
        for finding in self.findings.values():
            if finding.text == text:
                return finding
        number = _next_free(set(self.findings))
        return self._register_finding(ParsedFinding(number, self.finding_kind, text), row)

    def _finding(self, match: re.Match, kind: str) -> ParsedFinding | None:
        number = match["number"]
        rest = match["rest"].strip()
        if number in self.findings:
            return self.findings[number]
        finding = ParsedFinding(number, kind, rest)
        if rest.casefold().startswith("for "):  # "Recommendation No. 1 - for immediate improvement"
            finding.text, finding.priority = "", rest
        return self._register_finding(finding, None)

    def _register_finding(self, finding: ParsedFinding, row: int | None) -> ParsedFinding | None:
        if len(finding.number) > _FINDING_NUMBER_MAX:
            if row is not None:
                self.preview.errors.append(RowProblem(row, "the finding's number is too long."))
            return None
        self.findings[finding.number] = finding
        return finding

    def _theme(self, text: str) -> ParsedTheme:
        match = _THEME_RE.match(text)
        key, title = (match["key"], match["title"].strip()) if match else ("", text)
        known = self.themes.get(normalise_heading(title))
        if known:
            return known
        if not key or any(theme.key == key for theme in self.themes.values()):
            key = _next_free({theme.key for theme in self.themes.values()})
        theme = ParsedTheme(key, title[:_THEME_TITLE_MAX])
        self.themes[normalise_heading(title)] = theme
        return theme

    def _objective(self, text: str, key: str = "") -> ParsedObjective:
        if text not in self.objectives:
            self.objectives[text] = ParsedObjective(text, key, self.finding)
        return self.objectives[text]

    def _parent(self, ref: str, text: str) -> None:
        """A row that only heads its sub-refs: a theme at the top level (a finding when the
        column's heading names one), else an objective."""
        if "." in ref:
            self.objective = self._objective(text, key=ref)
        elif self.parent_kind:
            finding = self.findings.get(ref) or ParsedFinding(ref, self.parent_kind, text)
            self._start_finding(self._register_finding(finding, None))
        else:
            self._start_theme(self._theme(f"{ref}. {text}"))
        self.parents.append(ref)

    def _leave_parents(self, ref: str) -> None:
        """Sub-refs attach to their parent row only while they carry its ref as prefix."""
        while self.parents and not ref.startswith(self.parents[-1] + "."):
            left = self.parents.pop()
            if "." in left:
                self.objective = None
            elif self.parent_kind:
                self._start_finding(None)
            else:
                self.theme = None
                self.objective = None

    # ---- actions

    def _add_action(
        self, row: int, ref: str, texts: dict[str, str], target: Value, as_at: Value
    ) -> None:
        values = {key: texts[key] for key in ACTION_FIELDS if key in texts}
        if "target" in values:
            values["target"] = target_text(target)
        action = ParsedAction(
            row=row,
            ref=ref,
            values=values,
            finding=self.finding,
            theme=self.theme,
            objective=self.objective,
        )
        if "progress" in texts or "next_steps" in texts:
            values["progress"] = texts.get("progress", "")
            values["next_steps"] = texts.get("next_steps", "")
            action.progress_as_at = self._as_at(row, as_at)
        if "rag" in texts:
            self._status(action, texts["rag"])
        if self.reviews is not None and texts.get("answers"):
            self._cite(action, texts["answers"])
        if "lead_agency" in texts or "lead" in texts:
            self._agency(action, texts.get("lead_agency") or texts.get("lead", ""))
            if "lead" not in texts:
                values["lead"] = texts["lead_agency"]
        self._check_lengths(action)
        self.preview.actions.append(action)

    def _continues(self, texts: dict[str, str]) -> bool:
        """A ref-less row continuing the action above: a second owner or KPI on its own
        row, or (in a table with refs) action text split across a page break."""
        if not self.preview.actions:
            return False
        if not texts["text"]:
            return any(texts.get(key) for key in CONTINUED)
        return "ref" in self.columns and self._only_ref_and_text(texts)

    def _continue(self, row: int, texts: dict[str, str]) -> None:
        previous = self.preview.actions[-1]
        for key in ("text", *CONTINUED):
            if key in previous.values and texts.get(key):
                earlier = previous.values[key]
                previous.values[key] = f"{earlier}\n{texts[key]}" if earlier else texts[key]
        self._check_lengths(previous)
        self.preview.notes.append(
            RowProblem(row, f"no ref: added to the action on row {previous.row} above it.")
        )

    def _only_ref_and_text(self, texts: dict[str, str]) -> bool:
        return not any(
            value for key, value in texts.items() if key not in {"ref", "text", *CARRIED}
        )

    def _status(self, action: ParsedAction, word: str) -> None:
        action.status_word = word
        action.rag = self._rag(word)
        if action.rag is None:
            self.preview.unknown_statuses.setdefault(word, []).append(action.row)
        meaning = legend_meaning(word)
        if meaning:
            self.preview.legend.setdefault(meaning[0].value, meaning[1])

    def _cite(self, action: ParsedAction, text: str) -> None:
        names, action.cites_all = read_citations(text)
        for name in names:
            review = self.reviews.match(name)
            if review is None:
                self.preview.unknown_reviews.setdefault(name, []).append(action.row)
            elif all(review != cited for cited, _note in action.cited):
                action.cited.append((review, ""))

    def _cite_all(self) -> None:
        """ "All" cites every review the file names anywhere, as "All"."""
        named = list(
            dict.fromkeys(review for action in self.preview.actions for review, _ in action.cited)
        )
        for action in self.preview.actions:
            if action.cites_all:
                already = {review for review, _note in action.cited}
                action.cited += [(review, "All") for review in named if review not in already]

    def _agency(self, action: ParsedAction, name: str) -> None:
        action.agency_name = _SPACES_RE.sub(" ", name).strip()
        action.agency = self.agencies.match(name)
        if action.agency is None and action.agency_name:
            self.preview.unknown_agencies.setdefault(action.agency_name, []).append(action.row)
            if action.agency_name not in self.preview.suggested_agencies:
                suggestion = self.agencies.suggest(action.agency_name)
                self.preview.suggested_agencies[action.agency_name] = suggestion

    def _as_at(self, row: int, value: Value) -> date | None:
        if value is None or value == "":
            return None
        day = resolve_target(value).due
        if day is None:
            self.preview.notes.append(
                RowProblem(row, f'the progress date "{cell_text(value)}" was not understood.')
            )
        return day

    def _check_lengths(self, action: ParsedAction) -> None:
        if len(action.ref) > _REF_MAX:
            self.preview.errors.append(
                RowProblem(action.row, f"the ref is longer than {_REF_MAX} characters.")
            )
        for key, limit in _MAX_LENGTHS.items():
            length = len(action.values.get(key, ""))
            if length > limit:
                heading = self.preview.mapped[key].heading if key in self.preview.mapped else key
                self.preview.errors.append(
                    RowProblem(
                        action.row,
                        f'"{heading}" is {length:,} characters long; the limit is {limit:,}.',
                    )
                )

    # ---- cells

    def _cell(self, row: _Line, index: int) -> str:
        return row.texts[index] if index < len(row.texts) else ""

    def _raw(self, row: _Line, key: str) -> Value:
        index = self.columns.get(key)
        return row.cells[index] if index is not None and index < len(row.cells) else None

    def _ref(self, row: _Line) -> str:
        index = self.columns.get("ref")
        return _clean_ref(self._cell(row, index)) if index is not None else ""

    def _repeats_header(self, row: _Line) -> bool:
        """Whether the row repeats at least half of the headings (a table continued)."""
        named = [(index, words) for index, words in enumerate(self.header_words) if words]
        same = 0
        for index, words in named:
            text = self._cell(row, index)
            if len(text) <= 2 * len(words) + 10 and normalise_heading(text) == words:
                same += 1
        return same * 2 >= len(named)


@dataclass(frozen=True)
class _Line:
    """A row with each cell's text worked out once."""

    number: int
    cells: tuple[Value, ...]
    texts: list[str]

    @classmethod
    def of(cls, row: SourceRow) -> _Line:
        return cls(row.number, row.cells, [cell_text(value) for value in row.cells])


def _is_key_piece_row(row: _Line) -> bool:
    """A row holding only a piece of a key ("Red – Stalled", "Green | Moving", "Moving |
    Green"), its label ("Key", "RAG") or both, in three cells at most."""
    texts = [text for text in row.texts if text]
    if not 1 <= len(texts) <= 3:
        return False
    pieces = [text for text in texts if not is_key_label(text)]
    if all(key_pieces(text) for text in pieces):  # a label alone ("Key") is part of a key
        return True
    return len(pieces) == 2 and any(normalise_status(text) in COLOURS for text in pieces)


def _is_key_line(row: _Line) -> bool:
    texts = _key_texts(row)
    return bool(legend_in_text(texts)) or any(legend_meaning(text) for text in texts)


def _key_texts(row: _Line) -> list[str]:
    """A row's texts, and "Red – Behind schedule" for a key written across two cells
    (beside its label, if it has one)."""
    texts = [text for text in row.texts if text]
    pieces = [text for text in texts if not is_key_label(text)]
    return [*texts, " – ".join(pieces)] if len(pieces) == 2 else texts


def target_text(value: Value) -> str:
    """A target cell as text: a date cell or Excel day number prints as the day it is."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        target = resolve_target(value)
        if target.due is not None:
            return uk_date(target.due)
    return cell_text(value)


def _clean_ref(text: str) -> str:
    return _SPACES_RE.sub(" ", text).strip().rstrip(".")


def _word(match: re.Match) -> str:
    return _SPACES_RE.sub(" ", match["word"].casefold())


def _next_free(used: set[str]) -> str:
    number = 1
    while str(number) in used:
        number += 1
    return str(number)


def _number_refs(preview: ImportPreview) -> None:
    """Prefix repeated plain refs with their block, number ref-less rows, refuse clashes."""
    actions = preview.actions
    plain = [action.ref for action in actions if action.ref and "." not in action.ref]
    if len(plain) != len(set(plain)):
        for action in actions:
            if action.ref and "." not in action.ref and action.block:
                action.ref = f"{action.block}.{action.ref}"
    used = {action.ref for action in actions if action.ref}
    for action in actions:
        if not action.ref:
            action.ref = _next_ref(action.block, used)
            used.add(action.ref)
    first_row: dict[str, int] = {}
    for action in actions:
        if action.ref in first_row:
            preview.errors.append(
                RowProblem(
                    action.row, f"ref {action.ref} is also used on row {first_row[action.ref]}."
                )
            )
        first_row.setdefault(action.ref, action.row)


def _next_ref(block: str, used: set[str]) -> str:
    prefix = f"{block}." if block else ""
    number = 1
    while f"{prefix}{number}" in used:
        number += 1
    return f"{prefix}{number}"
