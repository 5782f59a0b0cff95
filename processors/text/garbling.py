"""Does a document's text look garbled? Cheap checks on the text as read.

A reader can fail without an error: a PDF whose type sizes it misjudged comes out with a
``|`` between every word, a letter-spaced heading as single letters, a font without a
character map as private-use characters. Each measure below looks at the whole text, names
what it measured, and says garbled only past a threshold that real documents stay well
under (tuned on ``eval/office`` and the corpus, and tested on the broken output of earlier
readers):

* :func:`cells_in_prose`: ``" | "`` cell boundaries standing between two lower-case words
  (prose read as a table: ``the step forward it | offers``), per word;
* :func:`split_words`: cell boundaries that cut a word or a number (``국 | 립``,
  ``U | n | d | e | rsta``, ``of | fers``, ``1 | 0,000``, ``14 | 1 | .5억``), per boundary;
* :func:`single_letters`: words of one letter (spaces inside words: ``U n d e r``), per
  word, in alphabetic and in Hangul text;
* :func:`unknown_words`: words of English text that are no English word (pieces of
  words, words run together), per word;
* :func:`unmapped_characters`: replacement and private-use characters (glyphs without a
  character), per character.

Each takes the document's texts (one per segment, with the segment's language for
:func:`unknown_words`) and returns a :class:`Garbled` when its threshold is passed.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from lingoflow.processors.text.characters import (
    CodePoints,
    Mask,
    ascii_letter_table,
    classes,
    code_points,
)
from lingoflow.processors.text.wordlists import frequencies

_CELL = " | "
_LAST_WORD = re.compile(r"[^\W\d_]+$")
_FIRST_WORD = re.compile(r"^[^\W\d_]+")
_WORD = re.compile(r"[^\W\d_]+")
_NUMBER_GOES_ON = re.compile(r"^(?:[.,]\d|0\d|0,)")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LONGER_WORD = re.compile(r"[^\W\d_]{2,}")
"""The words of two letters or more (:data:`_WORD` matches of that length)."""
_ASCII_WORDS_LOWERED = ascii_letter_table(lower=True)
"""In ASCII text the words this table leaves (split at spaces) are the runs of letters,
lowered: :data:`_LONGER_WORD`'s matches and the words of one letter, read in one pass over
the bytes instead of the pattern's search."""


def _cased(char: str) -> bool:
    """A letter of a script with capitals (Latin, Greek, Cyrillic, ...)."""
    return char.lower() != char.upper()


def _unmapped(codes: CodePoints) -> Mask:
    """Which of ``codes`` are the replacement character or in a private-use area (the
    Basic Multilingual Plane's, U+E000-U+F8FF, and planes 15 and 16).

    >>> _unmapped(code_points("a\\ufffd\\ue000\\U000f0000")).tolist()
    [False, True, True, True]
    """
    private = ((codes >= 0xE000) & (codes <= 0xF8FF)) | (codes >= 0xF0000)
    return np.asarray(private | (codes == 0xFFFD), dtype=np.bool_)


_ONE_LETTER_WORDS = frozenset("aiouyeAIOUYE")
"""Words of one letter in the languages of the Latin script (a, I, o, y, e, u, à aside)."""


def _one_letter_word(char: str) -> bool:
    """One of :data:`_ONE_LETTER_WORDS`."""
    return char in _ONE_LETTER_WORDS


_WORD_CLASSES = (str.isalpha, str.isalnum, str.isdecimal, _cased, _one_letter_word)


@dataclass(frozen=True)
class Garbled:
    """A measure past its threshold: its name, what it measured and the threshold."""

    measure: str
    value: float
    threshold: float
    what: str

    def message(self) -> str:
        return (
            f"the text as read looks garbled ({self.measure}): {self.value:.0%} {self.what}, "
            f"over the {self.threshold:.0%} real documents stay under; the reader may have "
            "misread the file's layout or fonts"
        )


def _boundaries(texts: Sequence[str]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for text in texts:
        if _CELL in text:
            cells = [c.strip() for c in text.split(_CELL)]
            pairs.extend((a, b) for a, b in itertools.pairwise(cells) if a and b)
    return pairs


def cells_in_prose(texts: Sequence[str], threshold: float = 0.1) -> Garbled | None:
    """Cell boundaries between two lower-case words, per word (at least 50 words).

    >>> cells_in_prose(["the | step | forward | it | offers | in | terms | of"] * 10).measure
    'cells_in_prose'
    >>> cells_in_prose(["Grade 1 | Cancer cells look different", "plain prose " * 30]) is None
    True
    """
    if not any(_CELL in t for t in texts):
        return None
    words = sum(len(t.replace(_CELL, " ").split()) for t in texts)
    if words < 50:
        return None
    hits = sum(
        1 for a, b in _boundaries(texts) if a[-1].isalpha() and a[-1].islower() and b[0].islower()
    )
    value = hits / words
    if value < threshold:
        return None
    return Garbled("cells_in_prose", value, threshold, "of the words end at a cell boundary")


def _known(word: str) -> bool:
    return word.lower() in frequencies("en")


def _cuts_word(left: str, right: str) -> bool:
    if left[-1].isalpha() and right[0].isalpha():
        head = _LAST_WORD.search(left)
        tail = _FIRST_WORD.match(right)
        if head is None or tail is None:
            return False
        a, b = head.group(0), tail.group(0)
        if _HANGUL.match(a) and _HANGUL.match(b):  # a cell of one syllable: 국 | 립 | 국
            return len(left) == 1 or len(right) == 1
        if len(a) == 1 and len(b) == 1:
            return True  # U | n
        return _known(a + b) and not _known(a) and not _known(b)  # of | fers
    return left[-1].isdigit() and bool(_NUMBER_GOES_ON.match(right))  # 1 | 0,000


def split_words(texts: Sequence[str], threshold: float = 0.15) -> Garbled | None:
    """Cell boundaries that cut a word or a number, per boundary (at least 20).

    >>> split_words(["U | n | d | e | rsta | n | d | i | n | g", "1 | 0,000 blankets"] * 3).measure
    'split_words'
    >>> split_words(["구분 | 시간 | 내용", "Kit | Price | Plant"] * 10) is None
    True
    """
    pairs = _boundaries(texts)
    if len(pairs) < 20:
        return None
    value = sum(1 for a, b in pairs if _cuts_word(a, b)) / len(pairs)
    if value < threshold:
        return None
    return Garbled("split_words", value, threshold, "of the cell boundaries cut a word")


def single_letters(texts: Sequence[str], threshold: float = 0.3) -> Garbled | None:
    """Words of a single letter, per word, in alphabetic text (threshold) and in Hangul
    text (its double: Korean has words of one syllable), at least 40 words of the script.
    Words are runs of letters (``[^\\W\\d_]+``), all read at once from the classes of the
    text's characters.

    >>> single_letters(["U n d e r s t a n d i n g B r e a s t C a n c e r"] * 3).measure
    'single_letters'
    >>> prose = "정부는 오늘 국무회의에서 혁신 전략을 보고하고 이를 추진할 수 있는 계획을 밝혔다"
    >>> single_letters([prose] * 5) is None
    True
    """
    codes = code_points("\n".join(texts))
    alpha, alnum, decimal, cased, word_letter = classes(codes, _WORD_CLASSES)
    letter = alnum & ~decimal  # [^\W\d_]
    before = np.concatenate([[False], letter[:-1]])
    after = np.concatenate([letter[1:], [False]])
    first = letter & ~before  # a word's first letter
    one = first & ~after  # a word of one letter
    syllable = (codes >= 0xAC00) & (codes <= 0xD7A3)
    count = np.count_nonzero  # of a mask: several times faster than its sum
    hangul = count(first & syllable)  # words that start with a syllable
    hangul_one = count(one & syllable)
    # words of a cased script: a cased first letter and letters only
    word = np.cumsum(first) - 1  # each letter's word
    not_letters_only = np.zeros(count(first), dtype=bool)
    not_letters_only[word[letter & ~alpha]] = True
    letters = count(first & cased) - count(cased[first] & not_letters_only)
    letters_one = count(one & alpha & cased & ~word_letter)
    for words, ones, limit in (
        (letters, letters_one, threshold),
        (hangul, hangul_one, 2 * threshold),
    ):
        if words >= 40 and ones / words >= limit:
            return Garbled("single_letters", ones / words, limit, "of the words are one letter")
    return None


def unknown_words(
    texts: Sequence[str], langs: Sequence[str], threshold: float = 0.35
) -> Garbled | None:
    """Words of the English segments that are no English word, per word (at least 100).

    >>> broken = "signif icantly inf luence the rsta nding of dif ferential"
    >>> unknown_words([broken] * 12, ["en"] * 12).measure
    'unknown_words'
    """
    english = [t for t, lang in zip(texts, langs, strict=True) if lang == "en"]
    ascii_text = "\n".join(t for t in english if t.isascii())
    other_text = "\n".join(t for t in english if not t.isascii())
    lowered = ascii_text.encode("ascii").translate(_ASCII_WORDS_LOWERED).decode("ascii")
    words = [word for word in lowered.split() if len(word) > 1]
    # the other texts' words lowered one by one: lowering a whole text may cut a word ("İ"
    # lowers to "i" and a combining dot, which is no letter)
    words += map(str.lower, _LONGER_WORD.findall(other_text))
    if len(words) < 100:
        return None
    known = sum(map(frequencies("en").__contains__, words))
    value = (len(words) - known) / len(words)
    if value < threshold:
        return None
    return Garbled("unknown_words", value, threshold, "of the English words are no English word")


def unmapped_characters(texts: Sequence[str], threshold: float = 0.02) -> Garbled | None:
    """Replacement (U+FFFD) and private-use characters, per character (at least 10 of them),
    counted in the code points of the texts joined (ASCII text has none: not looked at).

    >>> unmapped_characters(["\\ue001\\ue002\\ue003 abc"] * 10).measure
    'unmapped_characters'
    """
    joined = "\n".join(texts)
    if joined.isascii():
        return None
    unmapped = int(np.count_nonzero(_unmapped(code_points(joined))))
    if unmapped < 10:
        return None
    chars = len(joined) - joined.count(" ") - (len(texts) - 1)  # less the breaks joined in
    if unmapped / max(1, chars) < threshold:
        return None
    return Garbled(
        "unmapped_characters",
        unmapped / chars,
        threshold,
        "of the characters have no character map",
    )


MEASURES: tuple[Callable[[Sequence[str]], Garbled | None], ...] = (
    cells_in_prose,
    split_words,
    single_letters,
    unmapped_characters,
)
"""The measures that need the texts alone; :func:`unknown_words` needs their languages."""


def garbled(texts: Sequence[str], langs: Sequence[str]) -> Garbled | None:
    """The first measure past its threshold on a document's ``texts`` (its segments, with
    their languages), or None when the text looks as a reader's should."""
    for measure in MEASURES:
        found = measure(texts)
        if found is not None:
            return found
    return unknown_words(texts, langs)
