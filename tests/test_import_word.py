"""Importing a plan kept in Word: tables, headings above them, merges, shading, keys,
tracked changes and hostile documents. Word files are built with python-docx."""

import io
import zipfile

import pytest
from django.core.management import call_command
from test_import_samples import make_board, replace_part, row_counts, zip_bytes
from test_import_views import answers, upload
from word_samples import add_table, comment, delete_row, docx_bytes, shade, tracked

from actionplans.importing import word
from actionplans.importing.pipeline import build_preview
from actionplans.importing.pipeline.read_document import read_plan_table
from actionplans.importing.readers import UnreadableFile, read_table
from actionplans.models import Plan, PlanImport

HEADINGS = ["Ref", "Action", "Lead", "Target date", "RAG"]


def preview_of(data, board, **options):
    return build_preview(read_plan_table(data), board=board, **options)


def refused(data) -> str:
    with pytest.raises(UnreadableFile) as error:
        read_plan_table(data)
    return str(error.value)


def actions(preview):
    return [(a.ref, a.values["text"]) for a in preview.actions]


# ------------------------------------------------------------------ layouts


@pytest.mark.django_db
def test_a_plan_in_one_table_with_an_introduction_above_it():
    board = make_board()
    data = docx_bytes(
        "This plan answers the review of Child Q.",
        "The board agreed it in March 2016.",
        [
            HEADINGS,
            ["1.1", "Audit referrals", "Cleveland Police", "March 2017", "Green"],
            ["1.2", "Train staff", "Health", "June 2017", "Amber"],
        ],
        "Signed off by the chair.",
        title="Child Q action plan",
    )
    table = read_plan_table(data)
    assert table.file_kind == "docx"
    assert table.introduction == (
        "This plan answers the review of Child Q.\n\nThe board agreed it in March 2016."
    )
    assert "Word document, 1 table" in table.description
    preview = build_preview(table, board=board)
    assert not preview.errors
    assert actions(preview) == [("1.1", "Audit referrals"), ("1.2", "Train staff")]
    assert [a.agency.short_name for a in preview.actions] == ["Cleveland Police", "Health"]
    assert [a.rag for a in preview.actions] == ["green", "amber"]


@pytest.mark.django_db
def test_a_table_per_area_takes_the_heading_above_each_table_as_its_group():
    board = make_board()
    data = docx_bytes(
        "Introduction to the plan.",
        ("Heading 2", "Professional curiosity"),
        [HEADINGS, ["1", "Run briefings", "Health", "March 2017", "Green"]],
        ("Heading 2", "Information sharing"),
        "Partners said sharing was slow.",
        [
            HEADINGS,
            ["1", "Refresh the protocol", "Cleveland Police", "June 2017", "Red"],
            ["2", "Audit sharing", "Health", "Sept 2017", "Amber"],
        ],
    )
    preview = preview_of(data, board)
    assert not preview.errors, preview.errors
    assert [theme.title for theme in preview.themes] == [
        "Professional curiosity",
        "Information sharing",
    ]
    assert [(a.theme.title, a.ref) for a in preview.actions] == [
        ("Professional curiosity", "1.1"),
        ("Information sharing", "2.1"),
        ("Information sharing", "2.2"),
    ]
    assert preview.table.introduction == "Introduction to the plan."
    assert preview.table.tables_read == 2


@pytest.mark.django_db
def test_a_one_word_heading_above_a_table_is_its_group_not_a_ref():
    data = docx_bytes(
        ("Heading 2", "Police"),
        [HEADINGS, ["1", "Train officers", "Cleveland Police", "March 2017", "Green"]],
        ("Heading 2", "Health"),
        [HEADINGS, ["1", "Audit GP records", "Health", "June 2017", "Amber"]],
    )
    preview = preview_of(data, make_board())
    assert not preview.errors, preview.errors
    assert [(a.theme.title, a.ref, a.values["text"]) for a in preview.actions] == [
        ("Police", "1.1", "Train officers"),
        ("Health", "2.1", "Audit GP records"),
    ]


@pytest.mark.django_db
def test_a_recommendation_above_each_table_is_a_finding_with_its_text():
    board = make_board()
    data = docx_bytes(
        "Recommendation 1: The board should check how agencies share information.",
        [["Action", "Lead", "By when"], ["Refresh the protocol", "Cleveland Police", "2017"]],
        "Recommendation 2: Neglect",
        "Agencies did not recognise neglect.",
        [["Action", "Lead", "By when"], ["Adopt the graded care profile", "Health", "2018"]],
    )
    preview = preview_of(data, board)
    assert not preview.errors, preview.errors
    assert [(f.number, f.kind, f.text) for f in preview.findings] == [
        ("1", "recommendation", "The board should check how agencies share information."),
        ("2", "recommendation", "Neglect\nAgencies did not recognise neglect."),
    ]
    assert [(a.finding.number, a.ref) for a in preview.actions] == [("1", "1.1"), ("2", "2.1")]


@pytest.mark.django_db
def test_merged_cells_belong_to_every_row_they_span():
    board = make_board()

    def plan(document):
        table = add_table(
            document,
            [["Ref", "Action", "Lead", "Target date", "Progress update", ""],
             ["", "", "", "", "June 2016", "Sept 2016"],
             ["1", "Audit", "Health", "March 2017", "Started", "Half done"],
             ["2", "Train", "", "", "", "Booked"],
             ["3", "Report", "Cleveland Police", "May 2017", "", ""]],
        )  # fmt: skip
        table.cell(0, 4).merge(table.cell(0, 5))  # gridSpan: "Progress update" over two
        table.cell(2, 2).merge(table.cell(3, 2))  # vMerge: Health leads 1 and 2
        table.cell(2, 3).merge(table.cell(3, 3))

    preview = preview_of(docx_bytes(plan), board)
    assert not preview.errors, preview.errors
    assert [c.heading for c in preview.columns][4:] == [
        "Progress update June 2016",
        "Progress update Sept 2016",
    ]
    second = preview.actions[1]
    assert second.agency.short_name == "Health"
    assert second.values["target"] == "March 2017"
    assert second.values["progress"] == "Booked"
    assert preview.actions[0].earlier_progress[0][1] == "Started"


@pytest.mark.django_db
def test_paragraphs_and_bullets_in_a_cell_are_kept_as_lines():
    board = make_board()

    def plan(document):
        table = add_table(document, [["Ref", "Action", "Lead"], ["1", "Audit cases", "Health"]])
        cell = table.cell(1, 1)
        cell.add_paragraph("in every team", style="List Bullet")
        cell.add_paragraph("and report", style="List Bullet")

    preview = preview_of(docx_bytes(plan), board)
    assert preview.actions[0].values["text"] == "Audit cases\nin every team\nand report"


@pytest.mark.django_db
def test_cell_shading_is_read_as_a_rag_colour():
    board = make_board()

    def plan(document):
        table = add_table(
            document,
            [HEADINGS, ["1", "Audit", "Health", "2017", ""], ["2", "Train", "Health", "2017", ""]],
        )
        shade(table.cell(1, 4), "00B050")
        shade(table.cell(2, 4), "FF0000")

    preview = preview_of(docx_bytes(plan), board)
    assert [a.rag for a in preview.actions] == ["green", "red"]


@pytest.mark.django_db
def test_a_shaded_status_cell_whose_words_are_no_status_is_read_by_its_shading():
    board = make_board()

    def plan(document):
        table = add_table(
            document,
            [
                HEADINGS,
                ["1", "Audit", "Health", "2017", "In progress"],
                ["2", "Train", "Health", "2017", "Red"],  # its words win over its shading
            ],
        )
        shade(table.cell(1, 4), "FFC000")
        shade(table.cell(2, 4), "00B050")

    preview = preview_of(docx_bytes(plan), board)
    assert [a.rag for a in preview.actions] == ["amber", "red"]
    assert not preview.unknown_statuses


@pytest.mark.django_db
def test_a_key_table_is_the_legend_and_never_actions():
    board = make_board()

    def key(document):
        table = add_table(
            document,
            [["Colour", "Meaning"], ["", "Not on track"], ["Amber", "Some delay"],
             ["Green", "Complete"]],
        )  # fmt: skip
        shade(table.cell(1, 0), "FF0000")

    data = docx_bytes(
        "Our plan.",
        key,
        [HEADINGS, ["1", "Audit", "Health", "2017", "Complete"],
         ["2", "Train", "Health", "2017", "Not on track"]],
    )  # fmt: skip
    preview = preview_of(data, board)
    assert not preview.errors, preview.errors
    assert preview.legend == {"red": "Not on track", "amber": "Some delay", "green": "Complete"}
    assert actions(preview) == [("1", "Audit"), ("2", "Train")]
    assert [a.rag for a in preview.actions] == ["green", "red"]
    assert preview.table.introduction == "Our plan."


@pytest.mark.django_db
def test_tracked_changes_are_read_accepted_and_comments_are_not_plan_text():
    board = make_board()

    def plan(document):
        table = add_table(
            document,
            [HEADINGS, ["1", "x", "Health", "2017", "Green"], ["2", "Dropped", "Health", "", ""],
             ["3", "Train", "Health", "2018", "Amber"]],
        )  # fmt: skip
        tracked(table.cell(1, 1).paragraphs[0], "Audit ", inserted="every case", deleted="some")
        delete_row(table.rows[2])
        comment(document, table.cell(3, 1).paragraphs[0], "Is this funded?")

    table = read_plan_table(docx_bytes(plan))
    assert table.tracked_changes
    preview = build_preview(table, board=board)
    assert actions(preview) == [("1", "Audit every case"), ("3", "Train")]
    assert not any("funded" in str(cell) for row in table.rows for cell in row.cells)
    assert not read_plan_table(docx_bytes([HEADINGS, ["1", "A", "", "", ""]])).tracked_changes


def test_a_word_document_is_still_refused_where_only_spreadsheets_are_read():
    data = docx_bytes([HEADINGS, ["1", "Audit", "Health", "2017", "Green"]])
    with pytest.raises(UnreadableFile, match="Word document"):
        read_table(data)


# ------------------------------------------------------------------ hostile documents


def _docx_parts(data) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_a_macro_enabled_document_renamed_docx_is_refused():
    data = docx_bytes([HEADINGS, ["1", "Audit", "Health", "2017", "Green"]])
    parts = _docx_parts(data)
    parts["word/vbaProject.bin"] = b"\x00" * 64
    assert "macro-enabled" in refused(zip_bytes(parts))
    types = parts.pop("[Content_Types].xml").replace(
        b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
    )
    del parts["word/vbaProject.bin"]
    assert "macro-enabled" in refused(zip_bytes({"[Content_Types].xml": types, **parts}))


def test_external_entities_and_zip_bombs_are_refused():
    data = docx_bytes([HEADINGS, ["1", "Audit", "Health", "2017", "Green"]])
    hostile = replace_part(
        data,
        "word/document.xml",
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]><w/>',
    )
    assert "DOCTYPE" in refused(hostile)
    parts = _docx_parts(data) | {"word/media/bomb.bin": bytes(60 << 20)}
    assert "zip bomb" in refused(zip_bytes(parts))


def test_huge_documents_and_documents_without_a_table_are_refused(monkeypatch):
    assert "no tables" in refused(docx_bytes("Just a letter."))
    monkeypatch.setattr(word, "MAX_ROWS", 3)
    rows = [HEADINGS] + [[str(n), "Audit", "", "", ""] for n in range(5)]
    assert "more than 3 rows" in refused(docx_bytes(rows))
    wide = replace_part(
        docx_bytes([HEADINGS]),
        "word/document.xml",
        _docx_parts(docx_bytes([HEADINGS]))["word/document.xml"].replace(
            b"<w:tcPr>", b'<w:tcPr><w:gridSpan w:val="100000"/>', 1
        ),
    )
    assert "more than 200 columns" in refused(wide)
    assert "damaged" in refused(
        replace_part(docx_bytes([HEADINGS]), "word/document.xml", b"<w:document")
    )


# ------------------------------------------------------------------ the pages and the command


def _plan_docx():
    def plan(document):
        table = add_table(
            document,
            [HEADINGS, ["1", "x", "Cleveland Police", "March 2017", "Green"],
             ["2", "Train staff", "Health", "June 2017", "Amber"]],
        )  # fmt: skip
        tracked(table.cell(1, 1).paragraphs[0], "Audit ", inserted="referrals")

    return docx_bytes("Why this plan exists.", plan)


@pytest.mark.django_db
def test_manager_imports_a_word_plan_through_the_pages_and_again_changes_nothing(client, personas):
    client.force_login(personas.manager)
    preview_url = upload(client, _plan_docx(), name="child-q.docx").url
    response = client.get(preview_url)
    html = response.content.decode()
    assert "Word document, 1 table" in html
    assert "changes nobody has accepted yet" in html
    assert "Why this plan exists." in html
    check = response.context["check"]
    response = client.post(preview_url + "confirm/", answers(check))
    assert response.status_code == 302
    plan = Plan.objects.get(slug="child-q-plan")
    (done,) = PlanImport.objects.all()
    assert (done.state, done.user, bool(done.file)) == ("imported", personas.manager, False)
    assert done.choices["columns"]["1"] == "text"  # the manager's mapping, kept with it
    assert plan.introduction == "Why this plan exists."
    assert plan.actions.get(ref="1").text == "Audit referrals"

    before = row_counts()
    preview_url = upload(client, _plan_docx(), name="child-q.docx").url
    check = client.get(preview_url).context["check"]
    assert check.outcome.created == 0 and check.outcome.updated == 0
    response = client.post(preview_url + "confirm/", answers(check))
    assert response.status_code == 302
    assert row_counts() == before


@pytest.mark.django_db
def test_import_plan_command_reads_a_word_document(tmp_path, capsys):
    make_board()
    path = tmp_path / "plan.docx"
    path.write_bytes(_plan_docx())
    before = row_counts()
    call_command(
        "import_plan",
        str(path),
        "--title",
        "Case W",
        "--kind",
        "scr",
        "--board",
        "testboard",
        "--dry-run",
    )
    out = capsys.readouterr().out
    assert "Word document, 1 table" in out and "Dry run: nothing was written." in out
    assert "Tracked changes: the document has changes nobody has accepted yet" in out
    assert row_counts() == before
    call_command(
        "import_plan", str(path), "--title", "Case W", "--kind", "scr", "--board", "testboard"
    )
    assert Plan.objects.get(slug="case-w").actions.count() == 2


def test_tabs_breaks_tab_stops_and_text_boxes_read_the_same_on_both_paths():
    """A document with nothing to pass over reads its text elements as they come; one with
    a text box (or a deletion) checks what holds each. Both give a cell the same text."""
    from docx.oxml import parse_xml

    from actionplans.importing import word

    namespaces = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

    def plan(document):
        table = add_table(document, [["Ref", "Action", "Lead"], ["1", "", "Health"]])
        paragraph = table.cell(1, 1).paragraphs[0]
        paragraph._p.append(
            parse_xml(
                f'<w:pPr {namespaces}><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>'
            )
        )
        paragraph._p.append(
            parse_xml(
                f"<w:r {namespaces}><w:t>Audit</w:t><w:tab/><w:t>cases</w:t><w:br/>"
                "<w:t>in&#160;every</w:t><w:noBreakHyphen/><w:t>team</w:t></w:r>"
            )
        )

    plain = docx_bytes(plan)
    assert read_plan_table(plain).rows[1].cells[1] == "Audit cases\nin every-team"

    def with_text_box(document):
        plan(document)
        paragraph = document.tables[0].cell(1, 2).paragraphs[0]
        paragraph._p.append(
            parse_xml(
                f"<w:r {namespaces}><w:pict><w:txbxContent><w:p><w:r><w:t>Not the lead</w:t>"
                "</w:r></w:p></w:txbxContent></w:pict></w:r>"
            )
        )

    boxed = docx_bytes(with_text_box)
    body, _changed = word._document_body(boxed)
    assert next(body.iter(*word._NOT_READ), None) is not None  # read the exact way
    row = read_plan_table(boxed).rows[1]
    assert row.cells[1:] == ("Audit cases\nin every-team", "Health")


# ------------------------------------------------------------------ forms


def _form(*pairs):
    """A table laid out as a form: a row a field, its label in the first column."""
    return [list(pair) for pair in pairs]


@pytest.mark.django_db
def test_a_plan_written_as_a_form_per_action_is_read_as_a_row_per_action():
    board = make_board()

    def shaded_rag(document):
        table = add_table(
            document,
            _form(
                ("Recommendation 2", "Police should attend strategy meetings."),
                ("Action number", "2.1"),
                ("Action", "Attend every strategy discussion."),
                ("Lead agency:", "Cleveland Police"),
                ("Target date", "31/01/2017"),
                ("RAG", ""),
            ),
        )
        shade(table.cell(5, 1), "FF0000")

    data = docx_bytes(
        "This plan answers the review of Child Q.",
        _form(
            ("Recommendation", "1. Agencies should share missed appointments."),
            ("Action number", "1.1"),
            ("Action", "Alert social care after two missed appointments."),
            ("Lead agency", "Health"),
            ("Target date", "March 2017"),
            ("Evidence of impact", "Audit shows alerts sent."),
            ("RAG", "Green"),
            ("Action number", "1.2"),  # a label again: the next action, same recommendation
            ("Action", "Report persistent absence to the MASH."),
            ("Lead agency", "Health"),
            ("Target date", "Summer 2017"),
            ("RAG", "Amber"),
        ),
        ("Heading 2", "Action 2.1"),  # a heading above a form is not a theme of its own
        shaded_rag,
    )
    table = read_plan_table(data)
    assert table.forms_read == 2
    assert "2 tables laid out as a form" in table.description
    assert table.introduction == "This plan answers the review of Child Q."
    preview = build_preview(table, board=board)
    assert not preview.errors
    assert actions(preview) == [
        ("1.1", "Alert social care after two missed appointments."),
        ("1.2", "Report persistent absence to the MASH."),
        ("2.1", "Attend every strategy discussion."),
    ]
    assert [(a.finding.number, a.finding.text) for a in preview.actions] == [
        ("1", "Agencies should share missed appointments."),
        ("1", "Agencies should share missed appointments."),
        ("2", "Police should attend strategy meetings."),
    ]
    assert [a.theme for a in preview.actions] == [None, None, None]
    assert [a.agency.short_name for a in preview.actions] == [
        "Health",
        "Health",
        "Cleveland Police",
    ]
    assert [a.rag for a in preview.actions] == ["green", "amber", "red"]  # red: the shading
    assert preview.actions[0].values["evidence"] == "Audit shows alerts sent."
    assert "evidence" not in preview.actions[2].values or not preview.actions[2].values["evidence"]


@pytest.mark.django_db
def test_a_form_with_two_fields_a_row_reads_each_pair():
    board = make_board()
    data = docx_bytes(
        _form(
            ("Action", "Audit referrals", "", ""),
            ("Lead agency", "Health", "Target date", "June 2017"),
            ("Lead officer", "", "RAG", "Green"),  # no lead officer written: an empty value
            ("Action", "Train staff", "", ""),
            ("Lead agency", "Cleveland Police", "Target date", "Sept 2017"),
            ("Lead officer", "DI Jones", "RAG", "Red"),
        )
    )
    preview = preview_of(data, board)
    assert not preview.errors
    assert [(a.values["text"], a.values.get("lead", ""), a.rag) for a in preview.actions] == [
        ("Audit referrals", "", "green"),
        ("Train staff", "DI Jones", "red"),
    ]
    assert [a.values["target"] for a in preview.actions] == ["June 2017", "Sept 2017"]


@pytest.mark.django_db
def test_a_table_on_its_side_is_read_a_column_per_action():
    board = make_board()
    data = docx_bytes(
        [
            ["", "1", "2", "3"],
            ["Action", "Audit referrals", "Train staff", "Refresh the protocol"],
            ["Lead agency", "Health", "Cleveland Police", "Health"],
            ["Target date", "March 2017", "June 2017", "Ongoing"],
            ["RAG", "Green", "Amber", "Red"],
        ]
    )
    preview = preview_of(data, board)
    assert not preview.errors
    assert actions(preview) == [
        ("1", "Audit referrals"),
        ("2", "Train staff"),
        ("3", "Refresh the protocol"),
    ]
    assert [a.rag for a in preview.actions] == ["green", "amber", "red"]


@pytest.mark.django_db
def test_a_plan_table_with_a_heading_row_is_never_read_as_a_form():
    """A horizontal plan beside a small form (document control) is read as before."""
    board = make_board()
    data = docx_bytes(
        _form(("Author", "Jo Smith"), ("Version", "3"), ("Action", "Agreed by the board")),
        [HEADINGS, ["1.1", "Audit referrals", "Health", "March 2017", "Green"]],
    )
    table = read_plan_table(data)
    assert table.forms_read == 0
    assert actions(build_preview(table, board=board)) == [("1.1", "Audit referrals")]


@pytest.mark.django_db
def test_a_table_of_prose_is_not_a_form():
    """Two columns of text without labels: still refused as having no heading row."""
    data = docx_bytes(
        [
            ["Background", "Child Q lived with her mother."],
            ["The review", "Agencies did not share what they knew."],
            ["Next steps", "The board will agree a plan."],
        ]
    )
    assert read_plan_table(data).forms_read == 0
    with pytest.raises(UnreadableFile, match="heading row"):
        preview_of(data, make_board())


@pytest.mark.django_db
def test_a_heading_row_across_a_form_is_the_finding_of_the_actions_under_it():
    board = make_board()
    data = docx_bytes(
        [
            ["Recommendation 3: Schools should know which children have a social worker.", ""],
            ["Action", "Share the list of children in need with every school each term."],
            ["Lead", "Head of virtual school"],
            ["Timescale", "September 2017"],
            ["Progress", "First list sent in May."],
        ]
    )
    preview = preview_of(data, board)
    assert not preview.errors
    (action,) = preview.actions
    assert (action.finding.number, action.finding.text) == (
        "3",
        "Schools should know which children have a social worker.",
    )
    assert action.values["lead"] == "Head of virtual school"
    assert action.values["progress"] == "First list sent in May."


@pytest.mark.django_db
def test_a_forms_shaded_status_words_that_are_no_status_are_read_by_the_shading():
    def form(document):
        table = add_table(
            document,
            _form(
                ("Action", "Publish the MASH guidance."),
                ("Lead", "Health"),
                ("RAG", "Ongoing"),  # words that are no status, shaded green
                ("Action", "Audit referrals."),
                ("Lead", "Health"),
                ("RAG", ""),  # nothing written, shaded red
            ),
        )
        shade(table.cell(2, 1), "00B050")
        shade(table.cell(5, 1), "FF0000")

    preview = preview_of(docx_bytes(form), make_board())
    assert [(a.values["text"], a.rag) for a in preview.actions] == [
        ("Publish the MASH guidance.", "green"),
        ("Audit referrals.", "red"),
    ]
