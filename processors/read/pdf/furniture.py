"""Running headers, running footers and page numbers of a PDF.

Furniture stands at the page's edges and repeats from page to page with its numbers changing.
Each page's rows (segments whose vertical extents meet, across the whole page) are peeled from
the top and from the bottom, within :data:`ZONE` of the page's height and at most
:data:`DEPTH` rows deep, while the outermost row left is furniture:

* a **page number**: a row that is only a number in one of the usual forms (``- 7 -``,
  ``7/12``, ``7 | 12``, ``Page 7 of 12``, ``vii``, ``7쪽``);
* a **running header or footer**: a row whose text, with its digits and roman numerals
  masked and the numbers at its ends set aside (so that ``7 | 1.2. METRISCHE RÄUME`` and
  ``1.2. METRISCHE RÄUME | 8`` are one), stands at the same edge of at least half the pages,
  or of half the odd or half the even pages (headers alternating between the two), two
  pages at least; or of two pages when it carries the page number (a chapter's running head
  changes from chapter to chapter); or, carrying the page number, when it stands where the
  running lines of two other pages of the same parity stand (a chapter's name on its only
  odd page).

Digits inside the text block are never page numbers: a row is furniture only from the edge
in, and the peeling stops at the first row that is not.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from lingoflow.processors.core.record import Removed
from lingoflow.processors.read.layout import is_page_number
from lingoflow.processors.read.pdf.chars import PageText, Segment
from lingoflow.processors.read.pdf.order import rows_of

ZONE = 0.12
"""Share of the page's height, at the top and at the bottom, where furniture can stand."""
DEPTH = 6
"""Rows at most peeled at each edge of a page."""

_NUMBER = re.compile(r"\d+|(?<![^\W\d_])[ivxlcdm]+(?![^\W\d_])", re.IGNORECASE)
_ENDS = re.compile(r"^(?:[#\W_]|page\b|p\.)+|(?:[#\W_]|쪽|페이지)+$", re.IGNORECASE)
_TWO_NUMBERS = re.compile(r"^\d{1,4}\W{0,3}\d{1,4}$")


def furniture_key(text: str) -> str:
    """What stays of a header or footer from page to page: the text in lower case, numbers
    masked, without the numbers and punctuation at its ends.

    >>> furniture_key("7 | 1.2. METRISCHE RÄUME") == furniture_key("1.2. Metrische Räume 8")
    True
    >>> furniture_key("Chapter IV: Results - 17")
    'chapter #: results'
    """
    masked = _NUMBER.sub("#", " ".join(text.lower().split()))
    return _ENDS.sub("", masked).strip()


def _numbered(text: str) -> bool:
    """A row that carries a number at one of its ends (its page number)."""
    words = text.split()
    return bool(words) and any(
        _NUMBER.fullmatch(w.strip("-–—|()[].")) for w in (words[0], words[-1])
    )


def _page_number(text: str) -> bool:
    compact = " ".join(text.split())
    return is_page_number(compact) or bool(_TWO_NUMBERS.match(compact))


def remove_furniture(pages: list[PageText], removed: list[Removed]) -> list[list[Segment]]:
    """Each page's segments without its furniture; what was removed goes to ``removed``."""
    edges: list[tuple[list[list[Segment]], list[list[Segment]]]] = []
    seen: Counter[tuple[str, str]] = Counter()
    by_parity: Counter[tuple[str, str, int]] = Counter()
    for page in pages:
        rows = rows_of(page.segments)
        top = [r for r in rows[:DEPTH] if min(s.top for s in r) < ZONE * page.height]
        bottom = [
            r for r in rows[::-1][:DEPTH] if max(s.bottom for s in r) > (1 - ZONE) * page.height
        ]
        edges.append((top, bottom))
        keys = {("running_header", furniture_key(_text(r))) for r in top}
        keys |= {("running_footer", furniture_key(_text(r))) for r in bottom}
        keys = {k for k in keys if k[1]}
        seen.update(keys)
        by_parity.update((where, key, page.number % 2) for where, key in keys)
    count = len(pages)
    odd = (count + 1) // 2
    even = count // 2

    def running(where: str, text: str, number: int) -> bool:
        key = furniture_key(text)
        if not key:
            return False
        parity = number % 2
        same = odd if parity else even
        return (
            seen[(where, key)] >= max(2, math.ceil(count / 2))
            or by_parity[(where, key, parity)] >= max(2, math.ceil(same / 2))
            or (seen[(where, key)] >= 2 and _numbered(text))
        )

    # where running lines stand: a page's own running line (a chapter's name on its one odd
    # page) is furniture too when it stands there, with its page number
    slots: list[tuple[str, int, float, float, float, float]] = []
    for page, (top, bottom) in zip(pages, edges, strict=True):
        for where, candidates in (("running_header", top), ("running_footer", bottom)):
            for row in candidates:
                if running(where, _text(row), page.number):
                    slots.append((where, page.number % 2, *_box(row)))

    def in_slot(where: str, row: list[Segment], number: int) -> bool:
        if number == pages[0].number:  # a first page's own heading is no running line
            return False
        row_top, x0, x1, size = _box(row)
        return (
            _numbered(_text(row))
            and sum(
                1
                for w, parity, t, a, b, z in slots
                if w == where
                and parity == number % 2
                and abs(t - row_top) <= 2
                and (abs(a - x0) <= 2 or abs(b - x1) <= 2)
                and abs(z - size) < 1
            )
            >= 2
        )

    out = []
    for page, (top, bottom) in zip(pages, edges, strict=True):
        drop: set[int] = set()
        for where, candidates in (("running_header", top), ("running_footer", bottom)):
            for row in candidates:
                if id(row[0]) in drop:  # a short page: the same row at both edges
                    continue
                text = _text(row)
                if _page_number(text):
                    removed.append(Removed(text=text, reason="page_number"))
                elif running(where, text, page.number) or in_slot(where, row, page.number):
                    removed.append(Removed(text=text, reason=where))
                else:
                    break
                drop.update(id(s) for s in row)
        out.append([s for s in page.segments if id(s) not in drop])
    return out


def _box(row: list[Segment]) -> tuple[float, float, float, float]:
    """A row's top, left and right edges and its largest type size."""
    return (
        min(s.top for s in row),
        min(s.x0 for s in row),
        max(s.x1 for s in row),
        max(s.size for s in row),
    )


def _text(row: list[Segment]) -> str:
    return " ".join(s.text for s in row)
