"""Property tests over the processors: arbitrary bytes make a valid record, cleaning and
extraction never invent text, detection and metadata accept any text. (Decoding, repair,
normalisation, sentences and the glossary have theirs beside their unit tests.)"""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lingoflow.processors.clean.cleaner import clean_text
from lingoflow.processors.core.config import CleanConfig, PipelineConfig, TranslationConfig
from lingoflow.processors.core.document import Document, to_record
from lingoflow.processors.language.detector import LanguageDetector
from lingoflow.processors.output.validate import validate_record_data
from lingoflow.processors.pipeline import run_steps
from lingoflow.processors.read.html import extract_html
from lingoflow.processors.text.entities import find_dates, find_phone, find_url

CONFIG = PipelineConfig(translation=TranslationConfig(enabled=False))
DETECTOR = LanguageDetector(("en", "ko", "ja", "zh", "de", "fr"), seed=0)
LINES = st.lists(
    st.one_of(
        st.text(max_size=60),
        st.sampled_from(
            [
                "Skip Navigation",
                "1. home",
                "Copyright © 2020 All rights reserved.",
                "□ 항목입니다.",
                "* note",
                "** more",
                "Photo : ▲ x",
                "Division name",
                "## **Head**",
                "[bookmark: _GoBack]",
                "이 누리집은 대한민국 공식 전자정부 누리집입니다.",
                "May 24 (Mon)",
                "2021. 5. 24.",
                "Contact: Kim (02-123-4567/Policy Division)",
                "- dash deck -",
                "【Key】",
                "ㅇ 하위 항목",
            ]
        ),
    ),
    max_size=12,
)
WORD = re.compile(r"[^\W_]+")  # letters and digits: markup underscores are not words


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_any_bytes_make_a_valid_record(data: bytes) -> None:
    doc = Document(rel_path="f.txt", doc_id="f-000000000000", data=data)
    doc.source.sha256, doc.source.bytes = "0" * 64, len(data)
    run_steps([doc], CONFIG)
    assert doc.status in ("ok", "partial")
    record = to_record(doc, CONFIG.languages, version="test", settings_digest="0" * 16)
    assert validate_record_data(record.model_dump(mode="json")) == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LINES)
def test_cleaning_never_invents_text(lines: list[str]) -> None:
    text = "\n".join(lines)
    cleaned = clean_text(text, CleanConfig())
    # Removing emphasis marks may join what they split ("a**b**c" renders as "abc").
    source_words = set(WORD.findall(text)) | set(WORD.findall(re.sub(r"[*_]", "", text)))
    for block in cleaned.blocks:
        assert set(WORD.findall(block.text)) <= source_words, block.text
        for start, end in block.sentences:
            assert 0 <= start < end <= len(block.text)
    for removed in cleaned.removed:
        assert set(WORD.findall(removed.text)) <= source_words


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(LINES)
def test_cleaning_is_deterministic_and_stable(lines: list[str]) -> None:
    text = "\n".join(lines)
    first = clean_text(text, CleanConfig())
    second = clean_text(text, CleanConfig())
    assert [(b.role, b.text) for b in first.blocks] == [(b.role, b.text) for b in second.blocks]


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_detection_and_metadata_accept_any_text(text: str) -> None:
    found = DETECTOR.detect(text)
    assert 0.0 <= found.confidence <= 1.0
    find_dates(text, [2021])
    find_phone(text)
    find_url(text)


_IGNORED_MARKUP = re.compile(r"</[^>]*>?|<![^>]*>?")


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abcpdivhtml&;#!-\n한")), max_size=300))
@example(";<td/;>")  # trafilatura fails to read back its own XML output
@example("b</a>b")  # an end tag with no element open: ignored, the text joins
def test_extraction_never_invents_words(markup: str) -> None:
    """Every word of the extraction is a word of the markup as a browser shows it: what shows
    no text (end tags, stray ones that HTML ignores among them; ``</>``, and ``</`` or ``<!``
    up to the next ``>``: bogus comments) may join the text on either side, so "a</>b" and
    "b</a>b" read "ab" and "bb"."""
    page = extract_html("<html><body>" + markup)
    shown = _IGNORED_MARKUP.sub("", markup)
    source_words = set(WORD.findall(html.unescape(markup))) | set(WORD.findall(shown))
    for block in page.blocks:
        assert block.text.strip() and set(WORD.findall(block.text)) <= source_words


@given(
    st.lists(st.text(max_size=80).map(lambda t: t.replace("\n", " ")), max_size=12),
    st.data(),
)
def test_line_features_of_a_document_at_once_are_those_of_each_line(
    texts: list[str], data: st.DataObject
) -> None:
    """The vectorised features (character classes through tables, astral characters and lone
    surrogates included) equal the per-line reference, line by line."""
    import numpy as np

    from lingoflow.processors.clean.boilerplate import line_feature_matrix, line_features

    blanks = data.draw(st.lists(st.booleans(), min_size=len(texts), max_size=len(texts)))
    matrix = line_feature_matrix(texts, blanks)
    assert matrix.shape == (len(texts), 14)
    for row, text, blank in zip(matrix, texts, blanks, strict=True):
        assert np.allclose(row, line_features(text, blank), rtol=1e-12, atol=1e-12), text


_PIECES = ["the", "The", "of", "und", "le", "Home", "서울시는", "계획을", "마련했다.", "(the"]
_PIECES += ["“of”", " ", "  ", "\t", "\u3000", "\x1c", "\u2028", "\n", ",", "ß", "x"]
_TOKEN_TEXT = st.lists(st.sampled_from(_PIECES), max_size=20).map("".join)


@given(st.lists(_TOKEN_TEXT, max_size=12), st.booleans())
def test_function_word_shares_at_once_are_those_of_each_text(
    texts: list[str], small_memory: bool
) -> None:
    """The function-word shares of many texts at once are each text's, to the bit, also when
    the tokens' memory fills and starts again."""
    from lingoflow.processors.text import features

    with pytest.MonkeyPatch.context() as patch:
        if small_memory:
            patch.setattr(features, "SEEN_TOKENS", 3)
        features.clear_caches()
        half = texts[: len(texts) // 2]  # some tokens already judged when all are read
        assert features.stopword_densities(half).tolist() == list(
            map(features.stopword_density, half)
        )
        english = features.stopword_densities(texts).tolist()
        features.function_word_shares(half)
        shares = features.function_word_shares(texts).tolist()
        features.clear_caches()
        assert english == [features.stopword_density(t) for t in texts]
        assert shares == [features.function_word_share(t) for t in texts]
        # and each is the share of the text's tokens judged one by one, without memory
        for known, punctuation, values in (
            (features._EN_STOPWORDS, features._EN_PUNCTUATION, english),
            (features._function_words(), features._ANY_PUNCTUATION, shares),
        ):
            for text, value in zip(texts, values, strict=True):
                judged = [features._is_function_word(t, known, punctuation) for t in text.split()]
                assert value == (sum(judged) / len(judged) if judged else 0.0), text
    features.clear_caches()


_LABEL_PIECES = ["Name", "DEPARTMENT", "of", "No.", "the", "Tel", "tel.", "등록일", "조회수"]
_LABEL_PIECES += ["news", "2", "²", " ", "  ", "\t", "\u3000", "\u2028", ":", "：", "İ", "x"]


@given(st.lists(st.sampled_from(_LABEL_PIECES), max_size=12).map("".join))
@example("Name of the Department :")
@example("Department Name Date Tel Fax")
def test_empty_label_rule_is_its_word_by_word_reading(text: str) -> None:
    """The empty-label rule (words split at most five times, lowered at once, set
    comparisons) answers as its plain reading: every word lowered, each a label word or a
    filler, one a label word, at most four and no digit."""
    from lingoflow.processors.clean import removal
    from lingoflow.processors.clean.lines import Context, Line

    ctx = Context(config=CleanConfig())
    bare = text.rstrip(" :：")
    words = [w.lower() for w in bare.split()]
    plain = (
        "empty_label"
        if removal._PHONE_STUB.match(bare)
        or (
            0 < len(words) <= 4
            and not any(c.isdigit() for c in bare)
            and all(w in removal._LABEL_WORDS or w in removal._LABEL_FILLER for w in words)
            and any(w in removal._LABEL_WORDS for w in words)
        )
        else None
    )
    assert removal.rule_empty_label([Line(text)], 0, ctx) == plain


_COPYRIGHT_PIECES = ["copyright", "COPYRIGHT", "CopyRİght", "copyrıght", "Copy", "ⓒ", "Ⓒ"]
_COPYRIGHT_PIECES += ["©", "(c)", "(C)", "(", "c", " ", "\t", "2012", "1", "저작권", "저작", "x"]


@given(st.lists(st.sampled_from(_COPYRIGHT_PIECES), max_size=12).map("".join))
@example("Ⓒ 2012 Seoul")
@example("(C) 2012 Seoul")
@example("COPYRİGHT")
def test_copyright_pattern_is_its_case_blind_reading(text: str) -> None:
    """The copyright sign's pattern, each alternative's first character spelled out, finds
    what the same alternatives ignoring case find, at the same place."""
    from lingoflow.processors.clean import removal

    plain = re.compile(r"copyright|©|ⓒ|\(c\)\s*\d{4}|저작권", re.IGNORECASE)
    found, expected = removal._COPYRIGHT.search(text), plain.search(text)
    assert (found and found.span()) == (expected and expected.span())


_PROMPTS = [
    "das könnte sie auch interessieren",
    "à lire aussi » séoul plante trois millions d'arbres",
    "weiterlesen:",
    "читайте также",
    "verpassen sie keine news",
    "ne manquez aucune actualité",
    "don’t miss a story",
    "this entry was posted in energy and tagged ulsan. bookmark the permalink.",
    "dieser eintrag wurde veröffentlicht in podcast",
    "3 thoughts on “ulsan”",
    "no response so far »",
    "schreibe einen kommentar",
    "laissez un commentaire",
    "12 comentários",
    "댓글 쓰기",
    "the plan of the city",
]


@given(
    st.sampled_from(_PROMPTS).flatmap(
        lambda text: st.lists(st.booleans(), min_size=len(text), max_size=len(text)).map(
            lambda upper: "".join(c.upper() if u else c for c, u in zip(text, upper, strict=True))
        )
    )
)
def test_prompt_patterns_read_lowered_are_read_ignoring_case(text: str) -> None:
    """The patterns of promotions, subscription and share prompts and blog-post lines are in
    lower case and matched against the lowered line: in any case, a line matches as it would
    with the same patterns ignoring case (an upper-case letter in a pattern would never)."""
    from lingoflow.processors.clean import removal

    patterns = (
        removal._CALL_TO_ACTION_SHORT,
        removal._CALL_TO_ACTION_SENTENCE,
        removal._POST_FILED,
        removal._COMMENT_PROMPT,
        removal._SHARE_PROMPT,
    )
    for pattern in patterns:
        blind = re.compile(pattern.pattern, re.IGNORECASE)
        found, expected = pattern.match(text.lower()), blind.match(text)
        assert (found and found.span()) == (expected and expected.span()), pattern.pattern[:40]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=12))
def test_detect_many_is_detect_of_each(texts: list[str]) -> None:
    """A batch answers every text as it is answered alone (caches cleared first)."""
    for detector in (BATCH_DETECTOR, SINGLE_DETECTOR):
        detector.clear_cache()
    batch = BATCH_DETECTOR.detect_many(texts)
    assert batch == [SINGLE_DETECTOR.detect(t) for t in texts]


BATCH_DETECTOR, SINGLE_DETECTOR = LanguageDetector(), LanguageDetector()


_CLASS_WORDS = st.lists(
    st.one_of(
        st.sampled_from(
            "Nav MENU Side-Bar sidebar AUTHOR byline Author-Name comment-author Related ads ad- "
            "-ad Post entry Story main-content share Tags teaser more-stories Kelvin".split()
        ),
        st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=12),
    ),
    max_size=6,
)


@settings(max_examples=300)
@given(_CLASS_WORDS)
def test_class_words_read_lowercased_are_read_as_ignoring_case(parts: list[str]) -> None:
    """The DOM walk reads ASCII class and id words lowercased with case-sensitive patterns:
    the same answers as the patterns ignoring case."""
    from lingoflow.processors.read.dom import _NAMED_PATTERNS, _named

    words = " ".join(parts)
    chrome, social, content, byline, not_byline, exact = _NAMED_PATTERNS
    surely = (
        0 if any(exact.fullmatch(w) for w in words.split()) else 1 if byline.search(words) else -1
    )
    expected = (
        bool(chrome.search(words)),
        bool(social.search(words)),
        bool(content.search(words)),
        surely,
        bool(not_byline.search(words)),
    )
    assert _named(words) == expected


@settings(max_examples=300)
@given(st.lists(st.booleans(), max_size=40))
def test_runs_and_distances_of_lines_are_those_of_a_walk_over_them(marks: list[bool]) -> None:
    """The line classifier's run lengths of short lines and distances to the nearest body
    line, computed with numpy, are those of a plain walk over the lines."""
    import numpy as np

    from lingoflow.processors.clean.boilerplate import _distance_to_nearest, _short_runs

    runs, distances = [], []
    for i, mark in enumerate(marks):
        j = i
        while j > 0 and marks[j - 1] == mark:
            j -= 1
        k = i
        while k + 1 < len(marks) and marks[k + 1] == mark:
            k += 1
        runs.append(float(k - j + 1) if mark else 0.0)
        near = [abs(i - m) for m, marked in enumerate(marks) if marked]
        distances.append(float(min(near)) if near else 50.0)
    array = np.array(marks, dtype=bool)
    assert _short_runs(array).tolist() == runs
    assert _distance_to_nearest(array).tolist() == distances


_WRAPPED_WORDS = st.sampled_from(
    [
        "the",
        "of",
        "and",
        "plan",
        "Plan",
        "city,",
        "said.",
        "“Yes",
        "(see",
        "계획을",
        "수립하며",
        "-",
        "1.",
    ]
)


@settings(max_examples=400)
@given(
    st.lists(_WRAPPED_WORDS, min_size=1, max_size=24).map(" ".join),
    st.lists(_WRAPPED_WORDS, min_size=1, max_size=6).map(" ".join),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
@example("a" * 75 + " of", "Plan", False, False, False)  # 78 characters, then 80
@example("a" * 77 + " of", "Plan", False, False, False)
@example("a" * 59, "plan", False, False, False)  # 59 characters, then 60
@example("a" * 60, "plan", False, False, False)
def test_a_line_continues_the_one_before_as_the_rule_says(
    prev: str, text: str, blank: bool, prev_heading: bool, heading: bool
) -> None:
    """The rejoin test, its cheap tests first, decides as the rule written out in full: no
    heading, sentence end, bullet, footnote or colon between; across a blank line a line in
    lower case after a function word or comma; else a line in lower case after one or 60
    characters, or after 80 characters one after a function word, comma or opening quote."""
    from lingoflow.processors.clean.cleaner import _continues, _ends_with_connector
    from lingoflow.processors.clean.lines import Line
    from lingoflow.processors.text.features import ends_like_sentence
    from lingoflow.processors.text.shapes import BULLET, FOOTNOTE

    before = Line(prev, heading_mark=prev_heading)
    line = Line(text, heading_mark=heading, blank_before=blank)
    between = BULLET.match(text) or FOOTNOTE.match(text) or prev.endswith(":")
    if prev_heading or heading or ends_like_sentence(prev) or between:
        expected = False
    else:
        lower, connector = text[0].islower(), _ends_with_connector(prev)
        if blank:
            expected = lower and connector
        elif lower and (connector or len(prev) >= 60):
            expected = True
        else:
            expected = len(prev) >= 80 and (connector or text[0] in "“\"'‘(「")
    assert _continues(before, line) == expected
