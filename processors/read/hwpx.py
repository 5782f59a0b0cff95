"""HWPX (OWPML, KS X 6101: the XML format of Hangul word processor documents), read with lxml:
the sections in the order the manifest gives, paragraphs, tables (each row ``cell | cell``),
footnotes and endnotes after the paragraph that refers to them, headings from the outline
styles ("개요 1", Outline 1) and heading styles, headers and footers removed with a reason.
The title is the largest type of the first page
(:func:`~lingoflow.processors.read.titles.pick_title`, type sizes from the character shapes
of ``Contents/header.xml``), else the package's title
(unless a placeholder); the author from the package metadata.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from lingoflow.processors.core.budget import check_time
from lingoflow.processors.core.document import OfficeText
from lingoflow.processors.core.record import Removed
from lingoflow.processors.read.archive import Archive
from lingoflow.processors.read.formats import OfficeError
from lingoflow.processors.read.layout import heading_line, join_paragraphs, table_row
from lingoflow.processors.read.titles import (
    FIRST_PAGE_PARAGRAPHS,
    Candidate,
    pick_title,
    property_title,
)

HP = "{http://www.hancom.co.kr/hwpml/2011/paragraph}"
HH = "{http://www.hancom.co.kr/hwpml/2011/head}"
OPF = "{http://www.idpf.org/2007/opf/}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_OUTLINE = re.compile(r"^(?:개요|outline|제목|heading)\s*(\d)$", re.IGNORECASE)


def read_hwpx(data: bytes, max_bytes: int) -> OfficeText:
    """The text of an HWPX file (see :mod:`lingoflow.processors.read.office` for the form)."""
    out = OfficeText()
    with Archive(data, max_bytes) as archive:
        names = archive.names
        sections = _section_names(archive, names)
        if not sections:
            raise OfficeError("corrupt_document", "the HWPX package has no section")
        header = (
            _xml(archive.read("Contents/header.xml"), "Contents/header.xml")
            if "Contents/header.xml" in names
            else None
        )
        reader = _Reader(_heading_styles(header), _char_shapes(header))
        for name in sections:
            reader.section(_xml(archive.read(name), name))
        _metadata(archive, names, out)
    out.text = join_paragraphs(reader.paragraphs)
    out.removed = reader.removed
    if title := pick_title(reader.candidates, reader.body_size()):
        out.title, out.title_source = title, "layout"
    elif out.title:
        out.title_source = "document_properties"
    return out


def _xml(data: bytes, name: str) -> Any:
    try:
        return etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise OfficeError("corrupt_document", f"{name} is not well-formed XML: {exc}") from exc


def _section_names(archive: Archive, names: list[str]) -> list[str]:
    """Section parts in reading order: the manifest's spine, else by number."""
    found = []
    if "Contents/content.hpf" in names:
        root = _xml(archive.read("Contents/content.hpf"), "Contents/content.hpf")
        items = {i.get("id"): i.get("href") for i in root.iter(f"{OPF}item")}
        for ref in root.iter(f"{OPF}itemref"):
            href = items.get(ref.get("idref"))
            if href and re.search(r"section\d+\.xml$", href):
                path = href if href.startswith("Contents/") else f"Contents/{href}"
                if path in names:
                    found.append(path)
    if not found:
        numbered = [n for n in names if re.fullmatch(r"Contents/section\d+\.xml", n)]
        found = sorted(numbered, key=lambda n: int(re.sub(r"\D", "", n)))
    return found


def _heading_styles(root: Any) -> dict[str, int]:
    """Style id -> heading level, for the outline and heading styles of Contents/header.xml."""
    if root is None:
        return {}
    levels = {}
    for style in root.iter(f"{HH}style"):
        for name in (style.get("name") or "", style.get("engName") or ""):
            match = _OUTLINE.match(name.strip())
            if match:
                levels[style.get("id") or ""] = int(match.group(1))
                break
    return levels


def _char_shapes(root: Any) -> dict[str, tuple[float, bool]]:
    """Character shape id -> type size (points) and boldness, from Contents/header.xml."""
    if root is None:
        return {}
    shapes = {}
    for shape in root.iter(f"{HH}charPr"):
        height = shape.get("height") or ""
        if height.isdigit() and len(height) <= 6:
            shapes[shape.get("id") or ""] = (int(height) / 100, shape.find(f"{HH}bold") is not None)
    return shapes


def _metadata(archive: Archive, names: list[str], out: OfficeText) -> None:
    if "Contents/content.hpf" not in names:
        return
    root = _xml(archive.read("Contents/content.hpf"), "Contents/content.hpf")
    title = root.find(f".//{OPF}title")
    out.title = property_title(title.text or "") if title is not None else None
    for meta in root.iter(f"{OPF}meta"):
        name, value = meta.get("name"), " ".join((meta.text or "").split())
        if name == "creator" and value:
            out.author = value


class _Reader:
    """Walks the paragraphs of the sections, collecting the text path's lines."""

    def __init__(self, headings: dict[str, int], shapes: dict[str, tuple[float, bool]]) -> None:
        self.headings = headings
        self.shapes = shapes
        self.paragraphs: list[str] = []
        self.removed: list[Removed] = []
        self.notes = 0
        self.candidates: list[Candidate] = []
        """The first page's paragraphs with their type size, for the title."""
        self.sizes: dict[float, int] = {}
        """Characters set in each type size, for the body's size."""
        self.first_page = True

    def body_size(self) -> float:
        return max(self.sizes, key=lambda k: self.sizes[k]) if self.sizes else 10.0

    def section(self, root: Any) -> None:
        for paragraph in root.iterchildren(f"{HP}p"):
            check_time()
            if paragraph.get("pageBreak") == "1" and (self.candidates or self.paragraphs):
                self.first_page = False
            text, after = self.paragraph(paragraph)
            if text:
                level = self.headings.get(paragraph.get("styleIDRef") or "")
                self.paragraphs.append(heading_line(text, level) if level else text)
            self.paragraphs.extend(after)

    def paragraph(self, paragraph: Any) -> tuple[str, list[str]]:
        """The paragraph's own text, and the lines that follow it: the rows of the tables it
        holds, the notes it refers to."""
        parts: list[str] = []
        after: list[str] = []
        weights: dict[tuple[float, bool], int] = {}
        for run in paragraph.iterchildren(f"{HP}run"):
            shape = self.shapes.get(run.get("charPrIDRef") or "")
            for node in run:
                tag = node.tag
                if tag == f"{HP}t":
                    text = "".join(node.itertext())
                    parts.append(text)
                    if shape is not None and text.strip():
                        weights[shape] = weights.get(shape, 0) + len(text.strip())
                elif tag == f"{HP}ctrl":
                    after.extend(self._control(node, parts))
                elif tag == f"{HP}tbl":
                    after.extend(self._table(node))
        text = " ".join("".join(parts).split())
        self._measure(text, weights)
        return text, after

    def _measure(self, text: str, weights: dict[tuple[float, bool], int]) -> None:
        """Note the type size of a paragraph (the size most of its characters have)."""
        if not weights:
            return
        for (size, _), count in weights.items():
            self.sizes[size] = self.sizes.get(size, 0) + count
        if self.first_page and text:
            size, bold = max(weights, key=lambda k: weights[k])
            self.candidates.append(Candidate(text, size, bold))
            self.first_page = len(self.candidates) < FIRST_PAGE_PARAGRAPHS

    def _control(self, ctrl: Any, parts: list[str]) -> list[str]:
        """Headers and footers (removed), footnotes and endnotes (a ``[n]`` marker in the
        text, the note's line after the paragraph)."""
        lines = []
        for node in ctrl:
            tag = node.tag
            if tag in (f"{HP}header", f"{HP}footer"):
                reason = "running_header" if tag == f"{HP}header" else "running_footer"
                text = self._sublist_text(node)
                if text:
                    self.removed.append(Removed(text=text, reason=reason))
            elif tag in (f"{HP}footNote", f"{HP}endNote"):
                self.notes += 1
                parts.append(f"[{self.notes}]")
                text = self._sublist_text(node)
                if text:
                    lines.append(f"[{self.notes}] {text}")
        return lines

    def _sublist_text(self, node: Any) -> str:
        texts = []
        for paragraph in node.iter(f"{HP}p"):
            texts.append("".join("".join(t.itertext()) for t in paragraph.iter(f"{HP}t")))
        return " ".join(" ".join(texts).split())

    def _table(self, table: Any) -> list[str]:
        rows = []
        for row in table.iterchildren(f"{HP}tr"):
            cells, after = [], []
            for cell in row.iterchildren(f"{HP}tc"):
                texts = []
                for sub in cell.iterchildren(f"{HP}subList"):
                    for paragraph in sub.iterchildren(f"{HP}p"):
                        text, more = self.paragraph(paragraph)
                        texts.append(text)
                        after.extend(more)
                cells.append(" ".join(t for t in texts if t))
            if text := table_row(cells):
                rows.append(text)
            rows.extend(after)
        return rows
