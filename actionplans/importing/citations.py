"""A composite plan's "SCR Ref" cell -> the board's reviews each action answers.

Composite plans name the reviews an action answers in a column of their own: "K,O,P",
"Case L; Case M", "M (and All)", "All". `read_citations` splits a cell into the names
it gives; `ReviewMatcher` finds each among the board's reviews, by reference ("Case
L") or by the code that ends it ("L"), as the seed composite plan was read by hand.
"All" (alone or in brackets) means every review the file names anywhere: the plan
imported in the same run decides which reviews those are.

Names that match no review are reported, never invented: the manager adds the review
and imports again, which links it.
"""

from __future__ import annotations

import re

from reviews.models import Board, Review

from .headers import normalise_heading
from .vocabulary import ALL_REVIEWS_RE

_SPLIT_RE = re.compile(r"[,;/&+\n]|\band\b", re.IGNORECASE)
_BRACKETS_RE = re.compile(r"\(([^()]{0,100})\)")
# A review's code is a short last word: "L" of "Case L", "17" of "SCR 17".
_CODE_MAX = 3


def read_citations(text: str) -> tuple[list[str], bool]:
    """The review names a cell gives, in order, and whether it cites them all."""
    cites_all = False
    for inside in _BRACKETS_RE.findall(text[:1000]):
        if re.search(r"\ball\b", inside, re.IGNORECASE):
            cites_all = True
    names = []
    for piece in _SPLIT_RE.split(_BRACKETS_RE.sub(" ", text[:1000])):
        name = " ".join(piece.split())
        if not name:
            continue
        if ALL_REVIEWS_RE.match(normalise_heading(name)):
            cites_all = True
        elif name not in names:
            names.append(name)
    return names, cites_all


class ReviewMatcher:
    """Finds the board's review a name means: its reference, or its code if unique."""

    def __init__(self, board: Board) -> None:
        self.by_reference: dict[str, Review] = {}
        by_code: dict[str, list[Review]] = {}
        for review in Review.objects.filter(board=board).order_by("reference"):
            words = normalise_heading(review.reference)
            self.by_reference[words] = review
            code = words.rsplit(" ", 1)[-1]
            if len(code) <= _CODE_MAX:
                by_code.setdefault(code, []).append(review)
        self.by_code = {code: found[0] for code, found in by_code.items() if len(found) == 1}

    def match(self, name: str) -> Review | None:
        words = normalise_heading(name)
        if words in self.by_reference:
            return self.by_reference[words]
        code = words.rsplit(" ", 1)[-1] if words else ""
        if len(code) <= _CODE_MAX and len(words.split()) <= 3:
            return self.by_code.get(code)
        return None
