"""DOCX (Word) documents with python-docx: body paragraphs and tables in document order,
headings from the paragraph styles (Title, Heading 1-9, and any style based on them), list
items with their level (numbering or a list style), footnotes and endnotes after the paragraph
that refers to them, headers and footers removed with a reason, title, author and date from
the core properties. Text boxes and fields keep their text; deleted tracked changes do not.
"""

from __future__ import annotations

import io
import re
from typing import Any

from lingoflow.processors.core.document import OfficeText
from lingoflow.processors.core.record import Removed
from lingoflow.processors.read.archive import open_archive, read_member
from lingoflow.processors.read.formats import OfficeError
from lingoflow.processors.read.layout import heading_line, join_paragraphs, list_line, table_row

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f"{{{W}}}"
_HEADING_STYLE = re.compile(r"^(?:heading|제목)\s*(\d)$", re.IGNORECASE)


def read_docx(data: bytes, max_bytes: int) -> OfficeText:
    """The text of a DOCX file (see :mod:`lingoflow.processors.read.office` for the form)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    with open_archive(data, max_bytes) as archive:  # sizes checked before python-docx reads
        notes = {
            kind: _notes(read_member(archive, name), kind)
            for kind, name in (("footnote", "word/footnotes.xml"), ("endnote", "word/endnotes.xml"))
            if name in archive.namelist()
        }
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise OfficeError("corrupt_document", f"not a readable DOCX document: {exc}") from exc
    except Exception as exc:  # lxml and zipfile errors inside python-docx
        raise OfficeError("corrupt_document", f"not a readable DOCX document: {exc}") from exc
    out = OfficeText()
    paragraphs: list[str] = []
    numbers: dict[tuple[str, str], int] = {}
    styles = {s.style_id: s for s in document.styles}
    body = document.element.body
    for element in body.iterchildren():
        if element.tag == f"{_W}p":
            text, refs = _paragraph_text(element, notes, numbers)
            if text:
                paragraphs.append(_with_structure(element, text, styles))
            paragraphs.extend(refs)
        elif element.tag == f"{_W}tbl":
            paragraphs.extend(_table_rows(element, notes, numbers))
    for section in document.sections:
        for where, part in (("running_header", section.header), ("running_footer", section.footer)):
            if part.is_linked_to_previous and section is not document.sections[0]:
                continue
            for paragraph in part.paragraphs:
                if paragraph.text.strip():
                    out.removed.append(Removed(text=paragraph.text.strip(), reason=where))
    out.text = join_paragraphs(paragraphs)
    core = document.core_properties
    out.title = (core.title or "").strip() or None
    out.author = (core.author or "").strip() or None
    return out


def _notes(xml: bytes, kind: str) -> dict[str, str]:
    """Footnote (or endnote) id -> text, separators left out."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise OfficeError("corrupt_document", f"the {kind}s are damaged: {exc}") from exc
    found = {}
    for note in root.iterchildren(f"{_W}{kind}"):
        if note.get(f"{_W}type") in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        text = " ".join("".join(t.text or "" for t in note.iter(f"{_W}t")).split())
        if text:
            found[note.get(f"{_W}id") or ""] = text
    return found


def _paragraph_text(
    element: Any, notes: dict[str, dict[str, str]], numbers: dict[tuple[str, str], int]
) -> tuple[str, list[str]]:
    """The visible text of a paragraph, a ``[n]`` marker where a footnote or endnote is
    referred to, and the notes' own lines (numbered in order of reference)."""
    parts: list[str] = []
    refs: list[str] = []
    for node in element.iter():
        tag = node.tag
        if tag == f"{_W}t" and not _deleted(node):
            parts.append(node.text or "")
        elif tag in (f"{_W}tab", f"{_W}br", f"{_W}cr"):
            parts.append(" ")
        elif tag in (f"{_W}footnoteReference", f"{_W}endnoteReference"):
            kind = "footnote" if tag.endswith("footnoteReference") else "endnote"
            note_id = node.get(f"{_W}id") or ""
            text = notes.get(kind, {}).get(note_id)
            if text is None:
                continue
            key = (kind, note_id)
            numbers.setdefault(key, len(numbers) + 1)
            parts.append(f"[{numbers[key]}]")
            refs.append(f"[{numbers[key]}] {text}")
    return " ".join("".join(parts).split()), refs


def _deleted(node: Any) -> bool:
    parent = node.getparent()
    while parent is not None:
        if parent.tag == f"{_W}del":
            return True
        parent = parent.getparent()
    return False


def _with_structure(element: Any, text: str, styles: dict[str, Any]) -> str:
    """``text`` as a heading or a list item when the paragraph's style or numbering says so."""
    style = _style_name(element, styles)
    if style.lower() in ("title", "제목"):
        return heading_line(text, 1)
    for name in _style_chain(style, styles):
        match = _HEADING_STYLE.match(name)
        if match:
            return heading_line(text, int(match.group(1)) + 1)
    num = element.find(f"{_W}pPr/{_W}numPr")
    if num is not None or "list" in style.lower():
        level_node = num.find(f"{_W}ilvl") if num is not None else None
        level = int(level_node.get(f"{_W}val") or 0) if level_node is not None else 0
        match = re.search(r"(\d)$", style)
        if num is None and match:  # "List Bullet 2"
            level = int(match.group(1)) - 1
        return list_line(text, level)
    return text


def _style_name(element: Any, styles: dict[str, Any]) -> str:
    node = element.find(f"{_W}pPr/{_W}pStyle")
    style_id = node.get(f"{_W}val") or "" if node is not None else ""
    style = styles.get(style_id)
    return str(style.name) if style is not None else style_id


def _style_chain(name: str, styles: dict[str, Any]) -> list[str]:
    """The style and the styles it is based on (a custom "Press Heading" based on Heading 2)."""
    chain = [name]
    style = next((s for s in styles.values() if s.name == name), None)
    while style is not None and len(chain) < 10:
        style = style.base_style
        if style is not None:
            chain.append(str(style.name))
    return chain


def _table_rows(
    table: Any, notes: dict[str, dict[str, str]], numbers: dict[tuple[str, str], int]
) -> list[str]:
    """Each row of a table as ``cell | cell``; a nested table's rows follow its cell's."""
    rows: list[str] = []
    for row in table.iterchildren(f"{_W}tr"):
        cells = []
        refs: list[str] = []
        nested: list[str] = []
        for cell in row.iterchildren(f"{_W}tc"):
            texts = []
            for paragraph in cell.iterchildren(f"{_W}p"):
                text, more = _paragraph_text(paragraph, notes, numbers)
                texts.append(text)
                refs.extend(more)
            cells.append(" ".join(t for t in texts if t))
            for inner in cell.iterchildren(f"{_W}tbl"):
                nested.extend(_table_rows(inner, notes, numbers))
        if row_text := table_row(cells):
            rows.append(row_text)
        rows.extend(nested)
        rows.extend(refs)
    return rows
