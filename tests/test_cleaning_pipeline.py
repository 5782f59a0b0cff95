"""Cleaning inside the pipeline: repeated lines across a folder, HTML structure and metadata."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lingoflow.processors.batch import process_batch
from lingoflow.processors.clean.lines import Cleaned
from lingoflow.processors.core.config import CleanConfig, PipelineConfig
from lingoflow.processors.core.document import Block, Document
from lingoflow.processors.pipeline import FRAGMENT_SHARE, _unless_a_fragment, clean_documents
from tests.conftest import COMPILED, SHARED
from tests.helpers import process_together

BOILERPLATE = SHARED / "eval" / "boilerplate"
HTML_EVAL = SHARED / "eval" / "html"
TRAFILATURA = PipelineConfig(clean=CleanConfig(html_extractor="trafilatura"))

FOOTER = "Gyeonggi Provincial Government Press Room"


def test_lines_repeated_across_a_folder_are_removed(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "gyeonggi").mkdir(parents=True)
    (raw / "other").mkdir()
    for i, topic in enumerate(["solar roofs", "electric buses", "urban forests"]):
        (raw / "gyeonggi" / f"{i}.txt").write_text(
            f"Gyeonggi expands {topic}\n"
            f"Gyeonggi Province will expand {topic} in 31 cities next year, it said on Monday.\n"
            f"{FOOTER}\n",
            encoding="utf-8",
        )
    (raw / "other" / "x.txt").write_text(
        f"A story\nThe province said it would publish the plan on its website next week.\n{FOOTER}\n",
        encoding="utf-8",
    )
    paths = [*(f"gyeonggi/{i}.txt" for i in range(3)), "other/x.txt"]
    result = process_batch(raw, tmp_path / "processed", paths, PipelineConfig())
    by_path = {r.source.path: r for r in result.records}
    for i in range(3):
        record = by_path[f"gyeonggi/{i}.txt"]
        assert [(r.reason, r.text) for r in record.removed] == [("repeated", FOOTER)]
        assert all(FOOTER not in s.text[s.lang] for s in record.segments)
    assert any(FOOTER in s.text[s.lang] for s in by_path["other/x.txt"].segments)


HTML = """<!DOCTYPE html>
<html lang="ko"><head><title>서울시, 공원 12곳 새로 연다</title>
<meta property="og:site_name" content="서울특별시">
<meta name="author" content="김민지">
<meta property="article:published_time" content="2024-03-05T09:00:00+09:00">
</head><body>
<div class="egov">이 누리집은 대한민국 공식 전자정부 누리집입니다.</div>
<nav><ul><li><a href="/">홈</a></li><li><a href="/news">뉴스</a></li></ul></nav>
<header><a href="#main">본문 바로가기</a></header>
<article id="main">
<h1>서울시, 공원 12곳 새로 연다</h1>
<p>서울시는 올해 시내 12곳에 새 공원을 연다고 5일 밝혔다. 공원은 모두 주민 의견을 반영해 설계됐다.</p>
<h2>주요 내용</h2>
<ul><li>마포구 하늘공원 확장</li><li>강서구 습지공원 신설<ul><li>생태 학습장 포함</li></ul></li></ul>
<p>시는 공원 조성에 모두 1,200억 원을 투입하며 내년 상반기까지 공사를 마칠 계획이다.</p>
<p>공유하기 페이스북 트위터 카카오톡</p>
</article>
<footer><p>ⓒ 서울특별시. All rights reserved.</p></footer>
<script>var tracking = "do not keep";</script>
</body></html>"""


def test_html_structure_and_metadata() -> None:
    doc = Document(rel_path="p.html", doc_id="p-000000000000", data=HTML.encode("utf-8"))
    clean_documents([doc], PipelineConfig())
    texts = [(b.role, b.text, b.level) for b in doc.blocks]
    assert (
        "paragraph",
        "서울시는 올해 시내 12곳에 새 공원을 연다고 5일 밝혔다. 공원은 모두 주민 의견을 반영해 설계됐다.",
        None,
    ) in texts
    assert ("heading", "주요 내용", None) in texts
    assert ("list_item", "마포구 하늘공원 확장", 0) in texts
    assert ("list_item", "생태 학습장 포함", 1) in texts
    joined = " ".join(t for _, t, _ in texts)
    for chrome in ("do not keep", "본문 바로가기", "페이스북", "All rights reserved"):
        assert chrome not in joined
    assert doc.metadata.title == "서울시, 공원 12곳 새로 연다"
    assert doc.metadata.published is not None and doc.metadata.published.isoformat() == "2024-03-05"
    assert doc.metadata.organisation == "서울특별시"
    assert doc.metadata.authors == ["김민지"]
    assert doc.metadata.declared_language == "ko"
    assert doc.source.media_type == "text/html"
    paragraph = next(b for b in doc.blocks if b.text.startswith("서울시는 올해"))
    assert [paragraph.text[a:b] for a, b in paragraph.sentences] == [
        "서울시는 올해 시내 12곳에 새 공원을 연다고 5일 밝혔다.",
        "공원은 모두 주민 의견을 반영해 설계됐다.",
    ]


def test_malformed_html_never_raises() -> None:
    for html in (
        "<html><body><p>Unclosed <b>bold <i>text",
        "<html>" + "<div>" * 60_000,
        "<html><p>&#xD800;</p>",
    ):
        doc = Document(rel_path="m.html", doc_id="m-000000000000", data=html.encode())
        clean_documents([doc], PipelineConfig())
        assert doc.status in ("ok", "partial")


def test_repeated_lines_are_counted_as_the_rules_see_them(tmp_path: Path) -> None:
    """Markdown emphasis around a repeated line does not hide it from the statistic."""
    raw = tmp_path / "raw"
    (raw / "jeju").mkdir(parents=True)
    banner = "**Jeju Provincial Government Newsroom**"
    for i, topic in enumerate(["wind power", "bike lanes", "beach cleaning"]):
        (raw / "jeju" / f"{i}.txt").write_text(
            f"{banner}\nJeju expands {topic}\n"
            f"Jeju Province will expand {topic} across the island next year, it said on Monday.\n",
            encoding="utf-8",
        )
    records = process_together(raw, [f"jeju/{i}.txt" for i in range(3)], PipelineConfig())
    for record in records.values():
        assert [(r.reason, r.text) for r in record.removed] == [
            ("repeated", "Jeju Provincial Government Newsroom")
        ]
        assert record.segments[0].role == "title"
        assert record.segments[0].text[record.segments[0].lang].startswith("Jeju expands")


def test_a_page_of_only_navigation_has_no_body() -> None:
    menu = [
        "Home",
        "News",
        "Sport",
        "Business",
        "Culture",
        "Weather",
        "Opinion",
        "Video",
        "Podcasts",
        "About us",
        "Contact",
        "Advertise",
        "Careers",
        "Privacy policy",
        "Terms of use",
        "Sitemap",
        "RSS",
        "Newsletter",
        "Subscribe",
        "Log in",
    ]
    doc = Document(rel_path="nav.txt", doc_id="nav-000000000000", data="\n".join(menu).encode())
    clean_documents([doc], PipelineConfig())
    assert doc.blocks == []  # no menu item promoted to a paragraph or a title
    assert doc.status == "ok" and [w.code for w in doc.warnings] == ["no_content"]
    assert sorted(r.text for r in doc.removed) == sorted(menu)


@pytest.mark.slow
@pytest.mark.skipif(
    COMPILED, reason="counts calls by patching a module's function: compiled code calls it directly"
)
def test_a_100000_line_text_is_read_once_per_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """The classifier computes each line's features once (windows use running sums), so the
    work grows with the number of lines."""
    import lingoflow.processors.clean.boilerplate as boilerplate

    calls = {"n": 0}
    original = boilerplate.stopword_densities

    def counted(texts: Sequence[str]) -> Any:
        calls["n"] += len(texts)
        return original(texts)

    monkeypatch.setattr(boilerplate, "stopword_densities", counted)
    lines = [
        f"Paragraph {i} of the annual report explains how the city spent its budget in {i % 12 + 1} months."
        if i % 4
        else f"Section {i}"
        for i in range(100_000)
    ]
    doc = Document(rel_path="big.txt", doc_id="big-000000000000", data="\n".join(lines).encode())
    clean_documents([doc], PipelineConfig())
    assert calls["n"] == 100_000
    assert len(doc.blocks) >= 75_000


ARTICLE = "".join(
    f"<div>Paragraph {i} of the report says that the city council approved the new budget for "
    "parks, schools and the harbour after a long debate on Monday evening.</div>\n"
    for i in range(30)
)
ARTICLE_PAGE = f"<html><head><title>Report</title></head><body>{ARTICLE}</body></html>"


def _extraction_of(words: int) -> Cleaned:
    return Cleaned(blocks=[Block(text=" ".join(["word"] * words), role="paragraph")])


def test_a_fragment_of_the_article_gives_way_to_the_page_read_as_text() -> None:
    """The extractor's blocks stand unless the page's visible text, cleaned as text, keeps
    more than 1 / FRAGMENT_SHARE times as many words."""
    config = TRAFILATURA
    as_text = _unless_a_fragment(_extraction_of(0), ARTICLE_PAGE, config, frozenset())
    kept = sum(len(b.text.split()) for b in as_text.blocks)
    assert kept > 500 and "Paragraph 29 of the report" in as_text.blocks[-1].text
    below = math.ceil(FRAGMENT_SHARE * kept) - 1
    for words, switched in ((below, True), (below + 1, False), (kept // 2, False)):
        extracted = _extraction_of(words)
        found = _unless_a_fragment(extracted, ARTICLE_PAGE, config, frozenset())
        assert (found is not extracted) is switched, words


@pytest.mark.skipif(not BOILERPLATE.is_dir(), reason="../shared/eval/boilerplate is missing")
def test_only_real_fragments_are_read_as_text() -> None:
    """Real pages: where trafilatura returned a fragment of a long article the page is read as
    text and says so; where it had the article and the text path would add comments and
    sidebars (its words 0.39-0.57 of the text path's), trafilatura's blocks stay."""
    fragments = ("cleaneval-dev-13", "cleaneval-dev-20")
    articles = (
        "cleanportal-blogs.wsj.com_brussels_04",
        "cleanportal-blogs.wsj.com_brussels_12",
        "cleanportal-washingtonpost.com_blog1_2",
    )
    docs = {
        name: Document(
            rel_path=f"{name}.html",
            doc_id=f"{name[-12:]:0>12}",
            data=(BOILERPLATE / "html" / f"{name}.html").read_bytes(),
        )
        for name in fragments + articles
    }
    clean_documents(list(docs.values()), TRAFILATURA)
    for name, doc in docs.items():
        codes = [w.code for w in doc.warnings]
        assert ("extracted_fragment" in codes) is (name in fragments), (name, codes)
        assert doc.status == "ok"
    warning = next(w for w in docs["cleaneval-dev-20"].warnings if w.code == "extracted_fragment")
    assert warning.message.startswith("trafilatura kept ") and "the page was read as text" in (
        warning.message
    )


@pytest.mark.skipif(not HTML_EVAL.is_dir(), reason="../shared/eval/html is missing")
def test_a_page_where_the_blocks_extractor_finds_no_article_is_read_by_trafilatura() -> None:
    """The blocks extractor (the default) keeps 1 of 683 visible words of one page, 11 of 249
    of another and too few of a third: all are read with trafilatura, say so, and get their article; pages where
    it finds the article stay with it. The metadata of a page read with trafilatura is the
    page's own all the same (its head, as for every page), not trafilatura's search."""
    pages = {
        "blog": (HTML_EVAL / "pages" / "security.googleblog.com.protection.html", True),
        "photo": (HTML_EVAL / "pages" / "0a962f6bcd5649f7a7e6effa338df80d.html", True),
        "cleaneval": (BOILERPLATE / "html" / "cleaneval-dev-52.html", True),
        "news": (BOILERPLATE / "html" / "cleanportal-blogs.wsj.com_brussels_04.html", False),
        "recipe": (HTML_EVAL / "pages" / "eatwhattonight.com.stir.html", False),
    }
    docs = {
        name: Document(rel_path=f"{name}.html", doc_id=f"{name:0>12}", data=path.read_bytes())
        for name, (path, _) in pages.items()
    }
    clean_documents(list(docs.values()), PipelineConfig())
    for name, (_, falls_back) in pages.items():
        doc = docs[name]
        fallback = [w.message for w in doc.warnings if w.code == "extractor_fallback"]
        assert bool(fallback) is falls_back, (name, fallback)
        assert doc.status == "ok" and sum(len(b.text.split()) for b in doc.blocks) > 150, name
    assert docs["blog"].warnings[0].message.startswith("the blocks extractor kept 11 of the ")
    blog = " ".join(b.text for b in docs["blog"].blocks)
    assert "This protocol is designed so that Google cannot" in blog  # the article's snippet
    meta = docs["blog"].metadata  # the title without the site's name, the site named apart
    assert (meta.title, meta.organisation, meta.published) == (
        "Enhanced Safe Browsing Protection now available in Chrome",
        "Google Online Security Blog",
        date(2020, 5, 19),
    )
    assert docs["cleaneval"].metadata.title == "Books"  # "Scotsman.com Living - Books"
    # the byline nearest the headline (class "vcard author"), which trafilatura's search misses
    assert docs["photo"].metadata.authors == ["Paddy"]
