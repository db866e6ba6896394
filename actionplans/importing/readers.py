"""Bytes of an uploaded plan -> rows of cell values, refusing anything hostile.

The type is read from the content, never the file name: an XLSX is a zip holding
``[Content_Types].xml`` and ``xl/workbook.xml``; anything else that is text is CSV.
Every refusal raises :class:`UnreadableFile` with a message a business manager can
act on; nothing here writes anywhere.

Limits (each has a test):

- the file: ``MAX_FILE_BYTES`` (10 MB, the upload limit too);
- XLSX as a zip bomb: every member's declared size and their total must stay under
  ``MAX_UNCOMPRESSED_BYTES``, and no large member may compress more than
  ``MAX_COMPRESSION_RATIO`` to 1. Python's zipfile never inflates a member past its
  declared size, so checking the declared sizes before opening bounds the real work;
- XML: every XML part is pre-scanned with defusedxml and refused if it has a DOCTYPE
  (entity expansion, external entities). openpyxl parses with defusedxml too when it
  is installed (it is a dependency); the pre-scan gives the clear message;
- ``MAX_COLUMNS`` columns, ``MAX_ROWS`` rows, ``MAX_CELL_CHARS`` characters a cell.

Formulas are never evaluated. XLSX is opened with ``data_only=True``: a formula cell
gives the value Excel last saved for it (what the author saw), never the formula
text; a formula with no saved value (files written by some tools) reads as empty.
Text that merely starts with "=" is text and stays text.

Sheets: a workbook is read from the sheet asked for, else from the first sheet the
caller's `wanted` test accepts (the plan reader asks for a heading row, so a "Guidance"
or "Key" sheet in front of the plan is passed over), else from the first sheet.

Fills: the solid fill colour of every empty cell in a row that has values is kept in
`Table.fills` (at most ``MAX_FILLS``): a RAG column coloured by hand has no words; so is
that of a cell holding a few words (`Table.text_fills`, at most ``STATUS_TEXT_MAX``
characters: a status the plan's words do not give, "In progress" shaded amber). RGB,
palette and theme colours are read; a theme colour from the workbook's own theme, with
its tint applied as Excel applies it.

Merged cells: a value merged down over several rows sits in the range's first row only.
`Table.merged_down` says, for each cell below it in the range's first column, which
row holds the value; the plan reader decides what that means (a lead merged over
three actions leads all three).
"""

from __future__ import annotations

import codecs
import colorsys
import csv
import io
import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring, iterparse
from openpyxl import load_workbook
from openpyxl.styles.colors import COLOR_INDEX
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from .cells import rgb_fractions

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024  # small parts compress well and harm no one
MAX_ZIP_MEMBERS = 1000
MAX_COLUMNS = 200
MAX_ROWS = 20_000
MAX_CELL_CHARS = 100_000
MAX_FILLS = 100_000  # fill colours of empty cells kept, at most (and of short texts)
STATUS_TEXT_MAX = 40  # a cell with more words than this is no status: its fill is not kept
MAX_MERGED_CELLS = 200_000

DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
SNIFF_CHARS = 64_000

type Value = str | int | float | bool | date | datetime | time | None

SAVE_AS = "Save it from Excel as an Excel workbook (.xlsx) or as CSV, then upload that file."


class UnreadableFile(Exception):
    """The file cannot be read as a plan; the message says why, in the user's words."""


class MissingSheet(UnreadableFile):
    """The workbook has no sheet of the name asked for."""


@dataclass(frozen=True)
class SourceRow:
    """One non-empty row of the sheet: its number as the spreadsheet shows it, and its cells."""

    number: int
    cells: tuple[Value, ...]


@dataclass
class Table:
    """What a reader found: the rows, and how it read them (for the preview to show)."""

    rows: list[SourceRow]
    file_kind: str  # "xlsx", "csv" or "docx"
    sheet_name: str = ""
    sheet_names: list[str] = field(default_factory=list)
    # Sheets before the one read that the caller's test passed over
    passed_over: list[str] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    # (row number, column index) -> the row whose cell was merged down over it
    merged_down: dict[tuple[int, int], int] = field(default_factory=dict)
    # (row number, column index) -> "RRGGBB": the fill colour of an empty cell
    fills: dict[tuple[int, int], str] = field(default_factory=dict)
    # (row number, column index) -> "RRGGBB": the fill of a cell holding a few words (a
    # status cell "In progress" shaded amber; read when its words are not a status)
    text_fills: dict[tuple[int, int], str] = field(default_factory=dict)
    # A Word document: its paragraphs before the first table, how many tables were read
    # (and passed over), and whether it held changes nobody had accepted.
    introduction: str = ""
    tables_read: int = 0
    tables_passed_over: list[str] = field(default_factory=list)
    tracked_changes: bool = False
    # A workbook read a sheet after another: each later sheet and the row it starts on
    later_sheets: list[tuple[str, int]] = field(default_factory=list)
    # Later sheets with the same headings and the same actions again (not read)
    copies: list[str] = field(default_factory=list)
    # Rows the reader put in as headings (a sheet's name or title over its rows)
    heading_rows: frozenset[int] = frozenset()
    # Tables laid out as forms (a row per field: "Action | ...", "Lead | ..."), read as a
    # row per action (`word._unfold_forms`).
    forms_read: int = 0

    @property
    def description(self) -> str:
        if self.file_kind == "docx":
            tables = f"{self.tables_read} tables" if self.tables_read > 1 else "1 table"
            read = f"Word document, {tables} (rows are numbered through the document from the top)"
            if self.forms_read:
                forms = "1 table" if self.forms_read == 1 else f"{self.forms_read} tables"
                read = (
                    f"Word document, {forms} laid out as a form (a row for each field), "
                    "read as a row for each action"
                )
            if self.tables_passed_over:
                read += f"; passed over {', '.join(self.tables_passed_over)}"
            return read
        if self.file_kind == "xlsx":
            word = "sheets" if self.later_sheets else "sheet"
            read = f'Excel workbook, {word} "{self.sheet_name}"'
            if self.passed_over:
                names = ", ".join(f'"{name}"' for name in self.passed_over)
                read += f" (the first with a table of actions; passed over {names})"
            if self.later_sheets:
                later = [f'"{name}" from row {row}' for name, row in self.later_sheets]
                listed = ", ".join(later[:-1]) + " and " + later[-1] if len(later) > 1 else later[0]
                read += (
                    f", then {listed}, with the same headings (rows are numbered on through "
                    "the sheets)"
                )
            if self.copies:
                names = ", ".join(f'"{name}"' for name in self.copies)
                read += (
                    f"; not {names}, with the same actions again (name a sheet to read it instead)"
                )
            return read
        return (
            f"CSV file ({self.encoding}, {DELIMITER_NAMES.get(self.delimiter, 'comma')}-separated)"
        )


def column_letter(index: int) -> str:
    """Spreadsheet letters for a 0-based column index: 0 -> "A", 27 -> "AB"."""
    return get_column_letter(index + 1)


type RowsTest = Callable[[list[SourceRow]], bool]
# Whether a later sheet's rows continue the rows read before (the same heading row, other
# actions): the number of its heading row; COPY when it holds the same actions again (a
# sheet a quarter, an old version); None when it is some other table.
COPY = "copy"
type SheetTest = Callable[[list[SourceRow], list[SourceRow]], int | str | None]


def read_table(
    data: bytes,
    *,
    sheet: str | None = None,
    wanted: RowsTest | None = None,
    word: bool = False,
    continues: SheetTest | None = None,
) -> Table:
    """Read an uploaded plan. Raises UnreadableFile with a clear message.

    Without a `sheet`, a workbook is read from its first sheet whose rows pass `wanted`
    (else its first sheet), and then from each later sheet that `continues` it. With
    `word`, a Word document (.docx) is read too, by `word.read_docx` (its tables, one
    after the other); without it one is refused."""
    if not data:
        raise UnreadableFile("The file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB."
        )
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        if word and is_word_document(data):
            from .word import read_docx  # noqa: PLC0415 (word.py builds on this module)

            return read_docx(data, wanted=wanted)
        return read_xlsx(data, sheet=sheet, wanted=wanted, continues=continues)
    _refuse_other_binaries(data)
    return read_csv(data)


def _refuse_other_binaries(data: bytes) -> None:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            "This is an old-style Office file (Excel 97-2003 .xls, Word .doc) or a "
            f"password-protected workbook, which we cannot read. {SAVE_AS}"
        )
    if data.startswith(b"%PDF"):
        raise UnreadableFile(f"This is a PDF, not a spreadsheet. {SAVE_AS}")
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and b"\x00" in data[:8192]:
        raise UnreadableFile(f"This is not a spreadsheet or a text (CSV) file. {SAVE_AS}")


# --------------------------------------------------------------------------- XLSX


def read_xlsx(
    data: bytes,
    *,
    sheet: str | None = None,
    wanted: RowsTest | None = None,
    continues: SheetTest | None = None,
) -> Table:
    archive = open_zip(data)
    with archive:
        _check_package(archive)
        refuse_doctypes(archive)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types on damaged files
        logger.info("Unreadable workbook: %r", error)
        raise UnreadableFile(f"This workbook is damaged or not an Excel file. {SAVE_AS}") from error
    try:
        worksheet, (rows, fills, text_fills), passed_over = _choose_sheet(workbook, sheet, wanted)
        last_row = rows[-1].number if rows else 0
        merged_down = _merged_down(data, getattr(worksheet, "_worksheet_path", ""), last_row)
        table = Table(
            rows=rows,
            file_kind="xlsx",
            sheet_name=worksheet.title,
            sheet_names=list(workbook.sheetnames),
            passed_over=passed_over,
            merged_down=merged_down,
            fills=fills,
            text_fills=text_fills,
        )
        if not sheet and continues is not None:
            _read_later_sheets(table, workbook, worksheet, data, continues)
    except UnreadableFile:
        raise
    except Exception as error:
        logger.info("Unreadable worksheet: %r", error)
        raise UnreadableFile(f"This workbook is damaged or not an Excel file. {SAVE_AS}") from error
    finally:
        workbook.close()
    return table


def _read_later_sheets(table: Table, workbook, first, data: bytes, continues: SheetTest) -> None:
    """Add to the table the rows of each sheet after `first` that continues it (the same
    heading row: a plan kept a sheet per priority or agency), numbered on from the rows
    before (a row apart); its heading row is left out, and its own title rows, or its
    name when it has none, head its rows (as the heading above a Word table does). The
    first sheet keeps its numbers; so does a workbook of one plan sheet."""
    theme = _theme_colours(workbook)
    plan_rows = list(table.rows)
    plan_header = _plan_header(plan_rows, continues)
    if plan_header is None:
        return
    title_texts = {_row_words(row) for row in plan_rows if row.number < plan_header}
    later = workbook.worksheets[workbook.worksheets.index(first) + 1 :]
    starts: list[tuple[str, int]] = []
    headings: set[int] = set()
    for worksheet in later:
        rows, fills, text_fills = _worksheet_rows(worksheet, theme)
        header = continues(table.rows, rows)
        if header == COPY:
            table.copies.append(worksheet.title)
        if not isinstance(header, int):
            continue
        if not starts and not title_texts:  # the first sheet's name heads its rows too
            table.rows.insert(0, SourceRow(plan_header - 1, (table.sheet_name,)))
            headings.add(plan_header - 1)
        if len(table.rows) + len(rows) > MAX_ROWS:
            raise UnreadableFile(
                f"The workbook's plan sheets have more than {MAX_ROWS:,} rows. "
                "Split the plan into smaller workbooks."
            )
        titles = [
            words
            for row in rows
            if row.number < header and (words := _row_words(row)) and words not in title_texts
        ]
        number = table.rows[-1].number + 1  # a row apart from the sheet before
        starts.append((worksheet.title, number + 1))
        for title in titles or [worksheet.title]:
            number += 1
            table.rows.append(SourceRow(number, (title,)))
            headings.add(number)
        shift = number - header
        table.rows += [
            SourceRow(row.number + shift, row.cells) for row in rows if row.number > header
        ]
        last_row = rows[-1].number if rows else 0
        merged = _merged_down(data, getattr(worksheet, "_worksheet_path", ""), last_row)
        for (row, column), anchor in merged.items():
            if row > header and anchor > header:
                table.merged_down[(row + shift, column)] = anchor + shift
        for source, kept in ((fills, table.fills), (text_fills, table.text_fills)):
            for (row, column), fill in source.items():
                if row > header and len(kept) < MAX_FILLS:
                    kept[(row + shift, column)] = fill
    table.later_sheets = starts
    table.heading_rows = frozenset(headings)


def _plan_header(rows: list[SourceRow], continues: SheetTest) -> int | None:
    """The plan sheet's heading row: where its rows, seen as another sheet's, would
    continue it (an empty sheet before them: no actions in common)."""
    header = continues([], rows)
    return header if isinstance(header, int) else None


def _row_words(row: SourceRow) -> str:
    return " ".join(str(cell).strip() for cell in row.cells if cell not in (None, "")).strip()


def open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UnreadableFile(
            f"This file looks like a zip or Excel file but is damaged. {SAVE_AS}"
        ) from error


def is_word_document(data: bytes) -> bool:
    """Whether a zip holds a Word document's main part (its other checks come later)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return "word/document.xml" in names and "xl/workbook.xml" not in names


def check_sizes(
    archive: zipfile.ZipFile,
    *,
    what: str = "workbook",
    limit: int = MAX_UNCOMPRESSED_BYTES,
    advice: str | None = None,
) -> None:
    """Refuse zip bombs, by declared sizes, before anything is inflated: for a plan
    (workbook, document) and for an evidence file (actionplans.evidence.checks) alike."""
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise UnreadableFile(f"This file holds {len(members):,} parts; a {what} has far fewer.")
    total = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise UnreadableFile(f"This file is password-protected. {SAVE_AS}")
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size >= RATIO_CHECKED_FROM_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise UnreadableFile(
                "This file would expand to far more than it holds (a 'zip bomb'), "
                "so we have not opened it."
            )
    if total > limit:
        if advice is None:
            advice = (
                "Remove other sheets or images, or save the plan as CSV."
                if what == "workbook"
                else "Remove its images, or copy the plan's table into a new document."
            )
        raise UnreadableFile(
            f"This {what} would expand to {total / 1024 / 1024:,.0f} MB; the limit is "
            f"{limit // 1024 // 1024} MB. {advice}"
        )


def refuse_macros(archive: zipfile.ZipFile, *, what: str, advice: str) -> None:
    """Refuse an Office file that carries macros, whatever its name says: a .docm or
    .xlsm renamed .docx/.xlsx still declares a macro-enabled content type, and any
    VBA project (vbaProject.bin) is refused too. OpenDocument macros live in Basic/
    or Scripts/."""
    names = archive.namelist()
    types = b""
    if "[Content_Types].xml" in names:
        with archive.open("[Content_Types].xml") as part:
            types = part.read(MAX_UNCOMPRESSED_BYTES)
    if (
        b"macroEnabled" in types
        or b"vbaProject" in types
        or any(name.lower().endswith("vbaproject.bin") for name in names)
        or any(name.startswith(("Basic/", "Scripts/")) for name in names)
    ):
        raise UnreadableFile(
            f"This is a macro-enabled {what}, which we do not open: macros can harm the "
            f"computers that open it. {advice}"
        )


def _check_package(archive: zipfile.ZipFile) -> None:
    """Refuse zip bombs (by declared sizes, before anything is inflated) and non-workbooks."""
    check_sizes(archive)
    names = set(archive.namelist())
    if "[Content_Types].xml" not in names:
        raise UnreadableFile(f"This is a zip file, not an Excel workbook. {SAVE_AS}")
    if "word/document.xml" in names:
        raise UnreadableFile(
            "This is a Word document. Copy the plan's table into Excel and save it as "
            ".xlsx or CSV, then upload that file."
        )
    if "xl/workbook.xml" not in names:
        raise UnreadableFile(f"This is an Office file but not an Excel workbook. {SAVE_AS}")


def refuse_doctypes(
    archive: zipfile.ZipFile, *, what: str = "workbook", writer: str = "Excel"
) -> None:
    """Refuse any XML part with a DOCTYPE: entity expansion and external entities live there.

    A DOCTYPE can only come before the root element, so each part is parsed only up
    to its first element.
    """
    for member in archive.infolist():
        if not member.filename.endswith((".xml", ".rels", ".vml")):
            continue
        try:
            with archive.open(member) as part:
                for _event in iterparse(part, events=("start",), forbid_dtd=True):
                    break
        except DefusedXmlException as error:
            raise UnreadableFile(
                f"This {what} contains XML entity declarations (a DOCTYPE), which {writer} "
                "never writes and which can be used to attack a server. It has not been read."
            ) from error
        except Exception as error:
            raise UnreadableFile(
                f"This {what} is damaged (part {member.filename} is not valid XML). "
                + (SAVE_AS if what == "workbook" else "Save it again from Word (.docx).")
            ) from error


def _choose_sheet(workbook, sheet: str | None, wanted: RowsTest | None):
    """(worksheet, (its rows, its fills, its text fills), the sheets passed over before
    it)."""
    theme = _theme_colours(workbook)
    if not sheet:
        if not workbook.worksheets:
            raise UnreadableFile("This workbook has no worksheets.")
        first = workbook.worksheets[0]
        first_read = _worksheet_rows(first, theme)
        if wanted is None or wanted(first_read[0]):
            return first, first_read, []
        for index, worksheet in enumerate(workbook.worksheets[1:], start=1):
            read = _worksheet_rows(worksheet, theme)
            if wanted(read[0]):
                return worksheet, read, [ws.title for ws in workbook.worksheets[:index]]
        return first, first_read, []
    for worksheet in workbook.worksheets:
        if worksheet.title.strip().casefold() == sheet.strip().casefold():
            return worksheet, _worksheet_rows(worksheet, theme), []
    names = ", ".join(f'"{name}"' for name in workbook.sheetnames)
    raise MissingSheet(f'This workbook has no sheet called "{sheet}". Its sheets are: {names}.')


def _worksheet_rows(
    worksheet, theme: list[str] | None = None
) -> tuple[list[SourceRow], dict[tuple[int, int], str], dict[tuple[int, int], str]]:
    """Rows of a read-only worksheet, never wider than MAX_COLUMNS + 1 nor longer than
    MAX_ROWS, the fill colours of the empty cells in them (a RAG column coloured by
    hand, with no words) and those of the cells holding a few words (`fills_for`).

    The recorded dimensions are ignored (they can claim a million rows); only the cells
    present are read, and reading stops as soon as a limit is passed.
    """
    worksheet.reset_dimensions()
    rows: list[SourceRow] = []
    fills: dict[tuple[int, int], str] = {}
    text_fills: dict[tuple[int, int], str] = {}
    for number, cells in enumerate(
        worksheet.iter_rows(max_col=MAX_COLUMNS + 1, max_row=MAX_ROWS + 1), start=1
    ):
        row = _source_row(number, tuple(cell.value for cell in cells))
        if row is not None:
            rows.append(row)
            _note_fills(number, cells, fills, text_fills, theme or [])
    return rows, fills, text_fills


def _note_fills(
    number: int,
    cells,
    fills: dict[tuple[int, int], str],
    text_fills: dict[tuple[int, int], str],
    theme: list[str],
) -> None:
    for index, cell in enumerate(cells):
        kept = fills_for(cell.value, fills, text_fills)
        if kept is not None and getattr(cell, "has_style", False) and len(kept) < MAX_FILLS:
            try:
                colour = _solid_fill(cell, theme)
            except Exception:  # odd style records: the cell is just not coloured for us
                colour = None
            if colour:
                kept[(number, index)] = colour


def fills_for(value: Value, fills: dict, text_fills: dict) -> dict | None:
    """Where a coloured cell's fill is kept: an empty cell's (None) in `fills`, that of a
    few words (a status, perhaps) in `text_fills`; None for anything else."""
    if value is None:
        return fills
    if isinstance(value, str) and len(value) <= STATUS_TEXT_MAX:
        return text_fills
    return None


def _solid_fill(cell, theme: list[str]) -> str | None:
    """A cell's solid fill as "RRGGBB", from an RGB, palette or theme colour (with its
    tint: "Green, Accent 6, Lighter 40%")."""
    fill = cell.fill
    if fill is None or fill.fill_type != "solid":
        return None
    colour = fill.fgColor
    if colour.type == "rgb" and isinstance(colour.rgb, str) and len(colour.rgb) in (6, 8):
        return colour.rgb[-6:].upper()
    indexed = colour.indexed if colour.type == "indexed" else None
    if isinstance(indexed, int) and 0 <= indexed < len(COLOR_INDEX):
        return COLOR_INDEX[indexed][-6:].upper()
    number = colour.theme if colour.type == "theme" else None
    if isinstance(number, int) and 0 <= number < len(theme) and theme[number]:
        return _tinted(theme[number], float(colour.tint or 0))
    return None


# Theme colours by the numbers cell styles give them (Excel swaps the first two pairs).
_THEME_ORDER = (
    "lt1", "dk1", "lt2", "dk2", "accent1", "accent2", "accent3", "accent4", "accent5",
    "accent6", "hlink", "folHlink",
)  # fmt: skip
_DRAWING_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def _theme_colours(workbook) -> list[str]:
    """The workbook theme's colours as "RRGGBB", in `_THEME_ORDER` ("" where not given)."""
    data = getattr(workbook, "loaded_theme", None)
    if not data:
        return []
    try:
        scheme = fromstring(data).find(f"{_DRAWING_NS}themeElements/{_DRAWING_NS}clrScheme")
    except Exception:  # an odd theme only costs us its colours
        return []
    if scheme is None:
        return []
    found = {}
    for entry in scheme:
        rgb = entry.find(f"{_DRAWING_NS}srgbClr")
        system = entry.find(f"{_DRAWING_NS}sysClr")
        value = rgb.get("val") if rgb is not None else None
        value = value or (system.get("lastClr") if system is not None else None)
        if value and len(value) == 6:
            found[entry.tag.removeprefix(_DRAWING_NS)] = value.upper()
    return [found.get(name, "") for name in _THEME_ORDER]


def _tinted(rgb: str, tint: float) -> str:
    """A theme colour lightened (tint > 0) or darkened (tint < 0) as Excel does, in HLS."""
    parts = rgb_fractions(rgb)
    if parts is None:
        return rgb
    hue, lightness, saturation = colorsys.rgb_to_hls(*parts)
    if tint < 0:
        lightness *= 1 + tint
    else:
        lightness = lightness * (1 - tint) + tint
    red, green, blue = colorsys.hls_to_rgb(hue, min(1.0, max(0.0, lightness)), saturation)
    return "".join(f"{round(part * 255):02X}" for part in (red, green, blue))


def _merged_down(data: bytes, path: str, last_row: int) -> dict[tuple[int, int], int]:
    """Cells under the first row of a merged range, in its first column -> that first row.

    openpyxl's read-only mode does not read merged ranges, so the sheet's XML (already
    checked for DOCTYPEs and bounded in size) is parsed for its <mergeCell> elements,
    only when it has any. Only rows up to the last one holding a value count, and at
    most MAX_MERGED_CELLS cells are noted (a real plan needs a few thousand).
    """
    if not path:
        return {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(path.lstrip("/")) as part:
        xml = part.read()
    if b"mergeCell" not in xml:
        return {}
    merged: dict[tuple[int, int], int] = {}
    noted = 0  # cells noted, overlapping ranges counted again: it bounds the work
    for _event, element in iterparse(io.BytesIO(xml), events=("end",), forbid_dtd=True):
        if element.tag.rsplit("}", 1)[-1] == "mergeCell":
            try:
                first_col, first_row, _last_col, range_end = range_boundaries(element.get("ref"))
            except (TypeError, ValueError):
                continue  # openpyxl has refused such a sheet already; never reached
            rows = range(first_row + 1, min(range_end, last_row, MAX_ROWS) + 1)
            noted += len(rows)
            if noted > MAX_MERGED_CELLS:
                logger.info("Stopped reading merged ranges after %s cells", MAX_MERGED_CELLS)
                break
            for row in rows:
                merged[(row, first_col - 1)] = first_row
        element.clear()
    return merged


# ---------------------------------------------------------------------------- CSV


def read_csv(data: bytes) -> Table:
    text, encoding = decode_text(data)
    delimiter = guess_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[SourceRow] = []
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            row = _source_row(number, tuple(cells))
            if row is not None:
                rows.append(row)
    except csv.Error as error:
        raise UnreadableFile(
            f"Row {number + 1}: a cell is longer than {MAX_CELL_CHARS:,} characters, or the "
            "row's quotes are not closed."
        ) from error
    return Table(rows=rows, file_kind="csv", encoding=encoding, delimiter=delimiter)


def decode_text(data: bytes) -> tuple[str, str]:
    """Text of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as error:
            raise UnreadableFile("This UTF-16 text file is damaged.") from error
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "Windows-1252"


def guess_delimiter(text: str) -> str:
    """The delimiter (comma, semicolon or tab) that splits the most rows into the same width.

    csv.Sniffer is thrown by the title rows above a plan's table and by multi-line
    cells; counting how many rows agree on one width is not.
    """
    sample = text[:SNIFF_CHARS]
    scores = {delimiter: _agreement(sample, delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: scores[delimiter])
    return best if scores[best] > (0, 0) else ","


def _agreement(sample: str, delimiter: str) -> tuple[int, int]:
    """(rows sharing the commonest width of 2+ cells, that width) for one delimiter."""
    widths: dict[int, int] = {}
    try:
        for cells in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
            width = len(cells)
            if width > 1 and any(cell.strip() for cell in cells):
                widths[width] = widths.get(width, 0) + 1
    except csv.Error:
        return (0, 0)
    if not widths:
        return (0, 0)
    width = max(widths, key=lambda w: (widths[w], w))
    return (widths[width], width)


# ----------------------------------------------------------------------- shared


def _source_row(number: int, cells: tuple[Value, ...]) -> SourceRow | None:
    """A row with its trailing empty cells dropped (None if empty), after the limits."""
    if number > MAX_ROWS:
        raise UnreadableFile(
            f"The file has more than {MAX_ROWS:,} rows. Split the plan into smaller files."
        )
    width = len(cells)
    while width and (cells[width - 1] is None or cells[width - 1] == ""):
        width -= 1
    while width and _is_blank(cells[width - 1]):
        width -= 1
    if not width:
        return None
    if width > MAX_COLUMNS:
        raise UnreadableFile(
            f"Row {number} has cells in more than {MAX_COLUMNS} columns. A plan has far "
            "fewer: delete the unused columns and save the file again."
        )
    for index in range(width):
        value = cells[index]
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            raise UnreadableFile(
                f"Row {number}, column {column_letter(index)}: the cell holds {len(value):,} "
                f"characters; the limit is {MAX_CELL_CHARS:,}."
            )
    return SourceRow(number, tuple(cells[:width]))


def _is_blank(value: Value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
