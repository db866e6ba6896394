"""Step 4: find the key and the legend: rows that explain the statuses, read and never
imported as actions.

- A RAG key in the title rows ("R = Not on track, A = Some delay, G = On track", or a
  colour a row) is the new plan's legend, and its words read the status cells.
- So is a key under the table: a row naming two colours or more, a colour in the first
  column beside its meaning, or rows of one colour each, with or without a "Key" row,
  in any column. Statuses read before a key under the table are read again with its
  words (see `Key.rag`).
- A key of category numbers ("1 = Achieved; 2 = On track but not yet due; 3 =
  Slipped"), in one cell or a piece a row, above or under the table, reads a status
  cell holding its number.

The plan's own legend, when importing into a plan that has one, wins over any key.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from actionplans.models import RAG

from ..statuses import (
    COLOURS,
    is_key_label,
    key_in_row,
    key_pieces,
    legend_in_text,
    legend_meaning,
    normalise_status,
    number_key,
    rag_for_status,
    starts_as_a_key,
)
from .context import Line
from .header import Header

# Keys learnt before the rows are walked (above the table, or whole runs of key rows)
# sort before every row.
BEFORE_THE_ROWS = 0


@dataclass(frozen=True)
class Key:
    """What the file's keys say, and which rows they are."""

    number_key: dict[str, RAG]  # category number -> RAG
    # The plan's words for each status, as learnt: (row learnt at, status value, words),
    # in order; `matching` merges them with the words of the status cells.
    legend_words: tuple[tuple[int, str, str], ...]
    key_statuses: frozenset[str]  # statuses a key explains
    title_rows: frozenset[int]  # title rows that are (part of) a key
    body_rows: frozenset[int]  # rows under the headings that are (part of) a key
    rows: tuple[int, ...]  # every key row, for the preview's note
    # (row, the legend that reads statuses from that row on): the plan's legend, then
    # each key in the order learnt (a word learnt first wins).
    legends: tuple[tuple[int, dict[str, str]], ...] = ((BEFORE_THE_ROWS, {}),)

    def legend_at(self, row: int | None = None) -> dict[str, str]:
        """The legend reading a status on `row` (None: once every key is learnt)."""
        if row is None:
            return self.legends[-1][1]
        starts = [start for start, _legend in self.legends]
        return self.legends[max(0, bisect.bisect_left(starts, row) - 1)][1]

    def rag(self, word: str, *, row: int | None = None) -> RAG | None:
        """A status cell's RAG: by the file's key of numbers, else its words."""
        number = word.strip().rstrip(".")
        if number in self.number_key:
            return self.number_key[number]
        return rag_for_status(word, self.legend_at(row))


def find_key(header: Header, legend: dict[str, str] | None = None) -> Key:
    """The keys above and under the table of `header`; `legend` is the plan's own."""
    finder = _KeyFinder(legend or {})
    title_lines = [Line.of(row) for row in header.title_rows]
    title_rows = finder.title(title_lines)
    body_rows = finder.body(header, list(header.body))
    return Key(
        number_key=dict(finder.number_key),
        legend_words=tuple(finder.legend_words),
        key_statuses=frozenset(finder.key_statuses),
        title_rows=frozenset(title_rows),
        body_rows=frozenset(body_rows),
        rows=tuple(finder.rows),
        legends=tuple(finder.legends),
    )


class _KeyFinder:
    """Reads the rows once, in order, noting each key as it is met."""

    def __init__(self, legend: dict[str, str]) -> None:
        self.number_key: dict[str, RAG] = {}
        self.legend_words: list[tuple[int, str, str]] = []
        self.key_statuses: set[str] = set()
        self.rows: list[int] = []
        self.legends: list[tuple[int, dict[str, str]]] = [(BEFORE_THE_ROWS, dict(legend))]

    def learn(self, key: dict[RAG, str], at: int = BEFORE_THE_ROWS) -> None:
        for status, words in key.items():
            self.legend_words.append((at, status.value, words))
            self.key_statuses.add(status.value)
        start, current = self.legends[-1]
        learnt = {status.value: words for status, words in key.items()} | current
        if at == start:
            self.legends[-1] = (at, learnt)
        else:
            self.legends.append((at, learnt))

    # ---- above the table

    def title(self, lines: list[Line]) -> set[int]:
        """Title rows that are a key: learnt, and never a theme."""
        key = legend_in_text([text for line in lines for text in key_texts(line)])
        self.learn(key)
        found = set()
        for line in lines:
            if self.number_key_row(line):
                self.rows.append(line.number)
                found.add(line.number)
            elif (key and is_key_line(line)) or any(map(starts_as_a_key, line.texts)):
                found.add(line.number)  # the key, or a line of it
        return found

    # ---- under the headings

    def body(self, header: Header, lines: list[Line]) -> set[int]:
        runs = self.key_runs(lines) | self.number_key_lines(lines)
        found = set()
        for line in lines:
            if line.number in header.repeated:
                continue
            if line.number in runs or self.key_below(line, header.first_column):
                self.rows.append(line.number)
                found.add(line.number)
        return found

    def key_runs(self, lines: list[Line]) -> set[int]:
        """A key written a colour a row in the table's rows ("Key", "Red – Stalled",
        "Green – Moving"): runs of rows each holding only a piece of a key or its label,
        naming two colours or more between them. Their key is learnt at once."""
        found: set[int] = set()
        run: list[Line] = []
        for line in [*lines, None]:
            if line is not None and is_key_piece_row(line):
                run.append(line)
                continue
            key = legend_in_text([text for row in run for text in key_texts(row)])
            if key:
                self.learn(key)
                found.update(row.number for row in run)
            run = []
        return found

    def number_key_lines(self, lines: list[Line]) -> set[int]:
        """Rows of a key of category numbers under the table (with a "Key" row above
        them), learnt before the statuses are read."""
        found: set[int] = set()
        label: int | None = None
        for line in lines:
            if self.number_key_row(line):
                found.add(line.number)
                if label is not None:
                    found.add(label)
                label = None
                continue
            texts = line.filled
            label = line.number if len(texts) == 1 and is_key_label(texts[0]) else None
        return found

    def number_key_row(self, line: Line) -> bool:
        """Whether the row is (a piece of) a key of category numbers: "1 = Achieved; 2 =
        On track but not yet due; 3 = Slipped" in a cell, or "1 = Achieved" alone on its
        row. Learns it."""
        texts = line.filled
        if not 1 <= len(texts) <= 2:
            return False
        key = number_key(texts)
        if len(key) == 1 and not self.number_key:
            # A key a piece a row starts with its first status, written as a status alone
            # ("1 = Achieved"), never with an action's words ("1 - Complete the audit").
            ((number, (_rag, words)),) = key.items()
            if number not in ("0", "1") or rag_for_status(words) is None:
                return False
        if not key:
            return False
        for number, (rag, words) in key.items():
            self.number_key[number] = rag
            if rag != RAG.NOT_RATED:
                self.legend_words.append((BEFORE_THE_ROWS, rag.value, words))
                self.key_statuses.add(rag.value)
        return True

    def key_below(self, line: Line, first_column: int) -> bool:
        """Whether the row is (part of) a RAG key under the table: a key in every cell
        (`statuses.key_in_row`), or a colour in the first column beside its meaning
        ("Green | On track"). Learns it, from this row on."""
        texts = line.filled
        key = key_in_row(texts)
        first = line.text(first_column)
        if not key and len(texts) == 2 and first == texts[0]:
            colour = COLOURS.get(normalise_status(first))
            key = {colour: texts[1]} if colour and len(texts[1]) <= 200 else {}
        if not key:
            return False
        self.learn(key, at=line.number)
        return True


def is_key_piece_row(line: Line) -> bool:
    """A row holding only a piece of a key ("Red – Stalled", "Green | Moving", "Moving |
    Green"), its label ("Key", "RAG") or both, in three cells at most."""
    texts = line.filled
    if not 1 <= len(texts) <= 3:
        return False
    pieces = [text for text in texts if not is_key_label(text)]
    if all(key_pieces(text) for text in pieces):  # a label alone ("Key") is part of a key
        return True
    return len(pieces) == 2 and any(normalise_status(text) in COLOURS for text in pieces)


def is_key_line(line: Line) -> bool:
    texts = key_texts(line)
    return bool(legend_in_text(texts)) or any(legend_meaning(text) for text in texts)


def key_texts(line: Line) -> list[str]:
    """A row's texts, and "Red – Behind schedule" for a key written across two cells
    (beside its label, if it has one)."""
    texts = line.filled
    pieces = [text for text in texts if not is_key_label(text)]
    return [*texts, " – ".join(pieces)] if len(pieces) == 2 else texts
