"""Office documents built for the tests: a Korean and an English press release, each as PDF
(reportlab; Korean set in a CID font, so no font file is needed), DOCX (python-docx) and HWPX
(python-hwpx). Every one has a title, a heading, paragraphs long enough to wrap, a bulleted
list, a table, a footnote, and, where the format has them, a running header and page
numbers over two pages. :data:`RELEASES` holds what each document says, which is what the
records must hold: every paragraph once, in order, and nothing of the headers and footers."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Release:
    lang: str
    title: str
    heading: str
    paragraphs: tuple[str, ...]  # the first carries the footnote's marker (after its 1st word)
    items: tuple[str, ...]
    table: tuple[tuple[str, ...], ...]
    footnote: str
    closing: str  # a paragraph on the second page
    header: str
    author: str


KO = Release(
    lang="ko",
    title="2050 탄소중립 이행계획 발표",
    heading="부문별 추진 과제",
    paragraphs=(
        "환경부는 24일 정부세종청사에서 2050 탄소중립 이행계획을 발표했다. 이번 계획은 산업, "
        "수송, 건물 등 부문별 감축 목표와 이행 수단을 담고 있으며, 지방자치단체와 기업이 함께 "
        "참여하는 추진 체계를 새로 마련했다.",
        "정부는 재생에너지 비중을 2030년까지 30퍼센트로 높이고 석탄발전을 단계적으로 줄여 나갈 "
        "계획이다. 또한 녹색 일자리를 늘리기 위해 관련 예산을 확대하고 중소기업의 설비 전환을 "
        "지원한다.",
    ),
    items=("산업 부문 감축 설비 지원 확대", "전기차와 수소차 보급 가속화"),
    table=(("구분", "2030 목표", "담당 부처"), ("산업", "14.5% 감축", "산업통상자원부")),
    footnote="탄소중립: 온실가스 배출량과 흡수량이 같아 순배출이 0이 되는 상태",
    closing="환경부 장관은 탄소중립은 선택이 아닌 필수라며 국민 모두의 참여를 당부했다.",
    header="환경부 보도자료",
    author="환경부 기후전략과",
)

EN = Release(
    lang="en",
    title="Ministry Announces the 2050 Carbon Neutrality Plan",
    heading="Measures by Sector",
    paragraphs=(
        "The Ministry of Environment announced its plan for carbon neutrality by 2050 at the "
        "Government Complex in Sejong on Monday. The plan sets reduction targets for industry, "
        "transport and buildings, together with the measures that will meet them, and it "
        "brings local governments and companies into a new implementation framework.",
        "The government will raise the share of renewable energy to 30 percent by 2030 and "
        "phase out coal power step by step. It will also expand the budget for green jobs "
        "and support small businesses in replacing their equipment.",
    ),
    items=(
        "Wider support for low-carbon equipment in industry",
        "Faster uptake of electric and hydrogen vehicles",
    ),
    table=(("Sector", "2030 target", "Ministry"), ("Industry", "14.5% cut", "Trade and Industry")),
    footnote="Carbon neutrality: a state in which emissions and removals of greenhouse gases "
    "balance, so that net emissions are zero.",
    closing="The Minister said that carbon neutrality is a necessity, not a choice, and asked "
    "every citizen to take part.",
    header="Ministry of Environment Press Release",
    author="Climate Strategy Division",
)
RELEASES = {"ko": KO, "en": EN}


def with_marker(text: str, marker: str) -> str:
    """``text`` with a footnote marker after its first word."""
    first, rest = text.split(" ", 1)
    return f"{first}{marker} {rest}"


def pdf_bytes(release: Release, *, encrypt: str | None = None) -> bytes:
    """Two A4 pages: header and "- n -" on each, the title, paragraphs wrapped by platypus,
    the list, the table, the footnote at the foot of page 1, the closing on page 2."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table

    korean = release.lang == "ko"
    font = "HYSMyeongJo-Medium" if korean else "Helvetica"
    if korean:
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    # Lines wrap between words, as Hangul word processors wrap Korean by default (어절).
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=16, spaceAfter=10)
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=24, spaceAfter=16)
    heading = ParagraphStyle("heading", parent=body, fontSize=14, leading=20)

    def page(canvas: object, doc: object) -> None:
        c = canvas
        c.saveState()  # type: ignore[attr-defined]
        c.setFont(font, 9)  # type: ignore[attr-defined]
        c.drawString(60, A4[1] - 40, release.header)  # type: ignore[attr-defined]
        number = c.getPageNumber()  # type: ignore[attr-defined]
        c.drawCentredString(A4[0] / 2, 30, f"- {number} -")  # type: ignore[attr-defined]
        if number == 1:  # the footnote, wrapped, above the footer
            c.setFont(font, 8)  # type: ignore[attr-defined]
            lines = simpleSplit(f"* {release.footnote}", font, 8, A4[0] - 120)
            for k, line in enumerate(lines):
                c.drawString(60, 80 - 11 * k, line)  # type: ignore[attr-defined]
        c.restoreState()  # type: ignore[attr-defined]

    story = [Paragraph(release.title, title)]
    story.append(Paragraph(with_marker(release.paragraphs[0], "*"), body))
    story += [Paragraph(p, body) for p in release.paragraphs[1:]]
    story.append(Paragraph(release.heading, heading))
    story += [Paragraph(f"□ {item}", body) for item in release.items]
    story.append(Spacer(1, 8))
    story.append(
        Table(
            [list(r) for r in release.table],
            colWidths=[120, 140, 160],
            style=[("FONT", (0, 0), (-1, -1), font, 11)],
        )
    )
    story += [PageBreak(), Paragraph(release.closing, body)]
    out = io.BytesIO()
    kwargs = {"encrypt": encrypt} if encrypt else {}
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=60,
        rightMargin=60,
        topMargin=70,
        bottomMargin=110,
        title=release.title,
        author=release.author,
        **kwargs,
    )
    doc.build(story, onFirstPage=page, onLaterPages=page)
    return out.getvalue()


def docx_bytes(release: Release) -> bytes:
    """Title and Heading 1 styles, List Bullet items, a table, a real footnote (a footnotes
    part), a header and a footer, core properties."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml

    document = docx.Document()
    document.core_properties.title = release.title
    document.core_properties.author = release.author
    section = document.sections[0]
    section.header.paragraphs[0].text = release.header
    section.footer.paragraphs[0].text = "Page 1"
    document.add_paragraph(release.title, style="Title")
    first = document.add_paragraph(release.paragraphs[0])
    for text in release.paragraphs[1:]:
        document.add_paragraph(text)
    document.add_heading(release.heading, level=1)
    for item in release.items:
        document.add_paragraph(item, style="List Bullet")
    table = document.add_table(rows=len(release.table), cols=len(release.table[0]))
    for r, row in enumerate(release.table):
        for c, cell in enumerate(row):
            table.cell(r, c).text = cell
    document.add_page_break()
    document.add_paragraph(release.closing)

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    first._p.append(
        parse_xml(  # the reference, at the end of the first paragraph
            f'<w:r xmlns:w="{w}"><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
            '<w:footnoteReference w:id="1"/></w:r>'
        )
    )
    notes = (
        f'<w:footnotes xmlns:w="{w}"><w:footnote w:type="separator" w:id="-1"><w:p><w:r>'
        '<w:separator/></w:r></w:p></w:footnote><w:footnote w:id="1"><w:p><w:r>'
        f"<w:t>{release.footnote}</w:t></w:r></w:p></w:footnote></w:footnotes>"
    )
    part = Part(
        PackURI("/word/footnotes.xml"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
        notes.encode("utf-8"),
        document.part.package,
    )
    document.part.relate_to(part, RT.FOOTNOTES)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def hwpx_bytes(release: Release) -> bytes:
    """python-hwpx's blank document with the release: a heading in the outline style, a
    footnote, a table, a header and a footer."""
    import warnings

    from hwpx import HwpxDocument

    document = HwpxDocument.new()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        document.add_heading(release.title, level=1)
        first = document.add_paragraph(release.paragraphs[0], inherit_style=False)
        document.add_footnote(release.footnote, paragraph=first)
        for text in release.paragraphs[1:]:
            document.add_paragraph(text, inherit_style=False)
        document.add_heading(release.heading, level=2)
        for item in release.items:
            document.add_paragraph(f"□ {item}", inherit_style=False)
        table = document.add_table(rows=len(release.table), cols=len(release.table[0]))
        for r, row in enumerate(release.table):
            for c, cell in enumerate(row):
                table.set_cell_text(r, c, cell)
        document.add_paragraph(release.closing, inherit_style=False)
        document.set_header_text(release.header)
        document.set_footer_text("- 1 -")
    out = io.BytesIO()
    document.save_to_stream(out)
    return _with_author(out.getvalue(), release.author)


def _with_author(hwpx: bytes, author: str) -> bytes:
    """The package with ``author`` as its creator (python-hwpx's template names its own)."""
    import re
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(hwpx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "Contents/content.hpf":
                text = re.sub(
                    r'(name="creator"[^>]*>)[^<]*',
                    lambda m: m.group(1) + author,
                    data.decode("utf-8"),
                )
                data = text.encode("utf-8")
            target.writestr(info, data)
    return out.getvalue()


def write_all(folder: Path) -> dict[str, Path]:
    """Every document into ``folder``: ``ko.pdf``, ``en.docx``, ..."""
    folder.mkdir(parents=True, exist_ok=True)
    builders = {"pdf": pdf_bytes, "docx": docx_bytes, "hwpx": hwpx_bytes}
    paths = {}
    for lang, release in RELEASES.items():
        for suffix, build in builders.items():
            path = folder / f"{lang}.{suffix}"
            path.write_bytes(build(release))
            paths[path.name] = path
    return paths
