"""Step 5: build groups: walk the rows once, carrying findings, themes and objectives
down the table, and say what each row is.

- Finding, priority, theme and objective cells are written once, on the first row of
  their block: each applies to the rows below it until the next one. A new finding or
  theme starts without an objective. Block columns that repeat their value on
  consecutive rows are written on every row (as our exports do): there an empty cell
  means "none", not "as above".
- A row with one cell, in the table's first column and without a ref, is a heading:
  "Finding 2. ...", "Recommendation No. 1 - for immediate improvement" or "Priority 3"
  start a finding (the one-cell rows right after it are its text); any other short
  heading ("Actions for Cleveland Police", "Professional Curiosity") starts a theme; so
  does a word in a first column of refs that is no ref ("Health", "Police": one without a
  digit, over three characters and no Roman number).
  Above the heading row, a finding heading (and its text) is read too, and so is a
  theme written on the row right above the headings. The manager may say which rows
  are headings, whatever they hold.
- A recommendation (or theme, or objective) written on its own row, with its number and
  text and no action ("1 | The board should..."), heads the actions under it ("1.1",
  "1.2", whose recommendation cell is empty).
- A row holding only a ref and text, followed by sub-refs ("1" then "1.1", "1.2"), is
  the heading of those sub-refs: a theme at the top level, an objective below it. When
  the action column's heading names findings too ("Recommendation / action") and no
  other column holds them, the top-level ones are the findings.
- A row with no action text and no ref continues the action above it (a second owner
  or KPI written on its own row), and so does, in a table with refs, a ref-less row
  holding only action text (text split across a page break).
- Without a ref column, a number starting the action text ("1.1 Introduce audits",
  "2. Train staff", before a capital) is its ref, and is taken off the text. Refs lose a
  trailing full stop ("1." is "1").

What comes out is a `GroupedRow` for each action row and each continuation, with the
finding, theme and objective it sits in; `rows` reads their cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from actionplans.models import Theme
from reviews.models import Finding

from ..headers import normalise_heading
from ..preview import ParsedFinding, ParsedObjective, ParsedTheme, RowProblem
from ..vocabulary import (
    FINDING_HEADING_RE,
    NUMBERED_RE,
    THEME_RE,
    finding_kind_of_heading_word,
)
from .columns import Columns
from .context import Line
from .header import Header
from .key import Key

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
THEME_TITLE_MAX = Theme._meta.get_field("title").max_length
FINDING_NUMBER_MAX = Finding._meta.get_field("number").max_length

# A ref alone in its row: one word with a digit ("1.2", "R3"), up to three characters
# ("A", "B2"), or a Roman number ("iv"); a word such as "Health" or "Police" there is the
# heading of an agency's section.
_LOOKS_LIKE_REF = re.compile(
    r"^(?:(?=[\w./-]*\d)[\w./-]{1,12}|[\w./-]{1,3}|[ivxlc]{1,6}\.?)$", re.IGNORECASE
)
_SPACES_RE = re.compile(r"\s+")
# "1.1 Introduce audits", "2. Train staff", "3) Report": a ref at the start of the action
# text, before a capital ("1.5 hours of training" is no ref).
_REF_IN_TEXT_RE = re.compile(
    r"^(?P<ref>\d{1,3}(?:(?:\.\d{1,3})++\.?|[.)]))\s++(?P<rest>[A-Z].*)$", re.DOTALL
)


@dataclass(frozen=True)
class GroupedRow:
    """An action row (or a row continuing the action above it) and where it sits."""

    line: Line
    continues: bool  # adds its cells to the action above it
    ref: str
    texts: dict[str, str]  # field -> text (a quarter's latest, the ref taken off the text)
    latest: dict[str, int]  # with a column a quarter: field -> the column its text is from
    finding: ParsedFinding | None = None
    theme: ParsedTheme | None = None
    objective: ParsedObjective | None = None


@dataclass(frozen=True)
class Grouped:
    rows: tuple[GroupedRow, ...]
    errors: tuple[RowProblem, ...]


def build_groups(
    header: Header, columns: Columns, key: Key, *, heading_rows: frozenset[int] = frozenset()
) -> Grouped:
    """Walk the title rows and the body of the table (less its key rows)."""
    walk = _Walk(columns, header.first_column, heading_rows)
    walk.title_rows(
        [Line.of(row) for row in header.title_rows if row.number not in key.title_rows],
        header.number,
    )
    walk.body(header, key)
    return Grouped(tuple(walk.rows), tuple(walk.errors))


def clean_ref(text: str) -> str:
    return _SPACES_RE.sub(" ", text).strip().rstrip(".")


@dataclass
class _Registry:
    """The findings, themes and objectives met so far, each once."""

    findings: dict[str, ParsedFinding] = field(default_factory=dict)
    themes: dict[str, ParsedTheme] = field(default_factory=dict)  # by normalised title
    objectives: dict[str, ParsedObjective] = field(default_factory=dict)  # by text


class _Walk:
    """The walk's state: what is carried down from the rows above."""

    def __init__(self, columns: Columns, first_column: int, heading_rows: frozenset[int]):
        self.columns = columns
        self.first_column = first_column
        self.heading_rows = heading_rows
        self.known = _Registry()
        self.finding: ParsedFinding | None = None
        self.theme: ParsedTheme | None = None
        self.objective: ParsedObjective | None = None
        self.finding_text_open = False  # one-cell rows after a finding heading are its text
        self.parents: list[str] = []  # refs of parent rows in force ("1", "1.2")
        self.in_full: set[str] = set()
        self.rows: list[GroupedRow] = []
        self.has_action = False  # an action row was met: a later row may continue it
        self.errors: list[RowProblem] = []

    # ---- walking

    def title_rows(self, lines: list[Line], header_row: int) -> None:
        for line in lines:
            texts = line.filled
            if len(texts) != 1:
                self.finding_text_open = False
            elif self.finding_text_open or FINDING_HEADING_RE.match(texts[0]):
                self._heading(texts[0])
            elif line.number == header_row - 1 and len(texts[0]) <= THEME_TITLE_MAX:
                self._start_theme(self._theme(texts[0]))

    def body(self, header: Header, key: Key) -> None:
        lines = list(header.body)
        self.in_full = self._written_in_full(lines)
        for line, next_ref in zip(lines, self._next_refs(lines), strict=True):
            if line.number in header.repeated:
                self.finding_text_open = False
                continue
            if line.number in key.body_rows:
                continue
            heading = self._heading_text(line)
            if line.number in self.heading_rows:
                heading = next((text for text in line.texts if text), "")[:THEME_TITLE_MAX]
                self.finding_text_open = False
            if heading:
                self._heading(heading)
                continue
            self.finding_text_open = False
            self._row(line, next_ref)

    def _written_in_full(self, lines: list[Line]) -> set[str]:
        in_full = set()
        for name in CARRIED:
            if name not in self.columns.index:
                continue
            cells = [line.text(self.columns.index[name]) for line in lines]
            if any(a and a == b for a, b in zip(cells, cells[1:], strict=False)):
                in_full.add(name)
        return in_full

    def _next_refs(self, lines: list[Line]) -> list[str]:
        """For each row, the first ref written below it (to spot parent rows)."""
        index = self.columns.index.get("ref")
        following, found = [], ""
        for line in reversed(lines):
            following.append(found)
            found = (clean_ref(line.text(index)) if index is not None else "") or found
        return following[::-1]

    def _row(self, line: Line, next_ref: str) -> None:
        texts, latest = self.columns.texts(line)
        if self.columns.finding_numbers is not None:
            self._number_finding(line, texts)
        ref = clean_ref(texts.get("ref", ""))
        if "ref" not in self.columns.index and self.columns.finding_numbers is None:
            ref = _ref_in_text(texts)
        heads_block = self._heads_block(ref, texts)
        self._carry(texts, line.number)
        if heads_block:
            return
        if ref:
            self._leave_parents(ref)
        if not ref and self._continues(texts):
            self.rows.append(GroupedRow(line, True, ref, texts, latest))
            return
        if not texts["text"]:
            self.errors.append(
                RowProblem(
                    line.number,
                    f"ref {ref} has no action text."
                    if ref
                    else "there is no action text in this row.",
                )
            )
            return
        if ref and next_ref.startswith(ref + ".") and _only_ref_and_text(texts):
            self._parent(ref, texts["text"])
            return
        self.rows.append(
            GroupedRow(line, False, ref, texts, latest, self.finding, self.theme, self.objective)
        )
        self.has_action = True

    def _continues(self, texts: dict[str, str]) -> bool:
        """A ref-less row continuing the action above: a second owner or KPI on its own
        row, or (in a table with refs) action text split across a page break."""
        if not self.has_action:
            return False
        if not texts["text"]:
            return any(texts.get(name) for name in CONTINUED)
        return "ref" in self.columns.index and _only_ref_and_text(texts)

    def _heads_block(self, ref: str, texts: dict[str, str]) -> bool:
        """A recommendation (or theme, or objective) written on its own row, with its
        number and text and no action, heads the actions under it: it takes the ref as
        its number. Changes `texts` so that `_carry` starts it."""
        if not ref or texts["text"] or not _only_ref_and_text(texts):
            return False
        for name in CARRIED:
            if texts.get(name) and not NUMBERED_RE.match(texts[name]) and "." not in ref:
                texts[name] = f"{ref}. {texts[name]}"
        if texts.get("objective") and not any(texts.get(name) for name in CARRIED[:3]):
            self.objective = self._objective(texts.pop("objective"), key=ref)
            return True
        return any(texts.get(name) for name in CARRIED)

    def _number_finding(self, line: Line, texts: dict[str, str]) -> None:
        """The finding number column ("Rec No") gives the finding written beside it its
        number, or names a finding given before."""
        number = clean_ref(line.text(self.columns.finding_numbers))
        if not number:
            return
        if texts.get("finding"):
            texts["finding"] = f"{number}. {texts['finding']}"
        elif number in self.known.findings:
            self._start_finding(self.known.findings[number])

    # ---- headings and blocks

    def _heading_text(self, line: Line) -> str | None:
        """The text of a one-cell heading row, or None for any other row."""
        filled = [(index, text) for index, text in enumerate(line.texts) if text]
        if len(filled) != 1 or filled[0][0] != self.first_column:
            return None
        text = filled[0][1]
        if self.columns.index.get("ref") == self.first_column and _LOOKS_LIKE_REF.match(text):
            return None  # a ref with nothing beside it: an error the row check reports
        is_finding = FINDING_HEADING_RE.match(text)
        if not (self.finding_text_open or is_finding) and len(text) > THEME_TITLE_MAX:
            return None  # too long for a heading: an action written without other cells
        return text

    def _heading(self, text: str) -> None:
        if self.finding_text_open and self.finding is not None:
            self.finding.text = f"{self.finding.text}\n{text}".strip()
            return
        match = FINDING_HEADING_RE.match(text)
        if match:
            self._start_finding(self._finding(match, finding_kind_of_heading_word(match)))
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
        match = FINDING_HEADING_RE.match(text)
        if match:
            return self._finding(match, finding_kind_of_heading_word(match))
        match = NUMBERED_RE.match(text)
        if match:
            return self._finding(match, self.columns.finding_kind)
        for finding in self.known.findings.values():
            if finding.text == text:
                return finding
        number = _next_free(set(self.known.findings))
        return self._register_finding(ParsedFinding(number, self.columns.finding_kind, text), row)

    def _finding(self, match: re.Match, kind: str) -> ParsedFinding | None:
        number = match["number"]
        rest = match["rest"].strip()
        if number in self.known.findings:
            return self.known.findings[number]
        finding = ParsedFinding(number, kind, rest)
        if rest.casefold().startswith("for "):  # "Recommendation No. 1 - for immediate improvement"
            finding.text, finding.priority = "", rest
        return self._register_finding(finding, None)

    def _register_finding(self, finding: ParsedFinding, row: int | None) -> ParsedFinding | None:
        if len(finding.number) > FINDING_NUMBER_MAX:
            if row is not None:
                self.errors.append(RowProblem(row, "the finding's number is too long."))
            return None
        self.known.findings[finding.number] = finding
        return finding

    def _theme(self, text: str) -> ParsedTheme:
        match = THEME_RE.match(text)
        key, title = (match["key"], match["title"].strip()) if match else ("", text)
        themes = self.known.themes
        known = themes.get(normalise_heading(title))
        if known:
            return known
        if not key or any(theme.key == key for theme in themes.values()):
            key = _next_free({theme.key for theme in themes.values()})
        theme = ParsedTheme(key, title[:THEME_TITLE_MAX])
        themes[normalise_heading(title)] = theme
        return theme

    def _objective(self, text: str, key: str = "") -> ParsedObjective:
        objectives = self.known.objectives
        if text not in objectives:
            objectives[text] = ParsedObjective(text, key, self.finding)
        return objectives[text]

    def _parent(self, ref: str, text: str) -> None:
        """A row that only heads its sub-refs: a theme at the top level (a finding when the
        column's heading names one), else an objective."""
        if "." in ref:
            self.objective = self._objective(text, key=ref)
        elif self.columns.parent_kind:
            finding = self.known.findings.get(ref) or ParsedFinding(
                ref, self.columns.parent_kind, text
            )
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
            elif self.columns.parent_kind:
                self._start_finding(None)
            else:
                self.theme = None
                self.objective = None


def _only_ref_and_text(texts: dict[str, str]) -> bool:
    return not any(value for key, value in texts.items() if key not in {"ref", "text", *CARRIED})


def _ref_in_text(texts: dict[str, str]) -> str:
    """In a table without a ref column, an action written "1.1 Introduce audits" or
    "2. Train staff" has the ref it starts with, and the text after it."""
    match = _REF_IN_TEXT_RE.match(texts.get("text", ""))
    if not match:
        return ""
    texts["text"] = match["rest"]
    return match["ref"].rstrip(".)")


def _next_free(used: set[str]) -> str:
    number = 1
    while str(number) in used:
        number += 1
    return str(number)
