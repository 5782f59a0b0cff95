"""Glossary files: the format, its errors, and how terms are found in text."""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lingoflow.processors.core.languages import Pair
from lingoflow.processors.translate.glossary import (
    KOREAN_PARTICLES,
    Glossary,
    GlossaryError,
    load_glossary,
    parse_glossary,
)

KO_EN = Pair("ko", "en")
EN_KO = Pair("en", "ko")

GLOSSARY = """\
source_lang\ttarget_lang\tsource_term\ttarget_term
# institutions
ko\ten\t환경부\tMinistry of Environment
ko\ten\t대통령기록관\tPresidential Archives
en\tko\tCarbon Neutrality Commission\t탄소중립위원회
en\tko\tP4G\tP4G
en\tko\tgreen new deal\t그린뉴딜
"""


def found(text: str, pair: Pair, glossary: str = GLOSSARY) -> list[tuple[str, str]]:
    return [
        (text[m.start : m.end], m.entry.target)
        for m in parse_glossary(glossary).matches(text, pair)
    ]


def test_entries_header_and_comments() -> None:
    glossary = parse_glossary(GLOSSARY)
    assert len(glossary.entries) == 5
    assert glossary.pairs == {KO_EN, EN_KO}
    assert [e.line for e in glossary.for_pair(KO_EN)] == [4, 3]  # longest source first
    assert [e.keep for e in glossary.for_pair(EN_KO)].count(True) == 1


def test_korean_terms_match_with_their_particles_and_only_as_words() -> None:
    text = "환경부는 대통령기록관에서 환경부장관과 만났다. 환경부의 발표."
    assert found(text, KO_EN) == [
        ("환경부는", "Ministry of Environment"),
        ("대통령기록관에서", "Presidential Archives"),
        ("환경부의", "Ministry of Environment"),
    ]


def test_english_terms_match_on_word_boundaries_and_case() -> None:
    text = "The Carbon Neutrality Commission met P4G partners; P4Gs and the carbon neutrality commission did not."
    assert found(text, EN_KO) == [
        ("Carbon Neutrality Commission", "탄소중립위원회"),
        ("P4G", "P4G"),
    ]
    # an all-lowercase term matches in any case
    assert found("The Green New Deal and the green new deal.", EN_KO) == [
        ("Green New Deal", "그린뉴딜"),
        ("green new deal", "그린뉴딜"),
    ]


def test_the_longest_overlapping_term_wins() -> None:
    glossary = "ko\ten\t환경\tenvironment\nko\ten\t환경부\tMinistry of Environment\n"
    assert found("환경부가 환경을 지킨다.", KO_EN, glossary) == [
        ("환경부가", "Ministry of Environment"),
        ("환경을", "environment"),
    ]


def test_an_empty_glossary_is_fine() -> None:
    glossary = parse_glossary("# nothing yet\n\n")
    assert not glossary and glossary.digest == "" and glossary.matches("환경부", KO_EN) == []


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("ko\ten\t환경부\n", 1, "expected 4 tab-separated columns"),
        ("# c\nko\ten\t환경부\tMinistry\nko en 환경부 Ministry\n", 3, "found 1"),
        ("korean\ten\t환경부\tMinistry\n", 1, "source language 'korean'"),
        ("ko\tko\t환경부\t환경부\n", 1, "both ko"),
        ("ko\ten\t \tMinistry\n", 1, "must not be empty"),
        ("ko\ten\t환경부\tMinistry\nko\ten\t환경부\tDepartment\n", 2, "on line 1"),
    ],
)
def test_a_malformed_line_is_named(text: str, line: int, message: str) -> None:
    with pytest.raises(GlossaryError) as error:
        parse_glossary(text, "terms.tsv")
    assert f"terms.tsv, line {line}:" in str(error.value)
    assert message in str(error.value)


def test_a_repeated_identical_entry_is_kept_once() -> None:
    assert len(parse_glossary("ko\ten\t환경부\tMoE\nko\ten\t환경부\tMoE\n").entries) == 1


def test_the_digest_follows_entries_not_layout(tmp_path: Path) -> None:
    a = parse_glossary("ko\ten\t환경부\tMoE\nen\tko\tP4G\tP4G\n")
    b = parse_glossary("# reordered\nen\tko\tP4G\tP4G\n\nko\ten\t환경부\tMoE\n")
    c = parse_glossary("ko\ten\t환경부\tMinistry of Environment\nen\tko\tP4G\tP4G\n")
    assert a.digest == b.digest != c.digest


def test_files_are_read_as_utf8_and_reread_when_changed(tmp_path: Path) -> None:
    path = tmp_path / "terms.tsv"
    path.write_text("ko\ten\t환경부\tMoE\n", encoding="utf-8")
    first = load_glossary(path)
    path.write_text("ko\ten\t환경부\tMinistry of Environment\n", encoding="utf-8")
    assert load_glossary(path).digest != first.digest
    path.write_bytes("ko\ten\t환경부\tMoE\n".encode("cp949"))
    with pytest.raises(GlossaryError, match="line 1: not UTF-8"):
        load_glossary(path)
    with pytest.raises(GlossaryError, match="cannot read"):
        load_glossary(tmp_path / "missing.tsv")


@given(st.text(max_size=60))
def test_matches_are_ordered_disjoint_and_are_the_terms(text: str) -> None:
    glossary = parse_glossary(GLOSSARY)
    for pair in (KO_EN, EN_KO):
        matches = glossary.matches(text, pair)
        for a, b in itertools.pairwise(matches):
            assert a.end <= b.start
        for m in matches:
            assert text[m.start : m.end].lower().startswith(m.entry.source.lower())


def _reference_matches(text: str, glossary: str, pair: Pair) -> list[tuple[int, int, str]]:
    """What one regular expression of all the terms finds (the rules written as a regex):
    longest term first, a capitalised term in its case, a Korean particle taken with the
    term, word boundaries on both sides."""
    entries = sorted(
        (e for e in parse_glossary(glossary).entries if e.pair == pair),
        key=lambda e: len(e.source),
        reverse=True,
    )
    if not entries:
        return []
    terms = [
        f"({re.escape(e.source)})"
        if e.source != e.source.lower()
        else f"((?i:{re.escape(e.source)}))"
        for e in entries
    ]
    particle = "(?:" + "|".join(KOREAN_PARTICLES) + ")?" if pair.source == "ko" else ""
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(terms) + ")" + particle + r"(?!\w)")
    return [
        (m.start(), m.end(), entries[(m.lastindex or 1) - 1].target) for m in pattern.finditer(text)
    ]


WORDS = [
    "환경",
    "환경부",
    "부",
    "는",
    "에서",
    "P4G",
    "p4g",
    "green",
    "Green",
    "new",
    "deal",
    " ",
    ".",
    "x",
]
TERMS = [
    "ko\ten\t환경\tenvironment",
    "ko\ten\t환경부\tMinistry",
    "ko\ten\t부\tdepartment",
    "en\tko\tP4G\tP4G",
    "en\tko\tgreen\t녹색",
    "en\tko\tgreen new deal\t그린뉴딜",
    "en\tko\tnew deal\t뉴딜",
]


@given(st.lists(st.sampled_from(WORDS), max_size=25), st.sets(st.sampled_from(TERMS), min_size=1))
def test_the_automaton_finds_what_the_rules_written_as_a_regex_find(
    words: list[str], terms: set[str]
) -> None:
    text = "".join(words)
    glossary = "\n".join(sorted(terms)) + "\n"
    for pair in (KO_EN, EN_KO):
        got = [
            (m.start, m.end, m.entry.target) for m in parse_glossary(glossary).matches(text, pair)
        ]
        assert got == _reference_matches(text, glossary, pair)


def test_matching_looks_only_at_the_terms_the_text_holds() -> None:
    """A glossary of 100,000 terms finds the same in a sentence as one of its two terms, and
    the automaton offers only the terms that end somewhere in the text."""
    noise = "\n".join(f"en\tko\tterm{i:06d}x\t용어{i}" for i in range(100_000))
    small = "en\tko\tgreen new deal\t그린뉴딜\nen\tko\tP4G\tP4G\n"
    text = "The green new deal and P4G summit. " * 20
    large = parse_glossary(noise + "\n" + small)

    def spans(glossary: str | Glossary) -> list[tuple[int, int, str]]:
        chosen = glossary if isinstance(glossary, Glossary) else parse_glossary(glossary)
        return [(m.start, m.end, m.entry.target) for m in chosen.matches(text, EN_KO)]

    assert spans(large) == spans(small) and len(spans(small)) == 40
    offered = list(large._matchers[EN_KO].automaton.iter(text.lower()))
    assert len(offered) == 40  # two terms, twenty times: none of the 100,000 others


@pytest.mark.parametrize("kind", ["fifo", "directory", "device", "too large"])
def test_a_glossary_must_be_a_regular_file_of_bounded_size(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lingoflow.processors.translate.glossary as glossary_module

    path = tmp_path / "terms.tsv"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "device":
        path = Path("/dev/zero")
    else:
        path.write_text(GLOSSARY, encoding="utf-8")
        monkeypatch.setattr(glossary_module, "MAX_GLOSSARY_BYTES", 10)
    with pytest.raises(GlossaryError, match=r"not a regular file|more than"):
        load_glossary(path)
