"""Column headings as real plans write them -> the fields of an action.

One table, `FIELDS`, says which headings mean which field; exports print each field's
`label`, so a plan we export comes back in with every column recognised. `DERIVED`
names the columns our exports add that are worked out by the app (due date, flags...):
they are recognised and deliberately not imported.

Headings are compared after `normalise_heading` ("Lead(s)" -> "lead s", "How will we
know?" -> "how will we know"). A heading matches a field when it equals one of the
field's phrases, or starts with one of its `open_phrases` followed by more words
("Update September 2013" is a progress column, "RAG Q2" a RAG column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Headings are looked for in the first rows only: title rows sit above the table.
HEADER_SEARCH_ROWS = 30


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # our own heading: what exports print and the preview offers
    phrases: tuple[str, ...]
    open_phrases: tuple[str, ...] = ()


FIELDS: tuple[Field, ...] = (
    Field(
        "ref",
        "Ref",
        (
            "ref",
            "refs",
            "ref no",
            "reference",
            "no",
            "number",
            "action no",
            "action number",
            "action ref",
            "item",
            "item no",
            "id",
        ),
    ),
    Field(
        "finding",
        "Finding",
        (
            "finding",
            "findings",
            "scr finding",
            "key finding",
            "review finding",
            "recommendation",
            "recommendations",
            "inspection recommendation",
            "area for improvement",
            "areas for improvement",
            "learning point",
            "strategic priority",
            "strategic priorities",
            "priorities",
        ),
    ),
    Field("priority", "Priority", ("priority", "priority level", "timescale priority")),
    Field(
        "theme",
        "Theme",
        (
            "theme",
            "themes",
            "learning theme",
            "section",
            "workstream",
            "work stream",
            "strand",
            "area",
            "area of work",
        ),
    ),
    Field(
        "objective",
        "Objective",
        (
            "objective",
            "objectives",
            "outcome",
            "outcomes",
            "intended outcome",
            "aim",
            "aims",
            "strategic objective",
        ),
    ),
    Field(
        "text",
        "Action",
        (
            "action",
            "actions",
            "key task",
            "key tasks",
            "specific action",
            "specific actions",
            "action required",
            "actions required",
            "what we will do",
            "task",
            "tasks",
            "activity",
            "agreed action",
            "agreed actions",
            "action to be taken",
            "actions to be taken",
            "recommended action",
            "strategic intent",
            "strategic intent and actions",
            "strategic intents and actions",
        ),
    ),
    Field(
        "answers",
        "Reviews cited as written",
        (
            "reviews cited as written",
            "scr ref",
            "scr refs",
            "scr reference",
            "scr",
            "review",
            "reviews",
            "source",
            "case",
            "cases",
            "answers",
        ),
    ),
    Field(
        "lead_agency",
        "Lead agency",
        (
            "lead agency",
            "responsible agency",
            "agency",
            "lead organisation",
            "organisation",
            "lead agencies",
        ),
    ),
    Field(
        "lead",
        "Lead as written",
        (
            "lead as written",
            "lead",
            "leads",
            "lead s",
            "owner",
            "owners",
            "action owner",
            "officer responsible",
            "responsible officer",
            "strategic lead",
            "lead officer",
            "lead person",
            "responsible person",
            "responsible",
            "responsibility",
            "who",
            "responsible person or agency",
            "lead responsible",
        ),
    ),
    Field(
        "subgroup",
        "Enabling subgroup",
        (
            "enabling subgroup",
            "enabling subgroup or team",
            "subgroup",
            "sub group",
            "responsible subgroup",
            "enabling group",
        ),
    ),
    Field(
        "evidence",
        "Evidence of impact",
        (
            "evidence of impact",
            "evidence",
            "how will we know",
            "and how will we know",
            "output outcome measurement",
            "outcome measurement",
            "measure of success",
            "success measures",
            "success criteria",
            "evidence of completion",
            "impact",
        ),
    ),
    Field("resources", "Resources", ("resources", "resource", "resources required", "budget")),
    Field(
        "kpis",
        "KPIs",
        (
            "kpis",
            "kpi",
            "key performance indicators",
            "performance indicators",
            "how measured",
            "how measured kpis",
            "measures",
        ),
    ),
    Field(
        "target",
        "Target date as written",
        (
            "target date as written",
            "target",
            "target date",
            "target dates",
            "timescales",
            "timescale",
            "by when",
            "timescale target",
            "deadline",
            "completion date",
            "due date",
            "due by",
            "date due",
            "when",
        ),
        open_phrases=("target date", "timescale", "by when", "deadline"),
    ),
    Field(
        "rag",
        "RAG",
        (
            "rag",
            "rag rating",
            "rag status",
            "brag",
            "brag rating",
            "brag status",
            "status",
            "current status",
            "rating",
        ),
        open_phrases=("rag", "brag", "status", "rag rating", "rag status"),
    ),
    Field(
        "progress",
        "Latest approved progress",
        (
            "latest approved progress",
            "progress",
            "action to date",
            "actions to date",
            "progress update",
            "progress to date",
            "update",
            "updates",
            "latest progress",
            "progress comments",
            "comments",
            "current position",
        ),
        open_phrases=("progress", "update", "progress update", "comments"),
    ),
    Field("next_steps", "Future actions", ("future actions", "next steps", "further actions")),
    Field("progress_as_at", "Progress as at", ("progress as at", "as at", "date of update")),
)

FIELDS_BY_KEY = {field.key: field for field in FIELDS}

# Columns our exports add that the app works out itself: recognised, never imported.
DERIVED: dict[str, str] = {
    "plan": "Plan",
    "reviews_answered": "Reviews and findings answered",
    "due_date": "Due date (worked out)",
    "original_target": "Original target (slipped from)",
    "rag_code": "RAG code",
    "flags": "Flags",
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

_NON_WORD_RE = re.compile(r"[^a-z0-9]+")


def normalise_heading(value: object) -> str:
    """Lower-case words and digits only: "Lead(s)" -> "lead s", "By when?" -> "by when"."""
    text = str(value or "").casefold().replace("&", " and ")
    return _NON_WORD_RE.sub(" ", text).strip()


_EXACT = {normalise_heading(phrase): field.key for field in FIELDS for phrase in field.phrases}
_DERIVED_EXACT = {normalise_heading(label): key for key, label in DERIVED.items()}
_OPEN = sorted(
    ((normalise_heading(phrase), field.key) for field in FIELDS for phrase in field.open_phrases),
    key=lambda pair: -len(pair[0]),
)


def field_for_heading(value: object) -> str | None:
    """The field a heading names, or None."""
    heading = normalise_heading(value)
    if not heading or heading in _DERIVED_EXACT:
        return None
    if heading in _EXACT:
        return _EXACT[heading]
    for phrase, key in _OPEN:
        if heading.startswith(phrase + " "):
            return key
    return None


def is_derived_heading(value: object) -> bool:
    return normalise_heading(value) in _DERIVED_EXACT
