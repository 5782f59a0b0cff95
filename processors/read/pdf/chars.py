"""The characters of a PDF page, as PDFium places them, grouped into segments.

A segment is a run of characters on one line, in the order the page's content draws them,
with no gap wider than :data:`SEGMENT_GAP` ems: a line of prose in one column, a table cell,
a page number. Segments are what the layout steps (columns, tables, furniture, paragraphs)
work on.

Positions come from each character's *loose* box (PDFium's box from the glyph's origin, its
advance and the font's ascent and descent, through the text matrix), so that two characters
of a word touch and the gap between words is the space the type left. The type size of a
run of characters is PDFium's font size times the vertical scale of the text matrix: many
producers (macOS Quartz, InDesign, Distiller, iText) set the font at size 1 and scale the
matrix, so the font size alone would say 1 pt for every character.

Only the visible page is text: characters whose box lies outside the page's crop box (the
other half of a spread, text pushed off the page) are counted, not read. Text set at an angle
to the page's main direction (a diagonal watermark, a vertical label) is counted and left
out; a page whose text runs mostly at 90, 180 or 270 degrees (a landscape page kept in
portrait) is read in that direction.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass, field

from lingoflow.processors.core.budget import check_time

SEGMENT_GAP = 1.0
"""Gap between two characters of a line, in ems of the type, beyond which they belong to
two segments (two cells, two columns)."""
SPACE_GAP = 0.15
"""Gap, in ems, beyond which two characters are two words even where the content has no
space between them."""


@dataclass(slots=True)
class Segment:
    """A run of text on one line: its box (points; ``top`` and ``bottom`` measured down from
    the top of the visible page), the type size (points) and weight of most of its
    characters, and its text."""

    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    text: str

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class PageText:
    """One page: its number (from 1), its visible size (points) and its segments in the
    order the content draws them; the characters that stood outside the visible page or at an
    angle to its text, a space where a line or word ended."""

    number: int
    width: float
    height: float
    segments: list[Segment] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    rotated: list[str] = field(default_factory=list)


# a character: text, left, right, bottom, top (PDF user space), its run's index
_Char = tuple[str, float, float, float, float, int]


@dataclass(slots=True)
class _Run:
    """What PDFium says of a run of characters with the same box height: size, weight and
    direction (0, 90, 180, 270, or -1 for any other angle)."""

    size: float
    bold: bool
    direction: int


def read_page(pdf: object, index: int) -> PageText:
    """The segments of page ``index`` of an open ``pypdfium2.PdfDocument``."""
    page = pdf[index]  # type: ignore[index]
    try:
        crop = tuple(float(v) for v in page.get_cropbox())
        textpage = page.get_textpage()
        try:
            chars, runs = _chars(textpage)
        finally:
            textpage.close()
    finally:
        page.close()
    return _segments(index + 1, crop, chars, runs)  # type: ignore[arg-type]


def _chars(textpage: object) -> tuple[list[_Char | None], list[_Run]]:
    """Every character of the page with its loose box; None for a line break PDFium made,
    a space for a space (a space keeps no box)."""
    import pypdfium2.raw as raw

    count = textpage.count_chars()  # type: ignore[attr-defined]
    if count <= 0:
        return [], []
    text = textpage.get_text_range(0, count)  # type: ignore[attr-defined]
    if len(text) != count:  # characters outside the BMP: read one by one
        text = "".join(
            textpage.get_text_range(i, 1)[:1] or " "  # type: ignore[attr-defined]
            for i in range(count)
        )
    handle = textpage.raw  # type: ignore[attr-defined]
    rect = raw.FS_RECTF()
    box = ctypes.byref(rect)
    matrix = raw.FS_MATRIX()
    loose = raw.FPDFText_GetLooseCharBox
    chars: list[_Char | None] = []
    runs: list[_Run] = []
    height = -1.0
    for i, char in enumerate(text):
        if char == "\n" or char == "\r":
            if chars and chars[-1] is not None:
                chars.append(None)
            continue
        if i % 512 == 0:
            check_time()
        if char.isspace() or not loose(handle, i, box):
            chars.append((" ", 0.0, 0.0, 0.0, 0.0, -1))
            continue
        if char in "\ufffe\u00ad\x02":  # a hyphen PDFium found at a line end
            char = "-"
        h = rect.top - rect.bottom
        if h != height or not runs:
            height = h
            runs.append(_run(raw, handle, i, matrix))
        chars.append((char, rect.left, rect.right, rect.bottom, rect.top, len(runs) - 1))
    return chars, runs


def _run(raw: object, handle: object, i: int, matrix: object) -> _Run:
    size = abs(raw.FPDFText_GetFontSize(handle, i))  # type: ignore[attr-defined]
    if raw.FPDFText_GetMatrix(handle, i, ctypes.byref(matrix)):  # type: ignore[attr-defined,arg-type]
        a, b, c, d = matrix.a, matrix.b, matrix.c, matrix.d  # type: ignore[attr-defined]
        size *= math.hypot(c, d) or 1.0
        angle = math.degrees(math.atan2(b, a)) % 360
        nearest = round(angle / 90) * 90 % 360
        direction = nearest if abs((angle - nearest + 180) % 360 - 180) < 5 else -1
    else:
        direction = 0
    weight = raw.FPDFText_GetFontWeight(handle, i)  # type: ignore[attr-defined]
    return _Run(size=size or 10.0, bold=weight >= 600, direction=direction)


def _frame(crop: tuple[float, float, float, float], direction: int) -> tuple[float, float, object]:
    """The page's width and height read in ``direction``, and the function taking a
    character's box (left, right, bottom, top in user space) to x0, x1, top, bottom there."""
    left, bottom, right, top = crop
    if direction == 90:
        return (
            top - bottom,
            right - left,
            lambda x0, x1, y0, y1: (y0 - bottom, y1 - bottom, x0 - left, x1 - left),
        )
    if direction == 180:
        return (
            right - left,
            top - bottom,
            lambda x0, x1, y0, y1: (right - x1, right - x0, y0 - bottom, y1 - bottom),
        )
    if direction == 270:
        return (
            top - bottom,
            right - left,
            lambda x0, x1, y0, y1: (top - y1, top - y0, right - x1, right - x0),
        )
    return (
        right - left,
        top - bottom,
        lambda x0, x1, y0, y1: (x0 - left, x1 - left, top - y1, top - y0),
    )


def _segments(
    number: int,
    crop: tuple[float, float, float, float],
    chars: list[_Char | None],
    runs: list[_Run],
) -> PageText:
    """The page's segments: characters in content order, cut where the line changes, where
    the next character goes back or stands more than :data:`SEGMENT_GAP` ems away."""
    tally: dict[int, int] = {}
    for run_index in (c[5] for c in chars if c is not None and c[5] >= 0):
        direction = runs[run_index].direction
        tally[direction] = tally.get(direction, 0) + 1
    main = max((d for d in tally if d >= 0), key=lambda d: tally[d], default=0)
    width, height, place = _frame(crop, main)
    page = PageText(number, width, height)
    current: list[tuple[str, float, float, float, float, int]] = []
    space = False
    for char in chars:
        if char is None or char[5] < 0:
            # PDFium's line break (the geometry decides: a superscript goes on) or a space
            space = char is not None
            for unseen in (page.hidden, page.rotated):
                if unseen and unseen[-1] != " ":
                    unseen.append(" ")
            continue
        text, left, right, bottom, top, run_index = char
        if runs[run_index].direction != main:
            page.rotated.append(text)
            continue
        x0, x1, y0, y1 = place(left, right, bottom, top)  # type: ignore[operator]
        if not (0 <= (x0 + x1) / 2 <= width and 0 <= (y0 + y1) / 2 <= height):
            page.hidden.append(text)
            continue
        if current:
            last = current[-1]
            size = runs[run_index].size
            if abs(x0 - last[1]) < 0.01 and abs(x1 - last[2]) < 0.01:
                current.append((text, x0, x1, y0, y1, run_index))  # a ligature spelt out
                space = False
                continue
            if text == last[0] and abs(x0 - last[1]) < 0.1 * size:
                space = False  # a letter drawn twice, a little apart, to look bold
                continue
            gap = x0 - last[2]
            middle = (y0 + y1) / 2
            if not (last[3] <= middle <= last[4] or y0 <= (last[3] + last[4]) / 2 <= y1) or (
                gap < -0.5 * size or gap > SEGMENT_GAP * size
            ):
                _close(page, current, runs)
                current, space = [], False
            elif space or gap > SPACE_GAP * size:
                current.append((" ", x0, x0, y0, y1, run_index))
        space = False
        current.append((text, x0, x1, y0, y1, run_index))
    _close(page, current, runs)
    return page


def _close(
    page: PageText, chars: list[tuple[str, float, float, float, float, int]], runs: list[_Run]
) -> None:
    """Add the segment of ``chars`` (x0, x1, top, bottom in the page's frame) to ``page``."""
    if not chars:
        return
    counts: dict[int, int] = {}
    for c in chars:
        counts[c[5]] = counts.get(c[5], 0) + 1
    main = runs[max(counts, key=lambda k: counts[k])]
    tops = sorted(c[3] for c in chars if c[0] != " ")
    bottoms = sorted(c[4] for c in chars if c[0] != " ")
    page.segments.append(
        Segment(
            x0=chars[0][1],
            x1=max(c[2] for c in chars),
            top=tops[len(tops) // 2],
            bottom=bottoms[len(bottoms) // 2],
            size=main.size,
            bold=main.bold,
            text="".join(c[0] for c in chars).strip(),
        )
    )
