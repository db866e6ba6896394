"""The columns a plan's spreadsheet has, shared by what writes them and what reads them.

Exports (`reporting.exports`, the offline return) print these headings; the importer
(`actionplans.importing.headers`) recognises each of them as its field, so a plan
exported comes straight back in. Neither side imports the other: both import this.

The formula guard lives here too, both ways: exports put a single quote before any
text a spreadsheet would read as a formula (OWASP's CSV-injection advice); imports take
exactly that quote off again, so a plan exported and re-imported comes back character
for character.
"""

# Our own heading for each field of an action a plan's table may hold.
LABELS: dict[str, str] = {
    "ref": "Ref",
    "finding": "Finding",
    "priority": "Priority",
    "theme": "Theme",
    "objective": "Objective",
    "text": "Action",
    "answers": "Reviews cited as written",
    "lead_agency": "Lead agency",
    "lead": "Lead as written",
    "subgroup": "Enabling subgroup",
    "evidence": "Evidence of impact",
    "resources": "Resources",
    "kpis": "KPIs",
    "target": "Target date as written",
    "rag": "RAG",
    "tick": "Status ticked (a column a status)",
    "progress": "Latest approved progress",
    "next_steps": "Future actions",
    "progress_as_at": "Progress as at",
}

# Columns our exports add that the app works out itself: recognised, never imported.
DERIVED: dict[str, str] = {
    "plan": "Plan",
    "reviews_answered": "Reviews and findings answered",
    "due_date": "Due date (worked out)",
    "original_target": "Original target (slipped from)",
    "rag_code": "RAG code",
    "flags": "Flags",
    "evidence_files": "Evidence files",
}

# Headings the update trail (exports' second sheet) uses.
UPDATE_HEADINGS: dict[str, str] = {
    "plan": "Plan",
    "ref": "Ref",
    "label": "Update",
    "as_at": "As at",
    "status": "Status",
    "rag": "RAG",
    "progress": "Progress",
    "next_steps": "Next steps",
    "author": "Author",
    "proposed_target": "Proposed target date",
    "reason": "Reason for the new target date",
}


# What Excel, LibreOffice and Google Sheets treat as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


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
