"""Repair: fix mojibake and normalise Unicode, one pure function per fix.

:func:`repair_text` applies them in order. ftfy does the general work; two Korean cases ftfy
cannot repair (its issue 29) are handled here:

* CP949/EUC-KR bytes read as latin-1 or cp1252: "ÀÌ À¥»çÀÌÆ®" -> "이 웹사이트";
* UTF-8 bytes read as CP949: "媛먯궗" -> "감사";
* CP949 punctuation read as latin-1 inside English text: "nation¡¯s" -> "nation’s".

Both are applied per line and only when the repaired line is mostly Hangul, so text that merely
contains accented letters or Hanja is never touched.
"""

from __future__ import annotations

import functools
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
    - fix_character_width: off; :func:`fix_character_width` does it without folding the
      native punctuation of Chinese and Japanese text. uncurl_quotes: from :class:`RepairConfig`.
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
        fix_character_width=False,  # fix_character_width() below keeps CJK punctuation
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
    """The line's CP949 reading when it reads as Korean. Tried before ftfy, which would turn
    the C1 characters that stand for CP949 lead bytes 0x81-0x9F into cp1252 punctuation or
    strip them, and whose own guess (it sees single-byte mojibake) is never Korean."""
    suspects = len(_LATIN1_MOJIBAKE_CHAR.findall(line))
    visible = sum(1 for c in line if not c.isspace())
    if suspects < 2 or suspects < 0.3 * visible:
        return line
    for codec in ("latin-1", "sloppy-windows-1252"):
        try:
            fixed = line.encode(codec).decode("cp949")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if _mostly_korean(fixed) and _reads_as_korean(fixed):
            return fixed
    return line


def _reads_as_korean(text: str) -> bool:
    """Most Hangul words of ``text`` are Korean words in wordfreq's list (the word, or its
    stem of two or more syllables before particles and endings; a one- or two-syllable word
    may be a one-syllable word with a particle): a CP949 reading of accented Latin text gives
    syllables no one writes."""
    known_words = _korean_words()
    hangul_words = re.findall("[\uac00-\ud7a3]+", text)

    def known(word: str) -> bool:
        if word in known_words or (len(word) <= 2 and word[:1] in known_words):
            return True
        return any(word[:k] in known_words for k in range(len(word) - 1, 1, -1))

    return bool(hangul_words) and sum(map(known, hangul_words)) >= 0.7 * len(hangul_words)


@functools.cache
def _korean_words() -> frozenset[str]:
    """wordfreq's Korean word list (30,000 words), read once per process (about 0.3 s)."""
    from wordfreq import get_frequency_dict

    return frozenset(get_frequency_dict("ko", wordlist="best"))


# CP949 punctuation and symbols (lead bytes 0xA1-0xA3) that English text from Korean sites
# carries, as they look read as latin-1: ’ “ ” ‘ … · — ～ ．
_CP949_QUOTES = frozenset("’“”‘…·—～．")
# Not after a letter of latin-1's upper half: "ì£¼" is UTF-8 read as cp1252, not CP949.
_CP949_PAIR = re.compile(
    "(?<![\u00c0-\u00ff])[\u00a1-\u00a3][\u00a1-\u00fe]|(?m:^)\u00a4[\u00a1-\u00fe](?= )"
)


def fix_cp949_punctuation(text: str) -> str:
    """Typographic punctuation of CP949 read as latin-1 inside otherwise correct text:
    "the nation¡¯s", "¡°runway status lights¡±" -> "the nation’s", "“runway status lights”".

    A pair is repaired when its CP949 reading is a quote, apostrophe, ellipsis, middle dot,
    dash, wave dash or full stop; other CP949 symbols (「」, ※, □ ..., and the jamo "ㅇ" used
    as a bullet at a line's start) only in a text that has such a pair already. Spanish "¡Ú"
    or "´´" closing quotes never match.

    >>> fix_cp949_punctuation("the nation¡¯s busiest airports ¡¦ ¡¸Strategy¡¹")
    'the nation’s busiest airports … 「Strategy」'
    >>> fix_cp949_punctuation("¡Última hora! ``quoted´´")
    '¡Última hora! ``quoted´´'
    """
    if "¡" not in text and "£" not in text and "¢" not in text:
        return text

    def reading(pair: str) -> str | None:
        try:
            char = pair.encode("latin-1").decode("cp949")
        except UnicodeDecodeError:
            return None
        if len(char) != 1:
            return None
        bullet = "\u3131" <= char <= "\u318e"  # a jamo at a line's start: "ㅇ" as a bullet
        return char if bullet or not char.isalnum() else None

    readings = {m.group(): reading(m.group()) for m in _CP949_PAIR.finditer(text)}
    evidence = any(r in _CP949_QUOTES for r in readings.values())
    if not evidence:
        return text

    def replace(match: re.Match[str]) -> str:
        char = readings.get(match.group())
        return char if char is not None else match.group()

    return _CP949_PAIR.sub(replace, text)


# Full-width forms: letters and digits are a Latin-text artefact; punctuation is native to
# Chinese and Japanese text and stays there.
_FULLWIDTH_ALNUM = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_FULLWIDTH_PUNCT = re.compile("[\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff5e]")
_HALFWIDTH_KANA = re.compile("[\uff61-\uff9f]+")
_CJK = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff]")


def fix_character_width(text: str) -> str:
    """Full-width Latin letters and digits become ASCII; half-width katakana become full-width;
    full-width punctuation becomes ASCII only outside CJK text (a neighbour, spaces skipped,
    is Han, kana or Hangul: then it is native punctuation and stays).

    >>> fix_character_width("ＣＯＰ２８，ｇｏａｌ！")
    'COP28,goal!'
    >>> fix_character_width("北京市政府表示，将加快推进（试点）。")
    '北京市政府表示，将加快推进（试点）。'
    """
    text = _FULLWIDTH_ALNUM.sub(lambda m: chr(ord(m.group()) - 0xFEE0), text)
    text = _HALFWIDTH_KANA.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)

    def punct(match: re.Match[str]) -> str:
        i = match.start()
        before = text[:i].rstrip()[-1:]
        after = text[i + 1 :].lstrip()[:1]
        if _CJK.match(before or " ") or _CJK.match(after or " "):
            return match.group()
        return chr(ord(match.group()) - 0xFEE0)

    return _FULLWIDTH_PUNCT.sub(punct, text)


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
    if config.fix_korean_mojibake:  # after ftfy has undone UTF-8 read as cp1252
        text = fix_cp949_punctuation(text)
    if config.fix_character_width:
        text = fix_character_width(text)
    text = remove_invisible(text)
    return normalize(text, config.normalization)
