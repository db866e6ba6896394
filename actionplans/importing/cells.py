"""One spreadsheet cell to text.

The formula guard both ways (`neutralise` for exports, `restore` for imports) lives in
`actionplans.columns`, shared with the exports, and is re-exported here.
"""

import re
from datetime import date, datetime, time

from actionplans.columns import FORMULA_STARTS, QUOTE, needs_quote, neutralise, restore  # noqa: F401

# C0 controls other than tab and newline, and DEL: PostgreSQL refuses NUL in text,
# XLSX refuses the rest. Vertical tab and form feed are Word's manual line and page
# breaks, so they become newlines rather than vanish.
_CONTROLS = {code: None for code in [*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F]}
_CONTROLS |= {0x0B: "\n", 0x0C: "\n", 0x0D: "\n"}
_UNUSUAL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


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
