"""The words real plans use, as data, in one place; the patterns that read them are
built from these lists here, so that a word another board writes is added once.

- `FINDING_HEADING_WORDS`: what starts a finding's heading ("Recommendation 2: ...");
- `THEME_WORDS`: what may start a theme's heading ("Theme 3. Voice of the child");
- `AGENCY_KIND_WORDS`: the words that say what kind of agency a lead is ("DCI Jones");
- `ALL_REVIEWS_WORDS`: an answers cell citing every review ("All SCRs").

Column headings (`headers.FIELDS`, `headers.CLUES`) and status words
(`statuses.STATUS_WORDS`) are data too, in their own modules beside the rules that
read them.
"""

from __future__ import annotations

import re

from actionplans.models import RAG, AgencyKind
from reviews.models import FindingKind

# ------------------------------------------------------------------ column headings

# Field -> the headings (compared normalised: "Lead(s)" is "lead s") that name it. Our
# own exports' headings (`actionplans.columns.LABELS`) are recognised too.
HEADING_PHRASES: dict[str, tuple[str, ...]] = {
    "ref": (
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
    "finding": (
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
    "priority": (
        "priority",
        "priority level",
        "timescale priority",
    ),
    "theme": (
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
    "objective": (
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
    "text": (
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
    "answers": (
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
    "lead_agency": (
        "lead agency",
        "responsible agency",
        "agency",
        "lead organisation",
        "organisation",
        "lead agencies",
    ),
    "lead": (
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
    "subgroup": (
        "enabling subgroup",
        "enabling subgroup or team",
        "subgroup",
        "sub group",
        "responsible subgroup",
        "subgroup responsible",
        "sub group responsible",
        "enabling group",
    ),
    "evidence": (
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
    "resources": (
        "resources",
        "resource",
        "resources required",
        "resource implications",
        "budget",
        "cost",
        "costs",
    ),
    "kpis": (
        "kpis",
        "kpi",
        "key performance indicators",
        "performance indicators",
        "how measured",
        "how measured kpis",
        "measures",
    ),
    "target": (
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
    "rag": (
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
    "tick": ("status ticked a column a status",),
    "progress": (
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
    "next_steps": (
        "future actions",
        "next steps",
        "further actions",
    ),
    "progress_as_at": (
        "progress as at",
        "as at",
        "date of update",
        "update date",
        "date updated",
    ),
}
# A status given by ticks ("tick"): a column a status ("Achieved", "On target"), each cell
# ✓ or empty, is found by its cells (`pipeline.columns`), or chosen by the manager.
# Field -> headings that name it followed by more words ("Update September 2013").
OPEN_HEADING_PHRASES: dict[str, tuple[str, ...]] = {
    "target": (
        "target date",
        "timescale",
        "by when",
        "deadline",
    ),
    "rag": (
        "rag",
        "brag",
        "status",
        "rag rating",
        "rag status",
    ),
    "progress": (
        "progress",
        "update",
        "progress update",
        "comments",
    ),
    # "Actions to achieve the outcome", "Actions needed to ...": the action column
    # (not when it ends "by": "Action to be taken by" names who or when)
    "text": (
        "actions to",
        "action to",
        "actions needed",
    ),
}
# The last words of a heading that make it the status column whatever it starts with:
# "Progress RAG", "Update (BRAG)", "Progress status".
RAG_HEADING_ENDINGS = ("rag", "brag", "rag status", "rag rating", "status", "rating")

# Guessing a heading no phrase names, from its words: rules are tried in order and the
# first whose words the heading holds wins; `unless` words stop a rule, and with `needs`
# one of those words must be there too. A field of None means "recognised as not ours"
# (a completion date is not the target date).
REF_WORDS = "no number num ref reference id"
REVIEW_WORDS = ("scr", "review", "case", "lcspr", "cspr", "jtai", "inspection", "audit", "dhr")
PERSON_WORDS = ("officer", "person", "manager", "who", "whom", "named", "contact")
FINDING_WORDS = (
    "recommendation", "finding", "issue", "learning", "lesson", "concern", "weakness", "gap",
    "rec",
)  # fmt: skip
# "Inspection recommendation no." numbers the plan's own rows.
OWN_REF_WORDS = ("recommendation", "rec", "finding", "action", "item")
# (field, words, unless, needs)
HEADING_CLUES: tuple[tuple[str | None, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (None, "completed actual", (), ("date", "completed")),
    (None, "review", (), ("date",)),
    ("progress_as_at", "date", (), ("update", "progress")),
    ("answers", REF_WORDS, OWN_REF_WORDS, REVIEW_WORDS),
    ("ref", REF_WORDS, (), ()),
    ("rag", "rag brag rating red amber green", (), ()),
    ("progress", "progress update position comment commentary narrative achieved", (), ()),
    ("rag", "status", (), ()),
    ("next_steps", "next further future", (), ()),
    ("kpis", "kpi kpis indicator performance metric", (), ()),
    ("evidence", "evidence impact success know difference assurance measure measurement", (), ()),
    ("resources", "resource budget cost funding finance", (), ()),
    ("lead_agency", "agency organisation organization partner service", PERSON_WORDS, ()),
    ("lead", "lead responsible responsibility owner accountable " + " ".join(PERSON_WORDS), (), ()),
    ("target", "timescale timeframe deadline target due date when timing completion", (), ()),
    ("subgroup", "subgroup group committee panel", (), ()),
    # "Recommendation / action": one column for both, the recommendations as its parent
    # rows ("1", then "1.1", "1.2"): the actions' column.
    ("text", "action", (), FINDING_WORDS),
    ("finding", " ".join(FINDING_WORDS), (), ()),
    ("answers", " ".join(REVIEW_WORDS) + " source", (), ()),
    ("objective", "objective outcome aim goal purpose", (), ()),
    ("theme", "theme workstream strand area", (), ()),
    # ("Action to be taken by", "Action required by": who or when, so no guess)
    ("text", "action task activity what how intervention proposal step do", ("by",), ()),
)

# ------------------------------------------------------------------ statuses

# Status cells as plans write them -> our RAG (`statuses.rag_for_status` reads them).
STATUS_WORDS: dict[str, RAG] = {
    # colours and their letters
    "red": RAG.RED,
    "r": RAG.RED,
    "amber": RAG.AMBER,
    "a": RAG.AMBER,
    "yellow": RAG.AMBER,
    "green": RAG.GREEN,
    "g": RAG.GREEN,
    "blue": RAG.BLUE,
    "b": RAG.BLUE,
    # words
    "on track": RAG.GREEN,
    "on target": RAG.GREEN,
    "on schedule": RAG.GREEN,
    "good progress": RAG.GREEN,
    "some slippage": RAG.AMBER,
    "slippage": RAG.AMBER,
    "minor slippage": RAG.AMBER,
    "at risk": RAG.AMBER,
    "partially complete": RAG.AMBER,
    "partially completed": RAG.AMBER,
    "behind schedule": RAG.RED,
    "behind target": RAG.RED,
    "behind": RAG.RED,
    "late": RAG.RED,
    "not on target": RAG.RED,
    "not on track": RAG.RED,
    "off track": RAG.RED,
    "off target": RAG.RED,
    "delayed": RAG.RED,
    "overdue": RAG.RED,
    "significant slippage": RAG.RED,
    "complete": RAG.BLUE,
    "completed": RAG.BLUE,
    "done": RAG.BLUE,
    "closed": RAG.BLUE,
    "achieved": RAG.BLUE,
    "finished": RAG.BLUE,
    "embedded": RAG.BLUE,
    "complete and embedded": RAG.BLUE,
    "completed and embedded": RAG.BLUE,
    "action complete": RAG.BLUE,
    "action completed": RAG.BLUE,
    "implemented": RAG.BLUE,
    "fully implemented": RAG.BLUE,
    "delivered": RAG.BLUE,
    "business as usual": RAG.BLUE,
    "bau": RAG.BLUE,
    "partially implemented": RAG.AMBER,
    "partially delivered": RAG.AMBER,
    "not implemented": RAG.RED,
    "not delivered": RAG.RED,
    "met": RAG.BLUE,
    "fully met": RAG.BLUE,
    "fully achieved": RAG.BLUE,
    "partially met": RAG.AMBER,
    "partly met": RAG.AMBER,
    "partially achieved": RAG.AMBER,
    "not met": RAG.RED,
    "not achieved": RAG.RED,
    "no progress": RAG.RED,
    "some progress": RAG.AMBER,
    "limited progress": RAG.AMBER,
    "part complete": RAG.AMBER,
    "part met": RAG.AMBER,
    "significant concerns": RAG.RED,
    "serious concerns": RAG.RED,
    "major concerns": RAG.RED,
    "some concerns": RAG.AMBER,
    "minor concerns": RAG.AMBER,
    "no concerns": RAG.GREEN,
    "not started": RAG.NOT_STARTED,
    "not yet started": RAG.NOT_STARTED,
    "not yet due": RAG.NOT_STARTED,
    "not due": RAG.NOT_STARTED,
    "slipped": RAG.AMBER,
    "slipping": RAG.AMBER,
    "not rated": RAG.NOT_RATED,
    "no status": RAG.NOT_RATED,
    "n a": RAG.NOT_RATED,
    "na": RAG.NOT_RATED,
}

# Grey means "not started" in some plans and "closed" in others: the preview asks.
COLOURS = {"red": RAG.RED, "amber": RAG.AMBER, "green": RAG.GREEN, "blue": RAG.BLUE}
# A colour written as a word or a letter, for two-colour statuses and legends.
COLOUR_WORDS = {"r": RAG.RED, "a": RAG.AMBER, "yellow": RAG.AMBER, "g": RAG.GREEN, "b": RAG.BLUE}
COLOUR_WORDS |= COLOURS

# A tick column ("Achieved", "On target"), each cell a tick or empty. "ü" is Word's tick
# in the Wingdings font, as it reads without the font.
TICKS = frozenset({"✓", "✔", "√", "☑", "✅", "🗸", "x", "yes", "y", "ü", "p"})

# ------------------------------------------------------------------ findings and themes

# A heading row's first word -> the kind of finding it starts.
FINDING_HEADING_WORDS: dict[str, str] = {
    "strategic priority": FindingKind.PRIORITY,
    "recommendation": FindingKind.RECOMMENDATION,
    "finding": FindingKind.FINDING,
    "priority": FindingKind.PRIORITY,
    "rec": FindingKind.RECOMMENDATION,
}
# A column heading naming a kind of finding, by the start of a word in it.
FINDING_KIND_STEMS: tuple[tuple[str, str], ...] = (
    ("recommend", FindingKind.RECOMMENDATION),
    ("priorit", FindingKind.PRIORITY),
)
THEME_WORDS: tuple[str, ...] = ("theme", "section")

# ------------------------------------------------------------------ agencies

# Words that say what kind of agency a lead belongs to, when its name is not written.
AGENCY_KIND_WORDS: dict[str, tuple[str, ...]] = {
    AgencyKind.POLICE: ("police", "constabulary", "dci", "det supt", "detective"),
    AgencyKind.HEALTH: ("nhs", "ccg", "icb", "hospital", "gp", "gps", "named nurse",
                        "designated nurse", "midwife", "midwifery", "paediatrician", "camhs",
                        "health visiting", "health visitor", "health visitors"),
    AgencyKind.EDUCATION: ("school", "schools", "education", "academy", "academies",
                           "college", "headteacher", "head teacher"),
    AgencyKind.PROBATION: ("probation", "crc", "nps"),
    AgencyKind.YOUTH_JUSTICE: ("yot", "yos", "youth offending", "youth justice"),
    AgencyKind.COUNCIL: ("council", "local authority", "social care", "children s services",
                         "childrens services", "early help", "social work"),
}  # fmt: skip

# ------------------------------------------------------------------ reviews

# "All", "All reviews", "All SCRs": an answers cell citing every review the file names.
ALL_REVIEWS_WORDS: tuple[str, ...] = ("reviews", "scrs", "cases", "lcsprs")


# ------------------------------------------------------------------ patterns built from them


def _alternatives(words) -> str:
    """A regex alternation of the words, longest first, spaces matching any run of them."""
    ordered = sorted(words, key=lambda word: -len(word))
    return "|".join(r"\s++".join(map(re.escape, word.split())) for word in ordered)


# Possessive quantifiers (*+) never give back what they matched: a 100,000-character
# cell cannot make these patterns backtrack.
_NUMBER = r"(?P<number>\d{1,3}[a-z]?(?:\.\d{1,3})*+)"
FINDING_HEADING_RE = re.compile(
    rf"^(?P<word>{_alternatives(FINDING_HEADING_WORDS)})\b\.?\s*+(?:no\.?|number)?\s*+[:.]?"
    rf"\s*+{_NUMBER}\b[.:)]?\s*+(?:[-\u2013\u2014:]\s*+)?(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
# "2. Neglect was not recognised", "3": a finding cell starting with its number.
NUMBERED_RE = re.compile(rf"^{_NUMBER}(?:[.:)]\s++|\s*+$)(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
THEME_RE = re.compile(
    rf"^(?:{_alternatives(THEME_WORDS)})?\s*+(?P<key>\d{{1,3}}[a-z]?)[.:)]\s++(?P<title>.+)$",
    re.IGNORECASE | re.DOTALL,
)
ALL_REVIEWS_RE = re.compile(rf"^(?:all|all (?:{'|'.join(ALL_REVIEWS_WORDS)}))$")


def colour_pattern(*, letters: bool = False) -> str:
    """The colours' names as a regex alternation ("red|amber|..."), and their letters."""
    names = "|".join(COLOURS)
    if not letters:
        return names
    return names + "|[" + "".join(word for word in COLOUR_WORDS if len(word) == 1) + "]"


def finding_kind_of_heading_word(match: re.Match) -> str:
    """The kind of finding a `FINDING_HEADING_RE` match starts."""
    return FINDING_HEADING_WORDS[" ".join(match["word"].casefold().split())]


def finding_kind_for_heading(normalised_heading: str) -> str:
    """The kind of finding a (normalised) column heading names; a finding by default."""
    for stem, kind in FINDING_KIND_STEMS:
        if stem in normalised_heading:
            return kind
    return FindingKind.FINDING
