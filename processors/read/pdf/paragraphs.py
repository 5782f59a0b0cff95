"""From lines in reading order to the document's paragraphs, headings, table rows and
footnotes.

* **paragraphs**: lines are rejoined while they follow each other in the same block (a column
  of a band) at the body's line spacing in the same type size; a paragraph ends after a line
  that stops short of the block's right edge, at a larger gap, a bullet, an indented first
  line or a change of size. It goes on into the next block or page when its last line
  reaches the edge without ending a sentence. A hyphen that splits a word across lines goes
  (``environ-`` + ``mental``); lines are joined with a space;
* **headings**: lines in a type at least :data:`HEADING_RATIO` times the body's, the largest
  first (``# ``); a heading set on two or three lines is one heading;
* **table rows**: lines the layout found to be a table's rows, ``cell | cell``;
* **footnotes**: lines in the lower half of a page, in a smaller type, that start with a marker
  (``1)``, ``*``, ``※``, ``[1]``, a superscript digit) stay lines of their own, written after
  the paragraph carrying their marker.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from lingoflow.processors.core.budget import check_time
from lingoflow.processors.read.layout import heading_line, table_row
from lingoflow.processors.read.pdf.order import Line
from lingoflow.processors.text.hyphens import hyphen_stays, hyphenated
from lingoflow.processors.text.shapes import BULLET

HEADING_RATIO = 1.2
FOOTNOTE_RATIO = 0.9
_FOOTNOTE_START = re.compile(
    r"^(?:\d{1,2}\)|\(\d{1,2}\)|\[\d{1,2}\]|\*{1,3}|※|†|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)\s*\S"
)
_SENTENCE_END = re.compile(r"[.!?。？！」』”\"')\]]$|[다요음함임됨까]\.?$")


@dataclass
class Heading:
    """A heading as read: its text, type size and level (1 the largest), page."""

    text: str
    size: float
    level: int
    page: int


@dataclass
class Body:
    """The document's paragraphs in order, and its headings."""

    paragraphs: list[str] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)


def body_of(lines: list[Line], body: float, page_heights: dict[int, float]) -> Body:
    """The paragraphs of ``lines`` (all pages, reading order; ``body``: the body's type
    size)."""
    heading_sizes = sorted(
        {round(x.size, 1) for x in lines if x.size >= HEADING_RATIO * body}, reverse=True
    )
    levels = {size: level for level, size in enumerate(heading_sizes, start=1)}
    rights = _right_edges(lines, body)
    out = Body()
    current = _Paragraph()
    notes: list[list[str]] = []  # footnotes wait for the paragraph they interrupt to end
    heading: list[Line] = []

    def close() -> None:
        nonlocal current
        if current.lines:
            out.paragraphs.append(_joined(current.lines))
            current = _Paragraph()
        for note in notes:
            _place_note(out.paragraphs, " ".join(note))
        notes.clear()

    def close_heading() -> None:
        if heading:
            text = " ".join(x.text for x in heading)
            size = round(heading[0].size, 1)
            out.paragraphs.append(heading_line(text, levels[size]))
            out.headings.append(Heading(text, heading[0].size, levels[size], heading[0].page))
            heading.clear()

    previous: Line | None = None
    for line in lines:
        check_time()
        right = rights[line.block]
        new_block = previous is None or line.block != previous.block
        if line.size >= HEADING_RATIO * body and len(line.text) <= 200 and not line.table:
            close()
            if heading and not _same_heading(heading[-1], line):
                close_heading()
            heading.append(line)
            previous = line
            continue
        close_heading()
        if line.table:
            close()
            out.paragraphs.append(table_row(line.cells()))
            previous = line
            continue
        height = page_heights.get(line.page, 0.0)
        if _is_footnote(line, body, height):
            notes.append([line.text])
            previous = line
            continue
        if notes and line.size <= FOOTNOTE_RATIO * body and not new_block and not _is_start(line):
            notes[-1].append(line.text)  # a footnote's second line
            previous = line
            continue
        if current.lines:
            last = current.lines[-1]
            if new_block:
                if not (
                    _reaches(last, rights[last.block], line)
                    and not _ends(last)
                    and abs(line.size - last.size) < 1
                    and not BULLET.match(line.text)
                ):
                    close()
            elif _new_paragraph(current, line, right):
                close()
        current.append(line)
        previous = line
    close_heading()
    close()
    return out


EVIDENCED_LINES = 3
"""A block's own right edge is trusted from this many lines in the body's type. A block of
fewer (the last lines of a paragraph begun on the page before, an agency's name, a
centred formula) takes the edge of a block that has them and spans it, starting nearest to
its left."""
GEOMETRIES = 64
"""The most frequent left and right edges of such blocks looked at (a document has a few
column layouts; the bound keeps the search linear)."""


def _right_edges(lines: list[Line], body: float) -> dict[int, float]:
    """Each block's right edge: where its lines in the body's type end at most."""
    edges: dict[int, float] = {}
    counts: dict[int, int] = {}
    lefts: dict[int, float] = {}
    fallback: dict[int, float] = {}
    for line in lines:
        fallback[line.block] = max(fallback.get(line.block, 0.0), line.right)
        lefts.setdefault(line.block, line.left)
        if abs(line.size - body) < 1 and not line.table:
            edges[line.block] = max(edges.get(line.block, 0.0), line.x1)
            counts[line.block] = counts.get(line.block, 0) + 1
    geometries = Counter(
        (round(lefts[block]), round(edge))
        for block, edge in edges.items()
        if counts[block] >= EVIDENCED_LINES
    )
    evidenced = [geometry for geometry, _ in geometries.most_common(GEOMETRIES)]
    out = {block: edges.get(block, right) for block, right in fallback.items()}
    for block, edge in out.items():
        if counts.get(block, 0) >= EVIDENCED_LINES:
            continue
        left = lefts[block]
        spanning = [
            (-margin, other)
            for margin, other in evidenced
            if margin <= left + body and other >= edge - 0.5 * body
        ]
        if spanning:
            out[block] = min(spanning)[1]
    return out


def _same_heading(last: Line, line: Line) -> bool:
    """A heading's next line: same type, same page, right below."""
    return (
        abs(line.size - last.size) < 0.5
        and line.page == last.page
        and -0.5 * line.size <= line.top - last.bottom <= 0.8 * line.size
    )


def _place_note(out: list[str], note: str) -> None:
    """A footnote goes after the nearest paragraph carrying its marker (and the notes already
    there), as the other formats place them; at the end when none does."""
    match = _FOOTNOTE_START.match(note)
    marker = note[: match.end() - 1].strip() if match else ""
    if marker:
        ref = re.compile(r"(?<=[^\s*])" + re.escape(marker) + r"(?![*\d])")
        for i in range(len(out) - 1, max(-1, len(out) - 40), -1):
            if not _FOOTNOTE_START.match(out[i]) and ref.search(out[i]):
                j = i + 1
                while j < len(out) and _FOOTNOTE_START.match(out[j]):
                    j += 1
                out.insert(j, note)
                return
    out.append(note)


def _is_footnote(line: Line, body: float, height: float) -> bool:
    return (
        line.size <= FOOTNOTE_RATIO * body
        and line.top > 0.5 * height
        and bool(_FOOTNOTE_START.match(line.text))
    )


def _is_start(line: Line) -> bool:
    return bool(_FOOTNOTE_START.match(line.text) or BULLET.match(line.text))


def _reaches(line: Line, right: float, following: Line | None = None) -> bool:
    """The line was wrapped, not ended: the first word of the ``following`` line would not
    have fitted in the space left before the right edge (at the line's own mean character
    width), or, without a following line, the line runs to within three ems of the edge."""
    words = following.text.split() if following is not None else []
    if not words:
        return line.x1 >= right - 3 * line.size
    width = (line.x1 - line.x0) / max(1, len(line.text))
    return line.x1 + (len(words[0]) + 1) * width > right


def _ends(line: Line) -> bool:
    return bool(_SENTENCE_END.search(line.text))


@dataclass
class _Paragraph:
    """The lines of a paragraph being read, and the smallest gap between two of them (kept as
    lines come, so that each line costs the same however long the paragraph is)."""

    lines: list[Line] = field(default_factory=list)
    spacing: float | None = None

    def append(self, line: Line) -> None:
        if self.lines and line.block == self.lines[-1].block:
            gap = line.top - self.lines[-1].top
            if gap > 0:
                self.spacing = gap if self.spacing is None else min(self.spacing, gap)
        self.lines.append(line)


def _new_paragraph(current: _Paragraph, line: Line, right: float) -> bool:
    prev = current.lines[-1]
    gap = line.top - prev.top
    spacing = current.spacing or 1.45 * prev.size
    return (
        abs(line.size - prev.size) >= 1
        or gap > 1.4 * spacing
        or gap < 0
        or not _reaches(prev, right, line)
        or bool(BULLET.match(line.text))
        or _indented(current.lines, line)
    )


def _indented(current: list[Line], line: Line) -> bool:
    """An indented first line after a line at the margin (not a list item's hanging indent)."""
    return line.x0 > current[-1].x0 + 1.5 * line.size and not BULLET.match(current[0].text)


def _joined(lines: list[Line]) -> str:
    """The lines of a paragraph as one text, a word hyphenated across two lines rejoined
    (:mod:`~lingoflow.processors.text.hyphens`)."""
    out = [lines[0].text]
    for line in lines[1:]:
        following = line.text
        if hyphenated(out[-1], following):
            if not hyphen_stays(out[-1], following):
                out[-1] = out[-1][:-1]
            out.append(following)
        else:
            out.extend((" ", following))
    return "".join(out)
