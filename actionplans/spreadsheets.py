"""Text for a spreadsheet cell we write: what Excel accepts, never run as a formula.

Every XLSX this service writes (exports in `reporting`, the offline return in
`actionplans.rounds.offline`) puts its text through `xlsx_text`: control characters
XLSX refuses are dropped, text is cut to what a cell holds, and text a spreadsheet
would run as a formula gets a leading quote (`actionplans.importing.cells.neutralise`,
which the readers take off again).
"""

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from actionplans.columns import neutralise

__all__ = ["XLSX_CONTENT_TYPE", "XLSX_MAX_CELL", "neutralise", "xlsx_text"]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_CELL = 32_767  # Excel refuses longer cells


def xlsx_text(value: str) -> str:
    """Text Excel accepts: no control characters, at most 32,767 characters, no formula."""
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(text) > XLSX_MAX_CELL - 1:  # room for the quote `neutralise` may add
        text = text[: XLSX_MAX_CELL - 2] + "…"
    return neutralise(text)
