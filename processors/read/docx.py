"""DOCX (Word) documents, read with lxml from the package's parts: body paragraphs and tables in
document order, content controls (``w:sdt``: cover pages, tables of contents, forms) and text
boxes read once, in order; headings from the paragraph styles (Title, Heading 1-9, an outline
level, and any style based on them); list items with their level (numbering or a list style);
footnotes and endnotes after the paragraph that refers to them; headers and footers removed
with a reason. The title is the first paragraph in the Title style, else the core properties'
title (unless a placeholder), else the largest type of the first page
(:func:`~lingoflow.processors.read.titles.pick_title`, type sizes from the runs, their
paragraph's style chain and the document's defaults); the author from the core properties.
Deleted tracked changes are left out; an unresolved entity reference is kept as it is written
(``&name;``), never dropped.

Every part is read through :class:`~lingoflow.processors.read.archive.Archive`, so no member
inflates beyond the size limit, and parsed without entities, DTDs or network access. A style
that cannot be resolved (no type, a loop of ``basedOn``) or a list level that is not a number
makes a plain paragraph, never an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from lingoflow.processors.core.budget import check_time
from lingoflow.processors.core.document import OfficeText
from lingoflow.processors.core.record import Removed
from lingoflow.processors.read.archive import Archive
from lingoflow.processors.read.formats import OfficeError
from lingoflow.processors.read.layout import heading_line, join_paragraphs, list_line, table_row
from lingoflow.processors.read.titles import (
    FIRST_PAGE_PARAGRAPHS,
    Candidate,
    pick_title,
    property_title,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
DC = "{http://purl.org/dc/elements/1.1/}"
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, remove_pis=True
)
_HEADING_STYLE = re.compile(r"^(?:heading|제목)\s*(\d)$", re.IGNORECASE)
_TITLE_STYLE = re.compile(r"^(?:title|제목)$", re.IGNORECASE)
_MARKER_INSIDE_WORD = re.compile(r"(\[\d+\])(\w+)")
"""A note's marker that Word put inside a word goes after it (``Blah[1]1`` is ``Blah1[1]``)."""
MAX_LEVEL = 8
"""The deepest list level Word writes (``w:ilvl`` 0-8); deeper is read as this."""
_NOTE_TYPES = ("separator", "continuationSeparator", "continuationNotice")
_HEADER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
_FOOTER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer"


def read_docx(data: bytes, max_bytes: int) -> OfficeText:
    """The text of a DOCX file (see :mod:`lingoflow.processors.read.office` for the form)."""
    with Archive(data, max_bytes) as archive:
        for part in ("[Content_Types].xml", "word/document.xml"):  # a package needs both
            if part not in archive:
                raise OfficeError("corrupt_document", f"not a DOCX document: no {part}")
        _xml(archive, "[Content_Types].xml")
        root = _xml(archive, "word/document.xml")
        body = root.find(f"{W}body")
        if body is None:
            raise OfficeError("corrupt_document", "word/document.xml has no body")
        styles_root = _optional(archive, "word/styles.xml")
        reader = _Reader(
            styles=_styles(styles_root),
            default_size=_default_size(styles_root),
            notes={
                kind: _notes(_optional(archive, f"word/{kind}s.xml"), kind)
                for kind in ("footnote", "endnote")
            },
        )
        reader.blocks(body)
        out = OfficeText(text=join_paragraphs(reader.paragraphs))
        out.removed = _furniture(archive)
        core = _optional(archive, "docProps/core.xml")
        if core is not None:
            out.author = _core(core, f"{DC}creator")
        property_value = _core(core, f"{DC}title") if core is not None else None
        if reader.styled_title:
            out.title, out.title_source = reader.styled_title, "title_style"
        elif title := property_title(property_value or ""):
            out.title, out.title_source = title, "document_properties"
        elif title := pick_title(reader.candidates, reader.body_size()):
            out.title, out.title_source = title, "layout"
    return out


def _xml(archive: Archive, name: str) -> Any:
    try:
        return etree.fromstring(archive.read(name), parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise OfficeError("corrupt_document", f"{name} is not well-formed XML: {exc}") from exc


def _optional(archive: Archive, name: str) -> Any:
    """A part that a DOCX may leave out (styles, notes, properties), or None."""
    return _xml(archive, name) if name in archive else None


def _core(root: Any, tag: str) -> str | None:
    node = root.find(f".//{tag}")
    return " ".join("".join(node.itertext()).split()) or None if node is not None else None


@dataclass(frozen=True)
class _Style:
    name: str
    based_on: str | None
    outline: int | None
    size: float | None = None
    bold: bool | None = None


def _styles(root: Any) -> dict[str, _Style]:
    """Paragraph styles by id (styles without an id or a name are left out)."""
    found: dict[str, _Style] = {}
    if root is None:
        return found
    for style in root.iterchildren(f"{W}style"):
        kind = style.get(f"{W}type")
        style_id = style.get(f"{W}styleId")
        if kind not in (None, "paragraph") or not style_id:
            continue
        name = style.find(f"{W}name")
        based = style.find(f"{W}basedOn")
        run = style.find(f"{W}rPr")
        found[style_id] = _Style(
            name=(name.get(f"{W}val") or "") if name is not None else style_id,
            based_on=based.get(f"{W}val") if based is not None else None,
            outline=_outline(style.find(f"{W}pPr")),
            size=_size(run),
            bold=_bold(run),
        )
    return found


def _default_size(root: Any) -> float:
    """The document's default type size (points): ``w:docDefaults``, else Word's 10."""
    node = root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr") if root is not None else None
    return _size(node) or 10.0


def _size(run_properties: Any) -> float | None:
    """The type size a run's or style's properties set (``w:sz``, half-points), or None."""
    node = run_properties.find(f"{W}sz") if run_properties is not None else None
    value = _number(node.get(f"{W}val")) if node is not None else None
    return value / 2 if value else None


def _bold(run_properties: Any) -> bool | None:
    node = run_properties.find(f"{W}b") if run_properties is not None else None
    if node is None:
        return None
    return node.get(f"{W}val") not in ("0", "false", "off")


def _outline(properties: Any) -> int | None:
    node = properties.find(f"{W}outlineLvl") if properties is not None else None
    return _number(node.get(f"{W}val")) if node is not None else None


def _number(value: str | None) -> int | None:
    """A small whole number as Word writes one, or None."""
    return int(value) if value and value.isdigit() and len(value) <= 3 else None


def _notes(root: Any, kind: str) -> dict[str, str]:
    """Footnote (or endnote) id -> text, separators left out."""
    found: dict[str, str] = {}
    if root is None:
        return found
    for note in root.iterchildren(f"{W}{kind}"):
        if note.get(f"{W}type") in _NOTE_TYPES:
            continue
        text = " ".join(_text_of(note).split())
        if text:
            found[note.get(f"{W}id") or ""] = text
    return found


def _furniture(archive: Archive) -> list[Removed]:
    """The text of the header and footer parts, removed as running headers and footers."""
    rels = "word/_rels/document.xml.rels"
    if rels not in archive:
        return []
    removed: list[Removed] = []
    for relation in _xml(archive, rels).iterchildren(f"{REL}Relationship"):
        kind = relation.get("Type")
        if kind not in (_HEADER, _FOOTER):
            continue
        target = (relation.get("Target") or "").lstrip("/")
        name = target if target.startswith("word/") else f"word/{target}"
        if name not in archive:
            continue
        reason = "running_header" if kind == _HEADER else "running_footer"
        for paragraph in _xml(archive, name).iter(f"{W}p"):
            text = " ".join(_text_of(paragraph).split())
            if text and Removed(text=text, reason=reason) not in removed:
                removed.append(Removed(text=text, reason=reason))
    return removed


def _text_of(element: Any) -> str:
    """The visible text under ``element``: ``w:t`` runs (an unresolved entity reference kept
    as written), tabs and breaks as spaces; deleted text and the fallback copy of a text box
    left out."""
    parts: list[str] = []
    for node in _visible(element):
        tag = node.tag
        if tag == f"{W}t":
            parts.append(_run_text(node))
        elif tag in (f"{W}tab", f"{W}br", f"{W}cr"):
            parts.append(" ")
    return "".join(parts)


def _run_text(node: Any) -> str:
    """A ``w:t``'s text, entity references included (``&xxe;`` as written)."""
    text = node.text or ""
    for child in node:
        if isinstance(child, etree._Entity):
            text += f"&{child.name};"
        text += child.tail or ""
    return text


def _visible(element: Any, opaque: tuple[str, ...] = ()) -> Iterator[Any]:
    """The elements under ``element`` in document order, without deleted runs and the
    ``mc:Fallback`` copy of what ``mc:Choice`` holds; an element whose tag is in ``opaque``
    is given, not what it holds."""
    stack = [element]
    while stack:
        node = stack.pop()
        if not isinstance(node.tag, str) or node.tag in (f"{W}del", f"{MC}Fallback"):
            continue
        yield node
        if node.tag not in opaque or node is element:
            stack.extend(reversed(node))


@dataclass
class _Reader:
    """Walks the body, collecting the text path's lines."""

    styles: dict[str, _Style]
    notes: dict[str, dict[str, str]]
    default_size: float = 10.0
    paragraphs: list[str] = field(default_factory=list)
    numbers: dict[tuple[str, str], int] = field(default_factory=dict)
    candidates: list[Candidate] = field(default_factory=list)
    """The first page's paragraphs with their type size, for the title."""
    sizes: dict[float, int] = field(default_factory=dict)
    """Characters set in each type size, for the body's size."""
    styled_title: str | None = None
    first_page: bool = True

    def body_size(self) -> float:
        return max(self.sizes, key=lambda k: self.sizes[k]) if self.sizes else self.default_size

    def measure(self, element: Any, text: str) -> None:
        """Note the type size of a paragraph of ``text`` (the size most of its characters
        have), and whether a page break ends the first page there."""
        chain = self.style_chain(_style_id(element))
        style_size = next((st.size for st in chain if st.size), None) or self.default_size
        style_bold = next((st.bold for st in chain if st.bold is not None), False)
        weights: dict[tuple[float, bool], int] = {}
        for run in element.iter(f"{W}r"):
            properties = run.find(f"{W}rPr")
            length = sum(len(t.text or "") for t in run.iterchildren(f"{W}t"))
            if length:
                size = _size(properties) or style_size
                bold = _bold(properties)
                key = (size, style_bold if bold is None else bold)
                weights[key] = weights.get(key, 0) + length
        if not weights:
            return
        size, bold = max(weights, key=lambda k: weights[k])
        for (run_size, _), count in weights.items():
            self.sizes[run_size] = self.sizes.get(run_size, 0) + count
        if self.first_page and text:
            self.candidates.append(Candidate(text, size, bold))
            if len(self.candidates) >= FIRST_PAGE_PARAGRAPHS:
                self.first_page = False
        if self.first_page and (
            element.find(f".//{W}br[@{W}type='page']") is not None
            or element.find(f".//{W}lastRenderedPageBreak") is not None
            or element.find(f"{W}pPr/{W}sectPr") is not None
        ):
            self.first_page = False

    def blocks(self, parent: Any) -> None:
        """Paragraphs, tables and the block-level content controls of ``parent``, in order."""
        for element in parent.iterchildren():
            check_time()
            tag = element.tag
            if tag == f"{W}p":
                self.paragraph(element)
            elif tag == f"{W}tbl":
                self.paragraphs.extend(self.table_rows(element))
            elif tag in (f"{W}sdt", f"{W}customXml", f"{W}smartTag"):
                content = element.find(f"{W}sdtContent") if tag == f"{W}sdt" else element
                if content is not None:
                    self.blocks(content)

    def paragraph(self, element: Any) -> None:
        text, after = self.paragraph_text(element)
        self.measure(element, text)
        if text:
            self.paragraphs.append(self.with_structure(element, text))
        self.paragraphs.extend(after)

    def paragraph_text(self, element: Any) -> tuple[str, list[str]]:
        """The visible text of a paragraph, a ``[n]`` marker where a footnote or endnote is
        referred to, and the lines that follow it: its notes (numbered in order of
        reference) and the paragraphs of the text boxes it anchors."""
        parts: list[str] = []
        notes: list[str] = []
        boxes: list[str] = []
        for node in _visible(element, opaque=(f"{W}txbxContent",)):
            tag = node.tag
            if tag == f"{W}txbxContent":
                for inner in node.iterchildren(f"{W}p"):
                    text, after = self.paragraph_text(inner)
                    boxes.extend([text, *after] if text else after)
            elif tag == f"{W}t":
                parts.append(_run_text(node))
            elif tag in (f"{W}tab", f"{W}br", f"{W}cr"):
                parts.append(" ")
            elif tag in (f"{W}footnoteReference", f"{W}endnoteReference"):
                kind = "footnote" if tag == f"{W}footnoteReference" else "endnote"
                note_id = node.get(f"{W}id") or ""
                note = self.notes[kind].get(note_id)
                if note is None:
                    continue
                number = self.numbers.setdefault((kind, note_id), len(self.numbers) + 1)
                parts.append(f"[{number}]")
                notes.append(f"[{number}] {note}")
        text = _MARKER_INSIDE_WORD.sub(r"\2\1", " ".join("".join(parts).split()))
        return text, [*notes, *boxes]

    def with_structure(self, element: Any, text: str) -> str:
        """``text`` as a heading or a list item when the paragraph's style, outline level or
        numbering says so."""
        properties = element.find(f"{W}pPr")
        style_id = _style_id(element)
        chain = self.style_chain(style_id)
        name = chain[0].name if chain else style_id
        if _TITLE_STYLE.match(name.strip()):
            self.styled_title = self.styled_title or text
            return heading_line(text, 1)
        outline = _outline(properties)
        for style in chain:
            match = _HEADING_STYLE.match(style.name.strip())
            if match:
                return heading_line(text, int(match.group(1)) + 1)
            outline = outline if outline is not None else style.outline
        if outline is not None and outline < 9:
            return heading_line(text, outline + 2)
        numbering = properties.find(f"{W}numPr") if properties is not None else None
        if numbering is not None or "list" in name.lower():
            level = 0
            if numbering is not None and (ilvl := numbering.find(f"{W}ilvl")) is not None:
                level = _number(ilvl.get(f"{W}val")) or 0
            elif match := re.search(r"(\d)$", name):  # "List Bullet 2"
                level = int(match.group(1)) - 1
            return list_line(text, min(level, MAX_LEVEL))
        return text

    def style_chain(self, style_id: str) -> list[_Style]:
        """The style and the styles it is based on (a custom "Press Heading" based on
        Heading 2), at most ten, a loop stopped where it closes."""
        chain: list[_Style] = []
        seen: set[str] = set()
        current: str | None = style_id
        while current and current not in seen and len(chain) < 10:
            seen.add(current)
            style = self.styles.get(current)
            if style is None:
                break
            chain.append(style)
            current = style.based_on
        return chain

    def table_rows(self, table: Any) -> list[str]:
        """Each row of a table as ``cell | cell``; a nested table's rows follow its cell's,
        and so do the notes and text boxes its cells refer to."""
        rows: list[str] = []
        for row in _rows(table):
            check_time()
            cells: list[str] = []
            after: list[str] = []
            nested: list[str] = []
            for cell in _cells(row):
                texts: list[str] = []
                for block in _cell_blocks(cell):
                    if block.tag == f"{W}p":
                        text, more = self.paragraph_text(block)
                        self.measure(block, text)
                        texts.append(text)
                        after.extend(more)
                    else:
                        nested.extend(self.table_rows(block))
                cells.append(" ".join(t for t in texts if t))
            if row_text := table_row(cells):
                rows.append(row_text)
            rows.extend(nested)
            rows.extend(after)
        return rows


def _style_id(paragraph: Any) -> str:
    style = paragraph.find(f"{W}pPr/{W}pStyle")
    return (style.get(f"{W}val") or "") if style is not None else ""


def _children(element: Any, tags: tuple[str, ...]) -> Iterator[Any]:
    """The children of ``element`` with one of ``tags``, those inside content controls
    (``w:sdt``, ``w:customXml``) included, in document order."""
    for child in element.iterchildren():
        if child.tag in tags:
            yield child
        elif child.tag in (f"{W}sdt", f"{W}customXml"):
            content = child.find(f"{W}sdtContent") if child.tag == f"{W}sdt" else child
            if content is not None:
                yield from _children(content, tags)


def _rows(table: Any) -> Iterator[Any]:
    """A table's rows, those inside row-level content controls included."""
    return _children(table, (f"{W}tr",))


def _cells(row: Any) -> Iterator[Any]:
    return _children(row, (f"{W}tc",))


def _cell_blocks(cell: Any) -> Iterator[Any]:
    """A cell's paragraphs and nested tables, those inside content controls included."""
    return _children(cell, (f"{W}p", f"{W}tbl"))
