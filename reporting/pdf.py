"""The one module that turns our HTML into PDF, for every report.

Two ways in, one WeasyPrint set-up (URL fetcher, PDF/UA-1 tagging, metadata):

- `render_pdf(html)`: one HTML document to one tagged PDF, "Page X of Y" from CSS.
  For the short reports (changes since a date) and anything else that fits in one go.
- `render_pack(pack)`: a board pack, which can run to hundreds of pages. It is cut into
  parts (the cover and summary, then runs of whole sections of about
  `REPORT_PART_ROWS` actions). Each part is rendered on its own and kept in a cache
  under a hash of its HTML: a quarterly pack changes only a few actions between
  prints, so re-printing renders only the parts that changed. Every part starts on a
  new page, so a part whose last page would be mostly empty leaves it off and hands
  its rows to the next part (`walk_pack`). The parts are rendered ahead, on every
  core, each at its best guess of its start; a part whose start moved is rendered
  again as soon as that is known.
  The parts are then joined into one PDF with one structure tree (still a tagged
  PDF a screen reader can follow), one set of bookmarks, and "Page X of Y" stamped on
  every page once the total is known.

Joining works on the PDF objects WeasyPrint hands to its `finisher` hook (pydyf
objects): references are renumbered, the catalogues, page trees, structure trees and
outlines of the parts are merged, and the footer is drawn from a "footer kit" (the
words and digits of "Page X of Y" rendered once by WeasyPrint, so its fonts are
embedded like every other text) as pagination artifacts.

Security: WeasyPrint may read our own static files and `data:` URLs and nothing else
(`StaticFilesOnly`); user text reaches the HTML only through Django's autoescaping.
"""

import base64
import gc
import hashlib
import logging
import mimetypes
import os
import pickle
import re
import threading
import zlib
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from urllib import request
from urllib.parse import unquote, unquote_to_bytes, urlsplit

import pydyf
import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.safestring import mark_safe
from weasyprint.formatting_structure.boxes import TableRowBox
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import storage
from .selectors import BoardPack, ChangeReport, PackSection

logger = logging.getLogger(__name__)

# Bump when the way parts are frozen changes, so old cache files are not read.
RENDERER_VERSION = "2"
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}
DEFAULT_PART_ROWS = 40
# A pack of up to this many actions prints as one part; only big packs use parts (so
# that a re-print renders only the parts that changed).
ONE_PART_ROWS = 150
# A part's last page whose rows end above this share of the page is left off, its
# rows moved to the next part (a page just at half is a gap in the pack too).
MOSTLY_EMPTY = 0.55
# Rendering in worker processes pays off only with a few parts to share out.
PARALLEL_MIN_PARTS = 3


# Fetching: our static files and data: URLs only ------------------------------------------
class RefusedURL(ValueError):
    """WeasyPrint asked for something outside our static files."""


def static_roots() -> list[Path]:
    roots = [Path(settings.STATIC_ROOT), *map(Path, settings.STATICFILES_DIRS)]
    return [root.resolve() for root in roots if root]


class StaticFilesOnly(URLFetcher):
    """A WeasyPrint URL fetcher that serves our static files and data: URLs only.

    Anything else (http, https, ftp, file:// outside the static folders, paths with
    "..", symlinks that lead out) is refused by raising: WeasyPrint then leaves the
    image or stylesheet out and logs a warning. Every refusal is kept in `refused`
    and logged, so tests and operators can see what a document asked for.
    """

    def __init__(self, roots: list[Path] | None = None):
        # Not URLFetcher.__init__: it sets up HTTP(S) handlers (and loads the system's
        # certificates, 50 ms a document) for fetching this fetcher never does.
        request.OpenerDirector.__init__(self)
        self._fail_on_errors = False
        self.roots = [Path(root).resolve() for root in (roots or static_roots())]
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return _data_url(url)
        if scheme == "file":
            path = self.static_path(url)
            if path is not None:
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
        self.refused.append(url)
        logger.warning("Refused to fetch %s while rendering a PDF", url[:200])
        raise RefusedURL(f"Only our static files may be used in a PDF, not {url[:200]}")

    def static_path(self, url: str) -> Path | None:
        """The file a file:// URL names, if it is one of our static files."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        raw = unquote(parts.path)
        if ".." in Path(raw).parts:
            return None
        path = Path(raw).resolve()
        inside = any(path.is_relative_to(root) for root in self.roots)
        return path if inside and path.is_file() else None


def _data_url(url: str) -> URLFetcherResponse:
    """Decode a data: URL (RFC 2397) without any network machinery."""
    header, _, payload = url[len("data:") :].partition(",")
    media_type, *parameters = header.split(";")
    body = base64.b64decode(payload) if "base64" in parameters else unquote_to_bytes(payload)
    return URLFetcherResponse(url, body, {"Content-Type": media_type or "text/plain"})


def _html(html: str, fetcher: StaticFilesOnly) -> weasyprint.HTML:
    base_url = static_roots()[-1].as_uri() + "/"
    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)


def render_pdf(html: str, *, fetcher: StaticFilesOnly | None = None) -> bytes:
    """One HTML document as a tagged PDF (PDF/UA-1; title and language from the HTML)."""
    return _html(html, fetcher or StaticFilesOnly()).write_pdf(**PDF_OPTIONS)


# The HTML of our reports ------------------------------------------------------------------
@dataclass
class Chunk:
    """Some rows of a section, printed together; `continued` when it is not the start."""

    section: PackSection
    rows: list
    continued: bool = False
    first: int = 0  # the part's index of its first row (rows are marked data-row="N")


def css_string(text: str) -> str:
    """`text` as the inside of a CSS string, safe inside <style> (no quotes, no "<")."""
    return "".join(ch if ch.isalnum() or ch in " .,:;–-()/&'" else f"\\{ord(ch):x} " for ch in text)


FOOTER_TITLE_CHARS = 90


def footer_text(title: str, as_at, public: bool = False) -> str:
    """The footer's left side: the title (shortened to fit) and the position date."""
    if len(title) > FOOTER_TITLE_CHARS:
        title = title[:FOOTER_TITLE_CHARS].rsplit(" ", 1)[0] + "…"
    text = f"{title} – position as at {as_at.day} {as_at:%B %Y}"
    return text + (" – public version" if public else "")


def _document(
    body: str,
    *,
    title: str,
    author: str = "",
    description: str = "",
    plain: bool = False,
    footer_left: str | None = None,
) -> str:
    return render_to_string(
        "reporting/pdf/document.html",
        {
            "body": mark_safe(body),  # noqa: S308 - rendered by our own autoescaping templates
            "title": title,
            "author": author,
            "description": description,
            "plain": plain,
            "native_footer": footer_left is not None,
            "footer_left_css": css_string(footer_left or ""),
        },
    )


def _pack_meta(pack: BoardPack) -> dict:
    return {
        "title": pack.title,
        "author": pack.board,
        "description": f"Position as at {pack.as_at:%d/%m/%Y}, {pack.counts['actions']} actions",
    }


def part_spans(pack: BoardPack, rows_per_part: int | None = None) -> list[tuple[int, int]]:
    """Where the parts begin and end, as positions in the pack's rows (all sections'
    rows one after another), before any part's last page is moved on (`walk_pack`).

    A pack of up to `REPORT_ONE_PART_ROWS` rows is one part. Whole sections are
    packed together until the next would not fit; a section longer than a part
    continues in the next part. A part boundary therefore moves only when its own
    sections change, which keeps the other parts' cache entries.
    """
    limit = rows_per_part or getattr(settings, "REPORT_PART_ROWS", DEFAULT_PART_ROWS)
    if rows_per_part is None and len(pack.rows) <= getattr(
        settings, "REPORT_ONE_PART_ROWS", ONE_PART_ROWS
    ):
        limit = max(len(pack.rows), 1)
    ends, size, position = [], 0, 0
    for section in pack.sections:
        count = len(section.rows)
        if size and size + count > limit:
            ends.append(position)
            size = 0
        for start in range(0, count, limit):
            if start:
                ends.append(position + start)
                size = 0
            size += min(limit, count - start)
        position += count
    ends.append(position)
    return list(zip([0, *ends[:-1]], ends, strict=True))


def span_chunks(pack: BoardPack, start: int, end: int) -> list[Chunk]:
    """The rows from position `start` to `end`, as runs of their sections."""
    chunks, offset = [], 0
    for section in pack.sections:
        low, high = max(start - offset, 0), min(end - offset, len(section.rows))
        if low < high:
            rows = section.rows[low:high]
            chunks.append(Chunk(section, rows, continued=low > 0, first=offset + low - start))
        offset += len(section.rows)
    return chunks


def part_chunks(pack: BoardPack, rows_per_part: int | None = None) -> list[list[Chunk]]:
    """The pack's sections cut into parts of about `rows_per_part` rows (`part_spans`)."""
    return [span_chunks(pack, start, end) for start, end in part_spans(pack, rows_per_part)]


def _sections_html(pack: BoardPack, chunks: list[Chunk], *, plain: bool = False) -> str:
    return render_to_string(
        "reporting/pdf/sections.html",
        {"pack": pack, "chunks": chunks, "headings": pack.headings, "plain": plain},
    )


def _cover_html(pack: BoardPack) -> str:
    return render_to_string("reporting/pdf/cover.html", {"pack": pack})


def part_html(pack: BoardPack, start: int, end: int, *, first: bool) -> str:
    """One part as its own HTML document. The first carries the cover and summary: the
    first actions follow the summary on its page (a part of their own would start
    them on a new page and leave the summary's page mostly empty)."""
    body = _sections_html(pack, span_chunks(pack, start, end))
    return _document((_cover_html(pack) if first else "") + body, **_pack_meta(pack))


def pack_html(pack: BoardPack, *, plain: bool = False) -> str:
    """The whole pack as one HTML document with its own CSS footer.

    Printed as it is by the benchmarks (WeasyPrint with `plain` automatic table
    layout, and Chromium) to compare against `render_pack`.
    """
    chunks = [Chunk(section, section.rows) for section in pack.sections]
    body = _cover_html(pack) + _sections_html(pack, chunks, plain=plain)
    footer = footer_text(pack.title, pack.as_at, pack.public)
    return _document(body, plain=plain, footer_left=footer, **_pack_meta(pack))


def changes_html(report: ChangeReport) -> str:
    body = render_to_string("reporting/pdf/changes.html", {"report": report})
    return _document(
        body,
        title=report.title,
        author=report.board,
        footer_left=footer_text(report.title, report.until, report.public),
    )


def render_changes(report: ChangeReport) -> bytes:
    return render_pdf(changes_html(report))


# Parts: rendered once, frozen into plain PDF objects, cached --------------------------------
_REF = re.compile(rb"^(\d+) 0 R$")
# References inside frozen objects are written as NUL-number-NUL (NUL never appears in
# WeasyPrint's serialised dictionaries), so joining renumbers them with one regex.
_MARK = re.compile(rb"\x00(\d+)\x00")


def _local(reference) -> int | None:
    if reference is None:
        return None
    raw = reference.encode() if isinstance(reference, str) else reference
    match = _REF.match(raw) or _MARK.fullmatch(raw)
    return int(match[1]) if match else None


def _mark(value):
    """A copy of a PDF value with its references turned into markers."""
    if isinstance(value, pydyf.String):
        return value
    if isinstance(value, dict):
        return pydyf.Dictionary({key: _mark(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return pydyf.Array([_mark(item) for item in value])
    if isinstance(value, bytes | str):
        raw = value.encode() if isinstance(value, str) else value
        if match := _REF.match(raw):
            return b"\x00" + match[1] + b"\x00"
    return value


def _stream_bytes(stream: pydyf.Stream) -> tuple[bytes, bytes]:
    """(dictionary, body) of a stream, the body compressed here, in the worker."""
    plain = pydyf.Stream(list(stream.stream)).data
    body = plain[plain.index(b"\nstream\n") + 8 : -len(b"\nendstream")]
    extra = _mark(stream.extra)
    if stream.compress:
        body = zlib.compress(body, 6)
        extra["Filter"] = "/FlateDecode"
    extra["Length"] = len(body)
    return extra.data, body


@dataclass
class Part:
    """One rendered part of a pack, as PDF objects that can be joined to others.

    `objects` are serialised, with references as markers; `live` are the few the
    join edits (pages, their resources, the first and last bookmark).
    """

    pages: list[int]
    objects: dict[int, bytes | tuple[bytes, bytes]]
    live: dict[int, pydyf.Dictionary]
    special: dict[str, int]
    document_kids: list[bytes] = field(default_factory=list)
    parent_tree: list[tuple[int, bytes]] = field(default_factory=list)
    outline: tuple[int, int, int] | None = None
    info: bytes = b"<<>>"
    lang: bytes = b"()"
    anchors: list[dict] = field(default_factory=list)
    # Set when the part's mostly empty last page was left off: its rows from this one
    # on (the part's own numbering) begin the next part instead.
    kept_rows: int | None = None

    @property
    def page_count(self) -> int:
        return len(self.pages)


def _freeze(document, pdf: pydyf.PDF) -> Part:
    """Turn the PDF WeasyPrint was about to write into a joinable `Part`."""
    catalog = pdf.catalog
    special = {"catalog": catalog.number, "pages": pdf.pages.number}
    pages = [int(number) for number in pdf.pages["Kids"][::3]]
    live = set(pages)
    objects_by_number = {obj.number: obj for obj in pdf.objects[1:] if obj.free != "f"}
    for number in pages:
        live.add(_local(objects_by_number[number]["Resources"]))
    part = Part(pages=pages, objects={}, live={}, special=special)
    if "StructTreeRoot" in catalog:
        root = objects_by_number[_local(catalog["StructTreeRoot"])]
        document_elem = objects_by_number[_local(root["K"][0])]
        parent_tree = objects_by_number[_local(root["ParentTree"])]
        special |= {
            "struct_root": root.number,
            "document": document_elem.number,
            "parent_tree": parent_tree.number,
        }
        part.document_kids = [_mark(kid) for kid in document_elem["K"]]
        nums = parent_tree["Nums"]
        for key, value in zip(nums[::2], nums[1::2], strict=True):
            if key >= len(pages):
                raise ValueError("A board pack part must not contain links or form fields.")
            part.parent_tree.append((key, _mark(value).data))
    if "Outlines" in catalog:
        outlines = objects_by_number[_local(catalog["Outlines"])]
        special["outlines"] = outlines.number
        first, last = _local(outlines["First"]), _local(outlines["Last"])
        part.outline = (first, last, outlines["Count"])
        live |= {first, last}
    if "Metadata" in catalog:
        special["metadata"] = _local(catalog["Metadata"])
    replaced = {number for key, number in special.items() if key != "metadata"}
    for number, obj in objects_by_number.items():
        if number in replaced:
            continue
        if number in live:
            part.live[number] = _mark(obj)
        elif isinstance(obj, pydyf.Stream):
            part.objects[number] = _stream_bytes(obj)
        else:
            part.objects[number] = _mark(obj).data
    part.info = pydyf.Dictionary(dict(pdf.info)).data
    part.lang = _to_pdf(catalog.get("Lang", pydyf.String("en-GB")))
    part.anchors = [dict(page.anchors) for page in document.pages]
    return part


def _to_pdf(value) -> bytes:
    return value.data if isinstance(value, pydyf.Object) else str(value).encode()


class _Frozen(Exception):  # noqa: N818 - a signal, not an error
    """Carries the frozen part out of WeasyPrint's finisher: the file is never written."""

    def __init__(self, part: Part):
        super().__init__()
        self.part = part


def _freeze_and_stop(document, pdf) -> None:
    raise _Frozen(_freeze(document, pdf))


def render_part(html: str, *, tagged: bool = True, may_trim: bool = False) -> Part:
    """Render one HTML document to a joinable `Part`.

    `may_trim` (every part of a pack but the last): a mostly empty last page is left
    off when it holds only whole rows, and `kept_rows` says where the next part must
    begin; the page would otherwise be a gap in the middle of the pack, because every
    part starts on a new page.

    The cyclic garbage collector waits until the part is done. WeasyPrint makes
    millions of objects while it lays out; collecting as it goes frees nothing worth
    having, and in a forked worker each full collection also walks (and copies, page
    by page) the heap inherited from the parent: about 18% of the workers' CPU time
    for a cold 500-action pack. The part's garbage is all in the youngest generation
    afterwards and is collected at once.
    """
    options = weasyprint.DEFAULT_OPTIONS | (PDF_OPTIONS if tagged else {})
    collecting = gc.isenabled()
    gc.disable()
    try:
        document = _html(html, StaticFilesOnly()).render(**options)
        kept = _rows_before_a_mostly_empty_last_page(document) if may_trim else None
        if kept == 0:
            return Part(pages=[], objects={}, live={}, special={}, kept_rows=0)
        if kept is not None:
            document = document.copy(document.pages[:-1])
        document.write_pdf(finisher=_freeze_and_stop, **options)
    except _Frozen as frozen:
        frozen.part.kept_rows = kept
        return frozen.part
    finally:
        if collecting:
            gc.enable()
            gc.collect(0)
    raise RuntimeError("WeasyPrint did not call the finisher.")


def _rows_on(page) -> dict[int, float]:
    """The pack rows laid out on a page (their `data-row`), with where each ends."""
    rows = {}
    for box in page._page_box.descendants():
        element = getattr(box, "element", None)
        if isinstance(box, TableRowBox) and element is not None:
            number = element.get("data-row")
            if number is not None:
                bottom = box.position_y + box.margin_height()
                rows[int(number)] = max(bottom, rows.get(int(number), bottom))
    return rows


def _rows_before_a_mostly_empty_last_page(document) -> int | None:
    """How many rows to keep if the last page is mostly empty (its rows end above 55%
    of the page, a little over half so that a page just at half goes too) and every
    row on it starts there (a row taller than a page stays where it is); else None.

    0 for a part of one such page: all its rows begin the next part. The first part
    always has two pages or more (the cover has a page of its own), so it is never
    left out whole.
    """
    last = _rows_on(document.pages[-1])
    if not last:
        return None
    first = min(last)
    if len(document.pages) > 1 and (first == 0 or first in _rows_on(document.pages[-2])):
        return None
    page = document.pages[-1]._page_box
    used = max(last.values()) - page.content_box_y()
    return first if used < MOSTLY_EMPTY * page.height else None


def part_key(html: str, *, tagged: bool = True, may_trim: bool = False) -> str:
    material = f"{RENDERER_VERSION}|{weasyprint.__version__}|{tagged}|{may_trim}|{html}"
    return hashlib.sha256(material.encode()).hexdigest()


def _signature(payload: bytes) -> bytes:
    return salted_hmac("reporting.pdf.part", payload, algorithm="sha256").digest()


def cache_load(key: str) -> Part | None:
    """A cached part, if there is one and it carries our signature (else None)."""
    data = storage.part_read(key)
    if data is None:
        return None
    signature, payload = data[:32], data[32:]
    if not constant_time_compare(signature, _signature(payload)):
        logger.warning("Ignoring a cached PDF part with a bad signature: %s", key)
        return None
    # Only parts signed with this deployment's SECRET_KEY get here.
    return pickle.loads(payload)  # noqa: S301


def cache_store(key: str, part: Part) -> None:
    payload = pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL)
    storage.part_write(key, _signature(payload) + payload)


# What to render: the HTML and whether to tag it (footer kits are not tagged).
Source = tuple[str, bool]


# The footer kit: "Page X of Y" drawn from pieces WeasyPrint rendered once ------------------
FOOTER_TOKENS = ["Page ", " of ", *"0123456789"]
FOOTER_HEIGHT_MM = 6
FOOTER_BOTTOM_PT = 5 / 25.4 * 72
FOOTER_SIDE_PT = 12 / 25.4 * 72


@dataclass
class FooterKit:
    """Footer pieces as Form XObjects: x offset and width of each, in PDF points."""

    part: Part
    offsets: list[float]
    widths: list[float]


def footer_kit_source(left: str) -> Source:
    """The kit to render (untagged: its pieces are drawn as artifacts)."""
    html = render_to_string(
        "reporting/pdf/footer_kit.html",
        {"tokens": [left, *FOOTER_TOKENS], "height": FOOTER_HEIGHT_MM},
    )
    return html, False


def footer_kit(part: Part) -> FooterKit:
    """Measure the rendered kit: where each piece starts and how wide it is."""
    offsets, widths = [], []
    for index, anchors in enumerate(part.anchors):
        start, end = anchors[f"s{index}"][0], anchors.get(f"e{index}", anchors[f"s{index}"])[0]
        offsets.append(start * 0.75)
        widths.append((end - start) * 0.75)
    return FooterKit(part=part, offsets=offsets, widths=widths)


# Joining parts into one PDF -------------------------------------------------------------------
class _Writer:
    """Numbers and collects PDF objects, then writes the file (classic xref table)."""

    def __init__(self):
        self.bodies: dict[int, bytes] = {}
        self.count = 0

    def reserve(self) -> int:
        self.count += 1
        return self.count

    def put(self, number: int, body: bytes) -> None:
        self.bodies[number] = body

    def add(self, body: bytes) -> int:
        number = self.reserve()
        self.put(number, body)
        return number

    def output(self, *, root: int, info: int) -> bytes:
        out = bytearray(b"%PDF-1.7\n%\xf0\x9f\x96\xa4\n")
        offsets = []
        for number in range(1, self.count + 1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % number + self.bodies[number] + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (self.count + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        identifier = hashlib.md5(bytes(out), usedforsecurity=False).hexdigest().encode()
        out += b"trailer\n<</Size %d /Root %d 0 R /Info %d 0 R /ID [<%s><%s>]>>\n" % (
            self.count + 1,
            root,
            info,
            identifier,
            identifier,
        )
        out += b"startxref\n%d\n%%%%EOF\n" % xref
        return bytes(out)


def _ref(number: int) -> bytes:
    return b"%d 0 R" % number


def _stream(header: dict, body: bytes) -> bytes:
    header = pydyf.Dictionary(header | {"Length": len(body)})
    return header.data + b"\nstream\n" + body + b"\nendstream"


class _Join:
    """State of one join: the writer, the catalogue-level objects, running offsets."""

    def __init__(self, parts: list[Part], kit: FooterKit):
        self.parts, self.kit = parts, kit
        self.total = sum(part.page_count for part in parts)
        self.writer = _Writer()
        reserve = self.writer.reserve
        self.catalog, self.pages_root, self.struct_root = reserve(), reserve(), reserve()
        self.parent_tree, self.document, self.outlines = reserve(), reserve(), reserve()
        self.page_refs: list[bytes] = []
        self.document_kids: list[bytes] = []
        self.parent_nums: list[bytes] = []
        self.outline_count = 0
        self.outline_first: int | None = None
        self.outline_last: tuple | None = None
        self.metadata: int | None = None
        self.forms = self._add_kit()
        self.save_restore = (self.writer.add(_stream({}, b"q")), self.writer.add(_stream({}, b"Q")))

    def _add_kit(self) -> list[int]:
        """The kit's pages become Form XObjects; its page dictionaries are dropped."""
        part = self.kit.part
        pages = {number: part.live[number] for number in part.pages}
        mapping = self._numbers(part, skip=set(pages))
        renumber = self._renumberer(mapping)
        contents = {_local(page["Contents"]): page for page in pages.values()}
        for number, obj in part.objects.items():
            page = contents.get(number)
            if page is None:
                self._put(mapping[number], obj, renumber)
                continue
            header = {
                "Type": "/XObject",
                "Subtype": "/Form",
                "BBox": page["MediaBox"],
                "Resources": page["Resources"],
                "Filter": "/FlateDecode",
            }
            self.writer.put(mapping[number], renumber(_stream(header, obj[1])))
        for number, obj in part.live.items():
            if number not in pages:
                self.writer.put(mapping[number], renumber(obj.data))
        return [mapping[_local(pages[number]["Contents"])] for number in part.pages]

    def _numbers(self, part: Part, skip: set[int]) -> dict[int, int]:
        """Part-local object numbers to numbers in the joined file.

        The part's page tree, structure tree root, document element, parent tree
        and outline root map to the joined file's own, so the references to them
        (a page's /Parent, an element's /P, a bookmark's /Parent) follow.
        """
        mapping = {
            part.special["pages"]: self.pages_root,
            part.special.get("struct_root"): self.struct_root,
            part.special.get("document"): self.document,
            part.special.get("parent_tree"): self.parent_tree,
            part.special.get("outlines"): self.outlines,
        }
        for number in (*part.objects, *part.live):
            if number not in skip:
                mapping[number] = self.writer.reserve()
        return mapping

    @staticmethod
    def _renumberer(mapping: dict[int, int]):
        def substitute(match: re.Match) -> bytes:
            return b"%d 0 R" % mapping[int(match[1])]

        return lambda data: _MARK.sub(substitute, data)

    def _put(self, number: int, obj, renumber) -> None:
        if isinstance(obj, tuple):
            header, body = obj
            self.writer.put(number, renumber(header) + b"\nstream\n" + body + b"\nendstream")
        else:
            self.writer.put(number, renumber(obj))

    def add_part(self, part: Part, first_page: int, *, keep_metadata: bool) -> None:
        metadata = part.special.get("metadata")
        skip = set() if keep_metadata or metadata is None else {metadata}
        mapping = self._numbers(part, skip)
        renumber = self._renumberer(mapping)
        for number, obj in part.objects.items():
            if number not in skip:
                self._put(mapping[number], obj, renumber)
        if keep_metadata and metadata in mapping:
            self.metadata = mapping[metadata]
        edited = dict(part.live)
        for number in {_local(edited[page]["Resources"]) for page in part.pages}:
            edited[number] = self._with_footer_forms(edited[number])
        for index, number in enumerate(part.pages):
            edited[number] = self._page(edited[number], first_page + index)
        if part.outline:
            self._link_outline(part.outline, edited, mapping, renumber)
        for number, obj in edited.items():
            self.writer.put(mapping[number], renumber(obj.data))
        self.page_refs += [_ref(mapping[number]) for number in part.pages]
        self.document_kids += [renumber(kid) for kid in part.document_kids]
        for key, value in part.parent_tree:
            self.parent_nums.append(b"%d %s" % (first_page + key, renumber(value)))

    def _with_footer_forms(self, resources: pydyf.Dictionary) -> pydyf.Dictionary:
        resources = pydyf.Dictionary(resources)
        xobjects = pydyf.Dictionary(resources.get("XObject") or {})
        for index, form in enumerate(self.forms):
            xobjects[f"RPfoot{index}"] = _ref(form)
        resources["XObject"] = xobjects
        return resources

    def _page(self, page: pydyf.Dictionary, index: int) -> pydyf.Dictionary:
        """The page with its new place in the structure tree and its footer.

        The footer is drawn after the page's own content (so text extraction reads
        it last), which is wrapped in q/Q so it starts again from the page's origin.
        """
        page = pydyf.Dictionary(page)
        if "StructParents" in page:
            page["StructParents"] = index
        footer = self.writer.add(_stream({}, self._footer(index + 1, page["MediaBox"])))
        save, restore = self.save_restore
        page["Contents"] = pydyf.Array([_ref(save), page["Contents"], _ref(restore), _ref(footer)])
        return page

    def _footer(self, number: int, media_box) -> bytes:
        """Content stream drawing the footer of page `number` as a pagination artifact."""
        width = float(media_box[2]) - float(media_box[0])
        kit = self.kit
        tokens = [1] + [FOOTER_TOKENS.index(d) + 1 for d in str(number)]
        tokens += [2] + [FOOTER_TOKENS.index(d) + 1 for d in str(self.total)]
        x = width - FOOTER_SIDE_PT - sum(kit.widths[t] for t in tokens)
        placed = [(0, FOOTER_SIDE_PT)]
        for token in tokens:
            placed.append((token, x))
            x += kit.widths[token]
        operations = [b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC"]
        for token, left in placed:
            dx, dy = left - kit.offsets[token], FOOTER_BOTTOM_PT
            operations.append(b"q 1 0 0 1 %.2f %.2f cm /RPfoot%d Do Q" % (dx, dy, token))
        operations.append(b"EMC")
        return b"\n".join(operations)

    def _link_outline(self, outline, edited, mapping, renumber) -> None:
        """Chain this part's top-level bookmarks after the previous part's."""
        first, last, count = outline
        self.outline_count += count
        if self.outline_last is None:
            self.outline_first = mapping[first]
        else:
            number, item, previous_renumber = self.outline_last
            item = pydyf.Dictionary(item)
            item["Next"] = _ref(mapping[first])
            self.writer.put(number, previous_renumber(item.data))
            edited[first] = pydyf.Dictionary(edited[first])
            edited[first]["Prev"] = _ref(number)
        self.outline_last = (mapping[last], edited[last], renumber)

    def finish(self) -> bytes:
        writer = self.writer
        writer.put(
            self.pages_root,
            b"<</Type /Pages /Kids [%s] /Count %d>>" % (b" ".join(self.page_refs), self.total),
        )
        writer.put(
            self.struct_root,
            b"<</Type /StructTreeRoot /K [%s] /ParentTree %s /ParentTreeNextKey %d>>"
            % (_ref(self.document), _ref(self.parent_tree), self.total),
        )
        writer.put(self.parent_tree, b"<</Nums [%s]>>" % b" ".join(self.parent_nums))
        writer.put(
            self.document,
            b"<</Type /StructElem /S /Document /P %s /K [%s]>>"
            % (_ref(self.struct_root), b" ".join(self.document_kids)),
        )
        catalog = [
            b"/Type /Catalog",
            b"/Pages " + _ref(self.pages_root),
            b"/StructTreeRoot " + _ref(self.struct_root),
            b"/MarkInfo <</Marked true>>",
            b"/ViewerPreferences <</DisplayDocTitle true>>",
            b"/Lang " + self.parts[0].lang,
        ]
        if self.outline_first is not None:
            writer.put(
                self.outlines,
                b"<</Count %d /First %s /Last %s>>"
                % (self.outline_count, _ref(self.outline_first), _ref(self.outline_last[0])),
            )
            catalog += [b"/Outlines " + _ref(self.outlines), b"/PageMode /UseOutlines"]
        else:
            writer.put(self.outlines, b"<<>>")
        if self.metadata:
            catalog.append(b"/Metadata " + _ref(self.metadata))
        writer.put(self.catalog, b"<<" + b" ".join(catalog) + b">>")
        info = writer.add(self.parts[0].info)
        return writer.output(root=self.catalog, info=info)


def join_parts(parts: list[Part], kit: FooterKit) -> bytes:
    """One PDF from parts rendered apart: pages, structure, bookmarks, "Page X of Y"."""
    parts = [part for part in parts if part.pages]  # a part all handed on to the next
    join = _Join(parts, kit)
    first_page = 0
    for index, part in enumerate(parts):
        join.add_part(part, first_page, keep_metadata=index == 0)
        first_page += part.page_count
    return join.finish()


@dataclass(frozen=True)
class PartJob:
    """One document to render for a pack: a part (or the footer kit) and its cache key."""

    html: str
    tagged: bool = True
    may_trim: bool = False

    @property
    def key(self) -> str:
        return part_key(self.html, tagged=self.tagged, may_trim=self.may_trim)

    def render(self) -> Part:
        return render_part(self.html, tagged=self.tagged, may_trim=self.may_trim)


def load_or_render(job: PartJob, *, cache: bool = True) -> Part:
    """The job's part from the cache, or rendered now (and kept in the cache)."""
    part = cache_load(job.key) if cache else None
    return part or _render_into_cache(job, cache=cache)


def _render_into_cache(job: PartJob, *, cache: bool) -> Part:
    part = job.render()
    if cache:
        cache_store(job.key, part)
    return part


def footer_job(pack: BoardPack) -> PartJob:
    html, tagged = footer_kit_source(footer_text(pack.title, pack.as_at, pack.public))
    return PartJob(html, tagged=tagged)


def render_processes() -> int:
    """How many worker processes a cold pack may render on (`REPORT_RENDER_PROCESSES`,
    else one per core this process may use)."""
    configured = getattr(settings, "REPORT_RENDER_PROCESSES", None)
    return max(1, configured or os.process_cpu_count() or 1)


class _Ahead:
    """The parts of a walk, rendered ahead in forked worker processes.

    Each part has a best guess of where it starts: where the part before it hands
    over, as far as that one is known (from the cache, or rendered at its own best
    guess), else that part's usual end (`part_spans`). The workers always take the
    lowest part whose guess is neither rendered nor being rendered, so they work
    along the pack as the walk does; when a part turns out to hand rows on, the next
    part's guess moves at once and that part is rendered at its new start as soon as
    a worker is free, without waiting for the walk to reach it. A part rendered at a
    start that proved wrong is dropped. Guesses (each a part's HTML) are made as the
    workers need them, so the first part is rendering while this process writes the
    HTML of the others.

    Workers are forked when the first part is sent, and only if `processes` is 2 or
    more and the pack has `PARALLEL_MIN_PARTS` parts: they start at once with Django
    and WeasyPrint imported, only render strings (no database) and leave without
    closing anything they inherited. This process only joins, which keeps its memory
    low. A process that runs other threads is never forked (the child could deadlock
    on a lock one of them held): there, and for a small pack, the parts are rendered
    here, in turn.
    """

    def __init__(self, spans, job_at, cached, processes: int):
        self.spans, self.job_at, self.cached = spans, job_at, cached
        self.guess = [0]  # the first part's is sure; the others' are made as needed
        self.jobs: dict[tuple[int, int], PartJob] = {}
        self.done: dict[tuple[int, int], tuple[Part, bool]] = {}  # (part, rendered here)
        self.absent: set[tuple[int, int]] = set()  # not in the cache
        self.running: dict[Future, tuple[int, int]] = {}
        self.pool = None
        self.slots = min(processes, len(spans))
        if processes < 2 or len(spans) < PARALLEL_MIN_PARTS or not _single_threaded():
            self.slots = 0

    def part(self, index: int, start: int) -> tuple[PartJob, Part, bool]:
        """The `index`th part at its real `start`, as (job, part, rendered now)."""
        while len(self.guess) <= index:
            self._guess_next()
        if self.guess[index] != start:
            self._guess(index, start)
        key = (index, start)
        self._fill()  # keep the workers busy while this process stores and joins
        while not self._known(key):
            if not self.running:  # no workers: render it here
                self._rendered(key, self.job(key).render())
                break
            finished, _ = wait(self.running, return_when=FIRST_COMPLETED)
            for future in finished:
                self._rendered(self.running.pop(future), future.result())
            self._fill()
        part, rendered = self.done[key]
        return self.job(key), part, rendered

    def job(self, key: tuple[int, int]) -> PartJob:
        if key not in self.jobs:
            self.jobs[key] = self.job_at(*key)
        return self.jobs[key]

    def _known(self, key: tuple[int, int]) -> bool:
        if key in self.done:
            return True
        if key in self.absent:
            return False
        part = self.cached(self.job(key))
        if part is None:
            self.absent.add(key)
            return False
        self.done[key] = (part, False)
        return True

    def _next_start(self, index: int, start: int, part: Part) -> int:
        return self.spans[index][1] if part.kept_rows is None else start + part.kept_rows

    def _guess_next(self) -> None:
        """The next part's first guess: after the last guessed one, if it is known."""
        index = len(self.guess) - 1
        key = (index, self.guess[index])
        known = self._known(key)
        self.guess.append(
            self._next_start(*key, self.done[key][0]) if known else self.spans[index][1]
        )

    def _guess(self, index: int, start: int) -> None:
        """Part `index` starts at `start` as far as is known; so, perhaps, do the next."""
        while True:
            self.guess[index] = start
            if index + 1 >= len(self.guess) or not self._known((index, start)):
                return
            part = self.done[index, start][0]
            index, start = index + 1, self._next_start(index, start, part)

    def _rendered(self, key: tuple[int, int], part: Part) -> None:
        self.done[key] = (part, True)
        index, start = key
        if self.guess[index] == start and index + 1 < len(self.guess):
            self._guess(index + 1, self._next_start(index, start, part))

    def _fill(self) -> None:
        """Send the lowest parts still to render to the free workers."""
        index = 0
        while len(self.running) < self.slots and index < len(self.spans):
            if index == len(self.guess):
                self._guess_next()
            key = (index, self.guess[index])
            if not self._known(key) and key not in self.running.values():
                if self.pool is None:
                    self.pool = ProcessPoolExecutor(
                        max_workers=self.slots, mp_context=get_context("fork")
                    )
                self.running[self.pool.submit(render_part_job, self.job(key))] = key
            index += 1

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _single_threaded() -> bool:
    """No other thread runs in this process: Python's, or one a C library started
    (Linux lists every thread in /proc; elsewhere only Python's are known)."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return threading.active_count() == 1


def render_part_job(job: PartJob) -> Part:
    return job.render()


def walk_pack(
    pack: BoardPack,
    rows_per_part: int | None = None,
    *,
    cache: bool = True,
    render: bool = True,
    processes: int | None = None,
):
    """Each part of the pack in order, as (job, part): from the cache, or rendered now.

    A part whose mostly empty last page was left off (`Part.kept_rows`) hands the rows
    of that page to the next part, so each part's HTML is known for sure only once the
    one before it is rendered. The walk therefore renders the missing parts ahead, in
    worker processes (`_Ahead`), each at its best guess of its start, and moves a
    guess (and renders that part again) as soon as the part before it is found to
    hand rows on. With `render=False` the walk stops at the first part not in
    the cache, as (job, None): the worker renders that one next (`reporting.prerender`).
    """
    spans = part_spans(pack, rows_per_part)

    def job_at(index: int, start: int) -> PartJob:
        html = part_html(pack, start, spans[index][1], first=index == 0)
        return PartJob(html, may_trim=index < len(spans) - 1)

    def cached(job: PartJob) -> Part | None:
        return cache_load(job.key) if cache else None

    if not render:
        start = 0
        for index, (_, end) in enumerate(spans):
            job = job_at(index, start)
            part = cached(job)
            yield job, part
            if part is None:
                return
            start = end if part.kept_rows is None else start + part.kept_rows
        return
    ahead = _Ahead(spans, job_at, cached, processes or render_processes())
    try:
        start = 0
        for index, (_, end) in enumerate(spans):
            job, part, rendered = ahead.part(index, start)
            if rendered and cache:
                cache_store(job.key, part)
            yield job, part
            start = end if part.kept_rows is None else start + part.kept_rows
    finally:
        ahead.close()


def render_pack_if_cached(pack: BoardPack) -> bytes | None:
    """The pack joined from the part cache, or None if any part is not cached yet."""
    parts = [part for _, part in walk_pack(pack, render=False)]
    kit = cache_load(footer_job(pack).key)
    if kit is None or parts[-1] is None:
        return None
    return join_parts(parts, footer_kit(kit))


def render_pack(
    pack: BoardPack,
    *,
    cache: bool = True,
    rows_per_part: int | None = None,
    processes: int | None = None,
) -> bytes:
    """A board pack (or exception report) as one tagged PDF, from parts, cached."""
    walk = walk_pack(pack, rows_per_part, cache=cache, processes=processes)
    parts = [part for _, part in walk]
    return join_parts(parts, footer_kit(load_or_render(footer_job(pack), cache=cache)))
