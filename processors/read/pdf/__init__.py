"""PDF with pypdfium2 (PDFium, the PDF engine of Chromium), from any producer.

The steps, one module each:

1. :mod:`~lingoflow.processors.read.pdf.chars`: each page's characters with their boxes and
   true type sizes, only the visible page, grouped into segments;
2. :mod:`~lingoflow.processors.read.pdf.furniture`: running headers, footers and page
   numbers, by position and repetition across pages;
3. :mod:`~lingoflow.processors.read.pdf.order`: reading order (columns, bands, rows) and
   table rows;
4. :mod:`~lingoflow.processors.read.pdf.paragraphs`: paragraphs, headings, table rows and
   footnotes, across columns and pages;
5. the title: the largest type on the first page that is not a label
   (:func:`~lingoflow.processors.read.titles.pick_title`); the file's Title property when
   the layout gives none.

A PDF whose pages have no text layer (a scan) is refused with ``no_text_layer``: OCR is not
part of lingoflow. Encrypted PDFs are refused (``encrypted``); copy-protected ones, which open
without a password, are read.
"""

from __future__ import annotations

from lingoflow.processors.core.document import OfficeText
from lingoflow.processors.core.record import Removed
from lingoflow.processors.read.formats import OfficeError
from lingoflow.processors.read.layout import join_paragraphs
from lingoflow.processors.read.pdf.chars import PageText, read_page
from lingoflow.processors.read.pdf.furniture import remove_furniture
from lingoflow.processors.read.pdf.order import Line, body_size, page_lines
from lingoflow.processors.read.pdf.paragraphs import body_of
from lingoflow.processors.read.titles import Candidate, pick_title, property_title

__all__ = ["read_pdf"]


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
        pages = [read_page(pdf, i) for i in range(len(pdf))]
        meta = pdf.get_metadata_dict(skip_empty=True)
    except pdfium.PdfiumError as exc:
        raise OfficeError("corrupt_document", f"a page of the PDF cannot be read: {exc}") from exc
    finally:
        pdf.close()
    if not any(page.segments for page in pages):
        raise OfficeError(
            "no_text_layer",
            f"none of the {len(pages)} page(s) has a text layer (a scanned document?); "
            "OCR is not part of lingoflow",
        )
    out = OfficeText()
    kept = remove_furniture(pages, out.removed)
    _note_hidden(pages, out.removed)
    em = body_size([s for page in kept for s in page])
    lines: list[Line] = []
    for page, segments in zip(pages, kept, strict=True):
        lines.extend(page_lines(page, segments, em, len({x.block for x in lines})))
    body = body_of(lines, em, {page.number: page.height for page in pages})
    out.text = join_paragraphs(body.paragraphs)
    first = min((line.page for line in lines), default=1)
    candidates = [
        Candidate(line.text, line.size, line.bold)
        for line in lines
        if line.page == first and not line.table
    ]
    out.title, out.title_source = pick_title(candidates, em), "layout"
    if out.title is None:
        out.title = property_title(meta.get("Title", ""))
        out.title_source = "document_properties" if out.title else None
    out.author = " ".join(meta.get("Author", "").split()) or None
    return out


def _note_hidden(pages: list[PageText], removed: list[Removed]) -> None:
    """Text that is in the file but not seen (outside the crop box, or at an angle to the
    page's text: a watermark, a vertical label) is not read; the record keeps it as removed,
    a page at a time."""
    for page in pages:
        for chars, reason in ((page.hidden, "off_page"), (page.rotated, "rotated_text")):
            text = " ".join("".join(chars).split())
            if text:
                removed.append(Removed(text=text, reason=reason))
