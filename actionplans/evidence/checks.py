"""What an uploaded evidence file is, read from its content: never from its name.

One entry point, `evidence_check(file, *, filename)`: a `Checked` (the kind people
see, the content type it is served with) or `RefusedFile` with a message the lead can
act on. The file is read from its start (magic bytes, through `puremagic`) and, for
Office files, as a zip from its central directory: nothing is held in memory whole.

Accepted: PDF; Word, Excel and PowerPoint (.docx/.xlsx/.pptx, and the 97-2003 .doc,
.xls, .ppt); OpenDocument text, spreadsheet and presentation; CSV and plain text; PNG
and JPEG images.

Refused, each with its message: anything else by content (a program renamed .pdf, a
web page named .pdf, a zip archive); an Office zip that would expand too far or
compress too well (a zip bomb: the declared sizes are checked before anything is
inflated), is password-protected, carries XML entity declarations, or is
macro-enabled whatever its name (a .docm renamed .docx, a vbaProject.bin); a 97-2003
file holding a VBA project, or an encrypted one (which no virus scan can read). The
zip checks are the plan importer's own (`actionplans.importing.readers`).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

import puremagic
from django.conf import settings

from actionplans.importing.readers import (
    UnreadableFile,
    check_sizes,
    refuse_doctypes,
    refuse_macros,
)

__all__ = ["Checked", "RefusedFile", "evidence_check"]

SAMPLE_BYTES = 64 * 1024
SCAN_CHUNK = 1024 * 1024
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
SAVE_PLAIN = "Save it again without macros (as .docx, .xlsx or .pptx, or as a PDF) and upload that."
ACCEPTED = "PDF, Word, Excel, PowerPoint, OpenDocument, CSV, plain text, PNG or JPEG files"

OOXML = {
    "word/document.xml": (
        "Word document",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xl/workbook.xml": (
        "Excel workbook",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "ppt/presentation.xml": (
        "PowerPoint presentation",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}
OPENDOCUMENT = {
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet",
    "application/vnd.oasis.opendocument.presentation": "OpenDocument presentation",
}
OLE2_STREAMS = {
    "WordDocument": ("Word 97-2003 document", "application/msword"),
    "Workbook": ("Excel 97-2003 workbook", "application/vnd.ms-excel"),
    "Book": ("Excel 97-2003 workbook", "application/vnd.ms-excel"),
    "PowerPoint Document": ("PowerPoint 97-2003 presentation", "application/vnd.ms-powerpoint"),
}
WEB_PAGE_MARKS = (b"<!doctype html", b"<html", b"<script", b"<svg", b"<iframe", b"<?xml", b"<body")


class RefusedFile(Exception):
    """Not an evidence file we keep; the message says why, in the uploader's words."""


@dataclass(frozen=True)
class Checked:
    kind: str  # what people see: "PDF document"
    content_type: str  # what it is served as (always as an attachment)


def evidence_check(file, *, filename: str = "") -> Checked:
    """What the file is, or RefusedFile. `file`: an open binary file (an upload)."""
    file.seek(0)
    head = file.read(SAMPLE_BYTES)
    file.seek(0)
    if not head:
        raise RefusedFile("The file is empty.")
    if head.startswith(b"%PDF-"):
        return Checked("PDF document", "application/pdf")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Checked("PNG image", "image/png")
    if head.startswith(b"\xff\xd8\xff"):
        return Checked("JPEG image", "image/jpeg")
    if head.startswith(ZIP):
        return _zip_document(file)
    if head.startswith(OLE2):
        return _old_office_document(file)
    _refuse_web_pages(head)
    matches = _magic(head)
    if matches:
        raise RefusedFile(
            f"This file is a {matches}, not a document we accept, whatever its name says. "
            f"Upload {ACCEPTED}."
        )
    return _text(head, filename)


def _magic(head: bytes) -> str:
    """What puremagic says the bytes are (for the message), or "" for no known type."""
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        return ""
    named = [m for m in matches if m.mime_type] or matches
    if not named:
        return ""
    best = named[0]
    return best.name if best.name else best.extension.lstrip(".")


def _refuse_web_pages(head: bytes) -> None:
    """A web page, SVG or XML file runs scripts if a browser ever opens it: refused."""
    sample = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if sample.startswith(b"<") or any(mark in sample[:4096] for mark in WEB_PAGE_MARKS):
        raise RefusedFile(
            f"This file is a web page (HTML) or XML, not a document we accept, whatever "
            f"its name says. Upload {ACCEPTED}."
        )


def _text(head: bytes, filename: str) -> Checked:
    """Plain text or CSV: no NUL bytes, readable as UTF-8 (or Windows' own encoding),
    and not a web page or script in disguise."""
    if b"\x00" in head:
        raise RefusedFile(f"This file is not one of the types we accept. Upload {ACCEPTED}.")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not a character cut at the sample's end
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                raise RefusedFile(
                    f"This file is not one of the types we accept. Upload {ACCEPTED}."
                ) from None
    if filename.lower().endswith(".csv"):
        return Checked("CSV file", "text/csv")
    return Checked("Text file", "text/plain")


def _zip_document(file) -> Checked:
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise RefusedFile(
            "This file looks like an Office document or a zip archive but is damaged."
        ) from error
    limit = settings.EVIDENCE_MAX_UNCOMPRESSED_BYTES
    try:
        with archive:
            check_sizes(
                archive,
                what="document",
                limit=limit,
                advice="Save it as a PDF and upload that instead.",
            )
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                refuse_macros(archive, what="Office document", advice=SAVE_PLAIN)
                found = next((OOXML[part] for part in OOXML if part in names), None)
                if found is None:
                    raise RefusedFile(
                        "This is an Office file but not a Word, Excel or PowerPoint document."
                    )
                refuse_doctypes(archive, what="document", writer="Office")
                return Checked(*found)
            if "mimetype" in names:
                with archive.open("mimetype") as part:
                    declared = part.read(200).decode("ascii", "replace").strip()
                if declared in OPENDOCUMENT:
                    refuse_macros(archive, what="OpenDocument file", advice=SAVE_PLAIN)
                    refuse_doctypes(archive, what="document", writer="LibreOffice")
                    return Checked(OPENDOCUMENT[declared], declared)
    except UnreadableFile as error:
        raise RefusedFile(str(error)) from error
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise RefusedFile("This file looks like an Office document but is damaged.") from error
    raise RefusedFile(
        "This is a zip archive, not a document. Upload the documents inside it one by one."
    )


def _old_office_document(file) -> Checked:
    """A 97-2003 Office file (an OLE2 compound file): which one, from the names of its
    streams (stored as UTF-16); refused if it holds a VBA project or is encrypted."""
    seen: set[str] = set()
    wanted = {
        **{name: name.encode("utf-16-le") for name in OLE2_STREAMS},
        "_VBA_PROJECT": "_VBA_PROJECT".encode("utf-16-le"),
        "Macros": "Macros".encode("utf-16-le"),
        "EncryptedPackage": "EncryptedPackage".encode("utf-16-le"),
    }
    overlap = max(len(pattern) for pattern in wanted.values())
    tail = b""
    file.seek(0)
    while chunk := file.read(SCAN_CHUNK):
        window = tail + chunk
        seen |= {name for name, pattern in wanted.items() if pattern in window}
        tail = window[-overlap:]
    file.seek(0)
    if seen & {"_VBA_PROJECT", "Macros"}:
        raise RefusedFile(
            "This is a macro-enabled Office file, which we do not keep: macros can harm the "
            f"computers that open it. {SAVE_PLAIN}"
        )
    if "EncryptedPackage" in seen:
        raise RefusedFile(
            "This file is password-protected, so nobody can check it. Save it without a "
            "password and upload it again."
        )
    for name, found in OLE2_STREAMS.items():
        if name in seen:
            return Checked(*found)
    raise RefusedFile(
        "This is an old-style Microsoft file but not a Word, Excel or PowerPoint document."
    )
