"""Office documents as producers really write them: PDF type sizes in the text matrix, columns,
text outside the crop box, rotated watermarks, running headers with page numbers on
alternating pages, titles among masthead labels and agency names; DOCX content controls and
text boxes; numbered clauses; the garbling guard. Each PDF is built here with reportlab the
way the producers named in the test do it."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lingoflow.processors.core.config import PipelineConfig, TranslationConfig
from lingoflow.processors.core.document import OfficeText
from lingoflow.processors.read.docx import read_docx
from lingoflow.processors.read.pdf import read_pdf
from lingoflow.processors.read.pdf.furniture import furniture_key
from lingoflow.processors.read.titles import Candidate, pick_title
from lingoflow.processors.text.garbling import garbled
from lingoflow.processors.text.hyphens import join_hyphenated
from tests.conftest import SHARED
from tests.test_office import record_of

CONFIG = PipelineConfig(translation=TranslationConfig(enabled=False))
MAX = CONFIG.max_bytes
KOREAN = "HYSMyeongJo-Medium"

WORDS = (
    "the ministry will expand support for renewable energy in every region and review its "
    "targets each year together with local governments companies and environmental groups "
    "that invest in the transition of industry transport and buildings across the country"
).split()


def _sentences(prefix: str, count: int, words: int = 7) -> list[str]:
    """``count`` distinct short sentences, each naming its number."""
    out = []
    for k in range(count):
        body = " ".join(WORDS[(k * 3 + j) % len(WORDS)] for j in range(words))
        out.append(f"{prefix} {k + 1} says {body}.")
    return out


def _pdf(draw: Callable[[Any], None], pagesize: tuple[float, float] = (595.0, 842.0)) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(KOREAN))
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=pagesize)
    draw(c)
    c.save()
    return out.getvalue()


def _scaled(c: Any, x: float, y: float, size: float, text: str, font: str = "Helvetica") -> None:
    """Text set as Quartz, Distiller and iText set it: a font of size 1 and the type size in
    the text matrix."""
    t = c.beginText()
    t.setTextTransform(size, 0, 0, size, x, y)
    t.setFont(font, 1)
    t.textOut(text)
    c.drawText(t)


def _paragraphs(office: OfficeText) -> list[str]:
    return [p for p in office.text.split("\n") if p.strip()]


# PDF: type size from the character boxes and the text matrix


def test_type_size_in_the_text_matrix_splits_no_word() -> None:
    body = [
        "Form 1040NR reports 10,000 blankets and a budget of 141.5 billion won",
        "for the year, as the ministry said in its statement on Monday morning.",
        "국립국어원은 올해 예산 141.5억 원을 편성했다고 밝혔다.",
    ]

    def draw(c: Any) -> None:
        _scaled(c, 60, 760, 20, "Instructions for the Annual Return")
        for k, line in enumerate(body):
            font = KOREAN if k == 2 else "Helvetica"
            _scaled(c, 60, 720 - 14 * k, 10, line, font)
        c.showPage()

    office = read_pdf(_pdf(draw), MAX)
    assert (office.title, office.title_source) == ("Instructions for the Annual Return", "layout")
    text = office.text
    assert " | " not in text
    for piece in ("Form 1040NR", "10,000 blankets", "141.5 billion", "국립국어원은", "141.5억"):
        assert piece in text
    assert "# Instructions for the Annual Return" in text


# PDF: reading order


def test_two_columns_are_read_one_after_the_other_with_full_width_lines_in_place() -> None:
    left, right = _sentences("Left", 18, words=5), _sentences("Right", 18, words=5)

    def draw(c: Any) -> None:
        c.setFont("Helvetica-Bold", 16)
        c.drawString(50, 790, "Quarterly Review of the Energy Transition")
        c.setFont("Helvetica", 9)
        for k, (a, b) in enumerate(zip(left, right, strict=True)):
            c.drawString(50, 750 - 12 * k, a)
            c.drawString(310, 750 - 12 * k, b)
        c.drawString(50, 500, "Sector")  # a table row across the gutter, then a paragraph
        c.drawString(240, 500, "Target for the year 2030")
        c.drawString(450, 500, "Owner")
        c.drawString(
            50,
            470,
            "The full-width closing paragraph of the review runs across both of the columns of the page, as wide as they are.",
        )
        c.showPage()

    lines = _paragraphs(read_pdf(_pdf(draw), MAX))
    assert lines[0] == "# Quarterly Review of the Energy Transition"
    text = " ".join(lines[1:])
    positions = [text.index(s) for s in left + right]
    assert positions == sorted(positions), "each column top to bottom, the left one first"
    assert positions[-1] < text.index("Sector Target for the year 2030 Owner")
    assert text.endswith("as wide as they are.")


def test_hyphen_repair_stays_within_a_column() -> None:
    def draw(c: Any) -> None:
        c.setFont("Helvetica", 10)
        left = [*_sentences("Left", 14)[:-1], "the plan was prepared with the environ-"]
        right = ["Right column starts here and goes on.", *_sentences("Right", 13)]
        for k, (a, b) in enumerate(zip(left, right, strict=True)):
            c.drawString(50, 750 - 13 * k, a)
            c.drawString(320, 750 - 13 * k, b)
        c.drawString(50, 750 - 13 * 15, "mental groups of the region, the minister said.")
        c.showPage()

    text = read_pdf(_pdf(draw), MAX).text
    assert "environmental groups" in text
    assert "environRight" not in text and "environ Right" not in text


# PDF: only the visible page


def test_text_outside_the_crop_box_and_rotated_watermarks_are_not_text() -> None:
    def draw(c: Any) -> None:
        c.setCropBox((0, 0, 595, 842))
        c.setFont("Helvetica", 11)
        for k, line in enumerate(_sentences("Visible", 6)):
            c.drawString(60, 760 - 16 * k, line)
        for k, line in enumerate(_sentences("Hidden", 3)):
            c.drawString(655, 760 - 16 * k, line)  # on the other half of a spread
        c.saveState()
        c.translate(300, 400)
        c.rotate(45)
        c.setFont("Helvetica", 60)
        c.drawString(-150, 0, "SPECIMEN COPY")
        c.restoreState()
        c.showPage()

    office = read_pdf(_pdf(draw, pagesize=(1190.0, 842.0)), MAX)
    assert all(s in office.text for s in _sentences("Visible", 6))
    assert "Hidden" not in office.text and "SPECIMEN" not in office.text
    reasons = {r.reason: r.text for r in office.removed}
    assert "Hidden" in reasons["off_page"]
    assert "SPECIMEN COPY" in reasons["rotated_text"]


# PDF: furniture


def test_running_headers_with_page_numbers_on_alternating_pages_are_removed() -> None:
    pages = 6

    def draw(c: Any) -> None:
        for number in range(1, pages + 1):
            c.setFont("Helvetica", 8)
            if number % 2:
                c.drawString(60, 810, f"{number + 6} | 1.2. METRISCHE RÄUME")
            else:
                c.drawRightString(535, 810, f"KAPITEL 1. GRUNDLAGEN {number + 6}")
            c.drawCentredString(297, 30, f"- {number + 6} -")
            c.setFont("Helvetica", 11)
            body = _sentences(WORDS[number], 20)[number:]  # each page its own text
            for k, line in enumerate(body[:10]):
                c.drawString(60, 760 - 16 * k, line)
            c.drawCentredString(297, 560, "7")  # a formula's number, inside the text block
            for k, line in enumerate(body[10:]):
                c.drawString(60, 530 - 16 * k, line)
            c.showPage()

    office = read_pdf(_pdf(draw), MAX)
    assert "METRISCHE" not in office.text and "GRUNDLAGEN" not in office.text
    assert "- 7 -" not in office.text
    assert office.text.count("\n7\n") == pages, "digits inside the text block are text"
    reasons = [r.reason for r in office.removed]
    assert reasons.count("running_header") == pages
    assert reasons.count("page_number") + reasons.count("running_footer") == pages


def test_furniture_keys_mask_numbers() -> None:
    assert furniture_key("7 | 1.2. METRISCHE RÄUME") == furniture_key("9 | 1.2. METRISCHE RÄUME")
    assert furniture_key("- 7 -") == furniture_key("- 12 -")
    assert furniture_key("Chapter xii Results") == furniture_key("Chapter iv Results")
    assert furniture_key("Annual report") != furniture_key("Annual review")


# Titles


def test_titles_skip_masthead_labels_agency_names_and_the_release_table() -> None:
    def draw(c: Any) -> None:
        c.setFont(KOREAN, 26)
        c.drawString(60, 780, "보 도 자 료")
        c.setFont(KOREAN, 20)
        c.drawString(60, 745, "환경부")
        c.setFont(KOREAN, 10)
        c.drawString(60, 720, "보도시점     2025. 12. 2.(화) 12:00")
        c.drawString(60, 706, "배포     2025. 12. 1.(월)")
        c.setFont(KOREAN, 17)
        c.drawString(60, 670, "2050 탄소중립 이행계획 발표")
        c.setFont(KOREAN, 10)
        for k in range(8):
            c.drawString(60, 640 - 15 * k, f"환경부는 {k + 1}일 정부세종청사에서 계획을 발표했다.")
        c.showPage()

    office = read_pdf(_pdf(draw), MAX)
    assert (office.title, office.title_source) == ("2050 탄소중립 이행계획 발표", "layout")


def test_pick_title_prefers_several_words_to_a_large_single_word() -> None:
    lines = [
        Candidate("PRESS RELEASE", 24),
        Candidate("Ministry of Environment", 20),
        Candidate("Logo", 19),
        Candidate("Carbon Neutrality Plan Announced", 16),
        Candidate("for the next decade", 16),
        Candidate("The ministry said on Monday that it would act.", 10),
    ]
    assert pick_title(lines, 10) == "Carbon Neutrality Plan Announced for the next decade"
    assert pick_title([Candidate("Only body text here", 10)] * 3, 10) is None


# DOCX: content controls, text boxes, titles


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx(body: str, core_title: str | None = None) -> bytes:
    """A minimal DOCX around ``body`` (WordprocessingML of w:body's children)."""
    ns = (
        f'xmlns:w="{W}" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        'xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxml'
            'formats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/word/document.xml" ContentType="applicati'
            'on/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxml'
            'formats-package.core-properties+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxml'
            'formats.org/officeDocument/2006/relationships/officeDocument" Target="word/'
            'document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/'
            'package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            "</Relationships>",
        )
        title = f"<dc:title>{core_title}</dc:title>" if core_title else ""
        z.writestr(
            "docProps/core.xml",
            '<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.'
            'org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements'
            f'/1.1/">{title}</cp:coreProperties>',
        )
        z.writestr(
            "word/document.xml",
            f'<?xml version="1.0"?><w:document {ns}><w:body>{body}</w:body></w:document>',
        )
    return out.getvalue()


def _p(text: str, size: int | None = None) -> str:
    props = f'<w:rPr><w:sz w:val="{2 * size}"/></w:rPr>' if size else ""
    return f"<w:p><w:r>{props}<w:t>{text}</w:t></w:r></w:p>"


def test_docx_content_controls_and_text_boxes_are_read_once_in_order() -> None:
    box = _p("Text in a box.")
    text_box = (
        '<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor>'
        "<a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent>"
        f"{box}</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor>"
        "</w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>"
        f"{box}</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r></w:p>"
    )
    body = (
        f"<w:sdt><w:sdtPr/><w:sdtContent>{_p('Cover page of the annual plan')}"
        f"{_p('Prepared by the planning office')}</w:sdtContent></w:sdt>"
        f"{_p('First paragraph of the body.')}{text_box}"
        "<w:tbl><w:tr><w:sdt><w:sdtContent><w:tc>"
        f"{_p('Name:')}</w:tc></w:sdtContent></w:sdt><w:tc>{_p('Kim')}</w:tc></w:tr></w:tbl>"
        f"{_p('Last paragraph.')}"
    )
    lines = _paragraphs(read_docx(_docx(body), MAX))
    assert lines == [
        "Cover page of the annual plan",
        "Prepared by the planning office",
        "First paragraph of the body.",
        "Text in a box.",
        "Name: | Kim",
        "Last paragraph.",
    ]


def test_docx_titles_from_the_core_title_else_the_largest_type() -> None:
    body = _p("Ministry of Environment", 20) + _p("Plan for the Next Decade", 18)
    body += "".join(_p(s, 11) for s in _sentences("Body", 4))
    by_layout = read_docx(_docx(body), MAX)
    assert (by_layout.title, by_layout.title_source) == ("Plan for the Next Decade", "layout")
    by_property = read_docx(_docx(body, core_title="The Decade Plan"), MAX)
    assert (by_property.title, by_property.title_source) == (
        "The Decade Plan",
        "document_properties",
    )
    untitled = read_docx(_docx(body, core_title="Microsoft Word - plan.docx"), MAX)
    assert untitled.title_source == "layout"


# Structure: numbered clauses, web-chrome rules


def _record_of_text(tmp_path: Path, name: str, text: str) -> Any:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return record_of(tmp_path, name)


def test_numbered_clauses_are_list_items_unless_something_refers_to_them(
    tmp_path: Path,
) -> None:
    clauses = (
        "Terms of the agreement\n\n"
        "The parties agree to the following terms and conditions of supply.\n\n"
        "1) The supplier delivers the goods within thirty days of the order.\n\n"
        "2) The buyer pays the invoice within sixty days of the delivery.\n"
    )
    roles = [
        (s.role, s.text["en"][:6]) for s in _record_of_text(tmp_path, "a.txt", clauses).segments
    ]
    assert ("list_item", "1) The") in roles and ("list_item", "2) The") in roles

    notes = (
        "고용 현황\n\n"
        "지난달 취업자 수는 전년 대비 증가1)하여 고용률이 상승했다.\n\n"
        "1) 통계청 경제활동인구조사 기준\n"
    )
    segments = _record_of_text(tmp_path, "b.txt", notes).segments
    footnotes = [(s.marker, s.text["ko"]) for s in segments if s.role == "footnote"]
    assert footnotes == [("1)", "통계청 경제활동인구조사 기준")]


def test_web_chrome_rules_never_run_on_office_text(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Заявление о выдаче разрешения на строительство объекта")
    document.add_paragraph("Адрес объекта: _")
    document.add_paragraph("Телефон:")
    document.add_paragraph("Заявитель просит выдать разрешение на строительство объекта.")
    out = io.BytesIO()
    document.save(out)
    (tmp_path / "form.docx").write_bytes(out.getvalue())
    record = record_of(tmp_path, "form.docx")
    texts = [s.text[s.lang] for s in record.segments]
    assert "Адрес объекта: _" in texts
    assert not {r.reason for r in record.removed} & {"navigation", "empty_label"}


# The garbling guard


BROKEN = {
    "cells_in_prose": "the ministry | said on | monday that | it would | review the | targets",
    "split_words": "국 | 립 | 국 | 어 | 원 Form | 1 | 040NR 1 | 0,000 blankets 14 | 1 | .5 | 억",
    "single_letters": "U n d e r s t a n d i n g t h e b u d g e t o f t h e y e a r",
    "unknown_words": "signif icantly inf luence the rsta nding of dif ferential equa tions",
    "unmapped_characters": "The \ufffd\ufffd\ufffd report \ufffd\ufffd shows \ufffd\ufffd\ufffd",
}
"""Text as broken readers gave it (the issue's examples), one line per measure."""


@pytest.mark.parametrize("measure", sorted(BROKEN))
def test_the_garbling_guard_names_its_measure(measure: str) -> None:
    texts = [BROKEN[measure]] * 20
    found = garbled(texts, ["ko" if "국" in texts[0] else "en"] * len(texts))
    assert found is not None and found.measure == measure, found
    assert measure in found.message()


def test_the_garbling_guard_lets_real_text_pass() -> None:
    english = _sentences("Sentence", 40, words=12)
    korean = [
        "정부는 오늘 국무회의에서 2050 탄소중립 이행계획을 보고하고 141.5억 원을 편성했다."
    ] * 30
    table = ["구분 | 2030 목표 | 담당 부처", "산업 | 14.5% 감축 | 산업통상자원부"] * 5
    assert garbled(english, ["en"] * len(english)) is None
    assert garbled(korean + table, ["ko"] * 40) is None


def test_a_garbled_reading_makes_the_record_partial(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    for k in range(20):
        document.add_paragraph(f"{k}. {BROKEN['split_words']}")
    document.save(str(tmp_path / "garbled.docx"))
    record = record_of(tmp_path, "garbled.docx")
    assert record.status == "partial"
    assert [(e.stage, e.code) for e in record.errors] == [("decode", "garbled_text")]
    assert "split_words" in record.errors[0].message


# Hyphens


@pytest.mark.parametrize(
    ("line", "following", "joined"),
    [
        ("together with environ-", "mental groups", "together with environmental groups"),
        ("a well-", "known fact", "a well-known fact"),
        ("the state-", "owned company", "the state-owned company"),
        ("COVID-", "19 cases", "COVID-19 cases"),
    ],
)
def test_hyphens_are_kept_only_where_the_word_has_one(
    line: str, following: str, joined: str
) -> None:
    assert join_hyphenated(line, following) == joined


# The shared set of real documents


def test_the_shared_office_set_meets_the_goals_of_its_scorer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The 40 real documents of eval/office, processed as a run processes them and scored by
    the set's own scorer, which exits 0 only when every expected status holds, mean recall
    is at least 0.97 with no file under 0.90, no cell boundary cuts a word, 90 % of the
    titles are right, no stated furniture is kept and reading order is at least 0.85."""
    from bench.office import shared_set

    assert shared_set(SHARED / "eval" / "office") == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "office-real: files 40, status ok/expected 40/40" in out
    assert "split-cell artefacts 0" in out and "furniture kept 0" in out
