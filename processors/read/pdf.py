"""PDF with pypdfium2 (PDFium, the PDF engine of Chromium): the text layer line by line, with
positions and font sizes, turned into the document's paragraphs.

Per page, PDFium's text rectangles are grouped into lines by baseline; a line whose pieces
stand far apart (more than twice the font size) is a table row, written ``cell | cell``. Then:

* running headers and footers: lines in the top or bottom tenth of the page whose text, digits
  aside, recurs on at least half the pages (two at least) are removed (``running_header``,
  ``running_footer``); a line there that is only a page number (``- 1 -``, ``1/12``, ``Page 3
  of 12``) is removed on any page (``page_number``);
* paragraphs: lines are rejoined while they follow each other at the body's line spacing in
  the same font size; a paragraph ends after a line that stops short of the right margin, at
  a larger gap, a bullet, an indented first line or a change of size, and goes on across a
  page break when the last line reaches the margin without ending a sentence. A hyphen that
  splits a word across lines goes ("environ-" + "mental"); Korean and English lines are
  joined with a space;
* headings: lines in a font at least 1.2 times the body's, the largest first (``# ``);
* footnotes: lines at the bottom of the body in a smaller font that start with a marker
  (``1)``, ``*``, ``※``, ``[1]``, a superscript digit) stay lines of their own, written after
  the paragraph they interrupt.

Reading order is top to bottom: a page set in two columns comes out line by line across both
(a known limit). A PDF whose pages have no text layer (a scan) is refused with
``no_text_layer``: OCR is not part of lingoflow. Encrypted PDFs are refused (``encrypted``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from lingoflow.processors.core.budget import check_time
from lingoflow.processors.core.document import OfficeText
from lingoflow.processors.core.record import Removed
from lingoflow.processors.read.formats import OfficeError
from lingoflow.processors.read.layout import (
    heading_line,
    is_page_number,
    join_paragraphs,
    table_row,
)
from lingoflow.processors.text.shapes import BULLET

HEADING_RATIO = 1.2
FOOTNOTE_RATIO = 0.9
ZONE = 0.1
"""Share of the page height, at the top and at the bottom, where running headers and footers
stand."""
_FOOTNOTE_START = re.compile(
    r"^(?:\d{1,2}\)|\(\d{1,2}\)|\[\d{1,2}\]|\*{1,3}|※|†|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)\s*\S"
)
_SENTENCE_END = re.compile(r"[.!?。？！」』”\"')\]]$|[다요음함임됨까]\.?$")


@dataclass
class _Line:
    """One line of a page: its baseline and font size (points, y from the page top), the
    left and right edges, and its pieces (x0, x1, text)."""

    baseline: float
    size: float
    x0: float
    x1: float
    pieces: list[tuple[float, float, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(p[2] for p in self.pieces)

    def cells(self) -> list[str]:
        """The pieces grouped where they stand more than twice the font size apart."""
        groups: list[list[str]] = []
        last = -math.inf
        for x0, x1, text in self.pieces:
            if x0 - last > 2 * self.size or not groups:
                groups.append([])
            groups[-1].append(text)
            last = x1
        return [" ".join(g) for g in groups]


@dataclass
class _Page:
    height: float
    lines: list[_Line]


def read_pdf(data: bytes, max_bytes: int) -> OfficeText:
    """The text of a PDF (see :mod:`lingoflow.processors.read.office` for the form)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise OfficeError(
                "encrypted",
                "the PDF is encrypted (it needs a password); lingoflow does not decrypt documents",
            ) from exc
        raise OfficeError("corrupt_document", f"not a readable PDF: {exc}") from exc
    try:
        pages = [_read_page(pdf, i) for i in range(len(pdf))]
        meta = pdf.get_metadata_dict(skip_empty=True)
    except pdfium.PdfiumError as exc:
        raise OfficeError("corrupt_document", f"a page of the PDF cannot be read: {exc}") from exc
    finally:
        pdf.close()
    if not any(page.lines for page in pages):
        raise OfficeError(
            "no_text_layer",
            f"none of the {len(pages)} page(s) has a text layer (a scanned document?); "
            "OCR is not part of lingoflow",
        )
    out = OfficeText()
    body = _remove_running_lines(pages, out.removed)
    out.text = join_paragraphs(_paragraphs(body))
    out.title = " ".join(meta.get("Title", "").split()) or None
    out.author = " ".join(meta.get("Author", "").split()) or None
    return out


def _read_page(pdf: object, index: int) -> _Page:
    """The lines of one page, as PDFium breaks them, with each character's box: a line's
    baseline, font size and edges, cut into pieces where characters stand far apart."""
    import ctypes

    import pypdfium2.raw as raw

    page = pdf[index]  # type: ignore[index]
    try:
        _, height = page.get_size()
        textpage = page.get_textpage()
        try:
            count = textpage.count_chars()
            text = textpage.get_text_range(0, count) if count > 0 else ""
            if len(text) != count:  # characters outside the BMP: read one by one
                text = "".join(textpage.get_text_range(i, 1)[:1] or " " for i in range(count))
            handle = textpage.raw
            left, right, bottom, top = (ctypes.c_double() for _ in range(4))
            boxes = (
                ctypes.byref(left),
                ctypes.byref(right),
                ctypes.byref(bottom),
                ctypes.byref(top),
            )
            lines: list[_Line] = []
            chars: list[tuple[str, float, float, float, float]] = []
            placed: tuple[str, float, float, float, float] | None = None  # the last non-space
            for i, char in enumerate(text):
                if char in "\r\n":
                    _add_line(lines, chars, height)
                    chars, placed = [], None
                    continue
                if i % 256 == 0:
                    check_time()
                if char in "\ufffe\u00ad":  # a hyphen PDFium found at a line end
                    char = "-"
                if char.isspace() or not raw.FPDFText_GetCharBox(handle, i, *boxes):
                    chars.append((" ", 0.0, 0.0, 0.0, 0.0))
                    continue
                if placed is not None and _next_line(placed, left.value, bottom.value):
                    _add_line(lines, chars, height)  # PDFium ran two lines together
                    chars = []
                known = chars and chars[-1][0] != " "
                size = abs(raw.FPDFText_GetFontSize(handle, i)) if not known else 0.0
                placed = (char, left.value, right.value, bottom.value, float(size))
                chars.append(placed)
            _add_line(lines, chars, height)
        finally:
            textpage.close()
    finally:
        page.close()
    return _Page(height, sorted(lines, key=lambda line: line.baseline))


def _next_line(previous: tuple[str, float, float, float, float], x0: float, bottom: float) -> bool:
    """A character that starts a new line: back to the left, on another baseline."""
    size = previous[4] or 10.0
    return x0 < previous[1] and abs(bottom - previous[3]) > 0.5 * size


def _add_line(
    lines: list[_Line], chars: list[tuple[str, float, float, float, float]], height: float
) -> None:
    """One line from its characters (text, left, right, bottom, font size where known)."""
    placed = [c for c in chars if c[0] != " "]
    if not placed:
        return
    sizes = [c[4] for c in placed if c[4] > 0]
    size = max(sizes) if sizes else 10.0
    baseline = height - min(c[3] for c in placed[: max(1, len(placed) // 2)])
    line = _Line(baseline, size, placed[0][1], max(c[2] for c in placed))
    piece: list[str] = []
    start = end = placed[0][1]
    previous_right = None
    for char, x0, x1, _, _ in chars:
        if char == " ":
            if piece and piece[-1] != " ":
                piece.append(" ")
            continue
        if previous_right is not None and x0 - previous_right > 2 * size and piece:
            line.pieces.append((start, end, "".join(piece).strip()))
            piece, start = [], x0
        piece.append(char)
        end = previous_right = x1
    if piece:
        line.pieces.append((start, end, "".join(piece).strip()))
    lines.append(line)


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _remove_running_lines(pages: list[_Page], removed: list[Removed]) -> list[_Page]:
    """The pages without running headers, footers and page numbers (noted in ``removed``)."""
    zones: list[list[tuple[_Line, str]]] = []
    seen: Counter[tuple[str, str]] = Counter()
    for page in pages:
        found = []
        for line in page.lines:
            where = (
                "running_header"
                if line.baseline - line.size < ZONE * page.height
                else "running_footer"
                if line.baseline > (1 - ZONE) * page.height
                else None
            )
            if where:
                found.append((line, where))
        zones.append(found)
        seen.update({(where, _key(line.text)) for line, where in found})
    needed = max(2, math.ceil(len(pages) / 2))
    out = []
    for page, found in zip(pages, zones, strict=True):
        drop = set()
        for line, where in found:
            if is_page_number(line.text):
                removed.append(Removed(text=line.text, reason="page_number"))
                drop.add(id(line))
            elif seen[(where, _key(line.text))] >= needed:
                removed.append(Removed(text=line.text, reason=where))
                drop.add(id(line))
        out.append(_Page(page.height, [x for x in page.lines if id(x) not in drop]))
    return out


def _body_size(pages: list[_Page]) -> float:
    sizes: Counter[float] = Counter()
    for page in pages:
        for line in page.lines:
            sizes[round(line.size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _paragraphs(pages: list[_Page]) -> list[str]:
    body = _body_size(pages)
    heading_sizes = sorted(
        {round(x.size, 1) for p in pages for x in p.lines if x.size >= HEADING_RATIO * body},
        reverse=True,
    )
    levels = {size: level for level, size in enumerate(heading_sizes, start=1)}
    out: list[str] = []
    current = _Paragraph()
    notes: list[list[str]] = []  # footnotes wait for the paragraph they interrupt to end

    def close() -> None:
        nonlocal current
        if current.lines:
            out.append(_joined(current.lines))
            current = _Paragraph()
        for note in notes:
            _place_note(out, " ".join(note))
        notes.clear()

    previous_right = 0.0  # the right margin of the page before
    for page in pages:
        right = max((x.x1 for x in page.lines if abs(x.size - body) < 1), default=0.0)
        first = page.lines[0] if page.lines else None
        last = current.lines[-1] if current.lines else None
        if not (last and _reaches(last, previous_right, first) and not _ends(current.lines)):
            close()
        previous_right = right
        for k, line in enumerate(page.lines):
            check_time()
            text = line.text
            cells = line.cells()
            if len(cells) >= 2:
                close()
                out.append(table_row(cells))
                continue
            if line.size >= HEADING_RATIO * body and len(text) <= 200:
                close()
                out.append(heading_line(text, levels[round(line.size, 1)]))
                continue
            if _is_footnote(line, body, page):
                notes.append([text])
                continue
            if notes and line.size <= FOOTNOTE_RATIO * body and k and not _is_start(line):
                notes[-1].append(text)  # a footnote's second line
                continue
            if current.lines and _new_paragraph(current, line, right, k == 0):
                close()
            current.append(line)
    close()
    return out


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


def _is_footnote(line: _Line, body: float, page: _Page) -> bool:
    return (
        line.size <= FOOTNOTE_RATIO * body
        and line.baseline > 0.5 * page.height
        and bool(_FOOTNOTE_START.match(line.text))
    )


def _is_start(line: _Line) -> bool:
    return bool(_FOOTNOTE_START.match(line.text) or BULLET.match(line.text))


def _reaches(line: _Line, right: float, following: _Line | None = None) -> bool:
    """The line was wrapped, not ended: the first word of the ``following`` line would not
    have fitted in the space left before the right margin (at the line's own mean character
    width), or, without a following line, the line runs to within three ems of the margin."""
    if following is None or not following.text.split():
        return line.x1 >= right - 3 * line.size
    width = (line.x1 - line.x0) / max(1, len(line.text))
    first = following.text.split()[0]
    return line.x1 + (len(first) + 1) * width > right


def _ends(lines: list[_Line]) -> bool:
    return bool(_SENTENCE_END.search(lines[-1].text))


@dataclass
class _Paragraph:
    """The lines of a paragraph being read, and the smallest gap between two of them (kept as
    lines come, so that each line costs the same however long the paragraph is)."""

    lines: list[_Line] = field(default_factory=list)
    spacing: float | None = None

    def append(self, line: _Line) -> None:
        if self.lines:
            gap = line.baseline - self.lines[-1].baseline
            self.spacing = gap if self.spacing is None else min(self.spacing, gap)
        self.lines.append(line)


def _new_paragraph(current: _Paragraph, line: _Line, right: float, first_on_page: bool) -> bool:
    prev = current.lines[-1]
    if first_on_page:  # continuing across the page break: decided by the caller
        return abs(line.size - prev.size) >= 1 or bool(BULLET.match(line.text))
    gap = line.baseline - prev.baseline
    spacing = current.spacing or 1.45 * prev.size
    return (
        abs(line.size - prev.size) >= 1
        or gap > 1.4 * spacing
        or gap < 0
        or not _reaches(prev, right, line)
        or bool(BULLET.match(line.text))
        or _indented(current.lines, line)
    )


def _indented(current: list[_Line], line: _Line) -> bool:
    """An indented first line after a line at the margin (not a list item's hanging indent)."""
    return line.x0 > current[-1].x0 + 1.5 * line.size and not BULLET.match(current[0].text)


_HYPHENATED = re.compile(r"[A-Za-z]-$")


def _joined(lines: list[_Line]) -> str:
    """The lines of a paragraph as one text: a hyphen that splits a word across lines goes."""
    parts = [lines[0].text]
    for line in lines[1:]:
        nxt = line.text
        if _HYPHENATED.search(parts[-1]) and nxt[:1].islower():
            parts[-1] = parts[-1][:-1]
            parts.append(nxt)
        else:
            parts.extend((" ", nxt))
    return "".join(parts)
