"""Normalisation, sentence boundaries and metadata parsing: examples and properties."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lingoflow.processors.text.entities import (
    context_years,
    find_dates,
    find_division,
    find_phone,
    find_url,
    parse_date,
)
from lingoflow.processors.text.normalize import (
    collapse_spaces,
    markdown_heading,
    normalize_line,
    space_quotes,
    strip_markdown,
    strip_tags,
)
from lingoflow.processors.text.sentences import sentence_spans, split_sentences

TEXT = st.lists(
    st.sampled_from(
        [
            *"abc XYZ.!?,;:\"'“”「」()*#_<>/-0123",
            "다.",
            "。",
            "요. ",
            "\t",
            "\u3000",
            "가",
            "Mr.",
            "U.S.",
        ]
    ),
    max_size=40,
).map("".join)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("**Release Date:** FOR IMMEDIATE RELEASE", ("Release Date: FOR IMMEDIATE RELEASE", None)),
        ("## **Cities yearning for partnerships**", ("Cities yearning for partnerships", 2)),
        ("reduce CO<sub>2</sub> emissions", ("reduce CO2 emissions", None)),
        ("10<sup>th</sup> meeting", ("10th meeting", None)),
        (
            "**Homepage:** <http://www.molit.go.kr/english/intro.do>",
            ("Homepage: http://www.molit.go.kr/english/intro.do", None),
        ),
        (
            "see [the annex](https://example.org/annex.pdf) for details",
            ("see the annex for details", None),
        ),
        (
            "The“2050 Carbon Neutrality”initiative",
            ("The “2050 Carbon Neutrality” initiative", None),
        ),
        ("the 「2050 Strategy (2020)」and the", ("the 「2050 Strategy (2020)」 and the", None)),
        (
            "Der Bericht „Health at a Glance“ erfasst",
            ("Der Bericht „Health at a Glance“ erfasst", None),
        ),
        (" \tMinister  attends\u00a0the   session ", ("Minister attends the session", None)),
        ("A 5 * 3 grid and 2*x", ("A 5 * 3 grid and 2*x", None)),
    ],
)
def test_normalize_line(line: str, expected: tuple[str, int | None]) -> None:
    assert normalize_line(line) == expected


def test_single_functions() -> None:
    assert markdown_heading("### Title ###") == ("Title", 3)
    assert markdown_heading("#hashtag") == ("#hashtag", None)
    assert strip_markdown("__bold__ and ***both***") == "bold and both"
    assert strip_markdown("snake__case__name and a**b**c") == "snake__case__name and abc"
    assert strip_tags("a<br/>b") == "a b"
    assert space_quotes("said“yes”") == "said “yes”"
    assert collapse_spaces("a \u3000 b") == "a b"


@settings(max_examples=400)
@given(TEXT)
def test_normalize_line_is_idempotent(line: str) -> None:
    once, _ = normalize_line(line)
    assert normalize_line(once)[0] == once


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "Mr. Kim met Dr. Lee in the U.S. on Monday. They talked.",
            ["Mr. Kim met Dr. Lee in the U.S. on Monday.", "They talked."],
        ),
        ("He said “it works.” Then he left!", ["He said “it works.”", "Then he left!"]),
        ("Growth was 3.5 percent. Prices rose.", ["Growth was 3.5 percent.", "Prices rose."]),
        (
            "The plan (12.7) was kept. Kim J. Park agreed.",
            ["The plan (12.7) was kept.", "Kim J. Park agreed."],
        ),
        ("자료의 열람만 가능합니다. 감사합니다.", ["자료의 열람만 가능합니다.", "감사합니다."]),
        ("회의를 열었다. 시는 계획이다.", ["회의를 열었다.", "시는 계획이다."]),
        ("今日は晴れ。明日は雨！", ["今日は晴れ。", "明日は雨！"]),
        ("no final mark", ["no final mark"]),
        ("", []),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


@settings(max_examples=600)
@given(TEXT)
def test_sentence_spans_cover_every_visible_character_in_order(text: str) -> None:
    spans = sentence_spans(text)
    position = 0
    for start, end in spans:
        assert position <= start < end <= len(text)
        assert text[position:start].strip() == ""
        assert text[start] == text[start].strip() and text[end - 1] == text[end - 1].strip()
        position = end
    assert text[position:].strip() == ""


@pytest.mark.parametrize(
    ("text", "years", "expected"),
    [
        ("on May 24 (Mon) at the DDP", [2020], None),  # 2020's May 24 is a Sunday: no year invented
        ("on May 24 (Mon) at the DDP", [2021, 2020], date(2021, 5, 24)),
        ("May 24 (Tue)", [2021], None),  # nor the next year that fits
        ("3 Dec 2023", [], date(2023, 12, 3)),
        ("2021. 5. 24.", [], date(2021, 5, 24)),
        ("2021-05-24", [], date(2021, 5, 24)),
        ("2021년 5월 24일", [], date(2021, 5, 24)),
        ("5월 24일(월)", [2021], date(2021, 5, 24)),
        ("Released May 24, 2021", [], date(2021, 5, 24)),
        ("24th May", [2019], date(2019, 5, 24)),
        ("May 24", [], None),  # no year anywhere: not guessed
        ("May 24 (Mon)", [], None),
        ("May 24 (Tue), 2021", [], None),  # the stated weekday contradicts the year
        ("February 30, 2021", [], None),
        ("you may 3 times", [], None),
        ("Strategy (12.7)", [2020], None),
    ],
)
def test_parse_date(text: str, years: list[int], expected: date | None) -> None:
    assert parse_date(text, years) == expected


def test_context_years_by_frequency() -> None:
    assert context_years(["2021 P4G", "in 2020", "the 2021 summit"]) == [2021, 2020]
    assert [d.value.day for d in find_dates("May 24-29 and 3 Dec", [2021])] == [24, 3]


def test_contact_fields() -> None:
    value = "Jeong, Jeong-hee (82-44-201-3720/Urban Policy Division)"
    assert find_phone(value) == "82-44-201-3720"
    assert find_division(value) == "Urban Policy Division"
    assert find_phone("담당자(044-211-2253)에게") == "044-211-2253"
    assert find_phone("in 2020-2021 the 12.7 plan") is None
    assert find_url("Homepage: http://www.molit.go.kr/english/intro.do.") == (
        "http://www.molit.go.kr/english/intro.do"
    )


def test_korean_sentences_come_from_kiwi_and_english_from_the_rules() -> None:
    from lingoflow.processors.text.sentences import rule_sentence_spans, sentence_spans

    korean = "환경부는 예산을 배정했다고 밝혔다 예산은 내년 상반기에 집행된다"
    assert [korean[a:b] for a, b in sentence_spans(korean)] == [
        "환경부는 예산을 배정했다고 밝혔다",
        "예산은 내년 상반기에 집행된다",
    ]
    english = "Dr. Kim said the plan, worth 3.5 bn won, starts in May. It ends in 2030."
    assert sentence_spans(english) == rule_sentence_spans(english)


def test_sentences_command_prints_one_sentence_a_line() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "lingoflow.flows.cli", "sentences"],
        input="Dr. Kim spoke. Then he left.\n공원은 주민 의견을 반영했다 시장은 기대를 밝혔다.\n",
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == (
        "Dr. Kim spoke.\nThen he left.\n\n공원은 주민 의견을 반영했다\n시장은 기대를 밝혔다.\n\n"
    )


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (  # inline bullets start sentences and belong to them
            "□ 계획을 발표했다. ㅇ 목표를 담았다. ※ 붙임 참고. - 붙임: 요약 1부.",
            ["□ 계획을 발표했다.", "ㅇ 목표를 담았다.", "※ 붙임 참고.", "- 붙임: 요약 1부."],
        ),
        (  # numbered items in sequence, Arabic and Korean
            "1. 산업 부문 2. 수송 부문 3. 건물 부문",
            ["1. 산업 부문", "2. 수송 부문", "3. 건물 부문"],
        ),
        ("가. 추진 배경 나. 주요 내용", ["가. 추진 배경", "나. 주요 내용"]),
        (  # numbers out of sequence are not items
            "목표는 2. 5배 높였고 예산은 7. 2조 원이다",
            ["목표는 2. 5배 높였고 예산은 7. 2조 원이다"],
        ),
        (  # quoted speech over two sentences goes on to ...라며
            '장관은 "필수다. 함께해야 한다"라며 협조를 당부했다. 이어 떠났다.',
            ['장관은 "필수다. 함께해야 한다"라며 협조를 당부했다.', "이어 떠났다."],
        ),
        (  # no sentence ends inside title brackets
            "『기후위기 대응. 백서』 발간을 축하했다. 백서는 누리집에 있다.",
            ["『기후위기 대응. 백서』 발간을 축하했다.", "백서는 누리집에 있다."],
        ),
        (  # inside a bulleted item, spaced dashes are sub-items
            "○ 주요 참석자 - 국무조정실장 - 부단체장 17명",
            ["○ 주요 참석자", "- 국무조정실장", "- 부단체장 17명"],
        ),
        ("2. Community", ["2. Community"]),  # an item number alone joins its item
        ("Prices rose 2 - 3 percent. Costs fell.", ["Prices rose 2 - 3 percent.", "Costs fell."]),
    ],
)
def test_press_release_structure_on_top_of_the_splitters(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


_MARKS_AND_BULLETS = st.one_of(
    st.text(alphabet=st.sampled_from(list("ab .!?。！？\"')」 \n\t-–□○ㅇ※>›/·|가")), max_size=40),
    st.lists(
        st.sampled_from([*"a .!?。)\n\t-□가나", "1990", "2019", "12", "1", "7", ". ", ") "]),
        max_size=16,
    ).map("".join),
)


@settings(max_examples=400)
@given(_MARKS_AND_BULLETS)
@example("끝났다。 - 다음 ! – 또 a - b □ c d□ e ㅇ\tf")
@example("1) a 2. b 가. c 3.d")
def test_patterns_written_for_speed_match_their_plain_forms(text: str) -> None:
    """Sentence ends, bullets, years, item numbers and breadcrumb separators are written so
    that the regular expression engine skips to a candidate character: the same matches as
    the plain forms."""
    import re

    from lingoflow.processors.clean.removal import _CRUMB_MARK, _CRUMB_SEPARATOR
    from lingoflow.processors.text.entities import _ANY_YEAR
    from lingoflow.processors.text.sentences import _BULLET, _END, _ENUMERATOR, _ENUMERATOR_END

    plain_end = re.compile(r"(?:[.!?]+|[。！？]+)[\"'”’」』)\]]*")
    plain_bullet = re.compile(r"(?<!\S)[□■○●◦◎▶▷►◆◇※☐❍ㅇㆍ](?=\s)|(?<=[.!?。]\s)[-–](?=\s)")
    assert [m.span() for m in _END.finditer(text)] == [m.span() for m in plain_end.finditer(text)]
    assert [m.span() for m in _BULLET.finditer(text)] == [
        m.span() for m in plain_bullet.finditer(text)
    ]
    separated = bool(_CRUMB_MARK.search(text) and _CRUMB_SEPARATOR.search(text))
    assert separated == bool(_CRUMB_SEPARATOR.search(text))
    plain_year = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
    assert [m.span() for m in _ANY_YEAR.finditer(text)] == [
        m.span() for m in plain_year.finditer(text)
    ]
    assert bool(_ENUMERATOR_END.search(text)) >= bool(_ENUMERATOR.search(text))
    plain_enumerator_end = re.compile(r"[\d가나다라마바사아자차카타파하][.)]\s")
    assert bool(_ENUMERATOR_END.search(text)) == bool(plain_enumerator_end.search(text))


def _single_letter_counts_by_words(texts: list[str]) -> tuple[int, int, int, int]:
    """The counts behind the single-letters measure, word by word (the plain reading the
    measure's character arrays must agree with)."""
    import re

    words = re.findall(r"[^\W\d_]+", "\n".join(texts))

    def cased(c: str) -> bool:
        return c.lower() != c.upper()

    def syllable(c: str) -> bool:
        return "\uac00" <= c <= "\ud7a3"

    letters = sum(1 for w in words if w.isalpha() and cased(w[0]))
    letters_one = sum(1 for w in words if len(w) == 1 and w.isalpha() and cased(w))
    letters_one -= sum(1 for w in words if len(w) == 1 and w in "aiouyeAIOUYE")
    hangul = sum(1 for w in words if syllable(w[0]))
    hangul_one = sum(1 for w in words if len(w) == 1 and syllable(w))
    return letters, letters_one, hangul, hangul_one


_WORDS_OF_ALL_KINDS = st.lists(
    st.sampled_from(
        [
            *"a I b x é ǅ Ⅷ Ⅷa 𝐀 𝐀b 가 서울 시 word Seoul x1y a_b 2024 · ' -".split(),
            "\n",
            "\t",
            "ßa",
        ]
    ),
    min_size=20,
    max_size=120,
).map(lambda words: [" ".join(words[i : i + 15]) for i in range(0, len(words), 15)])


@settings(max_examples=300)
@given(_WORDS_OF_ALL_KINDS)
def test_single_letters_reads_words_as_word_by_word(texts: list[str]) -> None:
    from lingoflow.processors.text.garbling import single_letters

    letters, letters_one, hangul, hangul_one = _single_letter_counts_by_words(texts)
    found = single_letters(texts, threshold=0.0)  # any share is past a threshold of 0
    if letters >= 40:
        assert found is not None and found.value == letters_one / letters
    elif hangul >= 40:
        assert found is not None and found.value == hangul_one / hangul
    else:
        assert found is None


_SEGMENTS_MOSTLY_ASCII = st.lists(
    st.lists(
        st.sampled_from(
            "the Plan CITY of Ok qzx I a don't e-mail x1y a_b 2024 Seoul Zürich é 서울 Ⅷa".split()
        ),
        min_size=1,
        max_size=8,
    ).map(" ".join),
    min_size=1,
    max_size=80,
)


@settings(max_examples=300)
@given(_SEGMENTS_MOSTLY_ASCII, st.lists(st.sampled_from(["en", "de"]), min_size=1))
@example(["the plan of the city ok", "é the plan"] * 30, ["en"])
def test_unknown_words_reads_the_words_as_one_pattern_would(
    texts: list[str], langs: list[str]
) -> None:
    """ASCII segments are read with a pattern of ASCII letters, the others with the
    pattern of any letter: the same words as the one pattern over all of them."""
    import re

    from lingoflow.processors.text.garbling import unknown_words
    from lingoflow.processors.text.wordlists import frequencies

    texts = texts * 5  # past the measure's 100 words as often as not
    langs = (langs * len(texts))[: len(texts)]
    english = "\n".join(t for t, lang in zip(texts, langs, strict=True) if lang == "en")
    found_words = re.findall(r"[^\W\d_]{2,}", english)
    found = unknown_words(texts, langs, threshold=0.0)
    if len(found_words) < 100:
        assert found is None
    else:
        known = sum(w.lower() in frequencies("en") for w in found_words)
        assert found is not None
        assert found.value == (len(found_words) - known) / len(found_words)


@settings(max_examples=200)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(list("ab \n\t\ufffd\ue000\uf8ff\U000f0000\U0010ffff")),
            max_size=30,
        ),
        max_size=10,
    ),
    st.sampled_from([0.0, 0.02, 0.5]),
)
def test_unmapped_characters_of_texts_read_joined_are_those_of_each(
    texts: list[str], threshold: float
) -> None:
    """The unmapped characters counted in the texts joined: the same share, per character
    that is no space, as counted text by text."""
    import re

    from lingoflow.processors.text.garbling import unmapped_characters

    unmapped = sum(len(re.findall("[\ufffd\ue000-\uf8ff\U000f0000-\U0010ffff]", t)) for t in texts)
    chars = sum(len(t) - t.count(" ") for t in texts)
    found = unmapped_characters(texts, threshold)
    if unmapped < 10 or unmapped / max(1, chars) < threshold:
        assert found is None
    else:
        assert found is not None and found.value == unmapped / chars


@settings(max_examples=200)
@given(st.lists(st.text(max_size=30), max_size=10))
def test_letters_of_many_texts_at_once_are_those_of_each(texts: list[str]) -> None:
    from lingoflow.processors.text.characters import letter_counts

    assert letter_counts(texts) == [sum(map(str.isalpha, t)) for t in texts]


_BLANKS_AND_WORDS = st.text(
    alphabet=st.sampled_from(list("ab가 \t\n\u00a0\u2003\u202f\u3000\u200b.")), max_size=40
)


@settings(max_examples=300)
@given(_BLANKS_AND_WORDS)
def test_spaces_collapse_as_every_run_of_blanks_made_one_space(line: str) -> None:
    """The space pattern leaves single ASCII spaces alone (it matches only the runs a
    replacement changes): the same text as every run of blanks made one space."""
    import re

    from lingoflow.processors.text.normalize import collapse_spaces

    plain = re.sub("[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+", " ", line).strip()
    assert collapse_spaces(line) == plain


@settings(max_examples=300)
@given(st.lists(_MARKS_AND_BULLETS, max_size=6))
def test_years_of_texts_read_joined_are_those_of_each_text(texts: list[str]) -> None:
    """The years of a document are read in one search of its lines joined by newlines: the
    same counts as a search of each line, in the same order."""
    from collections import Counter

    from lingoflow.processors.text.entities import _ANY_YEAR, context_years

    counts = Counter(int(m.group(1)) for text in texts for m in _ANY_YEAR.finditer(text))
    assert context_years(texts) == sorted(counts, key=lambda y: (-counts[y], -y))
