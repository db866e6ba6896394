"""Step 7: match agencies, reviews and statuses: what the cells name -> the board's
agencies and reviews, and our RAG.

- A lead cell names one of the board's agencies by its name or short name, whole
  words only (`AgencyMatcher`). One that names none is listed for the manager, with the
  board's one agency of the kind its words name as a suggestion ("DCI Jones": police).
- An answers cell ("K,O,P", "Case L; Case M", "All") names the board's reviews
  (`citations`); names of no review are listed, never invented. "All" cites every
  review the file names anywhere.
- A status cell reads through the file's keys and the plan's legend (`key.Key.rag`);
  words we do not know are listed. A status cell written "Green – On track" gives the
  plan's words for green, when no key gave them first.
"""

from __future__ import annotations

from dataclasses import dataclass

from actionplans.models import Agency, AgencyKind
from reviews.models import Board

from ..citations import ReviewMatcher, read_citations
from ..headers import normalise_heading
from ..preview import ParsedAction
from ..statuses import legend_meaning
from ..vocabulary import AGENCY_KIND_WORDS
from .columns import Columns
from .key import Key
from .rows import Rows


@dataclass(frozen=True)
class Matches:
    """What could not be matched, and the plan's legend as the file gives it."""

    unknown_agencies: dict[str, list[int]]
    suggested_agencies: dict[str, Agency | None]
    unknown_reviews: dict[str, list[int]]
    unknown_statuses: dict[str, list[int]]
    legend: dict[str, str]


def match_rows(rows: Rows, *, board: Board, columns: Columns, key: Key) -> Matches:
    """Give each action its RAG, lead agency and cited reviews (on the actions)."""
    agencies = AgencyMatcher(board)
    reviews = ReviewMatcher(board) if "answers" in columns.mapped else None
    unknown_agencies: dict[str, list[int]] = {}
    suggested: dict[str, Agency | None] = {}
    unknown_reviews: dict[str, list[int]] = {}
    unknown_statuses: dict[str, list[int]] = {}
    legend_words = list(key.legend_words)
    for read in rows.read:
        action = read.action
        if read.status is not None:
            action.status_word = read.status
            action.rag = key.rag(read.status, row=action.row)
            if action.rag is None:
                unknown_statuses.setdefault(read.status, []).append(action.row)
            meaning = legend_meaning(read.status)
            if meaning:
                legend_words.append((action.row, meaning[0].value, meaning[1]))
        if reviews is not None and read.answers:
            _cite(action, read.answers, reviews, unknown_reviews)
        if action.agency_name:
            action.agency = agencies.match(action.agency_name)
            if action.agency is None:
                unknown_agencies.setdefault(action.agency_name, []).append(action.row)
                if action.agency_name not in suggested:
                    suggested[action.agency_name] = agencies.suggest(action.agency_name)
    _cite_all(rows.actions)
    if key.rows:
        unknown_statuses = _reread_statuses(rows.actions, key, unknown_statuses)
    legend: dict[str, str] = {}
    for _row, status, words in sorted(legend_words, key=lambda learnt: learnt[0]):
        legend.setdefault(status, words)
    return Matches(unknown_agencies, suggested, unknown_reviews, unknown_statuses, legend)


def _reread_statuses(
    actions: list[ParsedAction], key: Key, unknown: dict[str, list[int]]
) -> dict[str, list[int]]:
    """Statuses read before a key under the table are read again with its words."""
    for action in actions:
        if action.rag is None:
            action.rag = key.rag(action.status_word)
            if action.rag is not None:
                rows = unknown.get(action.status_word, [])
                if action.row in rows:
                    rows.remove(action.row)
    return {word: rows for word, rows in unknown.items() if rows}


def _cite(
    action: ParsedAction, text: str, reviews: ReviewMatcher, unknown: dict[str, list[int]]
) -> None:
    names, action.cites_all = read_citations(text)
    for name in names:
        review = reviews.match(name)
        if review is None:
            unknown.setdefault(name, []).append(action.row)
        elif all(review != cited for cited, _note in action.cited):
            action.cited.append((review, ""))


def _cite_all(actions: list[ParsedAction]) -> None:
    """ "All" cites every review the file names anywhere, as "All"."""
    named = list(dict.fromkeys(review for action in actions for review, _ in action.cited))
    for action in actions:
        if action.cites_all:
            already = {review for review, _note in action.cited}
            action.cited += [(review, "All") for review in named if review not in already]


def kinds_named(text: str) -> set[str]:
    """The kinds of agency a lead's words name ("DCI Jones, Constabulary": police)."""
    padded = f" {normalise_heading(text)} "
    return {
        kind
        for kind, words in AGENCY_KIND_WORDS.items()
        if any(f" {word} " in padded for word in words)
    }


def guess_kind(name: str) -> str:
    """The kind of a new agency, from its name: the one kind its words name, else Other."""
    kinds = kinds_named(name)
    return kinds.pop() if len(kinds) == 1 else AgencyKind.OTHER


class AgencyMatcher:
    """Finds a board's agency in a lead cell: by name or short name, whole words only.

    An exact match wins; otherwise the agency named earliest in the cell (the longest
    name at that place: "Public Health" before "Health"), as the seed plans' leads
    were mapped by hand.

    A lead that names no agency may still say its kind ("DCI Jones, Police", "Named
    Nurse"): `suggest` offers the board's one agency of that kind, for the manager to
    confirm. It never links by itself.
    """

    def __init__(self, board: Board) -> None:
        self.names: dict[str, Agency] = {}
        by_kind: dict[str, list[Agency]] = {}
        for agency in Agency.objects.filter(board=board).order_by("short_name"):
            for name in (agency.short_name, agency.name):
                self.names.setdefault(normalise_heading(name), agency)
            by_kind.setdefault(agency.kind, []).append(agency)
        self.names.pop("", None)
        self.only_of_kind = {kind: found[0] for kind, found in by_kind.items() if len(found) == 1}
        self._cache: dict[str, Agency | None] = {}

    def suggest(self, text: str) -> Agency | None:
        """The board's only agency of the one kind the lead's words name, if any."""
        kinds = kinds_named(text)
        return self.only_of_kind.get(kinds.pop()) if len(kinds) == 1 else None

    def match(self, text: str) -> Agency | None:
        if text not in self._cache:
            self._cache[text] = self._match(normalise_heading(text))
        return self._cache[text]

    def _match(self, words: str) -> Agency | None:
        if not words:
            return None
        if words in self.names:
            return self.names[words]
        padded = f" {words} "
        found = [
            (position, -len(name), agency)
            for name, agency in self.names.items()
            if (position := padded.find(f" {name} ")) >= 0
        ]
        return min(found, key=lambda hit: hit[:2])[2] if found else None
