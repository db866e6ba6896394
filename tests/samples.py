"""Helpers shared by several test modules."""

from io import BytesIO

from pypdf import PdfReader


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
