"""Sentence boundaries for English, Korean and CJK text, as character spans.

Korean text (most letters Hangul) is split by Kiwi (kiwipiepy), a Korean morphological
analyser that finds sentence ends from the endings themselves, also without punctuation
("설계됐다 시장은 ...") and around quoted speech ("...라며", "...고 강조했다"); it is loaded
once per process, on first use (about 2 s and 500 MB). Other text is split by rules, offline
(no stanza or MiniSBD models): a sentence ends at ``. ! ?`` followed by space and a plausible
sentence start, and at ``。！？`` (no space needed). Closing quotes and brackets after the mark
belong to the sentence. A period does not end a sentence after common abbreviations (Mr., Dr.,
U.S., e.g., No.), single initials, or inside numbers (3.5, 12.7).

What press releases add is handled on top of both (:func:`press_release_spans`): a bullet
(``□ ○ ㅇ ※ ▶ ◆``, or ``-`` after a full stop) starts a sentence wherever it stands in a
paragraph and belongs to the sentence it introduces; numbered items in sequence
("1. ... 2. ...", "가. ... 나. ...") each start one; and in Korean text no sentence ends
inside title brackets (``「」 『』 《》``) or quoted speech, which goes on to ``...라며`` or
``...고 강조했다``.
"""

from __future__ import annotations

import bisect
import functools
import re
import threading
from collections.abc import Callable
from typing import Any

from lingoflow.processors.core.budget import check_time

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st mt no nos vs etc e.g i.e approx dept div gov govt gen col
    lt sgt rep sen inc corp co ltd jan feb mar apr jun jul aug sep sept oct nov dec mon tue
    wed thu fri sat sun fig figs p pp vol ed eds est u.s u.k u.n a.m p.m ph.d""".split()
)
# A candidate end: terminal punctuation, then any closing quotes/brackets.
_END = re.compile(r"[.!?。！？](?:(?<=[.!?])[.!?]*|(?<=[。！？])[。！？]*)[\"'”’」』)\]]*")
# (a run of one kind of mark, written so that it starts with one character set: the
# regular expression engine then skips ahead to the next mark instead of trying every
# position; twice as fast as the alternation of the two runs)
_CJK_MARKS = "。！？"
"""The full stops, exclamation and question marks of Chinese and Japanese text (a sentence
ends at one whatever follows)."""
_WORD_AT_MARK = re.compile(r"([\w.]+)\.$")
"""The word a full stop ends ("Dr", "e.g"), searched in the 20 characters before the mark
(the search's end is the string's end for ``$``)."""
_HANGUL_SYLLABLES = re.compile("[\uac00-\ud7a3]")
_START = re.compile(r"[\"'“‘「『(\[]*[A-Z0-9\u3131-\u318e\uac00-\ud7a3\u3040-\u30ff\u4e00-\u9fff]")


def sentence_spans(text: str, lang: str = "auto") -> list[tuple[int, int]]:
    """Spans ``[start, end)`` of the sentences of ``text``, in order, without surrounding
    spaces; together they cover every non-space character. Korean text goes to Kiwi
    (:func:`korean_sentence_spans`), the rest to the rules (:func:`rule_sentence_spans`), both
    with the press-release rules (:func:`press_release_spans`). ``lang`` "ko" or "other"
    chooses the splitter instead of :func:`is_korean`.

    >>> sentence_spans("Dr. Kim spoke. Then he left.")
    [(0, 14), (15, 28)]
    """
    if lang == "ko" or (lang == "auto" and is_korean(text)):
        return press_release_spans(text, korean_sentence_spans(text), korean=True)
    return press_release_spans(text, rule_sentence_spans(text), korean=False)


def is_korean(text: str) -> bool:
    """Most letters of ``text`` are Hangul (at least two syllables).

    >>> is_korean("서울시 공원 Seoul"), is_korean("Seoul parks 서울")
    (True, False)
    """
    if text.isascii():
        return False
    hangul = len(_HANGUL_SYLLABLES.findall(text))
    return hangul >= 2 and hangul >= 0.5 * sum(map(str.isalpha, text))


@functools.cache
def _kiwi() -> Any:
    from kiwipiepy import Kiwi

    return Kiwi()


_KIWI_LOCK = threading.Lock()


def korean_sentence_spans(text: str) -> list[tuple[int, int]]:
    """Kiwi's sentences of ``text`` as spans (the text between them, spaces aside, joins the
    sentence before it, so nothing is lost).

    >>> text = "공원은 모두 주민 의견을 반영해 설계됐다 시장은 기대를 밝혔다."
    >>> [text[a:b] for a, b in korean_sentence_spans(text)]
    ['공원은 모두 주민 의견을 반영해 설계됐다', '시장은 기대를 밝혔다.']
    """
    with _KIWI_LOCK:  # one analyser per process, shared by threads
        found = _kiwi().split_into_sents(text)
    starts = sorted({_skip_space(text, s.start) for s in found if text[s.start : s.end].strip()})
    if not starts:
        return rule_sentence_spans(text)
    starts[0] = _skip_space(text, 0)
    spans = []
    for i, start in enumerate(starts):
        end = _end_of(text, start, starts[i + 1] if i + 1 < len(starts) else len(text))
        if end > start:
            spans.append((start, end))
    return spans


def _end_of(text: str, start: int, end: int) -> int:
    """``end`` moved back over the spaces before it, not before ``start`` (no copy of the
    text: every sentence costs its own length)."""
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


# A bullet standing alone between spaces: squares, circles, triangles, diamonds, the reference
# mark, and the jamo "ㅇ" / "ㆍ" that Korean documents use as bullets.
_BULLET_CHARS = frozenset("□■○●◦◎▶▷►◆◇※☐❍ㅇㆍ-–")
_BULLET = re.compile(
    r"[□■○●◦◎▶▷►◆◇※☐❍ㅇㆍ\-–]"
    r"(?:(?<=[□■○●◦◎▶▷►◆◇※☐❍ㅇㆍ])(?<!\S.)|(?<=[.!?。]\s[-–]))(?=\s)"
)
# (one set of candidate characters first, what stands before each looked at behind it: the
# same matches as lookbehinds in front, and the engine skips ahead to the next candidate
# character; with two alternatives in front it tries both at every position, twice the time)
_ENUMERATOR = re.compile(r"(?<!\S)(\d{1,2}|[가나다라마바사아자차카타파하])[.)](?=\s)")
_ENUMERATOR_END = re.compile(r"[.)](?<=[\d가나다라마바사아자차카타파하][.)])\s")
"""What every numbered item's label ends with: looked for first (most texts have none); the
mark first and the label's last character behind it, as :data:`_BULLET`."""
_KOREAN_ORDER = "가나다라마바사아자차카타파하"
_BRACKETS = (("「", "」"), ("『", "』"), ("《", "》"), ("“", "”"))
_QUOTE_MARKS = "".join(c for pair in _BRACKETS for c in pair) + '"'
_QUOTE = re.compile(f"[{_QUOTE_MARKS}]")


def press_release_spans(
    text: str, spans: list[tuple[int, int]], korean: bool
) -> list[tuple[int, int]]:
    """``spans`` (a splitter's sentences of ``text``) with the press-release rules applied:
    bullets and numbered items in sequence start sentences (spaced dashes too, inside an item
    that starts with a bullet); in Korean text (``korean``) no
    sentence starts inside brackets or quotes that close later in the paragraph.

    >>> text = "예산을 늘렸다. ㅇ 집행은 내년이다. 1. 산업 부문 2. 수송 부문"
    >>> [text[a:b] for a, b in press_release_spans(text, [(0, 10), (11, 39)], korean=True)]
    ['예산을 늘렸다.', 'ㅇ 집행은 내년이다.', '1. 산업 부문', '2. 수송 부문']
    """
    if not spans:
        return spans
    markers = {m.start() for m in _BULLET.finditer(text)} | _enumerator_starts(text)
    if text[:1] in _BULLET_CHARS and text[1:2].isspace():
        # a bulleted item: spaced dashes are its sub-items (□ > ○ > -)
        markers |= {m.start() for m in re.finditer(r"(?<=\s)[-–](?=\s)", text)}
    quotes = _Quotes(text) if korean else None
    kept = {a for i, (a, _) in enumerate(spans) if i == 0 or not quotes or not quotes.inside(a)}
    starts = sorted(kept | markers)  # the sentences' starts and the markers, once each
    out: list[tuple[int, int]] = []
    for i, start in enumerate(starts):
        if i % 256 == 255:
            check_time()
        _append(out, text, start, starts[i + 1] if i + 1 < len(starts) else len(text))
    return out


def _append(out: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    """Add the sentence from ``start`` to ``end`` (its trailing spaces left out); a bullet
    alone before it joins it."""
    end = _end_of(text, start, end)
    if end <= start:
        return
    if (
        out
        and out[-1][1] - out[-1][0] <= _LONGEST_MARKER
        and _only_marker(text[out[-1][0] : out[-1][1]])
    ):
        start = out.pop()[0]  # a bullet alone joins the sentence it introduces
    out.append((start, end))


def _enumerator_starts(text: str) -> set[int]:
    """Where numbered items start: "1." "2." (or "가." "나.") in sequence, two or more."""
    if not _ENUMERATOR_END.search(text):
        return set()
    found = [(m.start(), m.group(1)) for m in _ENUMERATOR.finditer(text)]
    starts: set[int] = set()
    run: list[int] = []
    previous = None
    for start, label in found:
        rank = int(label) if label.isdigit() else _KOREAN_ORDER.index(label) + 1
        if previous is not None and rank == previous + 1:
            run.append(start)
        else:
            if len(run) >= 2:
                starts.update(run)
            run = [start] if rank == 1 else []
        previous = rank if run else None
    if len(run) >= 2:
        starts.update(run)
    return starts


class _Quotes:
    """Where the brackets and quotes of a text stand, to tell in logarithmic time whether a
    position is inside a pair that closes later."""

    def __init__(self, text: str) -> None:
        self.positions: dict[str, list[int]] = {c: [] for c in _QUOTE_MARKS}
        for match in _QUOTE.finditer(text):
            self.positions[match.group()].append(match.start())

    def _before(self, char: str, i: int) -> int:
        return bisect.bisect_left(self.positions[char], i)

    def _later(self, char: str, i: int) -> bool:
        found = self.positions[char]
        return bool(found) and found[-1] >= i

    def inside(self, i: int) -> bool:
        """Position ``i`` is inside brackets or straight quotes that close later.

        >>> _Quotes('그는 "좋다. 그렇다"라고 했다.').inside(8)
        True
        """
        for opening, closing in _BRACKETS:
            if self._before(opening, i) > self._before(closing, i) and self._later(closing, i):
                return True
        return self._before('"', i) % 2 == 1 and self._later('"', i)


_LONGEST_MARKER = 3
"""The most characters a lone marker has (a bullet: one; an item number: "12." or "가.")."""


def _only_marker(sentence: str) -> bool:
    """``sentence`` is nothing but a bullet or an item number."""
    if sentence in _BULLET_CHARS:
        return True
    return len(sentence) <= _LONGEST_MARKER and _ENUMERATOR.match(sentence + " ") is not None


def rule_sentence_spans(text: str) -> list[tuple[int, int]]:
    """The rule-based sentences of ``text`` (English and other space-separated scripts, CJK
    full stops).

    >>> sentence_spans("Dr. Kim spoke. 감사합니다.")
    [(0, 14), (15, 21)]
    """
    spans: list[tuple[int, int]] = []
    start = _skip_space(text, 0)
    for match in _END.finditer(text):
        check_time()
        end = match.end()
        if end <= start or not _is_boundary(text, match):
            continue
        spans.append((start, end))
        start = _skip_space(text, end)
    if start < len(text.rstrip()):
        spans.append((start, len(text.rstrip())))
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``.

    >>> split_sentences("The plan was announced on Monday. It takes effect in 2025.")
    ['The plan was announced on Monday.', 'It takes effect in 2025.']
    >>> split_sentences("서울시는 새 공원을 연다고 밝혔다. 공원은 주민 의견을 반영했다.")
    ['서울시는 새 공원을 연다고 밝혔다.', '공원은 주민 의견을 반영했다.']
    """
    return [text[a:b] for a, b in sentence_spans(text)]


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    end = match.end()
    mark = text[match.start()]
    if mark in _CJK_MARKS:
        return True
    following = _skip_space(text, end)
    if following >= len(text):
        return False  # the end of the text closes the last sentence anyway
    if following == end:
        return False  # "3.5", "U.S.-led", "e.g.,"
    if not _START.match(text, following):
        return False  # next word starts in lower case: not a sentence start
    if mark != ".":
        return True
    word = _WORD_AT_MARK.search(text, max(0, match.start() - 20), match.start() + 1)
    if word is None:
        return True
    token = word.group(1)
    if token.lower() in _ABBREVIATIONS:
        return False
    return not (len(token) == 1 and token.isupper())  # an initial: "Kim J. Park"


# Where a long sentence may be cut: after a comma, semicolon or colon, or after a Korean
# connective ending (-고, -며, -면서, -지만, -는데, -으나, -어서/-아서) that ends a word.
_CLAUSE_END = re.compile(r"[,;:，；：、](?=\s)|(?:면서|지만|는데|으나|어서|아서|며|고)(?=,?\s)")


def clause_parts(text: str, fits: Callable[[str], bool]) -> list[str]:
    """``text`` cut into parts that each ``fits`` (a model's input limit), at the clause
    boundary nearest the middle, else at the space nearest it, else in the middle; the parts,
    joined with single spaces, give back every word. Text that fits is one part.

    >>> clause_parts("one two, three four, five six", lambda s: len(s) <= 12)
    ['one two,', 'three four,', 'five six']
    """
    text = text.strip()
    if fits(text) or len(text) < 2:
        return [text] if text else []
    middle = len(text) // 2
    cuts = [m.end() for m in _CLAUSE_END.finditer(text) if 0 < m.end() < len(text)]
    if not cuts:
        cuts = [i for i, c in enumerate(text) if c.isspace()]
    cut = min(cuts, key=lambda i: abs(i - middle)) if cuts else middle
    left, right = text[:cut].strip(), text[cut:].strip()
    if not left or not right:
        left, right = text[:middle], text[middle:]
    return clause_parts(left, fits) + clause_parts(right, fits)


# Targets written without spaces between sentences.
NO_SPACE_LANGUAGES = frozenset({"ja", "zh", "th"})


def join_sentences(parts: list[str], target: str) -> str:
    """Sentences of one segment put back together in the target language."""
    return join_with_spans(parts, target)[0]


def join_with_spans(parts: list[str], target: str) -> tuple[str, list[tuple[int, int]]]:
    """:func:`join_sentences`, and the span of each part in the result (an empty span where
    a part is empty), so that sentence ``i`` of the source and of the translation align.

    >>> join_with_spans(["Hello. ", "", "Bye."], "en")
    ('Hello. Bye.', [(0, 6), (6, 6), (7, 11)])
    """
    separator = "" if target in NO_SPACE_LANGUAGES else " "
    text, spans = "", []
    for part in parts:
        part = part.strip()
        if not part:
            spans.append((len(text), len(text)))
            continue
        if text:
            text += separator
        spans.append((len(text), len(text) + len(part)))
        text += part
    return text, spans
