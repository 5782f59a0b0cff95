"""Repair: fix mojibake and normalise Unicode, one pure function per fix.

:func:`repair_text` applies them in order. ftfy does the general work; two Korean cases ftfy
cannot repair (its issue 29) are handled here:

* CP949/EUC-KR bytes read as latin-1 or cp1252: "ÀÌ À¥»çÀÌÆ®" -> "이 웹사이트";
* UTF-8 bytes read as CP949: "媛먯궗" -> "감사".

Both are applied per line and only when the repaired line is mostly Hangul, so text that merely
contains accented letters or Hanja is never touched.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy
import ftfy.bad_codecs
import ftfy.badness

from lingoflow.processors.config import Normalization, RepairConfig
from lingoflow.processors.decode import hangul_share

# Invisible characters downstream should not see. ZWJ/ZWNJ (U+200C/U+200D) stay: emoji and
# several scripts need them.
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff\u180e]")
_LATIN1_MOJIBAKE_CHAR = re.compile(
    "[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]"
)
_HANGUL_OR_HANJA = re.compile("[\u3131-\u318e\uac00-\ud7a3\u4e00-\u9fff\uf900-\ufaff]")


def ftfy_config(config: RepairConfig) -> ftfy.TextFixerConfig:
    """The ftfy configuration behind :func:`fix_with_ftfy`; every choice is deliberate.

    - unescape_html "auto": entities are unescaped only in text without HTML tags; HTML input
      is parsed by the extractor, which unescapes entities itself.
    - fix_encoding / restore_byte_a0 / replace_lossy_sequences / decode_inconsistent_utf8 /
      fix_c1_controls: on, they are the mojibake repair (``RepairConfig.fix_mojibake``).
    - fix_latin_ligatures: on, "ﬁ" becomes "fi" so words match and translate.
    - fix_character_width, uncurl_quotes: from :class:`RepairConfig`.
    - fix_line_breaks: on, CRLF, CR, U+2028/2029 and NEL become "\\n".
    - remove_control_chars: on, C0/C1 controls other than tab and newline go.
    - normalization: from :class:`RepairConfig` (NFC).
    """
    mojibake = config.fix_mojibake
    return ftfy.TextFixerConfig(
        unescape_html="auto",
        remove_terminal_escapes=True,
        fix_encoding=mojibake,
        restore_byte_a0=mojibake,
        replace_lossy_sequences=mojibake,
        decode_inconsistent_utf8=mojibake,
        fix_c1_controls=mojibake,
        fix_latin_ligatures=True,
        fix_character_width=config.fix_character_width,
        uncurl_quotes=config.uncurl_quotes,
        fix_line_breaks=True,
        fix_surrogates=True,
        remove_control_chars=True,
        normalization=config.normalization,
        explain=False,
    )


def fix_with_ftfy(text: str, config: RepairConfig) -> str:
    """ftfy's repair with :func:`ftfy_config`."""
    return ftfy.fix_text(text, ftfy_config(config))


def fix_document_mojibake(text: str) -> str:
    """Undo UTF-8 read as cp1252/latin-1 when the *whole* text round-trips.

    ftfy judges line by line, and a line such as "â–¸ Opening" alone does not look wrong
    enough. When every character of the text re-encodes to bytes that form valid UTF-8 (which
    genuine Latin text practically never does) and the result looks less like mojibake, the
    whole text is decoded again.
    """
    if text.isascii():
        return text
    for codec in ("sloppy-windows-1252", "latin-1"):
        try:
            fixed = text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        multibyte = sum(not c.isascii() for c in fixed)
        if multibyte >= 2 and ftfy.badness.badness(fixed) < ftfy.badness.badness(text):
            return fixed
    return text


def fix_korean_legacy_as_latin1(text: str) -> str:
    """Repair lines whose CP949/EUC-KR bytes were read as latin-1 or cp1252."""
    return "\n".join(_fix_line_legacy(line) for line in text.split("\n"))


def _fix_line_legacy(line: str) -> str:
    if ftfy.fix_encoding(line) != line:  # ftfy knows this mojibake: leave it to ftfy
        return line
    suspects = len(_LATIN1_MOJIBAKE_CHAR.findall(line))
    visible = sum(1 for c in line if not c.isspace())
    if suspects < 2 or suspects < 0.3 * visible:
        return line
    for codec in ("latin-1", "sloppy-windows-1252"):
        try:
            fixed = line.encode(codec).decode("cp949")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if _mostly_korean(fixed):
            return fixed
    return line


def _mostly_korean(text: str) -> bool:
    """At least 3 Hangul syllables, most non-ASCII letters Hangul, and Hangul dominating."""
    syllables = sum("\uac00" <= c <= "\ud7a3" for c in text)
    ascii_letters = sum(c.isascii() and c.isalpha() for c in text)
    return syllables >= 3 and hangul_share(text) >= 0.8 and syllables >= ascii_letters / 2


def fix_utf8_read_as_cp949(text: str) -> str:
    """Repair lines whose UTF-8 bytes were read as CP949 ("媛먯궗" -> "감사")."""
    return "\n".join(_fix_line_utf8_cp949(line) for line in text.split("\n"))


def _fix_line_utf8_cp949(line: str) -> str:
    if len(_HANGUL_OR_HANJA.findall(line)) < 2:
        return line
    try:
        fixed = line.encode("cp949").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return line
    if fixed != line and _mostly_korean(fixed):
        return fixed
    return line


def remove_invisible(text: str) -> str:
    """Drop soft hyphens, zero-width spaces, word joiners and stray BOMs."""
    return _INVISIBLE.sub("", text)


def normalize(text: str, form: Normalization = "NFC") -> str:
    """Unicode normalisation (NFC by default, see :class:`RepairConfig`).

    >>> normalize("\u1112\u1161\u11ab") == "한"
    True
    """
    return unicodedata.normalize(form, text)


def repair_text(text: str, config: RepairConfig | None = None) -> str:
    """Apply every repair in order until nothing changes (at most four passes), so that
    repairing repaired text changes nothing: removing a soft hyphen can expose mojibake."""
    config = config or RepairConfig()
    for _ in range(4):
        repaired = _repair_once(text, config)
        if repaired == text:
            break
        text = repaired
    return text


def _repair_once(text: str, config: RepairConfig) -> str:
    if config.fix_mojibake:
        text = fix_document_mojibake(text)
    if config.fix_korean_mojibake:
        text = fix_korean_legacy_as_latin1(text)
        text = fix_utf8_read_as_cp949(text)
    text = fix_with_ftfy(text, config)
    text = remove_invisible(text)
    return normalize(text, config.normalization)
