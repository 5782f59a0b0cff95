"""Repair: fix mojibake and normalise Unicode, one pure function per fix.

:func:`repair_text` applies them in order. ftfy does the general work; two Korean cases ftfy
cannot repair (its issue 29) are handled here:

* CP949/EUC-KR bytes read as latin-1 or cp1252: "ÀÌ À¥»çÀÌÆ®" -> "이 웹사이트";
* UTF-8 bytes read as CP949: "媛먯궗" -> "감사";
* CP949 punctuation read as latin-1 inside English text: "nation¡¯s" -> "nation’s".

The first two are applied per line and only when the repaired line is mostly Hangul, so text
that merely contains accented letters or Hanja is never touched. A fourth fix handles UTF-8
mojibake whose last byte was lost ("ã€Key Participants】": the 0x90 of "【" is undefined in
cp1252 and was dropped): the character is inferred from its partner or the residue removed.

:class:`RepairReport` says what was repaired and how often, and what was left alone because
the repair was uncertain; the pipeline turns it into the record's warnings.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import ftfy
import ftfy.bad_codecs
import ftfy.badness
import ftfy.chardata

from lingoflow.processors.core.config import Normalization, RepairConfig
from lingoflow.processors.text.features import hangul_share
from lingoflow.processors.text.wordlists import frequencies

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
    r"""Undo UTF-8 read as cp1252/latin-1 when the text round-trips as a whole.

    ftfy judges line by line, and a line such as "â–¸ Opening" alone does not look wrong
    enough. When the characters of the text re-encode to bytes that form valid UTF-8 (which
    genuine Latin text practically never does) and the result looks less like mojibake, the
    text is decoded again. Lines that do not round-trip because a decoder dropped a byte of
    their mojibake (the residue :func:`fix_dropped_bytes` mends) do not stop the others from
    being repaired; they are left as they are.

    >>> text = "\u00e2\u20ac\u0153Plan\u00e2\u20ac\u009d\n\u00e2\u2013\u00b8 Opening"
    >>> print(fix_document_mojibake(text + "\n\u00e3\u20acKey"))
    “Plan”
    ▸ Opening
    ã€Key
    """
    if text.isascii():
        return text
    for codec in ("sloppy-windows-1252", "latin-1"):
        lines = text.split("\n")
        broken = False
        for i, line in enumerate(lines):
            if line.isascii():
                continue
            try:
                lines[i] = line.encode(codec).decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                if not _ORPHAN.search(line):
                    broken = True  # genuine text (most): the next codec, or none
                    break
        if broken:
            continue
        fixed = "\n".join(lines)
        multibyte = sum(not c.isascii() for c in fixed)
        if multibyte >= 2 and ftfy.badness.badness(fixed) < ftfy.badness.badness(text):
            return fixed
    return text


def fix_korean_legacy_as_latin1(text: str) -> str:
    """Repair lines whose CP949/EUC-KR bytes were read as latin-1 or cp1252.

    All or nothing: when some lines of the text read as Korean but other lines that look the
    same (mostly latin-1 letters of the upper half) do not decode as CP949 at all (a byte was
    lost or stripped on the way), the repair is uncertain and the text is left as it was
    (:func:`korean_legacy_doubt` says why).

    >>> fix_korean_legacy_as_latin1("ÀÌ À¥»çÀÌÆ®´Â ÀÚ·á¸¦ Á¦°øÇÕ´Ï´Ù")
    '이 웹사이트는 자료를 제공합니다'
    """
    return _legacy_plan(text).apply(text)


def korean_legacy_doubt(text: str) -> str | None:
    """Why :func:`fix_korean_legacy_as_latin1` leaves ``text`` as it was although some of its
    lines read as Korean read as latin-1; None when it does not."""
    return _legacy_plan(text).doubt()


@dataclass(frozen=True)
class _LegacyPlan:
    lines: list[str]
    repaired: int
    undecodable: int

    def apply(self, text: str) -> str:
        """The repaired text, or ``text`` when there is nothing to repair or a doubt."""
        return text if self.repaired == 0 or self.undecodable else "\n".join(self.lines)

    def doubt(self) -> str | None:
        if self.repaired == 0 or not self.undecodable:
            return None
        return (
            f"{self.repaired} line(s) read as Korean (CP949) mis-decoded as latin-1, but "
            f"{self.undecodable} line(s) like them do not decode as CP949 (bytes lost on the "
            "way): the text was left unrepaired rather than half-repaired"
        )


def _legacy_plan(text: str) -> _LegacyPlan:
    """Each line's CP949 reading where it reads as Korean; with the document's evidence (a
    line that reads as Korean) a suspect line whose reading is mostly Hangul but has rarer
    words is repaired too; suspect lines that decode to nothing are counted."""
    lines = text.split("\n")
    if not _LATIN1_MOJIBAKE_CHAR.search(text):
        return _LegacyPlan(lines, 0, 0)  # no line has a suspect character
    readings = [_legacy_reading(line) for line in lines]
    sure = [r for r in readings if r is not None and r[1]]
    if not sure:
        return _LegacyPlan(lines, 0, 0)
    out: list[str] = []
    undecodable = 0
    for line, reading in zip(lines, readings, strict=True):
        if reading is None:
            out.append(line)
        elif reading[0] is None:
            undecodable += 1
            out.append(line)
        else:
            out.append(reading[0] if reading[1] or _mostly_korean(reading[0]) else line)
    repaired = sum(a != b for a, b in zip(lines, out, strict=True))
    return _LegacyPlan(out, repaired, undecodable)


def _legacy_reading(line: str) -> tuple[str | None, bool] | None:
    """None for a line that does not look like CP949 read as latin-1; else its CP949 reading
    (None when no codec decodes it) and whether that reading is Korean beyond doubt. Tried
    before ftfy, which would turn the C1 characters that stand for CP949 lead bytes 0x81-0x9F
    into cp1252 punctuation or strip them, and whose own guess is never Korean."""
    suspects = len(_LATIN1_MOJIBAKE_CHAR.findall(line))
    if suspects < 2 or suspects < 0.3 * (len(line) - sum(map(str.isspace, line))):
        return None
    best: str | None = None
    for codec in ("latin-1", "sloppy-windows-1252"):
        try:
            fixed = line.encode(codec).decode("cp949")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if _mostly_korean(fixed) and _reads_as_korean(fixed):
            return fixed, True
        best = best or fixed
    return best, False


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
    return frozenset(frequencies("ko", "best"))


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


# The first two characters, as cp1252 shows them, of three-byte UTF-8 sequences whose last
# byte cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D), so that a decoder dropped it.
# What the lost byte can have been: U+2010 hyphen or U+201D "”" after "â€" (E2 80), and
# "、", "」", "』", "【" or "〝" after "ã€" (E3 80).
_ORPHAN = re.compile(
    # followed by what cp1252 text has after a lost byte: ASCII, the end of the line, the
    # lead of the next mojibake sequence, or text already repaired; not by a letter that
    # another code page (cp1250, cp1251) shows for a continuation byte, nor by "?", which is
    # a lost byte replaced (ftfy repairs those); not inside a longer run of mojibake
    "(?<![\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013-\u203a\u20ac\u2122])"
    "(â€|ã€)(?=$|[\x00-\x3e\x40-\x7f\u00c2-\u00f4\u3000-\u9fff\uac00-\ud7a3])"
)
# Partner characters as they appear before or after repair: (real, as UTF-8 read as cp1252).
_PARTNERS = {
    "“": ("“", "â€œ"),
    "”": ("”", "â€\u009d"),
    "「": ("「", "ã€Œ"),
    "」": ("」", "ã€\u008d"),
    "『": ("『", "ã€Ž"),
    "』": ("』", "ã€\u008f"),
    "【": ("【", "ã€\u0090"),
    "】": ("】", "ã€‘"),
}


def fix_dropped_bytes(text: str) -> str:
    """UTF-8 mojibake whose last byte a cp1252 decoder dropped: the character is inferred from
    its partner on the same line, else the orphaned residue is removed.

    "ã€" is the start of "【" when a "】" closes it later, of "」" or "』" when it closes an
    open "「" or "『"; "â€" is "”" when it closes an open "“" and the hyphen U+2010 between
    two letters. Runs before ftfy, which
    would otherwise read "ã€ " as "〠" (restoring a non-breaking space).

    >>> fix_dropped_bytes("ã€Key Participants】 and â€œopenâ€ doors")
    '【Key Participants】 and â€œopen” doors'
    >>> fix_dropped_bytes("Remarks: ã€Key Participants; wellâ€known")
    'Remarks: Key Participants; well‐known'
    """
    return _fix_dropped(text)[0]


def _fix_dropped(text: str) -> tuple[str, int, int]:
    """:func:`fix_dropped_bytes`, with the number of lines where a character was restored and
    of the other lines where residue was removed."""
    if "€" not in text:
        return text, 0, 0
    lines, restored, removed = [], 0, 0
    for line in text.split("\n"):
        fixed, inferred = _fix_line_dropped(line)
        lines.append(fixed)
        if inferred:
            restored += 1
        elif fixed != line:
            removed += 1
    return "\n".join(lines), restored, removed


def _fix_line_dropped(line: str) -> tuple[str, int]:
    """The line repaired, and how many characters were inferred (not merely removed)."""
    if not _ORPHAN.search(line):
        return line, 0
    found: list[str] = []

    def count(chars: str, part: str) -> int:
        return sum(part.count(form) for form in _PARTNERS[chars])

    def inferred(match: re.Match[str]) -> str:
        before, after = line[: match.start()], line[match.end() :]
        if match.group() == "â€":
            if count("“", before) > count("”", before):
                return "”"
            letters = (before[-1:] + after[:1]).isascii() and (before[-1:] + after[:1]).isalpha()
            return "\u2010" if letters else ""
        closing = after[: _first_of(after, _PARTNERS["【"])]
        if count("】", closing) > 0:
            return "【"
        for opening, closer in (("「", "」"), ("『", "』")):
            if count(opening, before) > count(closer, before):
                return closer
        return ""

    def replace(match: re.Match[str]) -> str:
        char = inferred(match)
        found.append(char)
        return char

    fixed = _ORPHAN.sub(replace, line)
    return fixed, sum(1 for char in found if char)


def _first_of(text: str, forms: tuple[str, ...]) -> int:
    """Where the first of ``forms`` starts in ``text`` (its length when none does)."""
    found = [i for i in (text.find(f) for f in forms) if i >= 0]
    return min(found, default=len(text))


# Full-width forms: letters and digits are a Latin-text artefact; punctuation is native to
# Chinese and Japanese text and stays there.
_FULLWIDTH_ALNUM = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_FULLWIDTH_PUNCT = re.compile("[\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff5e]")
_HALFWIDTH_KANA = re.compile("[\uff61-\uff9f]+")
_HALF_OR_FULL_WIDTH = re.compile("[\uff01-\uff5e\uff61-\uff9f]")  # the three classes above
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
    if not _HALF_OR_FULL_WIDTH.search(text):
        return text  # one look for any of the forms below (most texts have none)
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
    if not _HANGUL_OR_HANJA.search(text):
        return text  # no line has the two syllables a repair needs
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


MOJIBAKE_FIXES: dict[str, str] = {
    "utf8_as_cp1252": "UTF-8 read as cp1252 or latin-1",
    "cp949_as_latin1": "Korean CP949 read as latin-1",
    "utf8_as_cp949": "UTF-8 read as CP949",
    "cp949_punctuation": "CP949 punctuation read as latin-1",
    "dropped_byte": "mojibake with a lost byte restored from its partner",
    "orphan_residue": "mojibake residue with a lost byte removed",
}
"""The fixes :class:`RepairReport` reports, with the words the record's warning uses."""


@dataclass
class RepairReport:
    """What repair did to one document: lines changed by each mojibake fix, and why a repair
    was not made (uncertain). Fixes that only normalise (line breaks, NFC, width, invisible
    characters, HTML entities) are not reported."""

    lines: Counter[str] = field(default_factory=Counter)
    doubts: list[str] = field(default_factory=list)

    def summary(self) -> str | None:
        """One sentence for the record's warning, or None when no mojibake was repaired.

        >>> RepairReport(Counter({"cp949_as_latin1": 12, "utf8_as_cp949": 1})).summary()
        'mojibake repaired: Korean CP949 read as latin-1 (12 lines); UTF-8 read as CP949 (1 line)'
        """
        parts = [
            f"{MOJIBAKE_FIXES[name]} ({n} line{'s' if n != 1 else ''})"
            for name, n in sorted(self.lines.items(), key=lambda kv: (-kv[1], kv[0]))
            if n
        ]
        return "mojibake repaired: " + "; ".join(parts) if parts else None


def repair_text(
    text: str, config: RepairConfig | None = None, report: RepairReport | None = None
) -> str:
    """Apply every repair in order until nothing changes (at most four passes), so that
    repairing repaired text changes nothing: removing a soft hyphen can expose mojibake.

    With ``report``, the lines each mojibake fix changed are added to it, and doubts."""
    config = config or RepairConfig()
    for _ in range(4):
        repaired = _repair_once(text, config, report)
        if repaired == text:
            break
        text = repaired
    return text


def _repair_once(text: str, config: RepairConfig, report: RepairReport | None) -> str:
    def apply(name: str, fix: Callable[[str], str], text: str) -> str:
        fixed = fix(text)
        if report is not None and fixed != text:
            report.lines[name] += _changed_lines(text, fixed)
        return fixed

    legacy = _legacy_plan(text) if config.fix_korean_mojibake else None
    if legacy is not None and (doubt := legacy.doubt()):
        # Korean read as latin-1 that cannot be repaired whole: no other mojibake repair
        # either, as ftfy would "repair" pairs of it into other scripts ("È¯" -> "ȯ").
        if report is not None:
            report.doubts.append(doubt)
        config = config.model_copy(update={"fix_mojibake": False, "fix_korean_mojibake": False})
    planned = text
    if config.fix_mojibake:
        text = apply("utf8_as_cp1252", fix_document_mojibake, text)
    if config.fix_korean_mojibake and legacy is not None:
        plan = legacy if text == planned else _legacy_plan(text)  # the UTF-8 fix changed it
        text = apply("cp949_as_latin1", plan.apply, text)
        text = apply("utf8_as_cp949", fix_utf8_read_as_cp949, text)
    if config.fix_mojibake:
        text, restored, removed = _fix_dropped(text)
        if report is not None and (restored or removed):
            report.lines.update(dropped_byte=restored, orphan_residue=removed)
            report.lines += Counter()  # drop the zero count
    text, mojibake_lines = _ftfy_explained(text, ftfy_config(config))
    if report is not None and mojibake_lines:
        report.lines["utf8_as_cp1252"] += mojibake_lines
    if config.fix_korean_mojibake:  # after ftfy has undone UTF-8 read as cp1252
        text = apply("cp949_punctuation", fix_cp949_punctuation, text)
    if config.fix_character_width:
        text = fix_character_width(text)
    text = remove_invisible(text)
    return normalize(text, config.normalization)


_FTFY_MOJIBAKE_STEPS = frozenset(
    ["restore_byte_a0", "replace_lossy_sequences", "decode_inconsistent_utf8", "fix_c1_controls"]
)


def _character_class(chars: set[str]) -> str:
    return "".join(re.escape(c) for c in sorted(chars))


# The characters one of ftfy's fixes other than the mojibake repair acts on, from ftfy's own
# tables: entities ("&"), C0 and C1 controls and escapes, the control characters it removes,
# ligatures, line breaks other than "\n", surrogates; curly quotes when they are uncurled.
_FTFY_TOUCHES = re.compile(
    "["
    + _character_class(
        {*map(chr, ftfy.chardata.CONTROL_CHARS), *map(chr, ftfy.chardata.LIGATURES)}
        | set("&\r\x1b\u2028\u2029\u0085")
    )
    + r"\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]"  # escapes, read by re
)


def _ftfy_has_no_work(segment: str, config: ftfy.TextFixerConfig, by_line: bool = False) -> bool:
    """Whether ``ftfy.fix_and_explain(segment, config)`` returns ``segment`` unchanged,
    decided without running it: no character any fix acts on, already in the normal form,
    and nothing its mojibake detector (``is_bad``, which gates every encoding repair) calls
    mojibake. About a third of ftfy's time on a line; most lines of most pages qualify.

    >>> config = ftfy_config(RepairConfig())
    >>> lines = ("서울시 “계획”", "café", "cafÃ©", "ﬁle", "a &amp; b")
    >>> [_ftfy_has_no_work(line, config) for line in lines]
    [True, True, False, False, False]
    """
    if _FTFY_TOUCHES.search(segment):
        return False
    if config.uncurl_quotes and (
        ftfy.chardata.SINGLE_QUOTE_RE.search(segment)
        or ftfy.chardata.DOUBLE_QUOTE_RE.search(segment)
    ):
        return False
    if config.fix_character_width and segment.translate(ftfy.chardata.WIDTH_MAP) != segment:
        return False
    form = config.normalization
    if form is not None and not unicodedata.is_normalized(form, segment):
        return False
    return not is_bad(segment, by_line)


BADNESS_WIDTH = 7
"""The most characters a match of ftfy's mojibake pattern (``ftfy.badness.BADNESS_RE``)
spans; each of its alternatives also holds a character outside ASCII (both checked against
the pattern itself by the tests)."""
_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")
_BADNESS_BY_LINE = re.compile(
    ftfy.badness.BADNESS_RE.pattern, ftfy.badness.BADNESS_RE.flags | re.MULTILINE
)
"""ftfy's mojibake pattern with its one anchor, "^", matching at the start of every line: it
finds a match in lines joined whenever it finds one in any of them alone."""


def is_bad(text: str, by_line: bool = False) -> bool:
    """``ftfy.badness.is_bad(text)``, its pattern tried only near the runs of characters
    outside ASCII: every match holds one of them and spans at most :data:`BADNESS_WIDTH`
    characters, so it starts fewer than that many characters before such a run and ends
    fewer than that many after it. The pattern's alternatives are tried at every position
    it is given (about 0.2 us a character); a line of Latin text holds a few such runs.

    >>> is_bad("café crème"), is_bad("cafÃ© crÃ¨me"), is_bad("plain ASCII")
    (False, True, False)

    With ``by_line``, true when it is true of any line of ``text`` alone (and perhaps also
    of a match across lines).
    """
    search = (_BADNESS_BY_LINE if by_line else ftfy.badness.BADNESS_RE).search
    reach = BADNESS_WIDTH - 1
    start = stop = -1  # the window of the runs read so far, not yet searched
    for run in _NOT_ASCII.finditer(text):
        first, end = run.span()
        if first - reach > stop:  # no match holds characters of both windows
            if stop > 0 and search(text, start, stop):
                return True
            start = max(0, first - reach)
        stop = min(len(text), end + reach)
    return stop > 0 and search(text, start, stop) is not None


def _ftfy_explained(text: str, config: ftfy.TextFixerConfig) -> tuple[str, int]:
    """``ftfy.fix_text(text, config)`` and how many of its segments (lines) had mojibake
    repaired. The segments are those of ``fix_text``: lines, cut at ``max_decode_length``;
    HTML entities are left alone from the first segment with a "<" on, as "auto" means.
    A segment ftfy would not change is not given to it (:func:`_no_work`), nor is a run of
    lines of which none has work."""
    if text.isascii() and not _FTFY_TOUCHES.search(text):
        return text, 0  # what the loop below finds of every line of such a text at once
    config = config._replace(explain=True)
    out: list[str] = []
    mojibake = 0
    pos = 0
    while pos < len(text):
        # The lines up to about LINES_AT_ONCE characters on are looked at together first:
        # when none has work (most runs of lines), they are kept with one check in C.
        run_end = text.find("\n", pos + LINES_AT_ONCE) + 1 or len(text)
        run = text[pos:run_end]
        if run_end - pos <= config.max_decode_length and _no_work(run, config):
            if config.unescape_html == "auto" and "<" in run:
                config = config._replace(unescape_html=False)
            out.append(run)
            pos = run_end
            continue
        while pos < run_end:
            end = text.find("\n", pos) + 1 or len(text)
            end = min(end, pos + config.max_decode_length)
            segment = text[pos:end]
            pos = end
            if config.unescape_html == "auto" and "<" in segment:
                config = config._replace(unescape_html=False)
            if _no_work(segment, config):
                out.append(segment)
                continue
            fixed, steps = ftfy.fix_and_explain(segment, config)
            out.append(fixed)
            if steps and any(
                a in ("encode", "decode", "transcode") or p in _FTFY_MOJIBAKE_STEPS
                for a, p in steps
            ):
                mojibake += 1
    return "".join(out), mojibake


LINES_AT_ONCE = 4096
"""Characters of lines :func:`_ftfy_explained` checks at once before it looks at each line."""


def _no_work(segment: str, config: ftfy.TextFixerConfig) -> bool:
    """Whether ftfy would leave ``segment`` (lines, each of which it would get alone) as it
    is: an ASCII one holds no mojibake, only entities, escapes, controls and CR. True of a
    run of lines only when it is true of each: every check is one of characters, of a normal
    form that no line break joins, or of ftfy's mojibake pattern read line by line."""
    if segment.isascii():
        return _FTFY_TOUCHES.search(segment) is None
    return _ftfy_has_no_work(segment, config, by_line=True)


def _changed_lines(before: str, after: str) -> int:
    """Lines of ``after`` that differ from ``before`` (lines compared in order when both
    have as many, else the lines of ``after`` that ``before`` does not have)."""
    old, new = before.split("\n"), after.split("\n")
    if len(old) == len(new):
        return sum(a != b for a, b in zip(old, new, strict=True))
    return len(set(new) - set(old)) or 1
