"""A Word document (.docx) -> the rows of its plan, as `readers.Table` gives a spreadsheet's.

A plan kept in Word is one or more tables with text around them. The import pipeline
(`pipeline`) reads rows, so this module turns the document into rows it already
understands, and nothing more:

- Tables: the first table with a heading row (the `wanted` test, as for sheets) is the
  plan. Each later table with as many columns, or starting with the same headings, is
  read after it, a table per area or recommendation; any other table is passed over
  (the description names it). Tables before the plan that are not a key are passed over
  too (a "document control" table).
- The heading above a table: when a plan has a table per area, the paragraph above each
  table (the last heading-styled one, else the last short one) becomes a one-cell row
  in the first column right before it, which the plan reader reads as a finding
  ("Recommendation 2: ...", with the paragraphs after it as its text) or a theme.
- Forms: when no table has a heading row, tables laid out as forms ("Action | ...",
  "Lead | ..." down the first column, a label that comes again starting the next
  action; or an action a column, the table on its side) are turned into one heading row
  and a row an action (`_unfold_forms`), and read as any other table.
- A legend or key table (every row a colour and its meaning; the colour written or
  shown as the cell's shading) is put first, as title rows: the plan reader reads it as
  the plan's legend and never imports it as actions. So is a key written as a paragraph
  ("R = Not on track, A = ...").
- The paragraphs before the first table (not a "Title"-styled one, not a key) are the
  plan's introduction (`Table.introduction`). A key written as a paragraph after the
  last table ("Key: 1 = Achieved; 2 = ...") is put after the rows, as a key under the
  table; other paragraphs after it (sign-off, notes) are not the plan.
- Cells: merged across (gridSpan) a cell's text sits in its first column, the others
  stay empty (as in a spreadsheet: "Progress update" over three quarters); merged down
  (vMerge) the cells below the first row are noted in `Table.merged_down`, so a lead or
  date merged over three actions leads all three. Several paragraphs or list items in a
  cell are its lines. An empty cell's shading (`w:shd/@w:fill`) is kept in
  `Table.fills`, read as a RAG colour like a spreadsheet's fill.
- Tracked changes are read as if all were accepted: inserted text (`w:ins`, `w:moveTo`)
  is kept, deleted text (`w:del`, `w:moveFrom`) and deleted table rows are dropped.
  `Table.tracked_changes` says the document had any, for the preview to say so.
  (python-docx's `cell.text` skips inserted runs, so the XML is read here directly,
  with lxml, after every part was checked for a DOCTYPE; python-docx's own table
  grid, which works out every cell's place one cell at a time, is never used.)
  Comments live in their own part and are never read.

Refused, each with a message: a zip bomb, an XML part with a DOCTYPE, a macro-enabled
document (.docm, even renamed), an encrypted one, more than `MAX_ROWS` rows, more than
`MAX_COLUMNS` columns or a cell over `MAX_CELL_CHARS` characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from actionplans.columns import LABELS

from .cells import cell_text
from .headers import field_for_heading, guess_field, names_findings, normalise_heading
from .readers import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_FILLS,
    MAX_ROWS,
    RowsTest,
    SourceRow,
    Table,
    UnreadableFile,
    check_sizes,
    fills_for,
    open_zip,
    refuse_doctypes,
    refuse_macros,
)
from .statuses import (
    COLOURS,
    colour_status,
    legend_in_text,
    normalise_status,
    number_key,
    starts_as_a_key,
)
from .vocabulary import FINDING_HEADING_RE

__all__ = ["read_docx"]

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SAVE_DOCX = "Save it from Word as a Word document (.docx) and upload that file."
# A paragraph above a table longer than this is text, not the table's heading (unless
# it reads as one: "Recommendation 2: ...").
GROUP_HEADING_MAX = 200
# Containers whose children are read as if they were in their parent.
_TRANSPARENT = {f"{W}{tag}" for tag in ("sdt", "sdtContent", "customXml", "smartTag")}
# Inside a paragraph: what holds text that reads (inserted and moved-here text included).
_READ_INSIDE = {
    f"{W}{tag}"
    for tag in ("r", "ins", "moveTo", "hyperlink", "fldSimple", "sdt", "sdtContent",
                "customXml", "smartTag", "dir", "bdo")
}  # fmt: skip
_CHANGES = tuple(f"{W}{tag}" for tag in ("ins", "del", "moveFrom", "moveTo"))
_P, _TBL, _TR, _TC, _T = (f"{W}{tag}" for tag in ("p", "tbl", "tr", "tc", "t"))
_BLOCKS = (_P, _TBL)
# Text elements, and what those without text read as.
_PIECES = {f"{W}tab": " ", f"{W}br": "\n", f"{W}cr": "\n", f"{W}noBreakHyphen": "-"}
_TEXT_TAGS = (_T, *_PIECES)
_TAB, _TABS = f"{W}tab", f"{W}tabs"
# What may hold text elements that are not the paragraph's text: deletions, text boxes
# (in drawings, VML pictures, embedded objects, alternate content), phonetic guides,
# equations. A document with none of them reads each paragraph's text elements as they
# come (`_paragraph_text(plain=True)`).
_NOT_READ = (
    *(f"{W}{tag}" for tag in ("del", "moveFrom", "txbxContent", "drawing", "pict", "object",
                              "ruby")),
    "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent",
    "{http://schemas.openxmlformats.org/officeDocument/2006/math}oMath",
)  # fmt: skip
_STYLE = f"{W}pPr/{W}pStyle"
_VAL = f"{W}val"
_TC_PROPERTIES = {f"{W}{tag}": tag for tag in ("gridSpan", "vMerge", "shd")}
_FILL_RE = re.compile(r"[0-9A-Fa-f]{6}")
_TC_PR = f"{W}tcPr"
_ROW_DELETED = f"{W}trPr/{W}del"
_GRID_BEFORE = f"{W}trPr/{W}gridBefore"
_SPACES_RE = re.compile(r"[ \t\u00a0]+")


def _parser() -> etree.XMLParser:
    """The document part was checked for a DOCTYPE (`refuse_doctypes`); this parser loads
    no DTD, resolves no entity, reaches no network and keeps no comment. (One a call:
    lxml parsers are not to be shared between threads.)"""
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


@dataclass
class _Paragraph:
    text: str
    style: str = ""

    @property
    def is_heading(self) -> bool:
        style = self.style.casefold()
        return style.startswith("heading") or style in {"title", "subtitle"}


@dataclass
class _WordTable:
    position: int  # 1-based, in the document
    rows: list[SourceRow]  # numbered 1.. within the table
    merged_down: dict[tuple[int, int], int] = field(default_factory=dict)
    fills: dict[tuple[int, int], str] = field(default_factory=dict)
    text_fills: dict[tuple[int, int], str] = field(default_factory=dict)
    width: int = 0
    before: list[_Paragraph] = field(default_factory=list)  # paragraphs since the last table
    form: bool = False  # unfolded from a form (`_unfold_forms`)


def read_docx(data: bytes, *, wanted: RowsTest | None = None) -> Table:
    """The document's plan as rows. Raises UnreadableFile with a clear message."""
    body, changed = _document_body(data)
    tables, after = _tables(body, plain=next(body.iter(*_NOT_READ), None) is None)
    if not tables:
        raise UnreadableFile(
            "This Word document has no tables. The plan's actions must be in a table, "
            "with a heading row (Action, Lead, Target date...)."
        )
    tables, forms = _unfold_forms(tables, wanted)
    table = _assemble(tables, after, changed, wanted)
    table.forms_read = forms
    return table


# ------------------------------------------------------------------ the package


def _document_body(data: bytes) -> tuple[etree._Element, bool]:
    archive = open_zip(data)
    with archive:
        check_sizes(archive, what="document")
        names = set(archive.namelist())
        types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
        if not types:
            raise UnreadableFile(f"This is a zip file, not a Word document. {SAVE_DOCX}")
        refuse_macros(archive, what="Word document (.docm)", advice=SAVE_DOCX)
        refuse_doctypes(archive, what="document", writer="Word")
        xml = archive.read("word/document.xml")
    try:
        root = etree.fromstring(xml, parser=_parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise UnreadableFile(f"This Word document is damaged. {SAVE_DOCX}") from error
    if root.getroottree().docinfo.doctype:  # refused above already; never reached
        raise UnreadableFile("This document contains XML entity declarations.")
    body = root.find(f"{W}body")
    if body is None:
        raise UnreadableFile(f"This Word document is damaged (it has no body). {SAVE_DOCX}")
    changed = next(body.iter(*_CHANGES), None) is not None
    return body, changed


def _blocks(parent: etree._Element, tag: str):
    """The children of `parent` with this tag, looking through content controls."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag in _TRANSPARENT:
            yield from _blocks(child, tag)


def _body_blocks(parent: etree._Element):
    for child in parent:
        if child.tag in _BLOCKS:
            yield child
        elif child.tag in _TRANSPARENT:
            yield from _body_blocks(child)


# ------------------------------------------------------------------ text


def _paragraph(p: etree._Element, *, plain: bool = False) -> _Paragraph:
    style = p.find(_STYLE)
    text = _paragraph_text(p, plain=plain)
    return _Paragraph(text, style.get(_VAL, "") if style is not None else "")


def _paragraph_text(p: etree._Element, *, plain: bool = False) -> str:
    """Text as it reads with every change accepted: what sits in `w:del` or `w:moveFrom`
    is never read, nor `w:delText` and field codes (`w:instrText`), nor anything but
    runs, insertions, links, fields and content controls (a text box in a drawing is not
    the paragraph's text). lxml finds the text elements; each is read when every
    element between it and the paragraph is one that reads. `plain`: the document has
    none of the elements that hold text not to read (`_NOT_READ`), so only a tab stop
    (`w:tabs/w:tab`, in the paragraph's properties) is to be passed over."""
    parts = []
    for element in p.iter(*_TEXT_TAGS):
        tag = element.tag
        if plain:
            if tag == _T:
                parts.append(element.text or "")
            elif tag != _TAB or element.getparent().tag != _TABS:
                parts.append(_PIECES[tag])
            continue
        parent = element.getparent()
        while parent is not p:
            if parent.tag not in _READ_INSIDE:
                break
            parent = parent.getparent()
        else:
            parts.append(element.text or "" if tag == _T else _PIECES[tag])
    text = "".join(parts)
    if "\n" not in text:
        return _SPACES_RE.sub(" ", text).strip()
    return "\n".join(_SPACES_RE.sub(" ", line).strip() for line in text.split("\n")).strip()


def _cell_text(tc: etree._Element, *, plain: bool = False) -> str:
    """A cell's paragraphs (list items too, and any table inside it) as lines."""
    lines = []
    for block in _body_blocks(tc):
        if block.tag == _P:
            if line := _paragraph_text(block, plain=plain):
                lines.append(line)
        else:  # a table in the cell: its cells' text, a line each
            lines += [
                _cell_text(inner, plain=plain)
                for tr in _blocks(block, _TR)
                for inner in _blocks(tr, _TC)
            ]
    if len(lines) == 1:
        return lines[0]
    return "\n".join(line for line in lines if line).strip()


# ------------------------------------------------------------------ tables


def _tables(
    body: etree._Element, *, plain: bool = False
) -> tuple[list[_WordTable], list[_Paragraph]]:
    """Every table with the paragraphs before it, and the paragraphs after the last.
    `plain`: see `_paragraph_text`."""
    tables: list[_WordTable] = []
    paragraphs: list[_Paragraph] = []
    rows_seen = 0
    for block in _body_blocks(body):
        if block.tag == _P:
            paragraph = _paragraph(block, plain=plain)
            if paragraph.text:
                paragraphs.append(paragraph)
            continue
        table = _table(block, len(tables) + 1, plain=plain)
        rows_seen += len(table.rows)
        if rows_seen > MAX_ROWS:
            raise UnreadableFile(
                f"The document's tables have more than {MAX_ROWS:,} rows. "
                "Split the plan into smaller documents."
            )
        table.before, paragraphs = paragraphs, []
        tables.append(table)
    return tables, paragraphs


def _table(tbl: etree._Element, position: int, *, plain: bool = False) -> _WordTable:
    table = _WordTable(position, [])
    # column -> the table row its vertical merge started on
    open_merges: dict[int, int] = {}
    number = 0
    for tr in _blocks(tbl, _TR):
        if tr.find(_ROW_DELETED) is not None:
            continue  # a deleted row: gone once the changes are accepted
        number += 1
        cells: list[str] = []
        before = tr.find(_GRID_BEFORE)
        if before is not None:
            cells += [""] * _int(before.get(_VAL))
        for tc in _blocks(tr, _TC):
            column = len(cells)
            span, merge, fill = _cell_properties(tc)
            if column + span > MAX_COLUMNS:
                raise UnreadableFile(
                    f"Table {position}, row {number} has cells in more than {MAX_COLUMNS} "
                    "columns. A plan has far fewer."
                )
            text = _cell_text(tc, plain=plain)
            if len(text) > MAX_CELL_CHARS:
                raise UnreadableFile(
                    f"Table {position}, row {number}: a cell holds {len(text):,} characters; "
                    f"the limit is {MAX_CELL_CHARS:,}."
                )
            if merge is not None and merge != "restart":
                text = ""
                if column in open_merges:
                    table.merged_down[(number, column)] = open_merges[column]
            elif merge is not None:
                open_merges[column] = number
            elif open_merges:
                open_merges.pop(column, None)
            if fill and _FILL_RE.fullmatch(fill):
                kept = fills_for(text or None, table.fills, table.text_fills)
                if kept is not None and len(kept) < MAX_FILLS:
                    kept[(number, column)] = fill.upper()
            cells.append(text)
            if span > 1:
                cells += [""] * (span - 1)
        table.width = max(table.width, len(cells))
        table.rows.append(SourceRow(number, tuple(cells)))
    return table


def _cell_properties(tc: etree._Element) -> tuple[int, str | None, str]:
    """A cell's span (gridSpan), its vertical merge ("restart", "continue" or None) and
    its shading's fill ("" for none)."""
    span, merge, fill = 1, None, ""
    properties = tc.find(_TC_PR)
    if properties is None:
        return span, merge, fill
    for child in properties:
        found = _TC_PROPERTIES.get(child.tag)
        if found == "gridSpan":
            span = max(1, _int(child.get(_VAL)))
        elif found == "vMerge":
            merge = child.get(_VAL, "continue")
        elif found == "shd":
            fill = child.get(f"{W}fill") or ""
    return span, merge, fill


def _int(text: str | None) -> int:
    try:
        return max(0, min(int(text or 0), MAX_COLUMNS + 1))
    except ValueError:
        return 0


# ------------------------------------------------------------------ tables laid out as forms

# A heading naming one action ("Action 2.1", "Task 3"), above a form for that action.
_ITEM_HEADING_RE = re.compile(r"^(?:action|item|task)s?\b\W*(?:no\.?\s*)?[\d.]+\W*$", re.I)
# A form's label: a short heading in a cell of its own ("Lead agency:", "Target date").
FORM_LABEL_MAX = 60
# A table is a form when this share of its rows (at least) start with a label...
FORM_LABELLED_SHARE = 0.6
# ...and its labels name at least this many fields, the action among them.
FORM_MIN_FIELDS = 3
# The fields a form writes once for the actions after it (a recommendation over two
# actions): one column each, headed with our own label.
_FORM_CARRIED = ("finding", "priority", "theme", "objective")


@dataclass
class _Form:
    """A form table read: its records (column key -> text), the headings between them,
    and the fill of each record's value cells that are shaded."""

    table: _WordTable
    # ("heading", text) or ("record", {key: text}, {key: fill})
    items: list[tuple] = field(default_factory=list)
    headings: dict[str, str] = field(default_factory=dict)  # key -> heading as written


def _label_text(text: str) -> str:
    """A label cell's words without the colon after them: "Lead agency:" -> "Lead agency"."""
    return text.strip().rstrip(":").strip()


def _form_label(text: str) -> tuple[str, str] | None:
    """(column key, heading) of a form's label cell, or None. The carried fields have
    one column whatever the label says ("Recommendation 2" is the finding column)."""
    label = _label_text(text)
    if not label or len(label) > FORM_LABEL_MAX or "\n" in label:
        return None
    key = field_for_heading(label) or guess_field(label)
    if key is None and names_findings(label) and len(label.split()) <= 4:
        key = "finding"
    if key is None:
        return None
    if key in _FORM_CARRIED:
        return key, LABELS[key]
    return normalise_heading(label), label


def _strict_label(text: str) -> bool:
    return field_for_heading(_label_text(text)) is not None


def _read_form(table: _WordTable) -> _Form | None:
    """The table as a form, or None when it is not one. A form gives each action a row
    per field: "Action | Health to alert ...", "Lead agency | Health", in two columns,
    or two pairs a row ("Lead | Police | Target date | March 2027"); or it gives each
    action a column ("Action | first | second", a table turned on its side). A label
    that comes again starts the next action; a row with one cell that is no label is
    a heading ("Recommendation 1: ..."), read as the rows above a table are."""
    rows = _non_empty(table.rows)
    labelled = [row for row in rows if _form_label(row.cells[0] if row.cells else "")]
    if len(labelled) < FORM_MIN_FIELDS or len(labelled) < FORM_LABELLED_SHARE * len(rows):
        return None
    sideways = sum(
        1
        for row in labelled
        if sum(1 for cell in row.cells[1:] if cell and not _form_label(cell)) > 1
    )
    form = _Form(table)
    if sideways * 2 > len(labelled):
        _read_sideways(form, rows)
    else:
        _read_pairs(form, rows)
    keys = {key for item in form.items if item[0] == "record" for key in item[1]}
    fields = {field_for_heading(form.headings[key]) or key for key in keys}
    fields |= {guess_field(form.headings[key]) for key in keys}
    if len(keys) < FORM_MIN_FIELDS or "text" not in fields:
        return None
    return form


def _read_pairs(form: _Form, rows: list[SourceRow]) -> None:
    record: dict[str, str] = {}
    fills: dict[str, str] = {}

    def close() -> None:
        nonlocal record, fills
        if record:
            form.items.append(("record", record, fills))
        record, fills = {}, {}

    for row in rows:
        cells = row.cells
        pairs: list[tuple[str, str, int]] = []
        index = 0
        label = _form_label(cells[0]) if cells else None
        while label is not None:
            filled = [i for i in range(index + 1, len(cells)) if cells[i]]
            value_at = filled[0] if filled else None
            # After the value, a second pair when the next cell is a label named in our
            # words (never a guess: values are text): "Lead | Police | Target date | ...".
            next_at = filled[1] if len(filled) > 1 else None
            if value_at is not None and _strict_label(cells[value_at]) and len(filled) > 1:
                next_at, value_at = value_at, None  # "Lead | | Target date | ...": no value
            key, heading = label
            form.headings.setdefault(key, heading)
            value = cells[value_at] if value_at is not None else ""
            if key in _FORM_CARRIED and re.search(r"\d", cells[index]):
                # "Recommendation 2 | The board should ...": its number is in the label
                value = f"{_label_text(cells[index])}: {value}".rstrip(": ")
            pairs.append((key, value, index + 1 if value_at is None else value_at))
            label = None
            if next_at is not None and _strict_label(cells[next_at]):
                index, label = next_at, _form_label(cells[next_at])
        if not pairs:
            close()
            form.items.append(("heading", " – ".join(cell for cell in cells if cell)))
            continue
        for key, value, column in pairs:
            if key in record:
                close()
            record[key] = value
            place = (row.number, column)
            if fill := form.table.fills.get(place) or form.table.text_fills.get(place):
                fills[key] = fill
    close()


def _read_sideways(form: _Form, rows: list[SourceRow]) -> None:
    """A table on its side: labels down the first column, an action a column."""
    width = max(len(row.cells) for row in rows)
    records: list[dict[str, str]] = [{} for _ in range(width)]
    fills: list[dict[str, str]] = [{} for _ in range(width)]
    for row in rows:
        label = _form_label(row.cells[0])
        if label is None:
            if not row.cells[0] and "ref" not in form.headings:  # "| Action 1 | Action 2"
                label = ("ref", LABELS["ref"])
            else:
                form.items.append(("heading", " – ".join(cell for cell in row.cells if cell)))
                continue
        key, heading = label
        form.headings.setdefault(key, heading)
        for column in range(1, len(row.cells)):
            records[column][key] = row.cells[column]
            place = (row.number, column)
            if fill := form.table.fills.get(place) or form.table.text_fills.get(place):
                fills[column][key] = fill
    for record, fill in zip(records[1:], fills[1:], strict=True):
        if any(record.values()):
            form.items.append(("record", record, fill))


def _unfold_forms(
    tables: list[_WordTable], wanted: RowsTest | None
) -> tuple[list[_WordTable], int]:
    """Unless a table that is no form has a heading row, the tables laid out as forms
    (which may seem to have one: "Action | Audit | Train"), each turned into
    rows of one table: a heading row naming every label of every form (in the order
    they come), then a row an action. The paragraphs above each form stay above it.
    Returns the tables and how many forms were read."""
    forms = {id(table): form for table in tables if (form := _read_form(table))}
    if not forms:
        return tables, 0
    if wanted is not None and any(
        id(table) not in forms and wanted(_non_empty(table.rows)) for table in tables
    ):  # a plan with a heading row, and a form beside it (a document control table)
        return tables, 0
    headings: dict[str, str] = {}
    for form in forms.values():
        for key, heading in form.headings.items():
            headings.setdefault(key, heading)
    keys = list(headings)
    unfolded: list[_WordTable] = []
    first = True
    for table in tables:
        form = forms.get(id(table))
        if form is None:
            unfolded.append(table)
            continue
        rows: list[SourceRow] = []
        result = _WordTable(table.position, rows, width=len(keys), before=table.before, form=True)
        if first:
            rows.append(SourceRow(1, tuple(headings[key] for key in keys)))
            first = False
        for item in form.items:
            number = len(rows) + 1
            if item[0] == "heading":
                rows.append(SourceRow(number, (item[1],) + ("",) * (len(keys) - 1)))
                continue
            _, record, fills = item
            rows.append(SourceRow(number, tuple(record.get(key, "") for key in keys)))
            for key, fill in fills.items():  # shading of an empty value, or of a few words
                kept = result.text_fills if record.get(key) else result.fills
                kept[(number, keys.index(key))] = fill
        unfolded.append(result)
    return unfolded, len(forms)


# ------------------------------------------------------------------ the plan


def _assemble(
    tables: list[_WordTable], after: list[_Paragraph], changed: bool, wanted: RowsTest | None
) -> Table:
    keys = [table for table in tables if _key_rows(table) is not None]
    others = [table for table in tables if table not in keys]
    plan = next(
        (table for table in others if wanted is None or wanted(_non_empty(table.rows))),
        others[0] if others else None,
    )
    if plan is None:
        raise UnreadableFile(
            "This Word document's only tables are a key. The plan's actions must be in a "
            "table with a heading row (Action, Lead, Target date...)."
        )
    read = [plan] + [
        table for table in others if table.position > plan.position and _continues(plan, table)
    ]
    passed = [table for table in others if table not in read]

    result = Table(rows=[], file_kind="docx", tracked_changes=changed)
    intro, key_paragraphs = _introduction(plan, tables, alone=len(read) == 1)
    number = 0

    def add(cells: tuple[str, ...]) -> int:
        nonlocal number
        number += 1
        result.rows.append(SourceRow(number, cells))
        return number

    for text in key_paragraphs:  # a key written as a paragraph: a title row
        add((text,))
    for table in keys:  # a key table: title rows, read as the plan's legend
        for cells in _key_rows(table):
            add(cells)
    headings: set[int] = set()
    for table in read:
        for position, text in enumerate(_group_heading(table, alone=len(read) == 1)):
            row = add((text,))
            if position == 0:  # a heading, even a word a ref could be ("Health"); the
                headings.add(row)  # paragraphs after a finding's are its text
        offset = number
        for row in table.rows:
            if not any(row.cells):
                number += 1  # an empty row still counts, as in a spreadsheet
                continue
            add(row.cells)
        for (row, column), anchor in table.merged_down.items():
            result.merged_down[(offset + row, column)] = offset + anchor
        for (row, column), fill in table.fills.items():
            result.fills[(offset + row, column)] = fill
        for (row, column), fill in table.text_fills.items():
            result.text_fills[(offset + row, column)] = fill
    for paragraph in after:  # a key under the last table: read, never imported
        if _is_key(paragraph.text):
            add((paragraph.text,))
    result.introduction = intro
    result.heading_rows = frozenset(headings)
    result.tables_read = len(read)
    result.tables_passed_over = [
        f"table {table.position} ({_first_words(table)})" for table in passed
    ]
    return result


def _non_empty(rows: list[SourceRow]) -> list[SourceRow]:
    return [row for row in rows if any(row.cells)]


def _continues(plan: _WordTable, table: _WordTable) -> bool:
    """A later table belongs to the plan: as many columns, or the same headings."""
    if table.width == plan.width:
        return True
    first = _non_empty(table.rows)[:1]
    heads = [cell_text(value).casefold() for value in _non_empty(plan.rows)[0].cells]
    return bool(first) and [cell.casefold() for cell in first[0].cells[: len(heads)]] == heads


def _first_words(table: _WordTable) -> str:
    rows = _non_empty(table.rows)
    words = " | ".join(cell for cell in rows[0].cells if cell)[:60] if rows else "empty"
    return f"{len(table.rows)} rows: {words}"


def _key_rows(table: _WordTable) -> list[tuple[str, ...]] | None:
    """A legend table's rows, a shaded colour cell written as its colour; None unless
    every row is a colour and its meaning (or the key's label) and it names two colours."""
    rows = []
    for position, row in enumerate(_non_empty(table.rows)):
        cells = list(row.cells)
        for column, text in enumerate(cells):
            fill = table.fills.get((row.number, column))
            status = colour_status(fill) if fill and not text else None
            if status is not None:
                cells[column] = status.label
        texts = [text for text in cells if text]
        if not texts:
            continue
        if len(texts) > 3:
            return None
        colours = [text for text in texts if normalise_status(text) in COLOURS]
        if not colours and position == 0 and len(texts) > 1:
            continue  # the key's own headings ("Colour | Meaning")
        if len(texts) > 1 and not colours:
            return None
        if colours and len(texts) == 2:  # the colour first: "Green – On track"
            texts = [colours[0], *(text for text in texts if text != colours[0])]
        rows.append(" – ".join(texts) if len(texts) == 2 else texts[0])
    if len(legend_in_text(rows)) < 2:
        return None
    return [(text,) for text in rows]


def _introduction(
    plan: _WordTable, tables: list[_WordTable], *, alone: bool
) -> tuple[str, list[str]]:
    """The paragraphs before the first table (less the plan table's own heading and any
    title), and the paragraphs among them that are a RAG key."""
    first = tables[0]
    paragraphs = list(first.before)
    if first is plan:
        used = len(_group_heading(plan, alone=alone))
        paragraphs = paragraphs[: len(paragraphs) - used] if used else paragraphs
    keys = [p.text for p in paragraphs if _is_key(p.text)]
    kept = [p.text for p in paragraphs if p.style.casefold() != "title" and p.text not in keys]
    return "\n\n".join(kept), keys


def _is_key(text: str) -> bool:
    """A RAG key written as a paragraph: colours ("R = Not on track, A = ...") or
    category numbers ("1 = Achieved; 2 = On track...")."""
    return starts_as_a_key(text) or bool(legend_in_text([text])) or len(number_key([text])) > 1


def _group_heading(table: _WordTable, *, alone: bool) -> list[str]:
    """The heading of a table per area or recommendation: the paragraph above it (the
    last heading-styled one and, after a finding heading, the paragraphs that are its
    text). For a plan in one table, only a finding or heading-styled paragraph right
    above it (the paragraphs above it are the document's introduction)."""
    paragraphs = [p for p in table.before if not _is_key(p.text)]
    if not paragraphs:
        return []
    headings = [
        i for i, p in enumerate(paragraphs) if p.is_heading and p.style.casefold() != "title"
    ]
    findings = [i for i, p in enumerate(paragraphs) if FINDING_HEADING_RE.match(p.text)]
    if findings and (not headings or findings[-1] >= headings[-1]):
        start = findings[-1]
        return [p.text for p in paragraphs[start:]]
    if headings:
        start = headings[-1]
        if table.form and _ITEM_HEADING_RE.match(paragraphs[start].text):
            return []  # "Action 2.1" above a form names its action, not a group
        if start == len(paragraphs) - 1 or not alone:
            return [paragraphs[start].text]
        return []
    last = paragraphs[-1]
    if alone or table.form or len(last.text) > GROUP_HEADING_MAX or "\n" in last.text:
        return []
    return [last.text]
