"""Column headings as real plans write them -> the fields of an action.

The words are data in `vocabulary` (`HEADING_PHRASES`, `HEADING_CLUES`); this module
reads headings with them. One table, `FIELDS`, says which headings mean which field;
exports print each field's `label`, so a plan we export comes back in with every column
recognised. `DERIVED` names the columns our exports add that are worked out by the app
(due date, flags...): they are recognised and deliberately not imported.

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

from .vocabulary import (
    FINDING_WORDS,
    HEADING_CLUES,
    HEADING_PHRASES,
    OPEN_HEADING_PHRASES,
    RAG_HEADING_ENDINGS,
)

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


FIELDS: tuple[Field, ...] = tuple(
    Field(key, LABELS[key], phrases, OPEN_HEADING_PHRASES.get(key, ()))
    for key, phrases in HEADING_PHRASES.items()
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
            rest = heading[len(phrase) :].strip()
            if key != "rag" and rest in RAG_HEADING_ENDINGS:
                return "rag"  # "Progress RAG", "Update (BRAG)"
            if key == "text" and heading.endswith((" by", " by whom")):
                continue  # "Action to be taken by": who or when, guessed
            return key
    return None


def is_derived_heading(value: object) -> bool:
    return normalise_heading(value) in _DERIVED_EXACT


# Guessing a heading from its words (`vocabulary.HEADING_CLUES`) ---------------------------
# Longer texts are not headings: they are never guessed.
GUESS_MAX_WORDS = 8


@dataclass(frozen=True)
class Clue:
    key: str | None
    words: frozenset[str]
    unless: frozenset[str] = frozenset()
    needs: frozenset[str] = frozenset()  # and one of these too, when given


def _clue(key, words, unless=(), needs=()) -> Clue:
    return Clue(key, frozenset(words.split()), frozenset(unless), frozenset(needs))


CLUES: tuple[Clue, ...] = tuple(
    _clue(key, words, unless, needs) for key, words, unless, needs in HEADING_CLUES
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
    return not set(normalise_heading(value).split()).isdisjoint(FINDING_WORDS)


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
