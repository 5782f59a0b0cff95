"""Property tests over the processors: arbitrary text and bytes never crash them, cleaning never
invents text, and normalisation is idempotent."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lingoflow.processors.clean.cleaner import clean_text
from lingoflow.processors.core.config import CleanConfig, PipelineConfig, TranslationConfig
from lingoflow.processors.core.document import Document
from lingoflow.processors.language.detector import LanguageDetector
from lingoflow.processors.pipeline import clean_documents
from lingoflow.processors.read.decode import decode_bytes
from lingoflow.processors.read.html import extract_html
from lingoflow.processors.text.entities import find_dates, find_phone, find_url
from lingoflow.processors.text.repair import repair_text

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


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_any_bytes_decode_and_clean_without_error(data: bytes) -> None:
    doc = Document(rel_path="f.txt", doc_id="f-000000000000", data=data)
    clean_documents([doc], CONFIG)
    assert doc.status in ("ok", "partial")
    decoded = decode_bytes(data)
    assert isinstance(decoded.text, str) and decoded.replaced >= 0


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
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


@settings(max_examples=200)
@given(st.text(max_size=200))
def test_repair_is_idempotent_on_any_text(text: str) -> None:
    once = repair_text(text)
    assert repair_text(once) == once


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abcpdivhtml&;#!-\n한")), max_size=300))
def test_any_markup_extracts_without_error(markup: str) -> None:
    page = extract_html("<html><body>" + markup)
    assert all(isinstance(b.text, str) for b in page.blocks)
