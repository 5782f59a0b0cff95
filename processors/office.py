"""Documents as they are published: PDF, DOCX, HWPX (and HWP 5, recognised and refused).

Each format has its reader (:mod:`~lingoflow.processors.pdf`, :mod:`~lingoflow.processors.docx`,
:mod:`~lingoflow.processors.hwpx`); each turns the file into :class:`OfficeText`: the document
as lines of text in reading order, with the structure written the way the text path reads it
(``# `` before a heading, a bullet and two spaces of indent per level before a list item,
table rows as ``cell | cell``, footnotes as ``[1] text`` lines after the paragraph that
refers to them, a blank line between paragraphs), what the reader removed and why (running
headers and footers, page numbers), and the document's own metadata (title, author; a file's
creation date is not its publication date and is not taken).
From there the document goes the way every text document goes: repair, cleaning (without the
rules for web-site chrome, which office files do not have), detection, translation.

The format is recognised from the bytes, not the file name (:func:`office_format`). A reader
that cannot read a file raises :class:`OfficeError` with a stable code, which becomes the
failed record's error: ``encrypted``, ``corrupt_document``, ``no_text_layer``, ``too_large``
(an archive that would expand beyond the size limit: nothing is expanded past it),
``unsupported_format`` (HWP 5).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from lingoflow.processors.record import Removed

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HWPX = "application/hwp+zip"
HWP = "application/x-hwp"
MEDIA_TYPES = {"pdf": PDF, "docx": DOCX, "hwpx": HWPX, "hwp": HWP}
"""Media type of each format lingoflow recognises."""
OFFICE_TYPES = frozenset(MEDIA_TYPES.values())
SUFFIXES = {".pdf": PDF, ".docx": DOCX, ".hwpx": HWPX, ".hwp": HWP}
MAX_MEMBERS = 10_000
"""More members than this in an office archive is not a document (and not read)."""


class OfficeError(Exception):
    """A document that cannot be read: ``code`` is the failed record's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class OfficeText:
    """A document read by a format reader: its text in the form the text path reads (see the
    module docstring), what was removed and why, and its own metadata."""

    text: str = ""
    removed: list[Removed] = field(default_factory=list)
    title: str | None = None
    author: str | None = None


def office_kind(media_type: str | None) -> str | None:
    """The format name of an office media type, None for any other.

    >>> office_kind(PDF), office_kind("text/html")
    ('pdf', None)
    """
    return next((k for k, v in MEDIA_TYPES.items() if v == media_type), None)


def office_format(data: bytes) -> str | None:
    """``pdf``, ``docx``, ``hwpx`` or ``hwp`` when the bytes are such a document, else None
    (plain ZIP archives, other OLE2 files and everything else).

    >>> office_format(b"%PDF-1.7 ..."), office_format(b"plain text")
    ('pdf', None)
    """
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "hwp" if b"HWP Document File" in data else None
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist()[: MAX_MEMBERS + 1])
                if "word/document.xml" in names:
                    return "docx"
                if "Contents/content.hpf" in names or any(
                    re.fullmatch(r"Contents/section\d+\.xml", n) for n in names
                ):
                    return "hwpx"
                if "mimetype" in names and archive.read("mimetype")[:40].startswith(
                    b"application/hwp+zip"
                ):
                    return "hwpx"
        except (zipfile.BadZipFile, OSError, ValueError):
            # A broken archive that names itself an office document is still one.
            head = data[:4096]
            if b"word/" in head:
                return "docx"
            if b"Contents/" in head or b"application/hwp+zip" in head:
                return "hwpx"
    return None


def open_archive(data: bytes, max_bytes: int) -> zipfile.ZipFile:
    """A ZIP archive whose members, all told, expand to at most ``max_bytes``; OfficeError
    ``too_large`` (a zip bomb is refused before anything is expanded, and reading never goes
    past the sizes checked here) or ``corrupt_document``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise OfficeError("corrupt_document", f"not a readable ZIP archive: {exc}") from exc
    if len(members) > MAX_MEMBERS:
        raise OfficeError("too_large", f"the archive has {len(members)} members")
    expanded = sum(m.file_size for m in members)
    if expanded > max_bytes:
        raise OfficeError(
            "too_large",
            f"the archive would expand to {expanded} bytes, above the limit of {max_bytes} "
            "bytes; nothing was expanded",
        )
    return archive


def read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """One member's bytes (at most its declared size, which :func:`open_archive` bounded);
    OfficeError ``corrupt_document`` when it is missing or damaged."""
    try:
        with archive.open(name) as member:
            return member.read(archive.getinfo(name).file_size + 1)
    except KeyError as exc:
        raise OfficeError("corrupt_document", f"the archive has no {name}") from exc
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise OfficeError("corrupt_document", f"{name} is damaged: {exc}") from exc


def read_office(data: bytes, kind: str, max_bytes: int) -> OfficeText:
    """Read a document of format ``kind`` (see :func:`office_format`)."""
    readers: dict[str, Callable[[bytes, int], OfficeText]] = {
        "pdf": _pdf,
        "docx": _docx,
        "hwpx": _hwpx,
        "hwp": _hwp,
    }
    return readers[kind](data, max_bytes)


def _pdf(data: bytes, max_bytes: int) -> OfficeText:
    from lingoflow.processors.pdf import read_pdf

    return read_pdf(data)


def _docx(data: bytes, max_bytes: int) -> OfficeText:
    from lingoflow.processors.docx import read_docx

    return read_docx(data, max_bytes)


def _hwpx(data: bytes, max_bytes: int) -> OfficeText:
    from lingoflow.processors.hwpx import read_hwpx

    return read_hwpx(data, max_bytes)


def _hwp(data: bytes, max_bytes: int) -> OfficeText:
    raise OfficeError(
        "unsupported_format",
        "HWP 5 (binary .hwp) documents are not read: no well-kept library reads them reliably; "
        "save or export the document as HWPX or PDF (Hangul: File > Save As)",
    )


# Shared by the readers: how structure is written for the text path.

_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]\s*\d{1,4}\s*[-–—]|\d{1,4}\s*/\s*\d{1,4}|\d{1,4}|(?:page|p\.)\s*\d{1,4}"
    r"(?:\s*(?:of|/)\s*\d{1,4})?|\d{1,4}\s*(?:쪽|페이지)|[-–—]?\s*[ivxlc]{1,6}\s*[-–—]?)$",
    re.IGNORECASE,
)


def is_page_number(text: str) -> bool:
    """A line that is only a page number: ``- 1 -``, ``1/12``, ``Page 3 of 12``, ``3 쪽``, ``iv``.

    >>> [is_page_number(t) for t in ("- 1 -", "1/12", "Page 3 of 12", "3쪽", "2021년")]
    [True, True, True, True, False]
    """
    return bool(_PAGE_NUMBER.match(text.strip()))


def heading_line(text: str, level: int = 1) -> str:
    """A heading as the text path reads it."""
    return f"{'#' * max(1, min(level, 6))} {text}"


def list_line(text: str, level: int = 0, bullet: str = "-") -> str:
    """A list item as the text path reads it: two spaces of indent per level, the bullet."""
    return f"{'  ' * max(0, level)}{bullet} {text}"


def table_row(cells: list[str]) -> str:
    """A table row as the HTML path writes one: the cells that have text, joined by " | "."""
    return " | ".join(c for c in (" ".join(c.split()) for c in cells) if c)


def join_paragraphs(paragraphs: list[str]) -> str:
    """The document's text: paragraphs (each a line, or a few for a table) between blank
    lines."""
    return "\n\n".join(p for p in paragraphs if p.strip()) + "\n"
