"""Decode: BOMs, declarations, detection and lossy input."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lingoflow.processors.read.decode import declared_charset, decode_bytes

KOREAN = (
    "이 웹사이트는 제19대 대통령 임기 종료에 따라 대통령기록관이 「대통령기록물 관리에 관한 "
    "법률」에 의해 이관받아 서비스하는 대통령기록물입니다. 감사합니다."
)
ENGLISH = "Minister of the Interior and Safety attends the Breakout Session – “2050”."


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + ENGLISH.encode(), "utf-8-sig"),
        (ENGLISH.encode("utf-16"), "utf-16"),
        (codecs.BOM_UTF16_BE + ENGLISH.encode("utf-16-be"), "utf-16"),
        (ENGLISH.encode("utf-32"), "utf-32"),
        (KOREAN.encode("utf-16-le"), None),
        (ENGLISH.encode("utf-16-le"), "utf-16-le"),
        (ENGLISH.encode("utf-16-be"), "utf-16-be"),
        (KOREAN.encode("utf-8"), "utf-8"),
        (KOREAN.encode("cp949"), "cp949"),
        (KOREAN.encode("euc-kr"), "cp949"),
    ],
)
def test_decodes_exactly(data: bytes, encoding: str | None) -> None:
    decoded = decode_bytes(data)
    if encoding is not None:
        assert decoded.encoding == encoding
    assert decoded.text.lstrip("\ufeff") in (ENGLISH, KOREAN)
    assert decoded.replaced == 0


def test_short_korean_cp949_without_declaration() -> None:
    decoded = decode_bytes("감사합니다. 대통령기록관".encode("cp949"))
    assert decoded.text == "감사합니다. 대통령기록관" and decoded.encoding == "cp949"


def test_declared_charset_wins() -> None:
    html = '<html><head><meta charset="euc-kr"></head><body>' + KOREAN + "</body></html>"
    decoded = decode_bytes(html.encode("cp949"))
    assert decoded.encoding == "cp949" and KOREAN in decoded.text
    assert decoded.confidence == pytest.approx(0.95)


def test_declared_charset_variants() -> None:
    assert (
        declared_charset(
            b'<meta http-equiv="Content-Type" content="text/html; charset=ks_c_5601-1987">'
        )
        == "cp949"
    )
    assert declared_charset(b'<?xml version="1.0" encoding="ISO-8859-1"?>') == "cp1252"
    assert declared_charset(b'<meta charset="UTF-8">') == "utf-8"
    assert declared_charset(b'<meta charset="no-such-charset">') is None


def test_wrong_declaration_falls_back_to_utf8() -> None:
    html = '<meta charset="iso-8859-7"><p>' + KOREAN
    decoded = decode_bytes(html.encode("utf-8"))
    assert KOREAN in decoded.text


def test_undecodable_bytes_are_counted() -> None:
    data = (ENGLISH + " " + KOREAN).encode("utf-8")
    broken = data[:20] + b"\xff\xfe\xff" + data[20:]
    decoded = decode_bytes(broken)
    assert decoded.encoding == "utf-8" and decoded.replaced == 3
    assert decoded.text.count("\ufffd") == 3


def test_latin1_text_is_not_forced_into_utf8() -> None:
    text = "Le café est très bon à Besançon, dit-il, et la crème brûlée aussi."
    decoded = decode_bytes(text.encode("latin-1"))
    assert decoded.text == text and decoded.replaced == 0


@given(st.binary(max_size=2000))
def test_any_bytes_decode_and_no_byte_is_dropped_silently(data: bytes) -> None:
    decoded = decode_bytes(data)
    assert 0.0 <= decoded.confidence <= 1.0
    assert 0 <= decoded.replaced <= len(data)
    if decoded.replaced:  # every byte that could not be decoded shows as U+FFFD
        assert "\ufffd" in decoded.text
    if decoded.encoding in ("latin-1", "cp1252", "cp949", "utf-8") and not decoded.replaced:
        assert decoded.text.encode(decoded.encoding) == data  # a strict decode round-trips


@given(st.text(max_size=300))
def test_utf8_round_trips(text: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text) or "\x00" in text:
        return
    assert decode_bytes(data).text == text
