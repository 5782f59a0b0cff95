"""HWPX (OWPML, KS X 6101: the XML format of Hangul word processor documents), read with lxml:
the sections in the order the manifest gives, paragraphs, tables (each row ``cell | cell``),
footnotes and endnotes after the paragraph that refers to them, headings from the outline
styles ("개요 1", Outline 1) and heading styles, headers and footers removed with a reason,
title, author and date from the package metadata.
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
        headings = _heading_styles(archive, names)
        reader = _Reader(headings)
        for name in sections:
            reader.section(_xml(archive.read(name), name))
        _metadata(archive, names, out)
    out.text = join_paragraphs(reader.paragraphs)
    out.removed = reader.removed
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


def _heading_styles(archive: Archive, names: list[str]) -> dict[str, int]:
    """Style id -> heading level, for the outline and heading styles of Contents/header.xml."""
    if "Contents/header.xml" not in names:
        return {}
    root = _xml(archive.read("Contents/header.xml"), "Contents/header.xml")
    levels = {}
    for style in root.iter(f"{HH}style"):
        for name in (style.get("name") or "", style.get("engName") or ""):
            match = _OUTLINE.match(name.strip())
            if match:
                levels[style.get("id") or ""] = int(match.group(1))
                break
    return levels


def _metadata(archive: Archive, names: list[str], out: OfficeText) -> None:
    if "Contents/content.hpf" not in names:
        return
    root = _xml(archive.read("Contents/content.hpf"), "Contents/content.hpf")
    title = root.find(f".//{OPF}title")
    out.title = " ".join((title.text or "").split()) or None if title is not None else None
    for meta in root.iter(f"{OPF}meta"):
        name, value = meta.get("name"), " ".join((meta.text or "").split())
        if name == "creator" and value:
            out.author = value


class _Reader:
    """Walks the paragraphs of the sections, collecting the text path's lines."""

    def __init__(self, headings: dict[str, int]) -> None:
        self.headings = headings
        self.paragraphs: list[str] = []
        self.removed: list[Removed] = []
        self.notes = 0

    def section(self, root: Any) -> None:
        for paragraph in root.iterchildren(f"{HP}p"):
            check_time()
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
        for run in paragraph.iterchildren(f"{HP}run"):
            for node in run:
                tag = node.tag
                if tag == f"{HP}t":
                    parts.append("".join(node.itertext()))
                elif tag == f"{HP}ctrl":
                    after.extend(self._control(node, parts))
                elif tag == f"{HP}tbl":
                    after.extend(self._table(node))
        return " ".join("".join(parts).split()), after

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
