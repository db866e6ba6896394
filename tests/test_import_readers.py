"""Reading uploaded plans: encodings, delimiters, sheets, and every hostile file we refuse.

Pure Python: no database.
"""

import datetime
import io
import random
import string
import zipfile

import pytest
from defusedxml import DefusedXmlException
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from test_import_samples import (
    CASE_PLAN,
    csv_bytes,
    replace_part,
    sheet_xml,
    xlsx_bytes,
    xlsx_with_sheet,
    zip_bytes,
)

from actionplans.importing.cells import FORMULA_STARTS, cell_text, neutralise, restore
from actionplans.importing.readers import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_MERGED_CELLS,
    MAX_ROWS,
    MissingSheet,
    UnreadableFile,
    read_table,
)
from actionplans.target_dates import TargetKind, resolve_target


def texts(table):
    return [[cell_text(value) for value in row.cells] for row in table.rows]


# ---------------------------------------------------------------- CSV flavours


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_in_every_encoding_and_delimiter_reads_the_same(delimiter, encoding):
    rows = [
        ["Plan – 2015 £ budget"],
        ["Ref", "Action", "Lead(s)", "Timescales"],
        ["1.1", "Review the threshold, with partners; report to the board", "Police", "Sept 2015"],
        ["1.2", "Two lines\nin one cell", "Health", "Q2 2015/16"],
    ]
    table = read_table(csv_bytes(rows, delimiter=delimiter, encoding=encoding))
    assert table.delimiter == delimiter
    assert table.encoding == ("Windows-1252" if encoding == "cp1252" else "UTF-8")
    assert texts(table) == rows
    assert [row.number for row in table.rows] == [1, 2, 3, 4]


def test_utf16_text_saved_by_excel_is_read():
    data = "Ref\tAction\tOwner\n1\tAgree the plan\tBoard\n".encode("utf-16")
    table = read_table(data)
    assert (table.encoding, table.delimiter) == ("UTF-16", "\t")
    assert texts(table)[1] == ["1", "Agree the plan", "Board"]


def test_blank_rows_are_dropped_but_row_numbers_kept():
    table = read_table(b"Ref,Action\n\n,,\n1,Do it\n")
    assert [row.number for row in table.rows] == [1, 4]


def test_control_characters_are_removed_and_word_line_breaks_kept():
    table = read_table(b'Ref,Action\r\n1,"first\x0bsecond\x07 third"\r\n')
    assert texts(table)[1] == ["1", "first\nsecond third"]


def test_nul_bytes_mean_not_a_text_file():
    assert "not a spreadsheet" in refused(b"Ref,Action\n1,do\x00it\n")


# ----------------------------------------------------------------------- XLSX


def test_xlsx_sheet_is_chosen_by_name_and_dates_are_dates():
    data = xlsx_bytes(
        [["Cover"]],
        title="Cover",
        more_sheets={
            "Action plan": [["Ref", "Action"], ["1", "Do", datetime.datetime(2014, 6, 30)]]
        },
    )
    assert read_table(data).sheet_name == "Cover"
    table = read_table(data, sheet="action PLAN")
    assert table.sheet_names == ["Cover", "Action plan"]
    assert table.rows[1].cells[2] == datetime.datetime(2014, 6, 30)


def test_without_a_sheet_the_first_the_test_wants_is_read():
    data = xlsx_bytes(
        [["Cover"]],
        title="Cover",
        more_sheets={"Key": [["R = late"]], "Plan": [["Ref", "Action"]], "Plan 2": [["Ref"]]},
    )
    table = read_table(data, wanted=lambda rows: "Ref" in rows[0].cells)
    assert (table.sheet_name, table.passed_over) == ("Plan", ["Cover", "Key"])
    assert table.description.endswith(
        '(the first with a table of actions; passed over "Cover", "Key")'
    )
    nothing_wanted = read_table(data, wanted=lambda rows: False)
    assert (nothing_wanted.sheet_name, nothing_wanted.passed_over) == ("Cover", [])
    assert read_table(data, sheet="Key", wanted=lambda rows: False).sheet_name == "Key"


def test_fill_colours_of_empty_cells_are_kept():
    rows = [["Ref", "Action", "RAG"], ["1", "a"], ["2", "b", "Green"], ["3", "c"], ["4", "d"]]
    data = xlsx_bytes(rows, fills={"C2": "92D050", "C3": "FF0000", "C4": 10, "D5": "7030A0"})
    table = read_table(data)
    # Row 3's cell has words (they win), row 4's colour is palette number 10 (red).
    assert table.fills == {(2, 2): "92D050", (4, 2): "FF0000", (5, 3): "7030A0"}
    assert read_table(csv_bytes(rows)).fills == {}


def test_theme_fill_colours_are_resolved_with_their_tint():
    """openpyxl writes the Office 2007 theme; Excel shows these very colours."""
    rows = [["Ref", "Action", "RAG"], *[[str(n), "a"] for n in range(1, 6)]]
    fills = {"C2": (5, 0), "C3": (6, 0), "C4": (9, 0.3999), "C5": (4, -0.25), "C6": (0, -0.15)}
    table = read_table(xlsx_bytes(rows, fills=fills))
    assert [table.fills[(row, 2)] for row in range(2, 7)] == [
        "C0504D",  # Accent 2 (red)
        "9BBB59",  # Accent 3 (green)
        "FAC090",  # Accent 6 (orange), lighter 40%
        "376092",  # Accent 1 (blue), darker 25%
        "D9D9D9",  # Background 1, darker 15%: a grey
    ]


def test_a_theme_without_colours_only_costs_its_colours():
    data = xlsx_bytes([["Ref", "Action", "RAG"], ["1", "a"]], fills={"C2": (9, 0)})
    empty = b'<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"/>'
    table = read_table(replace_part(data, "xl/theme/theme1.xml", empty))
    assert table.rows[1].cells == ("1", "a") and table.fills == {}


def test_excel_date_cell_resolves_to_its_day():
    """The one form the parser's own tests give as a value only: an openpyxl-read date cell."""
    data = xlsx_bytes([["Ref", "Action", "Target date"], ["1", "Do", datetime.date(2015, 3, 31)]])
    value = read_table(data).rows[1].cells[2]
    assert isinstance(value, datetime.datetime)
    assert resolve_target(value).kind is TargetKind.DATE
    assert resolve_target(value).due == datetime.date(2015, 3, 31)


def test_missing_sheet_names_the_sheets_there_are():
    with pytest.raises(MissingSheet, match='no sheet called "Plan 2".*"Plan"'):
        read_table(xlsx_bytes(CASE_PLAN), sheet="Plan 2")


# --------------------------------------------------------------- formulas


@pytest.mark.parametrize("text", ["=1+2", "+44 1642 000000", "-5 days", "@SUM(A1:A2)"])
def test_formula_like_text_stays_text(text):
    rows = [["Ref", "Action"], ["1", text]]
    assert texts(read_table(csv_bytes(rows)))[1][1] == text
    assert texts(read_table(xlsx_bytes(rows)))[1][1] == text


def test_xlsx_formulas_are_never_evaluated():
    """data_only: a formula gives the value Excel saved for it; openpyxl saved none."""
    data = xlsx_bytes([["Ref", "Action"], ["1", "=1+2"]], formulas=True)
    assert read_table(data).rows[1].cells == ("1",)


@given(st.text())
def test_neutralise_and_restore_are_exact_inverses(text):
    quoted = neutralise(text)
    assert not quoted.startswith(FORMULA_STARTS)
    assert restore(quoted) == text


def test_only_our_quote_is_taken_off():
    assert restore("'=SUM(A1)") == "=SUM(A1)"
    assert restore("'quoted'") == "'quoted'"
    assert cell_text("'-5 days") == "-5 days"


# ------------------------------------------------------------- hostile files


def refused(data: bytes, **options) -> str:
    with pytest.raises(UnreadableFile) as problem:
        read_table(data, **options)
    return str(problem.value)


def test_empty_file():
    assert refused(b"") == "The file is empty."


def test_file_over_the_upload_limit():
    assert "the limit is 10 MB" in refused(b"x" * (MAX_FILE_BYTES + 1))


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "not a spreadsheet"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(64), "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "Excel 97-2003"),
        (zip_bytes({"notes.txt": b"hello"}), "zip file, not an Excel workbook"),
        (zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}), "Word"),
        (b"PK\x03\x04 this is not really a zip", "damaged"),
    ],
)
def test_not_a_spreadsheet_renamed_xlsx(data, words):
    assert words in refused(data)


def test_damaged_workbook_is_refused_without_a_traceback():
    workbook = xlsx_bytes(CASE_PLAN)
    assert "damaged" in refused(replace_part(workbook, "xl/workbook.xml", b"<workbook"))


def test_zip_bomb_by_total_size_is_refused_before_inflating():
    """Sixty parts just under the ratio check's threshold: only their total gives them away."""
    parts = {f"xl/media/image{n}.bin": bytes((1 << 20) - 1) for n in range(60)}
    bomb = zip_bytes({"[Content_Types].xml": b"<Types/>", **parts})
    assert len(bomb) < 500_000
    assert "would expand to 60 MB" in refused(bomb)


def test_zip_bomb_by_compression_ratio_is_refused():
    bomb = replace_part(xlsx_bytes(CASE_PLAN), "xl/media/padding.bin", bytes(20 << 20))
    assert "zip bomb" in refused(bomb)


def test_password_protected_member_is_refused():
    data = bytearray(zip_bytes({"[Content_Types].xml": b"<Types/>"}, zipfile.ZIP_STORED))
    data[6] |= 0x1  # local header flag
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 0x1  # central directory flag
    assert "password-protected" in refused(bytes(data))


LAUGHS = """<!DOCTYPE worksheet [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>"""
EXTERNAL = '<!DOCTYPE worksheet [<!ENTITY c SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("doctype", [LAUGHS, EXTERNAL])
def test_xml_entities_are_refused_with_a_clear_message(doctype):
    hostile = xlsx_with_sheet([["Ref", "Action"], ["1", "&c;"]], doctype)
    assert "DOCTYPE" in refused(hostile)


def test_entities_in_an_unused_part_are_refused_too():
    hostile = replace_part(
        xlsx_bytes(CASE_PLAN), "xl/sharedStrings.xml", LAUGHS.encode() + b"<sst/>"
    )
    assert "DOCTYPE" in refused(hostile)


def test_openpyxl_itself_parses_with_defusedxml():
    """Defence in depth: even without our pre-scan, openpyxl would not expand entities."""
    hostile = xlsx_with_sheet([["Ref", "Action"], ["1", "&c;"]], LAUGHS)
    with pytest.raises(ValueError, match="Unable to read workbook") as refusal:
        load_workbook(io.BytesIO(hostile), read_only=True)
    assert isinstance(refusal.value.__cause__, DefusedXmlException)


def test_five_megabyte_cell_in_xlsx_names_its_row_and_column():
    big = "".join(random.Random(1).choices(string.ascii_letters, k=5_000_000))
    data = xlsx_with_sheet([["Ref", "Action"], ["1", "ok"], ["2", big]])
    assert len(data) < MAX_FILE_BYTES
    assert refused(data) == (
        f"Row 3, column B: the cell holds 5,000,000 characters; the limit is {MAX_CELL_CHARS:,}."
    )


def test_five_megabyte_cell_in_csv_names_its_row():
    data = b"Ref,Action\n1,ok\n2," + b"x" * 5_000_000 + b"\n"
    assert refused(data).startswith("Row 3: a cell is longer than 100,000 characters")


def test_a_cell_just_over_the_limit_names_row_and_column():
    data = b"Ref,Action\n1," + b"x" * (MAX_CELL_CHARS + 1) + b"\n"
    assert refused(data).startswith("Row 2, column B: the cell holds 100,001 characters")


@pytest.mark.parametrize("make", [csv_bytes, xlsx_bytes])
def test_two_thousand_columns_are_refused(make):
    rows = [["Ref", "Action", *[f"Extra {n}" for n in range(1998)]], ["1", "Do"]]
    assert f"more than {MAX_COLUMNS} columns" in refused(make(rows))


def test_too_many_rows_are_refused():
    data = b"Ref,Action\n" + b"1,Do\n" * MAX_ROWS
    assert "more than 20,000 rows" in refused(data)


def test_merged_ranges_are_read_within_bounds():
    """A sheet claiming 10,000 merged ranges down to row 1,048,576 notes a bounded number."""
    rows = [["Ref", "Action"], *[[str(n), "Do"] for n in range(1, 3001)]]
    merges = "".join(
        f'<mergeCell ref="{column}{row}:{column}1048576"/>'
        for row in range(2, 502)
        for column in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[: 100 // 5]
    )
    sheet = sheet_xml(rows).replace(
        b"</worksheet>", f"<mergeCells>{merges}</mergeCells></worksheet>".encode()
    )
    table = read_table(replace_part(xlsx_bytes([["x"]]), "xl/worksheets/sheet1.xml", sheet))
    assert len(table.rows) == 3001
    assert 0 < len(table.merged_down) <= MAX_MERGED_CELLS
    assert max(row for row, _column in table.merged_down) == 3001
