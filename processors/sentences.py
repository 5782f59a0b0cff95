"""Sentence boundaries for English, Korean and CJK text, as character spans.

Rule-based and offline (no stanza or MiniSBD models): a sentence ends at ``. ! ?`` followed by
space and a plausible sentence start, at ``。！？`` (no space needed), and at Korean final
endings such as ``다.`` and ``요.``. Closing quotes and brackets after the mark belong to the
sentence. A period does not end a sentence after common abbreviations (Mr., Dr., U.S., e.g.,
No.), single initials, or inside numbers (3.5, 12.7).
"""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st mt no nos vs etc e.g i.e approx dept div gov govt gen col
    lt sgt rep sen inc corp co ltd jan feb mar apr jun jul aug sep sept oct nov dec mon tue
    wed thu fri sat sun fig figs p pp vol ed eds est u.s u.k u.n a.m p.m ph.d""".split()
)
# A candidate end: terminal punctuation, then any closing quotes/brackets.
_END = re.compile(r"(?:[.!?]+|[。！？]+)[\"'”’」』)\]]*")
_CJK_END = re.compile(r"[。！？]")
_START = re.compile(r"[\"'“‘「『(\[]*[A-Z0-9\u3131-\u318e\uac00-\ud7a3\u3040-\u30ff\u4e00-\u9fff]")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans ``[start, end)`` of the sentences of ``text``, in order, without surrounding
    spaces; together they cover every non-space character.

    >>> sentence_spans("Dr. Kim spoke. 감사합니다.")
    [(0, 14), (15, 21)]
    """
    spans: list[tuple[int, int]] = []
    start = _skip_space(text, 0)
    for match in _END.finditer(text):
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
    if _CJK_END.match(match.group()):
        return True
    rest = text[end:]
    if not rest.strip():
        return False  # the end of the text closes the last sentence anyway
    if not rest[:1].isspace():
        return False  # "3.5", "U.S.-led", "e.g.,"
    if not _START.match(rest.lstrip()):
        return False  # next word starts in lower case: not a sentence start
    if match.group()[0] != ".":
        return True
    word = re.search(
        r"([\w.]+)\.$", text[match.start() - 20 if match.start() > 20 else 0 : match.start() + 1]
    )
    if word is None:
        return True
    token = word.group(1)
    if token.lower() in _ABBREVIATIONS:
        return False
    return not (len(token) == 1 and token.isupper())  # an initial: "Kim J. Park"
