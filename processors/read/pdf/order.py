"""Reading order on a page: rows, columns, table rows.

The segments of a page (see :mod:`~lingoflow.processors.read.pdf.chars`) become lines in the
order a reader takes them:

* **columns** are found from the gaps in x that many lines leave free: a band of the page
  that no segment narrower than 60 % of the text crosses, wide enough (half an em) and with
  text on both sides; the columns it separates must read as prose (at least 12 ems wide,
  their lines filling most of that width), so a table's columns stay rows of a table;
* a segment that crosses a gutter (a title, a full-width heading, a table or figure caption
  across the page) cuts the page into **bands**; each band is read column by column, top to
  bottom, and the crossing segments stand in place between them;
* within a column, segments whose vertical extents meet are one **row**, left to right;
* a row of several segments (gaps over an em between them) is a **table row**, written
  ``cell | cell``, when a neighbouring row also has several segments and the two share a
  column edge (a cell's left or right edge or middle within a third of an em); otherwise its
  segments are joined with a space (a wide gap in justified text, a spread label).
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass, field

from lingoflow.processors.read.pdf.chars import PageText, Segment

NARROW = 0.6
"""Share of the text's width under which a segment can stand in a column."""
MIN_COLUMN_EMS = 12.0
"""The narrowest column of prose, in ems of the body type."""
MIN_GUTTER_EMS = 0.5
"""The narrowest gutter between columns, in ems of the body type."""


@dataclass
class Line:
    """A row of a column in reading order: its segments left to right, whether they are a
    table's cells, the block (column of a band, or a crossing row) it belongs to and that
    block's left and right text edges."""

    parts: list[Segment]
    block: int
    left: float
    right: float
    table: bool = False
    page: int = 0

    @property
    def x0(self) -> float:
        return self.parts[0].x0

    @property
    def x1(self) -> float:
        return max(p.x1 for p in self.parts)

    @property
    def top(self) -> float:
        return min(p.top for p in self.parts)

    @property
    def bottom(self) -> float:
        return max(p.bottom for p in self.parts)

    @property
    def size(self) -> float:
        """The type size of most of the line's text."""
        longest = max(self.parts, key=lambda p: len(p.text))
        return longest.size

    @property
    def bold(self) -> bool:
        return all(p.bold for p in self.parts)

    @property
    def text(self) -> str:
        return " ".join(p.text for p in self.parts)

    def cells(self) -> list[str]:
        return [p.text for p in self.parts]


@dataclass
class _Block:
    rows: list[list[Segment]] = field(default_factory=list)


def rows_of(segments: list[Segment]) -> list[list[Segment]]:
    """Segments grouped into rows (vertical extents meeting: one's middle within the other's
    top and bottom), top to bottom, each row left to right."""
    rows: list[list[Segment]] = []
    seed: Segment | None = None
    for segment in sorted(segments, key=lambda s: (s.middle, s.x0)):
        if seed is not None and (
            seed.top <= segment.middle <= seed.bottom
            or segment.top <= seed.middle <= segment.bottom
        ):
            rows[-1].append(segment)
            if segment.bottom - segment.top > seed.bottom - seed.top:
                seed = segment
            continue
        rows.append([segment])
        seed = segment
    for row in rows:
        row.sort(key=lambda s: s.x0)
    return rows


def body_size(segments: list[Segment]) -> float:
    """The type size of most of the text (by characters), to the half point."""
    weights: dict[float, int] = {}
    for s in segments:
        key = round(s.size * 2) / 2
        weights[key] = weights.get(key, 0) + len(s.text)
    return max(weights, key=lambda k: weights[k]) if weights else 10.0


def gutters(segments: list[Segment], em: float) -> list[tuple[float, float]]:
    """The gaps between prose columns on a page: (left, right) edges in points, left to
    right."""
    if len(segments) < 6:
        return []
    left = min(s.x0 for s in segments)
    right = max(s.x1 for s in segments)
    width = right - left
    if width < 2 * MIN_COLUMN_EMS * em:
        return []
    narrow = [s for s in segments if s.x1 - s.x0 < NARROW * width]
    if len(narrow) < 6:
        return []
    cells = math.ceil(width) + 2
    cover = [0] * (cells + 1)
    for s in narrow:
        cover[max(0, int(s.x0 - left))] += 1
        cover[min(cells, math.ceil(s.x1 - left))] -= 1
    allowed = max(1, len(narrow) // 50)
    runs: list[tuple[float, float]] = []
    depth = 0
    start: int | None = None
    for x in range(cells):
        depth += cover[x]
        if depth <= allowed:
            if start is None:
                start = x
        elif start is not None:
            if start > 0 and x - start >= MIN_GUTTER_EMS * em:
                runs.append((left + start, left + x))
            start = None
    return _prose_columns(runs, narrow, left, right, em)


def _prose_columns(
    runs: list[tuple[float, float]],
    narrow: list[Segment],
    left: float,
    right: float,
    em: float,
) -> list[tuple[float, float]]:
    """The gaps of ``runs`` that separate columns of prose. Each column must be at least
    :data:`MIN_COLUMN_EMS` wide with three lines; and on each side of a gap the lines must
    either fill most of their column (justified or ragged prose) or not stand on the other
    side's baselines (a table's cells do, row by row). A gap that fails is dropped, and the
    check starts again with the merged column."""
    kept = list(runs)
    while kept:
        edges = [left, *(x for run in kept for x in run), right]
        columns = [
            [s for s in narrow if s.x0 >= edges[2 * k] - 1 and s.x1 <= edges[2 * k + 1] + 1]
            for k in range(len(kept) + 1)
        ]
        widths = [edges[2 * k + 1] - edges[2 * k] for k in range(len(kept) + 1)]
        weak = next(
            (
                k
                for k in range(len(kept))
                if not _apart(columns[k], widths[k], columns[k + 1], widths[k + 1], em)
            ),
            None,
        )
        if weak is None:
            return kept
        kept.pop(weak)
    return kept


def _apart(a: list[Segment], a_width: float, b: list[Segment], b_width: float, em: float) -> bool:
    """Two neighbouring groups of lines are two columns of prose, not two columns of a
    table."""
    if min(a_width, b_width) < MIN_COLUMN_EMS * em or len(a) < 3 or len(b) < 3:
        return False
    if _fill(a, a_width) >= 0.5 and _fill(b, b_width) >= 0.5:
        return True
    bottoms = sorted(s.bottom for s in b)
    shared = sum(1 for s in a if _near(bottoms, s.bottom, 0.15 * em))
    return shared < 0.5 * len(a)


def _fill(segments: list[Segment], width: float) -> float:
    """The median share of the column's width its lines fill."""
    widths = sorted(s.x1 - s.x0 for s in segments)
    return widths[len(widths) // 2] / width


def _near(ordered: list[float], value: float, tolerance: float) -> bool:
    k = bisect.bisect_left(ordered, value - tolerance)
    return k < len(ordered) and ordered[k] <= value + tolerance


SLAB_GAP = 0.8
"""Clear space between two rows, in ems of the body type, that parts a page into slabs
(a sidebar's box below a paragraph, a block of two boxes side by side) when no column runs
down the whole of it."""
MAX_DEPTH = 4
"""How many times a page is cut (columns within a slab within a band) at most."""


def page_lines(page: PageText, segments: list[Segment], em: float, first_block: int) -> list[Line]:
    """The lines of a page in reading order (``segments``: the page's, furniture removed);
    blocks are numbered from ``first_block``."""
    out: list[Line] = []
    for number, block in enumerate(_blocks(segments, em, 0), start=first_block):
        c0 = min(s.x0 for s in block)
        c1 = max(s.x1 for s in block)
        out.extend(Line(row, number, c0, c1, page=page.number) for row in rows_of(block))
    mark_tables(out, em)
    return out


def _blocks(segments: list[Segment], em: float, depth: int) -> list[list[Segment]]:
    """``segments`` cut into blocks read one after the other: the columns of the bands that
    gutters run down, left to right, the rows crossing a gutter in place between the bands;
    without a gutter, slabs parted by clear space, each looked at again the same way."""
    if not segments:
        return []
    if depth >= MAX_DEPTH:
        return [segments]
    em = body_size(segments)  # a box's small print has columns of its own measure
    found = gutters(segments, em)
    if not found:
        slabs = _slabs(segments, em)
        if len(slabs) == 1:
            return [segments]
        return [block for slab in slabs for block in _blocks(slab, em, depth + 1)]
    left = min(s.x0 for s in segments)
    right = max(s.x1 for s in segments)
    edges = [left, *(x for g in found for x in g), right]
    columns = [(edges[2 * k], edges[2 * k + 1]) for k in range(len(found) + 1)]
    out: list[list[Segment]] = []
    pending: list[list[Segment]] = [[] for _ in columns]

    def flush() -> None:
        for k, members in enumerate(pending):
            out.extend(_blocks(members, em, depth + 1))
            pending[k] = []

    for row in rows_of(segments):
        places = [_column_of(s, columns) for s in row]
        if None in places:  # across a gutter: the row stands in place between the bands
            flush()
            out.append(row)
            continue
        for s, k in zip(row, places, strict=True):
            pending[k or 0].append(s)
    flush()
    return out


def _slabs(segments: list[Segment], em: float) -> list[list[Segment]]:
    """``segments`` parted where :data:`SLAB_GAP` ems or more of clear space run across."""
    ordered = sorted(segments, key=lambda s: s.top)
    slabs: list[list[Segment]] = [[]]
    bottom = ordered[0].bottom
    for s in ordered:
        if s.top - bottom >= SLAB_GAP * em and slabs[-1]:
            slabs.append([])
        slabs[-1].append(s)
        bottom = max(bottom, s.bottom)
    return slabs


def _column_of(segment: Segment, columns: list[tuple[float, float]]) -> int | None:
    for k, (c0, c1) in enumerate(columns):
        if segment.x0 >= c0 - 1 and segment.x1 <= c1 + 1:
            return k
    return None


def mark_tables(lines: list[Line], em: float) -> None:
    """Mark as table rows the lines of several segments right above or below another such
    line (in the same block, or the next block down: a table's padded rows are slabs of
    their own) whose gaps they share: every gap between the segments of the line with fewer
    of them overlaps a gap of the other (the columns of a table, a merged cell spanning
    some of them)."""
    for a, b in itertools.pairwise(lines):
        if len(a.parts) < 2 or len(b.parts) < 2:
            continue
        if b.top - a.bottom > 3 * em or (a.block != b.block and b.top < a.bottom):
            continue
        fewer, more = (a, b) if len(a.parts) <= len(b.parts) else (b, a)
        if _gaps_shared(_gaps(fewer.parts), _gaps(more.parts)):
            a.table = b.table = True


def _gaps(parts: list[Segment]) -> list[tuple[float, float]]:
    return [(p.x1, q.x0) for p, q in itertools.pairwise(parts)]


def _gaps_shared(few: list[tuple[float, float]], many: list[tuple[float, float]]) -> bool:
    """Every gap of ``few`` overlaps one of ``many`` (both left to right)."""
    ends = [end for _, end in many]
    for start, end in few:
        k = bisect.bisect_right(ends, start)
        if k == len(many) or many[k][0] >= end:
            return False
    return True
