"""Documents as they are published: PDF, DOCX, HWPX (and HWP 5, recognised and refused).

Each format has its reader (:mod:`~lingoflow.processors.read.pdf`,
:mod:`~lingoflow.processors.read.docx`, :mod:`~lingoflow.processors.read.hwpx`); each turns the file
into :class:`OfficeText`: the document as lines of text in reading order, with the structure written
the way the text path reads it (``# `` before a heading, a bullet and two spaces of indent per level
before a list item, table rows as ``cell | cell``, footnotes as ``[1] text`` lines after the
paragraph that refers to them, a blank line between paragraphs), what the reader removed and why
(running headers and footers, page numbers), and the document's own metadata (title, author; a
file's creation date is not its publication date and is not taken). From there the document goes the
way every text document goes: repair, cleaning (without the rules for web-site chrome, which office
files do not have), detection, translation.

The format is recognised from the bytes, not the file name (:func:`office_format`). A reader
that cannot read a file raises :class:`OfficeError` with a stable code, which becomes the
failed record's error: ``encrypted``, ``corrupt_document``, ``no_text_layer``, ``too_large``
(an archive that would expand beyond the size limit: nothing is expanded past it),
``unsupported_format`` (HWP 5).
"""

from __future__ import annotations

from collections.abc import Callable

from lingoflow.processors.core.document import OfficeText
from lingoflow.processors.read.docx import read_docx
from lingoflow.processors.read.formats import OfficeError
from lingoflow.processors.read.hwpx import read_hwpx
from lingoflow.processors.read.pdf import read_pdf


def _hwp(data: bytes, max_bytes: int) -> OfficeText:
    raise OfficeError(
        "unsupported_format",
        "HWP 5 (binary .hwp) documents are not read: no well-kept library reads them reliably; "
        "save or export the document as HWPX or PDF (Hangul: File > Save As)",
    )


def _encrypted(data: bytes, max_bytes: int) -> OfficeText:
    raise OfficeError(
        "encrypted",
        "a password-protected Office document (an encrypted package); lingoflow does not "
        "decrypt documents",
    )


READERS: dict[str, Callable[[bytes, int], OfficeText]] = {
    "pdf": read_pdf,
    "docx": read_docx,
    "hwpx": read_hwpx,
    "hwp": _hwp,
    "encrypted": _encrypted,
}
"""The reader of each format :func:`~lingoflow.processors.read.formats.office_format` names;
each takes the file's bytes and the size an archive may expand to."""


def read_office(data: bytes, kind: str, max_bytes: int) -> OfficeText:
    """Read a document of format ``kind``."""
    return READERS[kind](data, max_bytes)
