"""Helpers shared by several test modules."""

from io import BytesIO

from pypdf import PdfReader


def pdf_text(content: bytes) -> str:
    """The text of a PDF, page after page."""
    return "".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)
