"""Reading office documents: seconds and memory per document, by format and page count.

Builds press-release-like documents of 1, 20 and 200 pages (text on every page, a running
header and page numbers; the Korean release of tests/office_docs.py repeated) as PDF, and the
same content as DOCX and HWPX, then times lingoflow's reader alone and the whole pipeline
without translation (read, repair, cleaning, language detection), best of 3. Each document is
also read in a fresh process to measure the process's peak memory (maximum resident set size,
Python and the libraries included), so that memory can be compared across page counts: flat
means the reader does not hold every page at once. "pages" is the number of pages of the PDF
(DOCX and HWPX have the same text, and no pages of their own).

    python -m bench.office [--pages 1 20 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def long_pdf(pages: int) -> bytes:
    """A PDF of ``pages`` pages: the Korean release's paragraphs over and over, a running
    header and a page number on every page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    from tests.office_docs import KO

    font = "HYSMyeongJo-Medium"
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=16, spaceAfter=10)

    def page(canvas: object, doc: object) -> None:
        canvas.setFont(font, 9)  # type: ignore[attr-defined]
        canvas.drawString(60, A4[1] - 40, KO.header)  # type: ignore[attr-defined]
        number = canvas.getPageNumber()  # type: ignore[attr-defined]
        canvas.drawCentredString(A4[0] / 2, 30, f"- {number} -")  # type: ignore[attr-defined]

    story: list[object] = []
    for k in range(pages):
        for p in (*KO.paragraphs, KO.closing) * 4:
            story.append(Paragraph(f"({k + 1}) {p}", body))
        story.append(PageBreak())
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, topMargin=70, bottomMargin=70).build(
        story, onFirstPage=page, onLaterPages=page
    )
    return out.getvalue()


def long_docx(pages: int) -> bytes:
    import docx

    from tests.office_docs import KO

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = KO.header
    for k in range(pages):
        for p in (*KO.paragraphs, KO.closing) * 4:
            document.add_paragraph(f"({k + 1}) {p}")
        document.add_page_break()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def long_hwpx(pages: int) -> bytes:
    import warnings

    from hwpx import HwpxDocument

    from tests.office_docs import KO

    document = HwpxDocument.new()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for k in range(pages):
            for p in (*KO.paragraphs, KO.closing) * 4:
                document.add_paragraph(f"({k + 1}) {p}", inherit_style=False)
        document.set_header_text(KO.header)
    out = io.BytesIO()
    document.save_to_stream(out)
    return out.getvalue()


BUILDERS = {"pdf": long_pdf, "docx": long_docx, "hwpx": long_hwpx}
# VmHWM, not ru_maxrss: the latter survives exec and would report the parent's peak.
PEAK = """
import re, sys
from lingoflow.processors.read.office import office_format, read_office
data = open(sys.argv[1], "rb").read()
read_office(data, office_format(data), 1 << 30)
status = open("/proc/self/status").read()
print(re.search(r"VmHWM:\\s+(\\d+)", status).group(1))
"""


def best(repeat: int, run: object) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    from lingoflow.processors.core.config import PipelineConfig, TranslationConfig
    from lingoflow.processors.pipeline import run_steps
    from lingoflow.processors.read.formats import office_format
    from lingoflow.processors.read.ingest import read_input
    from lingoflow.processors.read.office import read_office

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    config = PipelineConfig(translation=TranslationConfig(enabled=False))
    print("| format | pages | KB | read s | read ms/page | pipeline s | peak RSS MB (read) |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for kind, build in BUILDERS.items():
            for pages in args.pages:
                data = build(pages)
                if kind == "pdf":
                    import pypdfium2

                    pages = len(pypdfium2.PdfDocument(data))
                path = folder / f"doc-{pages}.{kind}"
                path.write_bytes(data)
                read = best(args.repeat, lambda d=data: read_office(d, office_format(d), 1 << 30))

                def pipeline(name: str = path.name) -> None:
                    run_steps([read_input(folder, name, 1 << 30)], config)

                pipeline()  # warm: Kiwi, profiles
                whole = best(args.repeat, pipeline)
                peak = subprocess.run(
                    [sys.executable, "-c", PEAK, str(path)],
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=ROOT,
                ).stdout.strip()
                print(
                    f"| {kind} | {pages} | {len(data) // 1024} | {read:.3f} | "
                    f"{1000 * read / pages:.1f} | {whole:.3f} | {int(peak) / 1024:.1f} |"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
