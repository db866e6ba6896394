"""Status words as plans write them -> our RAG.

The words are data in `vocabulary` (`STATUS_WORDS`, `COLOURS`, `TICKS`). Plans mark
progress with colours ("Green", "G", "A/G"), with words ("On track",
"Behind schedule", "Completed") or with both ("Green – On track", which our own
exports print). `rag_for_status` reads all three, plus the plan's own legend, and
returns None for a word it does not know so that the preview can list it rather
than guess. An empty cell is "Not rated": no status recorded.

A two-colour status ("A/G", "R/A", "AG", "Green/Amber") takes the worse colour: a board
should not be told an action is on track when its lead only half says so. Blue with
green ("G/B") is green: not yet complete.
"""

from __future__ import annotations

import colorsys
import re

from actionplans.models import RAG

from .cells import rgb_fractions
from .vocabulary import COLOUR_WORDS, COLOURS, STATUS_WORDS, TICKS, colour_pattern

# Worst first: which colour a two-colour status takes.
_WORST_FIRST = [RAG.RED, RAG.AMBER, RAG.GREEN, RAG.BLUE]

_NON_WORD_RE = re.compile(r"[^a-z0-9]+")
# "Green – On track", "Blue: complete", "Completed (March 2015)": the first part decides.
# ("=\s*", not "\s*=": no scanning back over a run of spaces.)
_FIRST_PART_RE = re.compile(r"=\s*|\s(?:[-\u2013\u2014:]|\()\s*|[(:]")


# A cell that names what it holds before the status: "RAG: Amber", "Status - on track".
_STATUS_LABEL_RE = re.compile(r"^(?:current )?(?:rag )?(?:status|rating|rag)(?: rating)? ")


def normalise_status(text: str) -> str:
    """Lower-case words only: "Complete(d)." -> "complete d", "A/G" -> "a g", "Complete &
    embedded" -> "complete and embedded"."""
    return _NON_WORD_RE.sub(" ", text.casefold().replace("&", " and ")).strip()


def rag_for_status(text: str, legend: dict[str, str] | None = None) -> RAG | None:
    """Our RAG for a status cell; NOT_RATED when empty; None when the word is unknown."""
    if not text.strip():
        return RAG.NOT_RATED
    words = _words(legend)
    normal = normalise_status(text)
    status = _lookup(normal, words)
    if status is not None:
        return status
    named = _STATUS_LABEL_RE.sub("", normal, count=1)  # "RAG: Amber", "Status - Red"
    if named and named != normal and (status := _lookup(named, words)) is not None:
        return status
    first = _FIRST_PART_RE.split(text.strip(), maxsplit=1)[0]
    return _lookup(normalise_status(first), words)


def _words(legend: dict[str, str] | None) -> dict[str, RAG]:
    """The table, with the plan's own legend words taking precedence."""
    own = {
        normalise_status(words): RAG(status)
        for status, words in (legend or {}).items()
        if status in RAG.values and isinstance(words, str)
    }
    return STATUS_WORDS | own


def _lookup(word: str, words: dict[str, RAG]) -> RAG | None:
    if word in words:
        return words[word]
    if word.endswith(" d"):  # "Complete(d)"
        return words.get(word[:-2])
    return _two_colours(word)


def _two_colours(word: str) -> RAG | None:
    """ "a g", "green amber", "r a g", "AG": the worst colour named; None unless all are
    colours. Two letters written together ("AG", "RA") count as two colours; three do not
    ("bag" is a word)."""
    parts = word.split()
    if len(parts) == 1 and len(word) == 2 and word[0] != word[1]:
        parts = list(word)
    colours = [COLOUR_WORDS.get(part) for part in parts]
    if len(colours) < 2 or None in colours:
        return None
    return next(colour for colour in _WORST_FIRST if colour in colours)


def legend_meaning(text: str) -> tuple[RAG, str] | None:
    """The plan's own words for a colour, from a "Colour – meaning" cell.

    "Green – On track", "G = on track", "Blue: completed", "Red (behind schedule)",
    "Completed = Blue", "On track (Green)".
    """
    parts = _FIRST_PART_RE.split(text.strip(), maxsplit=1)
    colour = COLOUR_WORDS.get(normalise_status(parts[0]))
    meaning = parts[1].strip().rstrip(")").strip() if len(parts) == 2 else ""
    if colour is None and len(parts) == 2:
        # The other way round, with the colour's name in full: "Completed = Blue",
        # "On track (Green)".
        colour, meaning = COLOURS.get(normalise_status(parts[1])), parts[0].strip()
    meaning = meaning.rstrip(".").strip()
    return (colour, meaning) if colour and meaning else None


# A key above the table: "RAG key: R = Not on track, A = Some delay, G = On track", or
# one colour a row. Pieces are split at line breaks, ";", "," and "|", and at a full stop
# before a colour ("Red: not achieved. Amber: partly achieved.").
_LEGEND_PIECE_SPLIT_RE = re.compile(
    rf"[\n;,|]|\t|\s{{3,}}|\.\s+(?=(?:{colour_pattern()})\b)", re.IGNORECASE
)
_KEY_LABEL_RE = re.compile(
    r"^\s*(?:(?:b?rag|status)(?:\s*(?:key|legend|rating|status))?|key|legend|rating)\s*:\s*",
    re.IGNORECASE,
)


def legend_in_text(texts: list[str]) -> dict[RAG, str]:
    """The colours a key above a table explains, with their words; empty unless it names
    two colours or more (a lone "Green: ..." is more likely a title than a key)."""
    found: dict[RAG, str] = {}
    for text in texts:
        for colour, words in key_pieces(text).items():
            found.setdefault(colour, words)
    return found if len(found) >= 2 else {}


def key_pieces(text: str) -> dict[RAG, str]:
    """The colours one cell explains ("R = Late, G = Fine"), however few."""
    found: dict[RAG, str] = {}
    for piece in _LEGEND_PIECE_SPLIT_RE.split(text[:2000]):
        meaning = legend_meaning(_KEY_LABEL_RE.sub("", piece))
        if meaning and len(meaning[1]) <= 200:
            found.setdefault(*meaning)
    return found


# What a piece of a key starts with: a colour (or its letter) and "=", a dash, ":" or
# "(". Cheap enough to look for in every row of a table first.
_KEY_PIECE_RE = re.compile(
    rf"(?:^|[\s,;|])(?:{colour_pattern(letters=True)})(?:\s*[=:(\u2013\u2014]|\s+-)"
    rf"|[=(]\s*(?:{colour_pattern()})\b",
    re.IGNORECASE,
)
# A cell that only labels the key: "Key", "RAG key:", "Status key", "Legend", "RAG".
_KEY_LABEL_CELL_RE = re.compile(
    r"(?:(?:(?:b?rag|status)\s+)?(?:key|legend)|b?rag(?:\s+(?:rating|status))?)\s*:?",
    re.IGNORECASE,
)


def starts_as_a_key(text: str) -> bool:
    """Whether a line starts by saying it is a key: "Status key: Complete | Overdue"."""
    return bool(_KEY_LABEL_RE.match(text))


def is_key_label(text: str) -> bool:
    """Whether a cell only labels a key: "Key", "RAG key:", "Legend", "RAG"."""
    return bool(_KEY_LABEL_CELL_RE.fullmatch(text.strip()))


def key_in_row(texts: list[str]) -> dict[RAG, str]:
    """The key a row gives when every cell of it is a piece of a key or its label ("Key:
    R = Not on track, G = On track", "Key | R = Late | G = Fine"); empty otherwise. An
    action row never gives one: its action text is no piece of a key, and the cheap
    test stops at its first ordinary cell (a ref, say)."""
    for is_piece in (_KEY_PIECE_RE.search, key_pieces):
        if not all(_KEY_LABEL_CELL_RE.fullmatch(text) or is_piece(text) for text in texts):
            return {}
    return legend_in_text(texts)


# A RAG cell coloured by hand, with no words: its fill colour, by hue. Pale fills count
# (Excel's "Good", "Neutral" and "Bad" cell styles are pale green, yellow and pink);
# greys, white, black and purples do not.
_HUES = ((15, RAG.RED), (70, RAG.AMBER), (170, RAG.GREEN), (260, RAG.BLUE), (330, None))


def colour_status(rgb: str) -> RAG | None:
    """The RAG an "RRGGBB" fill colour shows, or None."""
    parts = rgb_fractions(rgb)
    if parts is None:
        return None
    hue, saturation, value = colorsys.rgb_to_hsv(*parts)
    if saturation < 0.15 or value < 0.3:
        return None
    degrees = hue * 360
    return next((status for limit, status in _HUES if degrees < limit), RAG.RED)


def fill_word(rgb: str) -> str:
    """What the preview calls a coloured cell: "Green (cell colour)", or the colour's code
    for the manager to say what it means."""
    status = colour_status(rgb)
    if status is None:
        return f"Cell coloured #{rgb}"
    return f"{status.label} (cell colour)"


# ------------------------------------------------------------ category numbers and ticks

# "1 = Achieved; 2 = On track but not yet due; 3 = Slipped; 4 = Not achieved": a key of
# category numbers, written under or above the table (one piece a row, or all in one).
_NUMBER_PIECE_RE = re.compile(
    r"^\s*+(?P<number>\d{1,2})\s*+[=:\-\u2013\u2014)]\s*+(?P<meaning>\S.*)$"
)
_NUMBER_KEY_LABEL_RE = re.compile(
    r"^\s*+(?:key|status(?:\s++key)?|categories)\s*+[:\-\u2013]?\s*+", re.I
)
_PHRASES = sorted(
    (phrase for phrase in STATUS_WORDS if len(phrase) > 2), key=lambda phrase: -len(phrase)
)


def number_key(texts: list[str]) -> dict[str, tuple[RAG, str]]:
    """Category number -> (its RAG, the key's words) for texts that are all pieces of a
    number key; empty unless every piece reads and at least one names a status we know."""
    pieces = []
    for text in texts:
        text = _NUMBER_KEY_LABEL_RE.sub("", text, count=1)
        pieces += [piece for piece in re.split(r"[;\n]|,\s*(?=\d)", text) if piece.strip()]
    found: dict[str, tuple[RAG, str]] = {}
    for piece in pieces:
        match = _NUMBER_PIECE_RE.match(piece)
        if not match or len(match["meaning"]) > 120 or match["number"] in found:
            return {}
        meaning = match["meaning"].strip().rstrip(".")
        found[match["number"]] = (status_in_words(meaning) or RAG.NOT_RATED, meaning)
    if not any(rag != RAG.NOT_RATED for rag, _words in found.values()):
        return {}
    return found


def status_in_words(text: str) -> RAG | None:
    """The status a longer phrase starts with or holds: the known words found first in it
    (the longest at that place). "On track but not yet due" is on track."""
    words = f" {normalise_status(text)} "
    best: tuple[int, RAG] | None = None
    for phrase in _PHRASES:
        position = words.find(f" {phrase} ")
        if position >= 0 and (best is None or position < best[0]):
            best = (position, STATUS_WORDS[phrase])
    return best[1] if best else None


def is_tick(text: str) -> bool:
    return text.strip().casefold() in TICKS
