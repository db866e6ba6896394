"""Read the fuzzy "target date" cells of safeguarding action plans.

Action plans give their deadlines as free text: "Sep – Dec 2014", "Jul 2014 onwards",
"01/06/17", "Q3 2013~14", "Ongoing", "To be confirmed". We keep the text exactly as
written and store beside it the date it resolves to. :func:`resolve_target` does the
reading. It never raises, and its work is bounded: only the first 2,000 characters are
scanned, and every pattern is a compiled regex without nested repetition.

Conventions
-----------
Due date is the end of the period named.
    "Dec 2014" is due 2014-12-31, "2014" is due 2014-12-31, a single day is due that day.
    ``start`` is the first day of the earliest period read, ``due`` the last day of the
    latest one. Several periods in one cell (one per action, in paragraphs) give the
    earliest start and the latest end.
Day first (UK).
    "01/06/17" is 1 June 2017. "/", "." and "-" separate the parts. Two-digit years are
    20yy. A four-digit year first ("2012-09-30") is ISO. "06/2017" is June 2017.
Month names.
    Full, three-letter, "Sept", any case, with or without a full stop. "31st March
    2015", "1st of June 2014", "31-Mar-22" and "March 31 2015" are days. A two-digit
    number after a month name is a year ("Mar-17", "Mar 17", "December 16" as Excel
    displays them) unless an ordinal suffix ("March 31st") or a four-digit year ("March
    31 2015") follows.
Ranges.
    Two periods joined by a dash (any kind), "to", "until" or "/" run from the start of
    the first to the end of the second. The first part may leave its year out ("Sep –
    Dec 2014", "June/July 2012"); it takes the year of the second part, or the year
    before when it would otherwise start after it ("Nov – Feb 2015" starts Nov 2014).
Quarters.
    "Q3", "Qtr 3" or "Quarter 3". A quarter of a financial year is a UK financial
    quarter (Q1 = Apr–Jun): "Q2 2015/16" is Jul–Sep 2015, "Q4 2014/15" is Jan–Mar
    2015. A quarter of a single year ("Q3 2014") is a calendar quarter (Jul–Sep 2014).
    A quarter without a year is not read. A run of quarters ("Q1-Q2 2016/17", "2016/17
    Q3 to Q4") runs from the start of the first to the end of the last; "FY" or
    "financial year" may come between a quarter and its year ("Q2 FY16/17").
Years.
    Two years a year apart written "2012/13", "2012-13", "2013~14" or "2012/2013", or
    after "FY" / "financial year", are a UK financial year (1 April – 31 March). After
    "academic year" / "school year" they are 1 September – 31 August. Four-digit years
    joined by a dash or "to" ("2014 – 2016") are a span of calendar years, and a bare
    year ("2014") is the calendar year. Four-digit years outside 1990–2100 are not read.
School terms and seasons.
    Autumn term: 1 Sep – 31 Dec. Spring term: 1 Jan – the Thursday before Easter Sunday
    (anonymous Gregorian algorithm). Summer term: 1 Apr – 31 Jul (kept simple; it
    overlaps the spring term in late-Easter years). Without "term": spring Mar–May,
    summer Jun–Aug, autumn Sep–Nov, winter Dec – Feb of the next year. "Early", "mid"
    and "late" YEAR are Jan–Apr, May–Aug and Sep–Dec; "beginning of" / "start of" YEAR
    is Jan–Apr ("end of 2016" is the year: due at its end either way). "H1 2016" and
    "first half of 2016" are Jan–Jun, "H2" Jul–Dec; a half of a financial year ("H2
    2016/17") is Apr–Sep or Oct–Mar.
Open-ended periods.
    "X onwards", "wef X", "w.e.f. X", "with effect from X", "from X", "since X",
    "commencing X" have a start and no deadline (ONWARDS); "from X to Y" is a range.
    "Week commencing X" ("w/c X", "wk commencing X") is that week: due on X.
    A cell that also names closed periods is DATE if its latest deadline is on or after
    every open-ended start, otherwise ONWARDS without a due date.
Precedence.
    BLANK (nothing but whitespace or markup); COMPLETED when the text starts with
    "Complete", "Completed", "Done" or "Already in place", or is "Achieved",
    "Implemented" or "In place" alone or before a date (with the dates it names, if
    any; "Complete by ...", "In place from ..." and "Implemented across the county by
    ..." are deadlines, not statuses), or ends with complete(d) / done ("Feb 2015 -
    completed", "March 2015 (done)"; not "to be completed"); TO_BE_CONFIRMED when a TBC
    phrase appears anywhere (its dates are ignored); DATE or ONWARDS when a period can be
    read (so "Quarterly from May 2013" is ONWARDS); ONGOING for "ongoing", "continuous",
    "rolling", "business as usual" / "BAU", "as required"; RECURRING for "quarterly",
    "monthly", "annual", "every 6 months"...; otherwise UNKNOWN ("Immediate", "Within 3
    months": they need the plan's own date, which a cell does not give).
Spreadsheet cells.
    ``date`` / ``datetime`` values are that day. ``int`` / ``float`` values are serial
    day numbers of Excel's 1900 date system (day 61 onwards, where it is a plain day
    count from 1899-12-30), read only when they fall in 1990–2100.
"""

from __future__ import annotations

import calendar
import functools
import html
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

__all__ = ["MAX_SCAN", "TargetDate", "TargetKind", "resolve_target"]

MAX_SCAN = 2000
"""Only this many characters (after leading whitespace) are read."""

MIN_YEAR = 1990
MAX_YEAR = 2100

_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_MIN = (date(MIN_YEAR, 1, 1) - _EXCEL_EPOCH).days
_EXCEL_MAX = (date(MAX_YEAR, 12, 31) - _EXCEL_EPOCH).days


class TargetKind(StrEnum):
    """What a target cell says about the deadline."""

    BLANK = "blank"
    DATE = "date"
    ONWARDS = "onwards"
    ONGOING = "ongoing"
    RECURRING = "recurring"
    TO_BE_CONFIRMED = "tbc"
    COMPLETED = "completed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class TargetDate:
    """A target cell as written, and what it resolves to."""

    text: str
    kind: TargetKind
    start: date | None = None
    due: date | None = None


# --------------------------------------------------------------------------- text

_TAG_RE = re.compile(r"<[^<>]{0,300}>")
_UNPRINTABLE_RE = re.compile(r"[^\x20-\x7e]")
_SPACES_RE = re.compile(r" {2,}")
_PUNCTUATION = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2043": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u2032": "'",
    }
)

_COMPLETED_RE = re.compile(
    r"(?:completed|done|complete(?! +(?:by|before|within|no later)\b))\b"
    # "Already in place", "In place already as part of...": done before the plan was
    r"|(?:already in place|in place already|already (?:done|achieved|implemented))\b"
    # "Achieved", "Implemented March 2015", "In place."; not "In place by April" nor
    # "Implemented across the county by 2016", which are deadlines
    r"|(?:achieved|implemented|in place)(?:[ .,;:()-]*$| +(?:in |on )?(?=\d|[a-z]{3,9}\.? \d))",
    re.ASCII,
)
# "Feb 2015 - completed", "Jan 2015 (complete)"; not "to be completed", "not done".
_COMPLETED_END_RE = re.compile(
    r"(?<!\bbe )(?<!\bnot )(?<!\bnot yet )\b(?:completed|complete|done)[ .)]*$", re.ASCII
)
_TBC_RE = re.compile(r"\b(?:tb[acd]|to be (?:confirmed|determined|decided))\b", re.ASCII)
_ONGOING_RE = re.compile(
    r"\b(?:on-?going|on going|continuous(?:ly)?|continuing|continual(?:ly)?|rolling"
    r"|business as usual|bau|as (?:and when )?(?:required|needed|necessary))\b",
    re.ASCII,
)
_RECURRING_RE = re.compile(
    r"\b(?:daily|weekly|fortnightly|monthly|bimonthly|quarterly|termly|annual(?:ly)?"
    r"|biannual(?:ly)?|biennial(?:ly)?|yearly"
    r"|(?:every|each) (?:day|week|fortnight|month|quarter|term|year)"
    r"|every (?:\d{1,2}|two|three|four|six|twelve|other) (?:days?|weeks?|months?|terms?|years?))\b",
    re.ASCII,
)


def _normalise(text: str) -> str:
    """Lower-case ASCII text of the first MAX_SCAN characters, markup and odd spaces gone."""
    text = text.lstrip()[:MAX_SCAN]
    text = html.unescape(_TAG_RE.sub(" ", text))
    text = _UNPRINTABLE_RE.sub(" ", text.translate(_PUNCTUATION))
    return _SPACES_RE.sub(" ", text.lower()).strip()


# ------------------------------------------------------------------------- tokens

_TOKEN_RE = re.compile(
    r"(?P<date3>(?<![\d./])\d{1,4}(?P<sep>[./-])\d{1,2}(?P=sep)\d{1,4}(?!\d|(?P=sep)\d))"
    r"|(?P<pair>(?<![\d./])\d{1,4}[/~-]\d{1,4}(?!\d|[./~-]\d))"
    r"|(?P<num>\d+)"
    r"|(?P<word>[a-z]+)"
    r"|(?P<punct>\S)",
    re.ASCII,
)

_PAIR_SEP_RE = re.compile(r"([/~-])")
_DATE_SEP_RE = re.compile(r"[./-]")


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # "date3", "pair", "num", "word" or "punct"
    text: str
    tight: bool  # no space before it


def _tokenise(text: str) -> list[_Tok]:
    return [
        _Tok(m.lastgroup or "punct", m.group(), m.start() > 0 and text[m.start() - 1] != " ")
        for m in _TOKEN_RE.finditer(text)
    ]


# ------------------------------------------------------------------------ periods


@dataclass(frozen=True, slots=True)
class _Span:
    """A period with both ends known."""

    start: date
    end: date


@dataclass(frozen=True, slots=True)
class _Partial:
    """A period written without its year ("Sep" in "Sep – Dec 2014")."""

    build: Callable[[int], _Span | None]


type _Piece = _Span | _Partial


@dataclass(frozen=True, slots=True)
class _Found:
    span: _Span
    open_ended: bool


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _months(year: int, first: int, last: int, end_year: int | None = None) -> _Span:
    return _Span(date(year, first, 1), _month_end(end_year or year, last))


def _day(year: int, month: int, day: int) -> _Span | None:
    try:
        when = date(year, month, day)
    except ValueError:
        return None
    return _Span(when, when)


def _easter(year: int) -> date:
    """Easter Sunday by the anonymous Gregorian algorithm."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _term(season: str, year: int) -> _Span:
    if season == "spring":
        return _Span(date(year, 1, 1), _easter(year) - timedelta(days=3))
    if season == "summer":
        return _months(year, 4, 7)
    return _months(year, 9, 12)  # autumn (winter has no term of its own)


def _season(season: str, year: int) -> _Span:
    if season == "winter":
        return _months(year, 12, 2, year + 1)
    first = {"spring": 3, "summer": 6, "autumn": 9}[season]
    return _months(year, first, first + 2)


def _year_span(first: int, last: int) -> _Span:
    return _months(first, 1, 12, last)


def _financial_year(first: int, last: int, academic: bool = False) -> _Span:
    if academic:
        return _months(first, 9, 8, last)
    return _months(first, 4, 3, last)


def _quarter(number: int, year: int, financial: bool) -> _Span:
    if not financial:
        return _months(year, 3 * number - 2, 3 * number)
    first = 3 * number + 1  # Q1 starts in April
    if first > 12:
        return _months(year + 1, first - 12, first - 10)
    return _months(year, first, first + 2)


def _quarters(first: int, last: int, year: int, financial: bool) -> _Span:
    return _Span(_quarter(first, year, financial).start, _quarter(last, year, financial).end)


# -------------------------------------------------------------------------- words

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb", "febuary"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_SEASONS = {"spring", "summer", "autumn", "winter"}
_PARTS_OF_YEAR = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}
# "Beginning of 2016" ("of" needed: "start 2016" opens a period). "End of 2016" is
# read as the year: due at its end either way.
_PARTS_OF_YEAR_OF = {"beginning": (1, 4), "start": (1, 4)}
_HALF_WORDS = {"first": 1, "second": 2}
_ORDINALS = {"st", "nd", "rd", "th"}
_RANGE_WORDS = {"to", "until", "till", "through", "thru"}
_RANGE_PUNCT = {"-", "/"}
_OPEN_BEFORE = {"wef", "from", "since", "commencing", "commence", "starting", "start"}
_OPEN_AFTER = {"onwards", "onward", "ongoing"}
_OPEN_AFTER_AND = _OPEN_AFTER | {"beyond"}  # "April 2014 and beyond"
_LOOKBACK_SKIP = {".", ",", ":", "("}


def _plausible(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR


class _Reader:
    """A left-to-right reader over the tokens of one cell; every rule looks ahead a few tokens."""

    def __init__(self, tokens: list[_Tok]) -> None:
        self.toks = tokens

    # ---- token access

    def tok(self, i: int) -> _Tok | None:
        return self.toks[i] if 0 <= i < len(self.toks) else None

    def word(self, i: int) -> str | None:
        tok = self.tok(i)
        return tok.text if tok and tok.kind == "word" else None

    def punct(self, i: int) -> str | None:
        tok = self.tok(i)
        return tok.text if tok and tok.kind == "punct" else None

    def num(self, i: int, digits: tuple[int, ...] = (1, 2, 3, 4)) -> int | None:
        tok = self.tok(i)
        if tok and tok.kind == "num" and len(tok.text) in digits:
            return int(tok.text)
        return None

    def words_before(self, i: int, count: int = 3) -> list[str]:
        """Up to `count` words just before token i (nearest last), skipping light punctuation."""
        found: list[str] = []
        j = i - 1
        while j >= 0 and len(found) < count and i - j <= 2 * count + 2:
            tok = self.toks[j]
            if tok.kind == "word":
                found.insert(0, tok.text)
            elif tok.text not in _LOOKBACK_SKIP:
                break
            j -= 1
        return found

    # ---- small readers: each returns (value, next index) or (None, i)

    def read_year(self, i: int) -> tuple[int | None, int]:
        """A year after a month or season: "2014", "14", "-17" (tight), "'14", ", 2014"."""
        j = i
        mark = self.punct(j)
        if mark in {"'", ","} or (mark == "-" and self._tight(j) and self._tight(j + 1)):
            j += 1
        year = self.num(j, (4,))
        if year is not None:
            return (year, j + 1) if _plausible(year) else (None, i)
        short = self.num(j, (2,))
        if short is None or self.word(j + 1) in _ORDINALS or self.num(j + 1, (4,)):
            return None, i
        return 2000 + short, j + 1

    def read_day(self, i: int) -> tuple[int | None, int]:
        """Read a day of the month: "1", "01", "31st"."""
        day = self.num(i, (1, 2))
        if day is None or not 1 <= day <= 31:
            return None, i
        return day, i + 2 if self.word(i + 1) in _ORDINALS else i + 1

    def read_month(self, i: int) -> tuple[int | None, int]:
        """Read a month name: "Dec", "December", "Sept."."""
        month = _MONTHS.get(self.word(i) or "")
        if month is None:
            return None, i
        if self.punct(i + 1) == "." and self._tight(i + 1):
            return month, i + 2
        return month, i + 1

    def _joins_tightly(self, i: int) -> bool:
        """Whether token i is "-", "/" or "." with no space either side ("31-Mar")."""
        return self.punct(i) in {"-", "/", "."} and self._tight(i) and self._tight(i + 1)

    def _tight(self, i: int) -> bool:
        tok = self.tok(i)
        return bool(tok and tok.tight)

    # ---- pieces: each returns (piece or None, next index), or None when nothing matches

    def piece(self, i: int) -> tuple[_Piece | None, int] | None:
        tok = self.toks[i]
        if tok.kind == "date3":
            return _numeric_date(tok.text), i + 1
        if tok.kind == "pair":
            return self.pair(i)
        if tok.kind == "num":
            return self.day_first(i) or self.half(i) or self.year(i)
        if tok.kind == "word":
            return (
                self.quarter(i)
                or self.half(i)
                or self.season(i)
                or self.part_of_year(i)
                or self.month(i)
            )
        return None

    def pair(self, i: int) -> tuple[_Piece | None, int]:
        """Read a number pair: "2012/13", "2013~14", "2014-2016", "06/2017", "2012-09"."""
        first, sep, second = _PAIR_SEP_RE.split(self.toks[i].text, maxsplit=1)
        span = _year_pair(first, sep, second, self.year_hint(i), tight=True)
        return self.quarter_after(i + 1, span) or (span, i + 1)

    def year(self, i: int) -> tuple[_Piece | None, int] | None:
        """Read a year, or a spaced pair of years: "2014", "2013 – 14", "2014 to 2016"."""
        year = self.num(i, (4,))
        if year is None or not _plausible(year):
            return None
        sep = self.punct(i + 1) or self.word(i + 1)
        later = self.tok(i + 2)
        if sep in {"-", "/", "~", "to"} and later and later.kind == "num":
            span = _year_pair(str(year), sep, later.text, self.year_hint(i), tight=False)
            if span is not None:
                return self.quarter_after(i + 3, span) or (span, i + 3)
        return _year_span(year, year), i + 1

    def year_hint(self, i: int) -> str | None:
        before = self.words_before(i, 2)
        if before[-1:] == ["fy"] or before == ["financial", "year"]:
            return "fy"
        if before in (["academic", "year"], ["school", "year"]):
            return "academic"
        return None

    def quarter_after(self, i: int, year: _Span | None) -> tuple[_Span, int] | None:
        """Read quarters written after their financial year: "2014/15 Q3", "2016/17 Q1-Q2"."""
        if year is None or year.end.year != year.start.year + 1:
            return None
        first, last, j = self.quarter_numbers(i)
        if first is None:
            return None
        return _quarters(first, last, year.start.year, financial=True), j

    def financial_year(self, i: int) -> tuple[bool, int | None]:
        """Whether token i is a pair of numbers, and the first year of the financial year
        it names ("2016/17", "16/17"), or None when it names none."""
        tok = self.tok(i)
        if not tok or tok.kind != "pair":
            return False, None
        first, sep, second = _PAIR_SEP_RE.split(tok.text, maxsplit=1)
        span = _year_pair(first, sep, second, "fy", tight=True)
        if span is None or span.end.year != span.start.year + 1:
            return True, None
        return True, span.start.year

    def quarter_number(self, i: int) -> tuple[int | None, int]:
        if self.word(i) not in {"q", "qtr", "quarter"}:
            return None, i
        number = self.num(i + 1, (1,))
        if number is None or not 1 <= number <= 4:
            return None, i
        return number, i + 2

    def quarter_numbers(self, i: int) -> tuple[int | None, int, int]:
        """Read a quarter, or a run of them: "Q3", "Q1-Q2", "Q1 and Q2", "Q3 to Q4"."""
        first, j = self.quarter_number(i)
        if first is None:
            return None, 0, i
        if self.punct(j) in {"-", "/", "&"} or self.word(j) in {"to", "and"}:
            last, k = self.quarter_number(j + 1)
            if last is not None and last >= first:
                return first, last, k
        return first, first, j

    def quarter(self, i: int) -> tuple[_Piece | None, int] | None:
        """Read a quarter: "Q3 2012-13", "Q2 2015/16", "Q2 FY16/17", "Quarter 3 2014"
        (calendar), "Q1-Q2 2016/17"."""
        first, last, j = self.quarter_numbers(i)
        if first is None:
            return None
        if self.punct(j) == "," or self.word(j) == "of":
            j += 1
        while self.word(j) in {"fy", "financial", "year"}:
            j += 1
        is_pair, start = self.financial_year(j)
        if is_pair:
            return (_quarters(first, last, start, financial=True), j + 1) if start else None
        year = self.num(j, (4,))
        if year is None or not _plausible(year):
            return None
        sep, later = self.punct(j + 1), self.num(j + 2, (2, 4))
        if sep in {"-", "/", "~"} and later is not None:
            span = _year_pair(str(year), sep, str(later), "fy", tight=False)
            if span is not None and span.end.year == year + 1:
                return _quarters(first, last, year, financial=True), j + 3
        return _quarters(first, last, year, financial=False), j + 1

    def season(self, i: int) -> tuple[_Piece | None, int] | None:
        """Read a term or season: "Autumn term 2013", "Spring 2017", "Summer 17"."""
        name = self.word(i)
        if name not in _SEASONS:
            return None
        j = i + 1
        is_term = self.word(j) == "term" and name != "winter"
        if is_term:
            j += 1
        if self.word(j) == "of":
            j += 1
        year, j = self.read_year(j)
        build = (lambda y: _term(name, y)) if is_term else (lambda y: _season(name, y))
        if year is None:
            return _Partial(build), j
        return build(year), j

    def half_number(self, i: int) -> tuple[int | None, int]:
        """Read which half: "H1", "first half", "2nd half"."""
        if self.word(i) == "h" and self._tight(i + 1) and self.num(i + 1, (1,)) in (1, 2):
            return self.num(i + 1, (1,)), i + 2
        number, j = _HALF_WORDS.get(self.word(i) or ""), i + 1
        if number is None and self.num(i, (1,)) in (1, 2) and self.word(i + 1) in _ORDINALS:
            number, j = self.num(i, (1,)), i + 2
        if number is None or self.word(j) != "half":
            return None, i
        return number, j + 1

    def half(self, i: int) -> tuple[_Piece | None, int] | None:
        """Read half a year: "H1 2016" (Jan-Jun), "second half of 2016", "H2 2016/17"
        (Oct-Mar: half of a financial year)."""
        number, j = self.half_number(i)
        if number is None:
            return None
        if self.word(j) == "of":
            j += 1
        is_pair, start = self.financial_year(j)
        if is_pair:
            if start is None:
                return None
            if number == 1:
                return _months(start, 4, 9), j + 1
            return _months(start, 10, 3, start + 1), j + 1
        year = self.num(j, (4,))
        if year is None or not _plausible(year):
            return None
        return _months(year, 6 * number - 5, 6 * number), j + 1

    def part_of_year(self, i: int) -> tuple[_Piece | None, int] | None:
        """Read part of a year: "Early 2014", "mid-2014", "Late 2014", "start of 2014"."""
        word = self.word(i) or ""
        months, j = _PARTS_OF_YEAR.get(word), i + 1
        if months is None and self.word(i + 1) == "of":
            months, j = _PARTS_OF_YEAR_OF.get(word), i + 2
        if months is None:
            return None
        year, j = self.read_year(j)
        if year is None:
            return None
        return _months(year, *months), j

    def month(self, i: int) -> tuple[_Piece | None, int] | None:
        """Read a month first: "Dec 2014", "Mar-17", "March 31 2015", "Sep" (partial)."""
        month, j = self.read_month(i)
        if month is None:
            return None
        day, k = self.read_day(j)
        if day is not None:
            if self.punct(k) == ",":
                k += 1
            year = self.num(k, (4,))
            if year is not None and _plausible(year):
                return _day(year, month, day), k + 1
        year, k = self.read_year(j)
        if year is not None:
            return _months(year, month, month), k
        if day is not None and self.word(j + 1) in _ORDINALS:
            return _Partial(lambda y: _day(y, month, day)), j + 2
        return _Partial(lambda y: _months(y, month, month)), j

    def day_first(self, i: int) -> tuple[_Piece | None, int] | None:
        """Read a day first: "31st March 2015", "1st of June 2014", "31-Mar-22" (as Excel
        shows dates), "17 March" (partial)."""
        day, j = self.read_day(i)
        if day is None:
            return None
        if self.word(j) == "of" or self._joins_tightly(j):
            j += 1
        month, j = self.read_month(j)
        if month is None:
            return None
        if self.punct(j) == ",":
            j += 1
        year, k = self.read_year(j)
        if year is None:
            return _Partial(lambda y: _day(y, month, day)), j
        return _day(year, month, day), k

    # ---- ranges and open ends

    def range_after(self, left: _Piece, i: int) -> tuple[list[_Span], int, bool]:
        """Join `left` (ending before token i) to a period after a range separator.

        Returns the spans read, the next index, and whether they formed one range.
        """
        sep = self.punct(i) if self.punct(i) in _RANGE_PUNCT else self.word(i)
        if sep not in _RANGE_PUNCT and sep not in _RANGE_WORDS:
            return _spans(left), i, False
        right = self.piece(i + 1) if i + 1 < len(self.toks) else None
        if right is None or not isinstance(right[0], _Span):
            return _spans(left), i, False
        later, j = right
        first = _fill_year(left, later) if isinstance(left, _Partial) else left
        if first is None:
            return [later], j, False
        if first.start > later.end:
            return [first, later], j, False
        return [_Span(first.start, later.end)], j, True

    def opens(self, i: int, j: int, is_range: bool) -> bool:
        """Whether the period in tokens i..j-1 has no end: "wef X", "from X", "X onwards"."""
        k = j
        while self.punct(k) in {"-", ","}:
            k += 1
        after = self.word(k)
        if after in _OPEN_AFTER or (after == "and" and self.word(k + 1) in _OPEN_AFTER_AND):
            return True
        if is_range:
            return False
        before = self.words_before(i)
        if before[-2:-1] in (["week"], ["wk"], ["w"]):  # "week commencing 4 Jan": that week
            return False
        return bool(before) and (before[-1] in _OPEN_BEFORE or before == ["w", "e", "f"])

    def scan(self) -> list[_Found]:
        found: list[_Found] = []
        i = 0
        while i < len(self.toks):
            hit = self.piece(i)
            if hit is None:
                i += 1
                continue
            piece, j = hit
            if piece is None:  # consumed but unreadable, e.g. "31/02/2015"
                i = j
                continue
            spans, k, is_range = self.range_after(piece, j)
            open_ended = bool(spans) and self.opens(i, k, is_range)
            found.extend(_Found(span, open_ended) for span in spans)
            i = k
        return found


def _spans(piece: _Piece) -> list[_Span]:
    return [piece] if isinstance(piece, _Span) else []


def _fill_year(left: _Partial, later: _Span) -> _Span | None:
    """Give a yearless first part the year of the part after it (or the year before)."""
    year = later.start.year
    first = left.build(year)
    if first is None or first.start > later.start:
        first = left.build(year - 1)
    return first


def _numeric_date(text: str) -> _Span | None:
    """Read "31/03/2013", "31.03.15", "1-12-17" (day first) or "2012-09-30" (ISO)."""
    parts = _DATE_SEP_RE.split(text)
    if len(parts[0]) == 4:
        year, month, day = (int(p) for p in parts)
    else:
        day, month = int(parts[0]), int(parts[1])
        if len(parts[2]) == 2:
            year = 2000 + int(parts[2])
        elif len(parts[2]) == 4:
            year = int(parts[2])
        else:
            return None
    return _day(year, month, day) if _plausible(year) else None


def _year_pair(first: str, sep: str, second: str, hint: str | None, tight: bool) -> _Span | None:
    """Two numbers joined by "/", "-", "~" or "to": a financial year, years, or month/year."""
    if len(first) <= 2 and len(second) == 4 and first.isdigit():
        month, year = int(first), int(second)  # "06/2017"
        return _months(year, month, month) if 1 <= month <= 12 and _plausible(year) else None
    if len(first) == 4:
        start = int(first)
    elif len(first) == 2 and hint:
        start = 2000 + int(first)  # "Q3 14/15"
    else:
        return None
    if not _plausible(start) or len(second) not in (2, 4):
        return None
    end = int(second)
    if len(second) == 2:
        end += start - start % 100
        if end < start:
            end += 100
    if end == start + 1 and (len(second) == 2 or sep in {"/", "~"} or hint):
        return _financial_year(start, end, academic=hint == "academic")
    month = int(second)
    if tight and not hint and sep in {"-", "/"} and len(second) == 2 and 1 <= month <= 12:
        return _months(start, month, month)  # ISO "2012-09"
    if end > start and _plausible(end):
        return _financial_year(start, end) if hint == "fy" else _year_span(start, end)
    return None


# ----------------------------------------------------------------------- resolving


def _summarise(found: list[_Found]) -> tuple[date | None, date | None]:
    """Earliest start and latest deadline; no deadline if an open period starts after it."""
    if not found:
        return None, None
    start = min(f.span.start for f in found)
    ends = [f.span.end for f in found if not f.open_ended]
    if not ends:
        return start, None
    due = max(ends)
    if any(f.open_ended and f.span.start > due for f in found):
        return start, None
    return start, due


# A plan repeats its targets ("Ongoing", "March 2017"): a 5,000-row import reads each
# once. The reading is pure (no "today" in it) and a TargetDate is frozen.
@functools.lru_cache(maxsize=4096)
def _resolve_text(text: str) -> TargetDate:
    clean = _normalise(text)
    if not clean:
        return TargetDate(text, TargetKind.BLANK)
    if _COMPLETED_RE.match(clean) or _COMPLETED_END_RE.search(clean):
        start, due = _summarise(_Reader(_tokenise(clean)).scan())
        return TargetDate(text, TargetKind.COMPLETED, start, due)
    if _TBC_RE.search(clean):
        return TargetDate(text, TargetKind.TO_BE_CONFIRMED)
    found = _Reader(_tokenise(clean)).scan()
    if found:
        start, due = _summarise(found)
        kind = TargetKind.DATE if due else TargetKind.ONWARDS
        return TargetDate(text, kind, start, due)
    if _ONGOING_RE.search(clean):
        return TargetDate(text, TargetKind.ONGOING)
    if _RECURRING_RE.search(clean):
        return TargetDate(text, TargetKind.RECURRING)
    return TargetDate(text, TargetKind.UNKNOWN)


def _resolve_serial(value: int | float) -> TargetDate:
    """An Excel serial day number (1900 date system)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return TargetDate(str(value), TargetKind.UNKNOWN)
        text = str(int(value)) if value.is_integer() else str(value)
    else:
        text = str(value)
    if isinstance(value, bool) or not _EXCEL_MIN <= value < _EXCEL_MAX + 1:
        return TargetDate(text, TargetKind.UNKNOWN)
    day = _EXCEL_EPOCH + timedelta(days=math.floor(value))
    return TargetDate(text, TargetKind.DATE, day, day)


def _display(value: object) -> str:
    try:
        return str(value)
    except Exception:  # a broken __str__ must not break the import
        return ""


def resolve_target(value: str | date | datetime | int | float | None) -> TargetDate:
    """Resolve a target-date cell (text, or a spreadsheet value) to its kind, start and due date.

    Never raises. See the module docstring for the conventions.
    """
    try:
        if value is None:
            return TargetDate("", TargetKind.BLANK)
        if isinstance(value, str):
            return _resolve_text(value)
        if isinstance(value, datetime):
            when = value.date()
            text = when.isoformat() if value.time() == datetime.min.time() else str(value)
            return TargetDate(text, TargetKind.DATE, when, when)
        if isinstance(value, date):
            return TargetDate(value.isoformat(), TargetKind.DATE, value, value)
        if isinstance(value, int | float):
            return _resolve_serial(value)
        return TargetDate(_display(value), TargetKind.UNKNOWN)
    except Exception:  # defensive: a reading bug must never break an import
        text = value if isinstance(value, str) else _display(value)
        return TargetDate(text, TargetKind.UNKNOWN)
