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

from actionplans.models import AgencyKind
from reviews.models import FindingKind

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


def finding_kind_of_heading_word(match: re.Match) -> str:
    """The kind of finding a `FINDING_HEADING_RE` match starts."""
    return FINDING_HEADING_WORDS[" ".join(match["word"].casefold().split())]


def finding_kind_for_heading(normalised_heading: str) -> str:
    """The kind of finding a (normalised) column heading names; a finding by default."""
    for stem, kind in FINDING_KIND_STEMS:
        if stem in normalised_heading:
            return kind
    return FindingKind.FINDING
