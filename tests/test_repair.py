"""Repair: mojibake (ftfy and the Korean cases), normalisation, and its invariants."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ftfy
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lingoflow.processors.config import PipelineConfig
from lingoflow.processors.document import Document
from lingoflow.processors.pipeline import run_steps
from lingoflow.processors.repair import (
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
