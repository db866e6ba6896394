"""Word plans for the import tests, built with python-docx (merges, shading and tracked
changes written into the XML as Word writes them). Holds no tests itself."""

import io

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn


def docx_bytes(*blocks, title: str = "") -> bytes:
    """A document of `blocks`, in order: a str is a paragraph, ("Heading 2", text) a styled
    paragraph, a list of rows a table, and a callable is given the document to add to."""
    document = Document()
    if title:
        document.add_paragraph(title, style="Title")
    for block in blocks:
        if callable(block):
            block(document)
        elif isinstance(block, str):
            document.add_paragraph(block)
        elif isinstance(block, tuple):
            document.add_paragraph(block[1], style=block[0])
        else:
            add_table(document, block)
    return save(document)


def add_table(document, rows):
    width = max(len(row) for row in rows)
    table = document.add_table(rows=len(rows), cols=width)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value:
                set_text(table.cell(r, c), value)
    return table


def set_text(cell, text: str) -> None:
    """A cell's text, a paragraph a line (as someone pressing Enter in Word)."""
    lines = text.split("\n")
    cell.paragraphs[0].text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def save(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def shade(cell, rgb: str) -> None:
    """Shade a cell as Word's Shading button does: <w:shd w:val="clear" w:fill="00B050"/>."""
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), rgb)
    properties.append(shading)


def tracked(paragraph, kept: str, inserted: str = "", deleted: str = "") -> None:
    """Replace a paragraph's text by `kept`, then an unaccepted insertion and deletion."""
    for run in list(paragraph.runs):
        run._r.getparent().remove(run._r)
    paragraph.add_run(kept)
    if inserted:
        paragraph._p.append(_change("w:ins", inserted, "w:t"))
    if deleted:
        paragraph._p.append(_change("w:del", deleted, "w:delText"))


def _change(tag: str, text: str, text_tag: str):
    change = OxmlElement(tag)
    change.set(qn("w:id"), "1")
    change.set(qn("w:author"), "Jo Smith")
    change.set(qn("w:date"), "2026-11-30T10:00:00Z")
    run = OxmlElement("w:r")
    piece = OxmlElement(text_tag)
    piece.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    piece.text = text
    run.append(piece)
    change.append(run)
    return change


def delete_row(row) -> None:
    """Mark a table row deleted, unaccepted (<w:trPr><w:del/></w:trPr>)."""
    deleted = OxmlElement("w:del")
    deleted.set(qn("w:id"), "2")
    deleted.set(qn("w:author"), "Jo Smith")
    row._tr.get_or_add_trPr().append(deleted)


def comment(document, paragraph, text: str) -> None:
    """A Word comment on a paragraph (python-docx 1.2 writes comments.xml)."""
    document.add_comment(paragraph.runs, text=text, author="Reviewer")
