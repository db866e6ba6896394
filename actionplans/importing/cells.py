"""One spreadsheet cell to text, and the formula-injection guard both ways.

Exports put a single quote before any text a spreadsheet would read as a formula
(OWASP's CSV-injection advice); imports take exactly that quote off again, so a plan
exported and re-imported comes back character for character. Both directions live
here so they cannot drift apart.
"""

import re
from datetime import date, datetime, time

# What Excel, LibreOffice and Google Sheets treat as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"

# C0 controls other than tab and newline, and DEL: PostgreSQL refuses NUL in text,
# XLSX refuses the rest. Vertical tab and form feed are Word's manual line and page
# breaks, so they become newlines rather than vanish.
_CONTROLS = {code: None for code in [*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F]}
_CONTROLS |= {0x0B: "\n", 0x0C: "\n", 0x0D: "\n"}
_UNUSUAL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def needs_quote(text: str) -> bool:
    """Whether a spreadsheet would read `text` (or it, once a quote is taken off) as a formula.

    Text that already starts with quotes followed by a formula start is quoted too,
    which keeps `neutralise` and `restore` exact inverses.
    """
    return text.lstrip(QUOTE).startswith(FORMULA_STARTS)


def neutralise(text: str) -> str:
    """Text safe to put in a CSV or XLSX cell: never read as a formula."""
    return QUOTE + text if needs_quote(text) else text


def restore(text: str) -> str:
    """Take off the quote `neutralise` added, and only that quote."""
    if text.startswith(QUOTE) and needs_quote(text[1:]):
        return text[1:]
    return text


def clean_text(text: str) -> str:
    """Cell text as stored: line breaks kept as "\\n", control characters gone, ends trimmed."""
    if _UNUSUAL_RE.search(text):
        text = text.replace("\r\n", "\n").translate(_CONTROLS)
    return restore(text.strip())


def uk_date(value: date) -> str:
    """A spreadsheet date cell as an en-GB user saw it: "30/06/2014"."""
    return value.strftime("%d/%m/%Y")


def cell_text(value: object) -> str:
    """Any value a reader returns, as the text we store.

    Dates print day first (what Excel shows in the UK), whole numbers without ".0"
    (a ref typed as 2 is "2", not "2.0") and other numbers in their shortest form.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, datetime):
        return uk_date(value) if value.time() == time() else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return uk_date(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(str(value))


def rgb_fractions(rgb: str) -> tuple[float, float, float] | None:
    """A cell's fill colour "RRGGBB" as red, green and blue from 0 to 1; None if not hex."""
    try:
        return tuple(int(rgb[i : i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return None
