"""Decode: bytes to text, with the encoding used and how sure we are of it.

Order of evidence, strongest first:

1. a byte-order mark (UTF-32, UTF-8, UTF-16);
2. UTF-16 without BOM, recognised by NULs on alternate bytes;
3. a charset declared in HTML ``<meta>`` or an XML declaration, when the bytes decode under it;
4. a strict UTF-8 decode (the common case; also pure ASCII);
5. Korean legacy encodings: a strict CP949 decode whose non-ASCII text is mostly Hangul
   (CP949 is a superset of EUC-KR, so it reads both);
6. nearly-UTF-8 text with a few broken bytes: decoded as UTF-8 with replacement characters;
7. charset-normalizer's detection for everything else.

Undecodable bytes never raise: they become U+FFFD and the caller is told how many there were.
"""

from __future__ import annotations

import codecs
import re
import threading
from dataclasses import dataclass

import charset_normalizer

from lingoflow.processors.text.features import hangul_share

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)"""
    rb"""|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""",
    re.IGNORECASE,
)

# Labels whose real-world meaning is a superset encoding, as browsers treat them (WHATWG).
_SUPERSETS = {
    "euc_kr": "cp949",
    "ks_c_5601_1987": "cp949",
    "iso2022_kr": "iso2022_kr",
    "latin_1": "cp1252",
    "iso8859_1": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_jp": "euc_jp",
}


# Tie-breaking order for detected encodings: the most common on the web first.
_PREFERRED = ("cp1252", "cp949", "gb18030", "cp932", "big5", "cp1251", "iso8859_15")


@dataclass(frozen=True)
class Decoded:
    """Result of decoding: the text, the codec name, a 0-1 confidence, replaced byte count."""

    text: str
    encoding: str
    confidence: float
    replaced: int = 0


def decode_bytes(data: bytes) -> Decoded:
    """Decode ``data`` using the strongest evidence available (see module docstring)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _lenient(data, name, 1.0)
    utf16 = utf16_without_bom(data)
    if utf16 is not None:
        return _lenient(data, utf16, 0.9)
    declared = declared_charset(data)
    utf8 = _strict(data, "utf-8")
    if utf8 is not None and (declared in (None, "utf-8") or not utf8.isascii()):
        # Valid UTF-8 with multi-byte sequences is UTF-8 whatever a page declares.
        return Decoded(utf8, "utf-8", 1.0)
    if declared is not None:
        strict = _strict(data, declared)
        if strict is not None:
            return Decoded(strict, declared, 0.95)
    korean = _korean_legacy(data)
    if korean is not None:
        return korean
    nearly = _nearly_utf8(data)
    if nearly is not None:
        return nearly
    return _detected(data, declared)


def declared_charset(data: bytes) -> str | None:
    """The Python codec of a charset declared in the first 4 KB of HTML or XML, if known.

    >>> declared_charset(b'<meta charset="euc-kr">')
    'cp949'
    """
    match = _DECLARED.search(data[:4096])
    if match is None:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii").lower()
    name = web_codec(label)
    if name is None:
        return None
    return "utf-8" if name == "utf_8" else name


_WEB_LABELS = """utf-8 ibm866 iso-8859-2 iso-8859-3 iso-8859-4 iso-8859-5 iso-8859-6 iso-8859-7
    iso-8859-8 iso-8859-10 iso-8859-13 iso-8859-14 iso-8859-15 iso-8859-16 koi8-r koi8-u
    mac-roman cp874 windows-1250 windows-1251 windows-1252 windows-1253 windows-1254
    windows-1255 windows-1256 windows-1257 windows-1258 mac-cyrillic gbk gb18030 big5 euc-jp
    iso-2022-jp shift_jis euc-kr latin-1 ascii gb2312 cp949 cp932""".split()
WEB_CODECS = frozenset(
    _SUPERSETS.get(n, n)
    for n in (codecs.lookup(label).name.replace("-", "_") for label in _WEB_LABELS)
)
"""The encodings a page may declare or detection may choose: those of the web's Encoding
Standard that are ASCII-compatible (a page that says it is UTF-7, UTF-16 or a codec such as
"undefined" or "idna" says nothing true about its bytes, and the declaration is ignored, as
browsers ignore it)."""


UNICODE_CODECS = frozenset({"utf_16_le", "utf_16_be", "utf_32_le", "utf_32_be"})
"""Encodings detection may find from the bytes themselves (a declaration of them is not
believed: a page whose bytes are UTF-16 could not have been read to find it)."""


def web_codec(label: str, detected: bool = False) -> str | None:
    """The Python codec lingoflow decodes a declared (or, with ``detected``, a detected)
    encoding with, or None when it is not one of :data:`WEB_CODECS` (or
    :data:`UNICODE_CODECS`).

    >>> web_codec("EUC-KR"), web_codec("utf-7"), web_codec("undefined"), web_codec("utf-16le")
    ('cp949', None, None, None)
    >>> web_codec("utf-16le", detected=True)
    'utf_16_le'
    """
    try:
        name = codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return None
    name = _SUPERSETS.get(name, name)
    allowed = name in WEB_CODECS or (detected and name in UNICODE_CODECS)
    return name if allowed else None


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeError, LookupError):
        return None


def _lenient(data: bytes, encoding: str, confidence: float) -> Decoded:
    text = data.decode(encoding, errors="replace")
    replaced = _count_replaced(data, encoding)
    if _SURROGATE.search(text):  # a codec's lone surrogates cannot be written as UTF-8
        text, count = _SURROGATE.subn("\ufffd", text)
        replaced += count
    return Decoded(text, encoding, confidence, replaced)


_SURROGATE = re.compile(r"[\ud800-\udfff]")  # escapes, read by re


def _count_replaced(data: bytes, encoding: str) -> int:
    _COUNTER.replaced = 0
    data.decode(encoding, errors="lingoflow-count")
    return int(_COUNTER.replaced)


def _counting_handler(err: UnicodeError) -> tuple[str, int]:
    assert isinstance(err, UnicodeDecodeError)
    _COUNTER.replaced += err.end - err.start
    return "\ufffd", err.end


_COUNTER = threading.local()
codecs.register_error("lingoflow-count", _counting_handler)


def _korean_legacy(data: bytes) -> Decoded | None:
    text = _strict(data, "cp949")
    if text is None:
        return None
    share = hangul_share(text)
    if share < 0.6:
        return None
    return Decoded(text, "cp949", round(min(0.99, 0.5 + share / 2), 3))


def _nearly_utf8(data: bytes) -> Decoded | None:
    """UTF-8 with a few broken bytes: more valid multi-byte sequences than invalid bytes."""
    replaced = _count_replaced(data, "utf-8")
    text = data.decode("utf-8", errors="replace")
    multibyte = len(text) - len(text.encode("ascii", "ignore")) - text.count("\ufffd")
    if replaced <= max(8, len(data) // 50) and multibyte >= replaced:
        return Decoded(text, "utf-8", 0.8, replaced)
    return None


def _detected(data: bytes, declared: str | None) -> Decoded:
    found = charset_normalizer.from_bytes(data)
    matches = [m for m in found if web_codec(m.encoding, detected=True)]
    if matches:
        # Among equally good candidates prefer the most widespread legacy encodings.
        least_chaos = min(m.chaos for m in matches)
        tied = [m for m in matches if m.chaos <= least_chaos + 0.01]
        best = next((m for p in _PREFERRED for m in tied if p in m.could_be_from_charset), tied[0])
        name = codecs.lookup(best.encoding).name
        name = next((p for p in _PREFERRED if p in best.could_be_from_charset), name)
        return _lenient(data, name, round(max(0.05, 1.0 - best.chaos), 3))
    fallback = declared or "cp1252"
    decoded = _lenient(data, fallback, 0.1)
    if decoded.replaced:
        return _lenient(data, "latin-1", 0.05)
    return decoded


def utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when NULs fall on alternate bytes as in Latin-heavy UTF-16."""
    sample = data[:8192]
    n = len(sample) // 2 * 2
    if n < 4:
        return None
    even = sample[0:n:2].count(0)
    odd = sample[1:n:2].count(0)
    half = n // 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None
