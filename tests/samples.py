"""Helpers shared by several test modules."""

from io import BytesIO

from pypdf import PdfReader

# The five seed plans (fixtures/), by slug.
SEED_SLUGS = [
    "norfolk-scr-case-l-2014",
    "norfolk-cap-2017",
    "stockton-jtai-neglect-2018",
    "stockton-ofsted-cp-2013",
    "norfolk-lscb-business-plan-2014-16",
]


def pdf_text(content: bytes) -> str:
    """The text of a PDF, page after page."""
    return "".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def offline_return_filled(data: bytes, rows: dict[str, dict[str, object]]) -> bytes:
    """An offline return workbook with cells written by action ref and column key."""
    from openpyxl import load_workbook

    from actionplans.rounds import offline

    workbook = load_workbook(BytesIO(data))
    sheet = workbook[offline.SHEET]
    headings = [cell.value for cell in sheet[offline.HEADER_ROW]]
    column = {c.key: headings.index(c.heading) + 1 for c in offline.COLUMNS}
    by_ref = {
        sheet.cell(row=number, column=column["ref"]).value: number
        for number in range(offline.FIRST_ROW, sheet.max_row + 1)
    }
    for ref, values in rows.items():
        for key, value in values.items():
            sheet.cell(row=by_ref[ref], column=column[key], value=value)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pdf_pieces(content: bytes) -> list[list[tuple[float, float, str]]]:
    """Each page's pieces of text as (x, y, text), in points from the bottom left.

    For checks of where things are printed: which page a row starts on, which column
    a piece of text is in, how far down a page the text goes. pdfplumber places the
    text of the SVG charts too (pypdf's visitor misplaces text inside form XObjects).
    A piece is a run of text up to a gap wider than a space, so table cells stay apart.
    """
    import pdfplumber

    pages = []
    with pdfplumber.open(BytesIO(content)) as document:
        for page in document.pages:
            words = page.extract_words(keep_blank_chars=True, x_tolerance=1.5, y_tolerance=2)
            pages.append(
                [
                    (w["x0"], page.height - w["bottom"], w["text"].strip())
                    for w in words
                    if w["text"].strip()
                ]
            )
    return pages


# Evidence files: good ones and hostile ones, made here (no binary fixtures).


def pdf_bytes(size: int = 0, text: str = "Audit of 30 assessments") -> bytes:
    """A small valid-looking PDF, padded with a comment to `size` bytes if asked."""
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n% " + text.encode() + b"\n"
    )
    trailer = b"trailer<</Root 1 0 R>>\n%%EOF\n"
    padding = max(0, size - len(body) - len(trailer))
    return body + b"%" * padding + trailer


def zip_bytes(parts: dict[str, bytes], *, compression=None) -> bytes:
    import zipfile

    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", compression or zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_evidence(*, macro: bool = False) -> bytes:
    """A minimal Word package; `macro`: a .docm's content type and VBA project."""
    main = (
        "application/vnd.ms-word.document.macroEnabled.main+xml"
        if macro
        else "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    )
    types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'content-types"><Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
    ).encode()
    parts = {
        "[Content_Types].xml": types,
        "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="urn:w"/>',
    }
    if macro:
        parts["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 a VBA project"
    return zip_bytes(parts)


def zip_bomb_docx() -> bytes:
    """A Word package whose one part inflates 1,000 to 1 (a 'zip bomb')."""
    return zip_bytes(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "word/document.xml": b"<w:document>" + b" " * (20 * 1024 * 1024) + b"</w:document>",
        }
    )


EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE"
HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
