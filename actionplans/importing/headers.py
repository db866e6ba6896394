"""Column headings as real plans write them -> the fields of an action.

One table, `FIELDS`, says which headings mean which field; exports print each field's
`label`, so a plan we export comes back in with every column recognised. `DERIVED`
names the columns our exports add that are worked out by the app (due date, flags...):
they are recognised and deliberately not imported.

Headings are compared after `normalise_heading` ("Lead(s)" -> "lead s", "How will we
know?" -> "how will we know"). A heading matches a field when it equals one of the
field's phrases, or starts with one of its `open_phrases` followed by more words
other than "date" ("Update September 2013" is a progress column, "RAG Q2" a RAG
column).

A heading no phrase names is guessed from its words by `guess_field` ("Proposed
action", "By whom", "Resource implications"): plans we have not seen use headings we
have not listed. Guesses are marked as such in the preview for the manager to check,
and never take a field that a named column already has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from actionplans.columns import DERIVED, LABELS, UPDATE_HEADINGS  # noqa: F401 (ours, re-exported)

# Headings are looked for in the first rows only: title rows sit above the table.
HEADER_SEARCH_ROWS = 30
# Fields a plan may give a column a quarter ("Q1 update", "Q2 update"; "RAG Q1", "RAG Q2"):
# each row's latest filled-in column is read.
REPEATABLE_FIELDS = frozenset({"progress", "rag"})


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # our own heading: what exports print and the preview offers
    phrases: tuple[str, ...]
    open_phrases: tuple[str, ...] = ()


FIELDS: tuple[Field, ...] = (
    Field(
        "ref",
        LABELS["ref"],
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
        LABELS["finding"],
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
            "area for development",
            "areas for development",
            "key findings",
            "learning point",
            "scr recommendation",
            "scr recommendations",
            "recommendation finding",
            "lesson learned",
            "lessons learned",
            "strategic priority",
            "strategic priorities",
            "priorities",
        ),
    ),
    Field("priority", LABELS["priority"], ("priority", "priority level", "timescale priority")),
    Field(
        "theme",
        LABELS["theme"],
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
        LABELS["objective"],
        (
            "objective",
            "objectives",
            "outcome",
            "outcomes",
            "intended outcome",
            "aim",
            "aims",
            "strategic objective",
            "desired outcome",
            "desired outcomes",
            "outcome required",
            "expected outcome",
        ),
    ),
    Field(
        "text",
        LABELS["text"],
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
            "proposed action",
            "proposed actions",
            "what will we do",
            "what will be done",
            "actions agreed",
            "recommended action",
            "strategic intent",
            "strategic intent and actions",
            "strategic intents and actions",
        ),
    ),
    Field(
        "answers",
        LABELS["answers"],
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
        LABELS["lead_agency"],
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
        LABELS["lead"],
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
            "lead officer s",
            "lead manager",
            "accountable lead",
            "accountable officer",
            "by whom",
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
        LABELS["subgroup"],
        (
            "enabling subgroup",
            "enabling subgroup or team",
            "subgroup",
            "sub group",
            "responsible subgroup",
            "subgroup responsible",
            "sub group responsible",
            "enabling group",
        ),
    ),
    Field(
        "evidence",
        LABELS["evidence"],
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
            "intended impact",
            "success measure",
            "measures of success",
            "how will we know it has made a difference",
            "how will we measure success",
            "outcome measure",
            "outcome measures",
        ),
    ),
    Field(
        "resources",
        LABELS["resources"],
        (
            "resources",
            "resource",
            "resources required",
            "resource implications",
            "budget",
            "cost",
            "costs",
        ),
    ),
    Field(
        "kpis",
        LABELS["kpis"],
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
        LABELS["target"],
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
            "target completion date",
            "target date for completion",
            "timeframe",
            "timescale for completion",
        ),
        open_phrases=("target date", "timescale", "by when", "deadline"),
    ),
    Field(
        "rag",
        LABELS["rag"],
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
    # A status given by ticks: a column a status ("Achieved", "On target"), each cell ✓
    # or empty. Found by its cells (`pipeline.columns`), or chosen by the manager.
    Field("tick", LABELS["tick"], ("status ticked a column a status",)),
    Field(
        "progress",
        LABELS["progress"],
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
            "status update",
            "update on progress",
            "progress and impact",
        ),
        open_phrases=("progress", "update", "progress update", "comments"),
    ),
    Field("next_steps", LABELS["next_steps"], ("future actions", "next steps", "further actions")),
    Field(
        "progress_as_at",
        LABELS["progress_as_at"],
        ("progress as at", "as at", "date of update", "update date", "date updated"),
    ),
)

FIELDS_BY_KEY = {field.key: field for field in FIELDS}

_NON_WORD_RE = re.compile(r"[^a-z0-9]+")


def normalise_heading(value: object) -> str:
    """Lower-case words and digits only: "Lead(s)" -> "lead s", "By when?" -> "by when",
    "#" -> "no"."""
    text = str(value or "").casefold().replace("&", " and ").replace("#", " no ")
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
        # "Update September 2013" is progress; "Update date" is not: it is guessed.
        if heading.startswith(phrase + " ") and "date" not in heading[len(phrase) :].split():
            return key
    return None


def is_derived_heading(value: object) -> bool:
    return normalise_heading(value) in _DERIVED_EXACT


# Guessing a heading from its words --------------------------------------------------------
# Rules are tried in order and the first whose words the heading holds wins; `unless`
# words stop a rule. A field of None means "recognised as not ours" (a completion date
# is not the target date). Longer texts are not headings: they are never guessed.
GUESS_MAX_WORDS = 8


@dataclass(frozen=True)
class Clue:
    key: str | None
    words: frozenset[str]
    unless: frozenset[str] = frozenset()
    needs: frozenset[str] = frozenset()  # and one of these too, when given


def _clue(key, words, unless=(), needs=()) -> Clue:
    return Clue(key, frozenset(words.split()), frozenset(unless), frozenset(needs))


_REF_WORDS = "no number num ref reference id"
_REVIEW_WORDS = ("scr", "review", "case", "lcspr", "cspr", "jtai", "inspection", "audit", "dhr")
_PERSON_WORDS = ("officer", "person", "manager", "who", "whom", "named", "contact")
_FINDING_WORDS = (
    "recommendation", "finding", "issue", "learning", "lesson", "concern", "weakness", "gap",
    "rec",
)  # fmt: skip
# "Inspection recommendation no." numbers the plan's own rows.
_OWN_REF_WORDS = ("recommendation", "rec", "finding", "action", "item")
CLUES: tuple[Clue, ...] = (
    _clue(None, "completed actual", needs=("date", "completed")),
    _clue(None, "review", needs=("date",)),
    _clue("progress_as_at", "date", needs=("update", "progress")),
    _clue("answers", _REF_WORDS, unless=_OWN_REF_WORDS, needs=_REVIEW_WORDS),
    _clue("ref", _REF_WORDS),
    _clue("rag", "rag brag rating red amber green"),
    _clue("progress", "progress update position comment commentary narrative achieved"),
    _clue("rag", "status"),
    _clue("next_steps", "next further future"),
    _clue("kpis", "kpi kpis indicator performance metric"),
    _clue("evidence", "evidence impact success know difference assurance measure measurement"),
    _clue("resources", "resource budget cost funding finance"),
    _clue("lead_agency", "agency organisation organization partner service", unless=_PERSON_WORDS),
    _clue("lead", "lead responsible responsibility owner accountable " + " ".join(_PERSON_WORDS)),
    _clue("target", "timescale timeframe deadline target due date when timing completion"),
    _clue("subgroup", "subgroup group committee panel"),
    # "Recommendation / action": one column for both, the recommendations as its parent
    # rows ("1", then "1.1", "1.2"): the actions' column.
    _clue("text", "action", needs=_FINDING_WORDS),
    _clue("finding", " ".join(_FINDING_WORDS)),
    _clue("answers", " ".join(_REVIEW_WORDS) + " source"),
    _clue("objective", "objective outcome aim goal purpose"),
    _clue("theme", "theme workstream strand area"),
    _clue("text", "action task activity what how intervention proposal step do"),
)


def _stem(word: str) -> str:
    """Plural to singular, roughly: "actions" -> "action", "agencies" -> "agency"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def names_findings(value: object) -> bool:
    """Whether a heading names findings: "Rec No", "Recommendation / action"."""
    return not set(normalise_heading(value).split()).isdisjoint(_FINDING_WORDS)


def guess_field(value: object) -> str | None:
    """The field a heading no phrase names probably means, from its words; or None."""
    heading = normalise_heading(value)
    words = heading.split()
    if not words or len(words) > GUESS_MAX_WORDS or heading in _DERIVED_EXACT:
        return None
    found = set(words) | {_stem(word) for word in words}
    for clue in CLUES:
        if found & clue.words and not found & clue.unless:
            if clue.needs and not found & clue.needs:
                continue
            return clue.key
    return None
