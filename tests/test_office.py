"""PDF, DOCX and HWPX documents through the whole pipeline: the records of a Korean and an
English press release in each format (tests/office_docs.py builds them), their golden files,
and documents that cannot be read."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lingoflow.processors.core.config import PipelineConfig, TranslationConfig
from lingoflow.processors.core.document import to_record
from lingoflow.processors.core.record import Record
from lingoflow.processors.pipeline import run_steps
from lingoflow.processors.read.formats import DOCX, HWPX, PDF, office_format
from lingoflow.processors.read.ingest import read_input
from lingoflow.processors.read.layout import is_page_number
from tests.conftest import ROOT
from tests.office_docs import RELEASES, Release, docx_bytes, pdf_bytes, with_marker, write_all

GOLDEN = ROOT / "tests" / "golden" / "office"
CONFIG = PipelineConfig(translation=TranslationConfig(enabled=False))
MEDIA = {"pdf": PDF, "docx": DOCX, "hwpx": HWPX}
NAMES = [f"{lang}.{kind}" for lang in RELEASES for kind in MEDIA]


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("office")
    write_all(folder)
    return folder


def record_of(folder: Path, name: str, config: PipelineConfig = CONFIG) -> Record:
    doc = read_input(folder, name, config.max_bytes)
    run_steps([doc], config)
    return to_record(doc, config.languages, version="test", settings_digest="0" * 16)


def expected_body(release: Release, kind: str) -> list[str]:
    """Every paragraph of the document, once, in order, as the record must hold it: the
    footnote marker stays where the format puts it (after the first word in the PDF, as
    written; ``[1]`` where Word and Hangul place the reference)."""
    first = (
        with_marker(release.paragraphs[0], "*") if kind == "pdf" else f"{release.paragraphs[0]}[1]"
    )
    return [
        release.title,
        first,
        *release.paragraphs[1:],
        release.heading,
        *release.items,
        *(" | ".join(row) for row in release.table),
        release.closing,
    ]


@pytest.mark.parametrize("name", NAMES)
def test_each_document_gives_its_paragraphs_once_in_order(documents: Path, name: str) -> None:
    lang, kind = name.split(".")
    release = RELEASES[lang]
    record = record_of(documents, name)
    assert record.status == "ok", record.errors
    assert record.source.media_type == MEDIA[kind]
    assert record.language == lang
    assert record.metadata.title == release.title
    assert record.metadata.authors == [release.author]
    body = [s for s in record.segments if s.role != "footnote"]
    assert [s.text[s.lang] for s in body] == expected_body(release, kind)
    assert [s.role for s in body][:2] == ["title", "paragraph"]
    assert {s.role for s in body if s.text[s.lang] == release.heading} == {"heading"}
    assert [s.role for s in body if s.text[s.lang] in release.items] == ["list_item"] * 2
    footnotes = [s for s in record.segments if s.role == "footnote"]
    assert [s.text[s.lang] for s in footnotes] == [release.footnote]
    assert footnotes[0].footnote_of == 1  # the paragraph that carries the marker
    everything = " ".join(s.text[s.lang] for s in record.segments)
    assert release.header not in everything
    assert "- 1 -" not in everything and "Page 1" not in everything
    reasons = {r.reason for r in record.removed}
    assert "running_header" in reasons
    assert reasons & {"page_number", "running_footer"}


def observed(record: Record) -> dict[str, Any]:
    """A record in the golden files' shape (as tests/golden/README.md describes)."""
    return {
        "source": record.source.path,
        "media_type": record.source.media_type,
        "language": record.language,
        "metadata": record.metadata.model_dump(mode="json"),
        "segments": [
            [
                s.role,
                s.lang,
                s.text[s.lang],
                {
                    k: v
                    for k in ("level", "marker", "footnote_of")
                    if (v := getattr(s, k)) is not None
                },
            ]
            for s in record.segments
        ],
        "removed": [[r.reason, r.text] for r in record.removed],
    }


@pytest.mark.parametrize("name", NAMES)
def test_golden_records(documents: Path, name: str) -> None:
    expected = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    assert observed(record_of(documents, name)) == expected


def test_a_page_spanning_paragraph_and_hyphenation_are_rejoined(tmp_path: Path) -> None:
    """A paragraph that runs over a page break, with a word hyphenated at a line end, comes
    out as one paragraph with the word whole."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    lines = [
        "The ministry will expand support for renewable energy in every region of",
        "the country, and it will review the targets each year together with environ-",
        "mental groups, local governments and the companies that invest in the",
    ]
    for k, line in enumerate(lines):
        c.drawString(60, 100 + 16 * (len(lines) - 1 - k), line)
    c.drawString(60, 800, "Body text starts at the top of the page. Then it goes on.")
    c.showPage()
    c.drawString(60, 780, "transition, the minister said on Monday.")
    c.drawString(60, 764, "A second paragraph follows here.")
    c.showPage()
    c.save()
    (tmp_path / "wrapped.pdf").write_bytes(out.getvalue())
    texts = [s.text["en"] for s in record_of(tmp_path, "wrapped.pdf").segments]
    assert " ".join(lines[:1]) in " ".join(texts)
    joined = next(t for t in texts if t.startswith("The ministry"))
    assert "environmental groups" in joined
    assert joined.endswith("companies that invest in the transition, the minister said on Monday.")
    assert texts[-1] == "A second paragraph follows here."


def test_docx_list_levels_and_heading_styles(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Measures by sector", level=1)
    document.add_paragraph("Industry and energy", style="List Bullet")
    document.add_paragraph("Support for low-carbon equipment", style="List Bullet 2")
    document.add_paragraph("Transport", style="List Bullet")
    document.add_heading("Next steps", level=2)
    document.add_paragraph("The plan will be reviewed every year with the companies concerned.")
    out = io.BytesIO()
    document.save(out)
    (tmp_path / "lists.docx").write_bytes(out.getvalue())
    segments = record_of(tmp_path, "lists.docx").segments
    items = [(s.text["en"], s.level) for s in segments if s.role == "list_item"]
    assert items == [
        ("Industry and energy", 0),
        ("Support for low-carbon equipment", 1),
        ("Transport", 0),
    ]
    assert [s.text["en"] for s in segments if s.role in ("title", "heading")] == [
        "Measures by sector",
        "Next steps",
    ]


# Documents that cannot be read: a failed record with a clear reason, never an exception.


def _failed(folder: Path, name: str, data: bytes, max_bytes: int = CONFIG.max_bytes) -> Any:
    (folder / name).write_bytes(data)
    config = PipelineConfig(max_bytes=max_bytes, translation=TranslationConfig(enabled=False))
    record = record_of(folder, name, config)
    assert record.status == "failed", record
    return record.errors[0]


def test_an_encrypted_pdf(tmp_path: Path) -> None:
    error = _failed(tmp_path, "secret.pdf", pdf_bytes(RELEASES["en"], encrypt="secret"))
    assert (error.stage, error.code) == ("decode", "encrypted")
    assert "password" in error.message


def test_a_scanned_pdf_has_no_text_layer(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.rect(100, 100, 300, 500, fill=1)  # a page that is a picture of a page
    c.showPage()
    c.save()
    error = _failed(tmp_path, "scan.pdf", out.getvalue())
    assert error.code == "no_text_layer" and "OCR" in error.message


def test_a_corrupt_pdf_and_a_corrupt_docx(tmp_path: Path) -> None:
    pdf = pdf_bytes(RELEASES["en"])
    assert _failed(tmp_path, "cut.pdf", pdf[: len(pdf) // 3]).code in (
        "corrupt_document",
        "no_text_layer",
    )
    docx = docx_bytes(RELEASES["en"])
    broken = docx[:200] + b"\x00" * 500 + docx[700:]
    assert _failed(tmp_path, "broken.docx", broken).code == "corrupt_document"


def test_a_zip_bomb_named_docx_is_not_expanded(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            for _ in range(64):  # 64 MiB of zeros in about 64 KB
                member.write(b"\0" * (1 << 20))
    assert len(out.getvalue()) < 1_000_000
    error = _failed(tmp_path, "bomb.docx", out.getvalue(), max_bytes=20 * 1024 * 1024)
    assert error.code == "too_large" and "nothing was expanded" in error.message


def test_a_pdf_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out)
    for page in range(500):
        c.drawString(72, 720, f"Page {page + 1} of a long report with some text on it.")
        c.showPage()
    c.save()
    data = out.getvalue()
    error = _failed(tmp_path, "long.pdf", data, max_bytes=len(data) // 2)
    assert (error.stage, error.code) == ("ingest", "too_large")


def test_hwp5_is_refused_with_what_to_do(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + b"HWP Document File" + b"\0" * 512
    error = _failed(tmp_path, "old.hwp", ole)
    assert error.code == "unsupported_format"
    assert "HWPX" in error.message and "PDF" in error.message


def test_a_docx_that_is_really_html_is_read_as_html_with_a_warning(tmp_path: Path) -> None:
    page = (
        "<!DOCTYPE html><html><head><title>Plan</title></head><body><article><h1>The plan"
        "</h1><p>The ministry announced a new plan for parks in every city on Monday, "
        "with more trees and longer opening hours.</p></article></body></html>"
    )
    (tmp_path / "page.docx").write_text(page, encoding="utf-8")
    record = record_of(tmp_path, "page.docx")
    assert record.status == "ok" and record.source.media_type == "text/html"
    assert [w.code for w in record.warnings] == ["misleading_name"]
    assert ".docx" in record.warnings[0].message


@pytest.mark.usefixtures("prefect_harness")
def test_a_run_over_good_and_bad_documents(documents: Path, tmp_path: Path) -> None:
    """Every input gets its record; the bad ones do not stop the others."""
    from lingoflow.flows.process import process_documents
    from tests.helpers import load_records

    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("ko.pdf", "en.docx", "ko.hwpx"):
        (raw / name).write_bytes((documents / name).read_bytes())
    (raw / "secret.pdf").write_bytes(pdf_bytes(RELEASES["ko"], encrypt="x"))
    (raw / "old.hwp").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"HWP Document File")
    (raw / "broken.docx").write_bytes(b"PK\x03\x04word/document.xml" + b"\xff" * 100)
    summary = process_documents(
        raw_dir=raw, processed_dir=tmp_path / "out", translation={"enabled": False}
    )
    assert summary.records == summary.inputs == 6
    assert summary.by_status == {"ok": 3, "failed": 3}
    records = load_records(tmp_path / "out")
    codes = {r["source"]["path"]: [e["code"] for e in r["errors"]] for r in records.values()}
    assert codes["secret.pdf"] == ["encrypted"]
    assert codes["old.hwp"] == ["unsupported_format"]
    assert codes["broken.docx"] == ["corrupt_document"]


def test_page_numbers() -> None:
    for text in ("- 12 -", "12", "3/12", "Page 3 of 12", "p. 4", "5쪽", "- iv -"):
        assert is_page_number(text), text
    for text in ("2021년 5월", "Chapter 3", "Table 1 | 2030", "12 percent"):
        assert not is_page_number(text), text


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300).map(lambda b: b"PK\x03\x04" + b) | st.binary(max_size=300))
def test_recognising_formats_never_raises(data: bytes) -> None:
    assert office_format(data) in (None, "pdf", "docx", "hwpx", "hwp")


def main(argv: list[str]) -> int:
    """``python -m tests.test_office --update``: write the golden files anew, to be reviewed
    line by line before they are committed."""
    import tempfile

    if argv != ["--update"]:
        print(main.__doc__)
        return 2
    GOLDEN.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        write_all(Path(tmp))
        for name in NAMES:
            data = observed(record_of(Path(tmp), name))
            text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
            (GOLDEN / f"{name}.json").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
