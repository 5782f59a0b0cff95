"""Reading office documents: seconds and memory per document, by format and page count.

Builds press-release-like documents of 1, 20 and 200 pages (text on every page, a running
header and page numbers; the Korean release of tests/office_docs.py repeated) as PDF, and the
same content as DOCX and HWPX, then times lingoflow's reader alone and the whole pipeline
without translation (read, repair, cleaning, language detection), best of 3. Each document is
also read in a fresh process to measure the process's peak memory (maximum resident set size,
Python and the libraries included), so that memory can be compared across page counts: flat
means the reader does not hold every page at once. "pages" is the number of pages of the PDF
(DOCX and HWPX have the same text, and no pages of their own).

With the shared set of real documents (``../shared/eval/office``: PDFs of twelve producers,
DOCX, HWPX, with independent reference texts), each file is processed as a run processes it
(without translation) and scored by the set's own scorer: per-file word recall against the
reference, split-cell artefacts, reading order, title, furniture left in the body; and each
PDF's reading time per page.

    python -m bench.office [--pages 1 20 200] [--repeat 3] [--shared DIR | --no-shared]
"""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "eval" / "office"


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
from lingoflow.processors.read.formats import office_format
from lingoflow.processors.read.office import read_office
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


def shared_set(folder: Path) -> int:
    """Process and score the shared set of real office documents, and time each PDF's read;
    the scorer's exit status (0: every goal of the set holds)."""
    import pypdfium2

    from lingoflow.processors.batch import process_batch, write_processed
    from lingoflow.processors.core.config import PipelineConfig, TranslationConfig
    from lingoflow.processors.read.formats import OfficeError, office_format
    from lingoflow.processors.read.ingest import discover
    from lingoflow.processors.read.office import read_office

    raw = folder / "raw"
    config = PipelineConfig(translation=TranslationConfig(enabled=False))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        paths = discover(raw)
        start = time.perf_counter()
        for i in range(0, len(paths), 64):
            write_processed(out, process_batch(raw, out, paths[i : i + 64], config, force=True))
        elapsed = time.perf_counter() - start
        done = subprocess.run(
            [sys.executable, str(folder / "score.py"), str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        scored = done.stdout.splitlines()
    print(f"\nShared set: {len(paths)} files processed in {elapsed:.1f} s (no translation)\n")
    print("| file | status | recall | split | order | xorder | title | furniture | read ms/page |")
    print("|---|---|---|---|---|---|---|---|---|")
    across: list[float] = []
    read_ms: dict[str, str] = {}
    for path in sorted(raw.iterdir()):
        data = path.read_bytes()
        if not data.startswith(b"%PDF"):
            continue
        try:
            pages = len(pypdfium2.PdfDocument(data))
        except pypdfium2.PdfiumError:
            read_ms[path.name] = "encrypted"
            continue
        try:
            seconds = best(1, lambda d=data: read_office(d, office_format(d), 1 << 30))
        except OfficeError as error:  # a scanned or encrypted file: its record says so
            read_ms[path.name] = error.code
            continue
        read_ms[path.name] = f"{1000 * seconds / max(1, pages):.1f}"
    for line in scored:
        fields = dict(
            re.findall(r"(?<!\w)(status|recall|split|order|xorder|title|furniture) (\S+)", line)
        )
        if not fields or line.startswith("office-real"):
            continue
        name = line.split()[0]
        keys = ("status", "recall", "split", "order", "xorder", "title")
        row = [fields.get(k, "-") for k in keys]
        if name.endswith(".pdf") and "xorder" in fields:
            across.append(float(fields["xorder"]))
        furniture = fields.get("furniture", "-")
        print(f"| {name} | {' | '.join(row)} | {furniture} | {read_ms.get(name, '-')} |")
    print()
    print(next((line for line in scored if line.startswith("office-real")), ""))
    if across:
        mean = sum(across) / len(across)
        print(f"PDF line-to-line order (xorder), mean of {len(across)} files: {mean:.3f}")
    for line in scored:
        if line.startswith("FAIL"):
            print(line)
    return done.returncode


def main(argv: list[str] | None = None) -> int:
    from lingoflow.processors.core.config import PipelineConfig, TranslationConfig
    from lingoflow.processors.pipeline import run_steps
    from lingoflow.processors.read.formats import office_format
    from lingoflow.processors.read.ingest import read_input
    from lingoflow.processors.read.office import read_office

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared office set")
    parser.add_argument("--no-shared", action="store_true", help="built documents only")
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
    if not args.no_shared and (args.shared / "score.py").exists():
        return shared_set(args.shared)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
