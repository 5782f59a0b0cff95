"""Repair: mojibake (ftfy and the Korean cases), normalisation, and its invariants."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ftfy
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lingoflow.processors.core.config import PipelineConfig
from lingoflow.processors.core.document import Document
from lingoflow.processors.pipeline import run_steps
from lingoflow.processors.text.repair import (
    RepairReport,
    fix_dropped_bytes,
    fix_korean_legacy_as_latin1,
    fix_utf8_read_as_cp949,
    remove_invisible,
    repair_text,
)
from tests.conftest import RAW, SHARED

MOJIBAKE = SHARED / "eval" / "mojibake"
SAMPLES = sorted(RAW.glob("*.txt"))
KOREAN = "이 웹사이트는 제19대 대통령 임기 종료에 따라 대통령기록관이 서비스합니다"


def segments_of(data: bytes) -> list[tuple[str, str, dict[str, str]]]:
    doc = Document(rel_path="x.txt", doc_id="x-000000000000", data=data)
    run_steps([doc], PipelineConfig())
    return [(b.role, b.lang, {b.lang: b.text}) for b in doc.blocks]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name[:3])
@pytest.mark.parametrize("codec", ["latin-1", "sloppy-windows-1252"])
def test_mojibake_copy_gives_identical_segments(sample: Path, codec: str) -> None:
    data = sample.read_bytes()
    mojibake = data.decode(codec).encode("utf-8")
    assert mojibake != data
    assert segments_of(mojibake) == segments_of(data)


@pytest.mark.parametrize("codec", ["latin-1", "sloppy-windows-1252"])
def test_korean_legacy_mojibake_is_repaired(codec: str) -> None:
    mojibake = KOREAN.encode("cp949").decode(codec)
    assert fix_korean_legacy_as_latin1(mojibake) == KOREAN
    assert repair_text("Title\n" + mojibake + "\nEnd") == "Title\n" + KOREAN + "\nEnd"


def test_utf8_read_as_cp949_is_repaired() -> None:
    # Only some texts survive this mix-up losslessly; those are repaired exactly.
    original = "감사 기록 중립"
    mojibake = original.encode("utf-8").decode("cp949")
    assert mojibake != original
    assert fix_utf8_read_as_cp949(mojibake) == original


@pytest.mark.parametrize(
    "text",
    [
        KOREAN,
        "大韓民國 憲法 第一條",  # real Hanja is left alone
        "HÅØYA ER BLÅØYD",
        "Besançon à côté",
        "aoÃ»t",  # ftfy's case, not a Korean one
    ],
)
def test_korean_repairs_leave_other_text(text: str) -> None:
    assert fix_korean_legacy_as_latin1(text) == text
    assert fix_utf8_read_as_cp949(text) == text


def _cases(name: str) -> list[Any]:
    """ftfy's cases expected to pass; one skipped case when ../shared is not there."""
    path = MOJIBAKE / name
    if not path.is_file():
        reason = f"{path} is not there (../shared/eval beside the project)"
        return [pytest.param({"label": "missing"}, marks=pytest.mark.skip(reason=reason))]
    cases = json.loads(path.read_text(encoding="utf-8"))
    return [c for c in cases if c["expect"] == "pass"]


@pytest.mark.parametrize("case", _cases("negative.json"), ids=lambda c: c["label"][:50])
def test_negative_cases_unchanged(case: dict[str, str]) -> None:
    # Unchanged, except where ftfy's expectation fixes a C1 control character ("fixed" there
    # also uncurls quotes, which lingoflow does not do).
    expected = case["fixed"] if "\x85" in case["original"] else case["original"]
    assert repair_text(case["original"]) == expected


@pytest.mark.parametrize(
    "case",
    _cases("in-the-wild.json") + _cases("synthetic.json") + _cases("language-names.json"),
    ids=lambda c: c["label"][:50],
)
def test_ftfy_cases_repaired(case: dict[str, str]) -> None:
    # ftfy's expectations uncurl quotes; lingoflow keeps typographic quotes (RepairConfig).
    expected = {case["fixed"], ftfy.fix_text(case["original"], uncurl_quotes=False)}
    assert repair_text(case["original"]) in expected


def test_normalisation_choices() -> None:
    assert repair_text("ＣＯＰ２８") == "COP28"
    assert repair_text("“quoted”") == "“quoted”"
    assert repair_text("a\r\nb\rc") == "a\nb\nc"
    assert repair_text("e\u0301") == "é"
    assert repair_text("ㅇ bullet") == "ㅇ bullet"  # NFKC would turn it into a conjoining jamo
    assert remove_invisible("co\u00adop\u200beration\ufeff") == "cooperation"


@given(st.text(max_size=400))
def test_repair_is_idempotent(text: str) -> None:
    once = repair_text(text)
    assert repair_text(once) == once


LANGID = SHARED / "eval" / "langid"
MOJIBAKE_KO = SHARED / "eval" / "mojibake-ko" / "cases.json"
needs_shared = pytest.mark.skipif(
    not LANGID.is_dir() or not MOJIBAKE_KO.is_file(),
    reason="../shared/eval (langid, mojibake-ko) is not beside the project",
)


def _as_cp949_read_as_latin1(text: str) -> str:
    """Every non-ASCII character encoded as CP949 and read as latin-1, as the sites did."""
    return "".join(c if c.isascii() else c.encode("cp949").decode("latin-1") for c in text)


@needs_shared
def test_cp949_punctuation_in_english_is_repaired_and_traps_are_not() -> None:
    cases = json.loads(MOJIBAKE_KO.read_text(encoding="utf-8"))
    for case in cases:
        assert repair_text(case["text"]) == case["fixed"], case["text"]
    # more lines made the same way from the samples' typographic English
    made = 0
    for sample in SAMPLES:
        for line in sample.read_text(encoding="utf-8").splitlines():
            if any(c in line for c in "’“”‘…") and not any("\uac00" <= c <= "\ud7a3" for c in line):
                clean = repair_text(line)
                try:
                    clean.encode("cp949")
                except UnicodeEncodeError:
                    continue
                assert repair_text(_as_cp949_read_as_latin1(clean)) == clean, line
                made += 1
    assert made >= 10


@needs_shared
def test_correct_latin_text_is_never_changed_by_the_korean_repairs() -> None:
    """Zero changes to correct text: every French, German, Spanish, ... line of the shared
    language-identification data and every ftfy negative case."""
    from lingoflow.processors.text.repair import fix_cp949_punctuation

    lines = [
        line
        for path in sorted(LANGID.glob("*/*.txt"))
        if path.stem not in ("ko", "ja", "zh")
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    lines += [c["original"] for c in json.loads((MOJIBAKE / "negative.json").read_text("utf-8"))]
    assert len(lines) > 10_000
    changed = [
        line
        for line in lines
        if fix_cp949_punctuation(line) != line
        or fix_korean_legacy_as_latin1(line) != line
        or fix_dropped_bytes(line) != line
    ]
    assert changed == []


def test_korean_read_as_latin1_is_repaired_for_every_lead_byte() -> None:
    """Korean words whose CP949 lead byte is each of 0x81-0xC8 (0x81-0xA0 are C1 controls in
    latin-1, which a repair after control stripping would lose), read as latin-1 and cp1252."""
    from wordfreq import get_frequency_dict

    hangul_leads = [*range(0x81, 0xA1), *range(0xB0, 0xC9)]  # 0xA1-0xAF: symbols, jamo
    by_lead: dict[int, str] = {}
    for word in get_frequency_dict("ko", wordlist="best"):
        if len(word) >= 2 and all("\uac00" <= c <= "\ud7a3" for c in word):
            for c in word:
                by_lead.setdefault(c.encode("cp949")[0], word)
    for lead in hangul_leads:  # rare syllables (UHC extension) that no listed word uses
        trail = 0x41 if lead <= 0xC6 else 0xA1  # UHC extension, else KS X 1001
        by_lead.setdefault(lead, bytes([lead, trail]).decode("cp949") + "다")
    by_lead = {lead: by_lead[lead] for lead in hangul_leads}
    for lead, word in sorted(by_lead.items()):
        sentence = f"{word} 정부는 지역 주민과 함께 탄소중립 계획 관련 내용을 발표했다."
        for codec in ("latin-1", "sloppy-windows-1252"):
            mojibake = sentence.encode("cp949").decode(codec)
            assert repair_text("Title\n" + mojibake) == "Title\n" + sentence, (hex(lead), codec)


def test_full_width_letters_fold_but_cjk_punctuation_stays() -> None:
    chinese = "北京市政府表示，将加快推进城市更新（试点）。"
    assert repair_text(chinese) == chinese
    assert (
        repair_text("東京都は、２０５０年に（実質）ゼロを目指す。")
        == "東京都は、2050年に（実質）ゼロを目指す。"
    )
    assert repair_text("ＣＯＰ２８：ｇｏａｌｓ！") == "COP28:goals!"
    assert repair_text("ｶﾀｶﾅ") == "カタカナ"


def _processed(text: str) -> Document:
    doc = Document(rel_path="x.txt", doc_id="x-000000000000", data=text.encode("utf-8"))
    run_steps([doc], PipelineConfig())
    return doc


PRESS_RELEASE = [
    "환경부, 2050 탄소중립 이행계획 발표",
    "환경부는 오늘 지역 주민과 함께 탄소중립 이행계획을 발표했다.",
    "이번 계획은 산업과 수송 부문의 온실가스 감축 목표를 담았다.",
    "정부는 내년부터 관련 예산을 늘릴 예정이라고 밝혔다.",
]


def test_a_file_mostly_mojibake_is_ok_with_a_warning_saying_what_was_repaired() -> None:
    mojibake = "\n".join(line.encode("cp949").decode("latin-1") for line in PRESS_RELEASE)
    doc = _processed(mojibake)
    assert doc.status == "ok"
    assert [b.text for b in doc.blocks][:2] == PRESS_RELEASE[:2]
    assert [(w.code, w.message) for w in doc.warnings] == [
        ("repaired", "mojibake repaired: Korean CP949 read as latin-1 (4 lines)")
    ]
    clean = _processed("\n".join(PRESS_RELEASE))
    assert clean.warnings == []


def test_an_uncertain_repair_leaves_the_text_as_it_was_with_a_warning() -> None:
    """A byte lost from one line (a decoder dropped it): that line no longer decodes as
    CP949, so no line is repaired: never half-repaired."""
    lines = [line.encode("cp949").decode("latin-1") for line in PRESS_RELEASE]

    def decodes(line: str) -> bool:
        try:
            line.encode("latin-1").decode("cp949")
        except UnicodeDecodeError:
            return False
        return True

    damaged = next(
        cut for i in range(len(lines[2])) if not decodes(cut := lines[2][:i] + lines[2][i + 1 :])
    )
    text = "\n".join([lines[0], lines[1], damaged, lines[3]])
    report = RepairReport()
    assert fix_korean_legacy_as_latin1(text) == text
    assert repair_text(text, report=report) == repair_text(text)
    assert not any("\uac00" <= c <= "\ud7a3" for c in repair_text(text))
    assert report.summary() is None
    assert len(report.doubts) == 1 and "left unrepaired" in report.doubts[0]
    doc = _processed(text)
    assert doc.status == "ok"
    assert [w.code for w in doc.warnings] == ["repair_uncertain"]


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("ã€Key Participants】 and more", "【Key Participants】 and more"),
        ("ã€Key Participantsã€‘ and more", "【Key Participants】 and more"),
        ("「Plan ã€ was announced", "「Plan 」 was announced"),
        ("『Book ã€ review", "『Book 』 review"),
        ("He said â€œhelloâ€ to them", "He said “hello” to them"),
        ("a wellâ€known fact", "a well\u2010known fact"),
        ("Remarks: ã€Key Participants", "Remarks: Key Participants"),
        ("He said â€œhelloâ€\x9d to them", "He said “hello” to them"),  # byte kept: ftfy
        ("upgraded to â€œbb+â€? from", "upgraded to “bb+\ufffd from"),  # replaced: ftfy
    ],
)
def test_a_lost_byte_is_inferred_from_its_partner_or_its_residue_removed(
    text: str, fixed: str
) -> None:
    assert repair_text(text) == fixed


def test_a_line_whose_byte_was_lost_does_not_stop_the_others_from_being_repaired() -> None:
    """The bullets "â–¸" round-trip only with the whole text; the line whose "【" lost its
    byte does not round-trip, and no longer stops the others (it is mended on its own)."""
    text = (
        "ã€Key Participants】\nâ€œOpeningâ€\x9d ceremony\n"
        "â–¸ Minister of the Interior and Safety\nâ–¸ Mayor of Daegu"
    )
    assert repair_text(text).split("\n") == [
        "【Key Participants】",
        "“Opening” ceremony",
        "▸ Minister of the Interior and Safety",
        "▸ Mayor of Daegu",
    ]
    latin = "Le café est très bon.\nâ–¸ Opening"  # genuine latin text does not round-trip
    assert repair_text(latin) == latin


def test_lost_bytes_are_reported() -> None:
    report = RepairReport()
    repair_text("ã€Key Participants】 and\nRemarks: ã€Key\nfine line", report=report)
    assert dict(report.lines) == {"dropped_byte": 1, "orphan_residue": 1}


def test_html_entities_in_plain_text_are_unescaped_but_not_in_markup() -> None:
    assert repair_text("2020&#8212;2050 R&amp;D &quot;plan&quot;") == '2020—2050 R&D "plan"'
    assert repair_text("<p>R&amp;D</p>") == "<p>R&amp;D</p>"


@needs_shared
def test_the_explained_ftfy_pass_is_ftfy() -> None:
    """Repair counts ftfy's mojibake fixes by running it segment by segment with explanations:
    the text must be exactly what ``ftfy.fix_text`` gives."""
    from lingoflow.processors.core.config import RepairConfig
    from lingoflow.processors.text.repair import _ftfy_explained, ftfy_config

    config = ftfy_config(RepairConfig())
    texts = [
        c["original"]
        for name in ("in-the-wild.json", "synthetic.json", "negative.json", "language-names.json")
        for c in json.loads((MOJIBAKE / name).read_text("utf-8"))
    ]
    texts.append("\n".join(texts))
    texts.append("a &amp; b\n<p>c &amp; d</p>\ne &amp; f")
    for text in texts:
        assert _ftfy_explained(text, config)[0] == ftfy.fix_text(text, config)


# Characters every fix of ftfy acts on, mojibake's own, and text it leaves alone.
_FTFY_ALPHABET = st.one_of(
    st.characters(max_codepoint=0x24F),
    st.sampled_from("가나서울시“”‘’–—…€™ﬁﬀĲ\u2028\u0085\ufeff\u206a\u0301\u3000Ａ　①"),
    st.characters(min_codepoint=0x2000, max_codepoint=0x206F),
)


@settings(max_examples=300)
@given(
    st.text(alphabet=_FTFY_ALPHABET, max_size=80),
    st.booleans(),
    st.sampled_from(["NFC", "NFKC", None]),
)
def test_the_ftfy_pass_skips_only_what_ftfy_would_not_change(
    text: str, uncurl: bool, normalization: str | None
) -> None:
    """A line the pass does not give ftfy (no character a fix acts on, in the normal form,
    not mojibake) comes out as ftfy would give it, whatever the configuration."""
    from lingoflow.processors.core.config import RepairConfig
    from lingoflow.processors.text.repair import _ftfy_explained, ftfy_config

    config = ftfy_config(RepairConfig(uncurl_quotes=uncurl))._replace(normalization=normalization)
    for variant in (config, config._replace(fix_character_width=True)):
        assert _ftfy_explained(text, variant)[0] == ftfy.fix_text(text, variant)


def test_ftfy_mojibake_pattern_is_as_windowed_search_needs_it() -> None:
    """Every alternative of ftfy's mojibake pattern spans at most ``BADNESS_WIDTH``
    characters and holds a character outside ASCII (what :func:`repair.is_bad` relies on)."""
    import re._constants as sre
    import re._parser

    from lingoflow.processors.text.repair import BADNESS_WIDTH

    def outside_ascii(op: object, av: Any) -> bool:
        if op is sre.LITERAL:
            return bool(av >= 0x80)
        if op is sre.IN:
            return all(
                (o is sre.LITERAL and a >= 0x80) or (o is sre.RANGE and a[0] >= 0x80) for o, a in av
            )
        return False

    pattern = ftfy.badness.BADNESS_RE
    parsed = re._parser.parse(pattern.pattern, pattern.flags)
    [(op, (_, alternatives))] = parsed.data
    assert op is sre.BRANCH and len(alternatives) > 30
    for alternative in alternatives:
        assert alternative.getwidth()[1] <= BADNESS_WIDTH, alternative
        assert any(outside_ascii(o, a) for o, a in alternative.data), alternative


_MOJIBAKE_PIECES = st.one_of(
    st.sampled_from(["Ã©", "Ã", "Â ", "â€™", "â€", "Œ", "œ.", "ï»¿", "Ðµ", "Î±", "Ã¨", "\x85"]),
    st.sampled_from(["é", "ü", "ß", "“", "€", "α", "д", "서울", "ⓒ", "\ufffd", "\u0301"]),
    st.integers(0, 9).map(lambda k: "a" * k),
    st.sampled_from([" ", "\n", "A", "ab.", "1", "x y"]),
    st.characters(min_codepoint=0x80, max_codepoint=0x2FF),
    st.characters(min_codepoint=0x2000, max_codepoint=0x2122),
)


@settings(max_examples=400)
@given(st.lists(_MOJIBAKE_PIECES, max_size=24).map("".join))
@example("xд¦")  # a match starting on the ASCII letter before the run
@example("Ã " + "a" * 12 + "é")  # the pattern's "^" alternative, then a later run
def test_windowed_mojibake_test_is_ftfys(text: str) -> None:
    """The mojibake test tried only near the characters outside ASCII answers as ftfy's
    ``is_bad`` over the whole text."""
    from lingoflow.processors.text.repair import is_bad

    assert is_bad(text) == ftfy.badness.is_bad(text)


@settings(max_examples=300)
@given(
    st.lists(
        st.one_of(_MOJIBAKE_PIECES, st.sampled_from(["\n", ".\n", "<p>", "&amp;", "’"])),
        max_size=40,
    ).map("".join)
)
@example("x.\nÂ b")  # a line whose mojibake the pattern's "^" finds at its start alone
@example("a &amp; b\n<p>c &amp; d</p>\ne &amp; f")
def test_the_ftfy_pass_over_runs_of_lines_is_ftfy(text: str) -> None:
    """Runs of lines the pass keeps whole, with one check, come out as ftfy gives them line
    by line."""
    from lingoflow.processors.core.config import RepairConfig
    from lingoflow.processors.text.repair import _ftfy_explained, ftfy_config

    config = ftfy_config(RepairConfig())
    assert _ftfy_explained(text, config)[0] == ftfy.fix_text(text, config)


def test_ftfy_mojibake_pattern_has_no_anchor_but_its_start() -> None:
    """The pass reads runs of lines with ftfy's mojibake pattern made to match "^" at every
    line's start: that finds what the pattern finds in any line alone only while "^" is its
    one anchor and it has no lookaround."""
    import re._constants as sre
    import re._parser

    found: set[object] = set()

    def walk(items: Any) -> None:
        for op, av in items:
            if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT, sre.GROUPREF):
                found.add(av if op is sre.AT else op)
            elif op is sre.BRANCH:
                for alternative in av[1]:
                    walk(alternative.data)
            elif op is sre.SUBPATTERN:
                walk(av[-1].data)
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
                walk(av[2].data)

    pattern = ftfy.badness.BADNESS_RE
    walk(re._parser.parse(pattern.pattern, pattern.flags).data)
    assert found <= {sre.AT_BEGINNING}


@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=200))
def test_the_ascii_shortcut_of_the_ftfy_pass_changes_nothing_ftfy_would_not(text: str) -> None:
    from lingoflow.processors.core.config import RepairConfig
    from lingoflow.processors.text.repair import _ftfy_explained, ftfy_config

    config = ftfy_config(RepairConfig())
    assert _ftfy_explained(text, config)[0] == ftfy.fix_text(text, config)


_KOREAN_WORDS = ("서울시는", "감사합니다", "가가", "고기", "정부", "발표했다")
_MOJIBAKE_AND_NOT = st.lists(
    st.sampled_from(
        [
            *"a 가\nÃ©—é",
            "ＣＯＰ２８，",
            "北京",
            *(w.encode("utf-8").decode("cp949", "ignore") for w in _KOREAN_WORDS),
            *(w.encode("cp949").decode("latin-1") for w in _KOREAN_WORDS),
        ]
    ),
    max_size=12,
).map("".join)


def test_the_width_fix_looks_first_for_a_character_of_any_of_its_classes() -> None:
    """The width fix returns a text without a character of its one class at once: that class
    holds every character of the three it replaces (checked over the whole BMP)."""
    from lingoflow.processors.text import repair

    classes = (repair._FULLWIDTH_ALNUM, repair._FULLWIDTH_PUNCT, repair._HALFWIDTH_KANA)
    for code in range(0x10000):
        char = chr(code)
        expected = any(pattern.match(char) for pattern in classes)
        assert bool(repair._HALF_OR_FULL_WIDTH.match(char)) == expected, hex(code)


@settings(max_examples=300)
@given(_MOJIBAKE_AND_NOT)
def test_korean_fixes_that_look_at_the_whole_text_first_give_what_each_line_gives(
    text: str,
) -> None:
    """The UTF-8-read-as-CP949 fix and the CP949-read-as-latin-1 plan first look for their
    characters in the whole text and return it when there are none: the same answers as
    looking at every line."""
    from lingoflow.processors.text import repair

    lines = text.split("\n")
    assert repair.fix_utf8_read_as_cp949(text) == "\n".join(
        repair._fix_line_utf8_cp949(line) for line in lines
    )
    plan = repair._legacy_plan(text)
    readings = [repair._legacy_reading(line) for line in lines]
    if not any(r is not None and r[1] for r in readings):
        assert (plan.lines, plan.repaired, plan.undecodable) == (lines, 0, 0)
    else:
        assert plan.lines != lines or plan.undecodable
