"""Features of a line of text that any language or site has: words, function-word density,
sentence ends, title- and body-likeness. Used by the cleaning rules and the boilerplate
classifier alike."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from lingoflow.processors.text.characters import ASCII_LETTERS

_EN_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers him his how i if in into is it its
    itself just me more most my no nor not now of off on once only or other our out over own
    same she should so some such than that the their them then there these they this those
    through to too under until up very was we were what when where which while who whom why
    will with would you your""".split()
)
# Korean function material is attached to words: particles and verb endings.
_KO_FUNCTION_END = re.compile(
    r"(?:은|는|이|가|을|를|의|에|에서|에게|로|으로|와|과|도|만|까지|부터|이다|하다|한다|했다|"
    r"된다|있다|없다|니다|습니다|며|고|서|면|지만|는데|요)[.,!?]?$"
)
# Terminal punctuation, closing quotes or brackets, and a footnote reference after them
# ("... in 2050.*", "... 마련했다.[1]", "...했다.1)").
TERMINAL = re.compile(r"[.!?。！？…][\"'”’」』)\]]*(?:\*{1,3}|\[\d{1,2}\]|\d{1,2}\))?$")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")

_HANGUL_SYLLABLE = re.compile("[\uac00-\ud7a3]")


def words(text: str) -> list[str]:
    """Words of ``text`` (letters only).

    >>> words("Seoul's 2050 plan")
    ["Seoul's", 'plan']
    """
    return _WORD.findall(text)


_EN_PUNCTUATION = "\"'“”‘’()[]「」,.:;!?"
_ANY_PUNCTUATION = "\"'“”‘’()[]「」«»„,.:;!?"
"""What is stripped from a token before it is looked up (English list; any language's)."""


def stopword_density(text: str) -> float:
    """Share of words that are function words (English list; Korean particles and endings).

    >>> stopword_density("the plan of the city"), stopword_density("Home News Contact")
    (0.6, 0.0)
    """
    return _function_share(text, _EN_VERDICTS)


SEEN_TOKENS = 100_000
"""Tokens whose verdict each function-word share remembers (a token is judged once, not
stripped, lowered and matched again on every line it appears in)."""


class _Verdicts(dict[str, bool]):
    """Each token's verdict (a function word or not), judged the first time it is looked up:
    a token seen before is a dictionary lookup in C, a new one a call of
    :func:`_is_function_word`. At most :data:`SEEN_TOKENS` are remembered.

    >>> verdicts = _Verdicts(frozenset({"the"}), ".")
    >>> verdicts["The."], verdicts["plan"], sorted(verdicts)
    (True, False, ['The.', 'plan'])
    """

    def __init__(self, known: frozenset[str], punctuation: str) -> None:
        super().__init__()
        self.known = known
        self.punctuation = punctuation

    def __missing__(self, token: str) -> bool:
        if len(self) >= SEEN_TOKENS:
            self.clear()
        verdict = self[token] = _is_function_word(token, self.known, self.punctuation)
        return verdict


_EN_VERDICTS = _Verdicts(_EN_STOPWORDS, _EN_PUNCTUATION)


def _function_share(text: str, verdicts: _Verdicts) -> float:
    """Share of the words of ``text`` that ``verdicts`` judges function words (in its list,
    or ending in a Korean particle or ending)."""
    tokens = text.split()
    return sum(map(verdicts.__getitem__, tokens)) / len(tokens) if tokens else 0.0


def _is_function_word(token: str, known: frozenset[str], punctuation: str) -> bool:
    """Whether ``token`` stripped of ``punctuation`` is in ``known`` or ends in a Korean
    particle or ending (which no ASCII token does: the pattern is not tried on one)."""
    bare = token.strip(punctuation).lower()
    return bare in known or (not bare.isascii() and _KO_FUNCTION_END.search(bare) is not None)


def stopword_densities(texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """:func:`stopword_density` of each of ``texts``, the same values, all at once.

    >>> stopword_densities(["the plan of the city", "", "Home News"]).tolist()
    [0.6, 0.0, 0.0]
    """
    return _function_shares(texts, _EN_VERDICTS)


def function_word_shares(texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """:func:`function_word_share` of each of ``texts``, the same values, all at once."""
    return _function_shares(texts, _any_verdicts())


def _function_shares(texts: Sequence[str], verdicts: _Verdicts) -> npt.NDArray[np.float64]:
    """:func:`_function_share` of each of ``texts``: each text's sum a map over its tokens
    (the tokens judged before looked up in C, no Python loop over them; the same values)."""
    judged = verdicts.__getitem__
    shares = [
        sum(map(judged, tokens)) / len(tokens) if tokens else 0.0
        for tokens in map(str.split, texts)
    ]
    return np.array(shares, dtype=np.float64).reshape(len(texts))


def clear_caches() -> None:
    """Forget the tokens judged so far (benchmarks start each pass cold)."""
    _EN_VERDICTS.clear()
    _any_verdicts().clear()


FUNCTION_WORDS_PATH = Path(__file__).resolve().with_name("function_words.txt")


@functools.cache
def _function_words() -> frozenset[str]:
    lines = FUNCTION_WORDS_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


@functools.cache
def _any_verdicts() -> _Verdicts:
    """The verdicts of :func:`function_word_share` (its list read once, when first needed)."""
    return _Verdicts(_function_words(), _ANY_PUNCTUATION)


def function_word_share(text: str) -> float:
    """Share of words that are among the most frequent words of 24 Latin-script languages
    (``function_words.txt``: articles, pronouns, prepositions, conjunctions), or Korean
    particles and endings: running text in any of them scores high, menus and names low.

    >>> function_word_share("die Stadt und der Plan"), function_word_share("Startseite Kontakt")
    (0.6, 0.0)
    """
    return _function_share(text, _any_verdicts())


def ends_like_sentence(text: str) -> bool:
    """Ends with terminal punctuation, possibly followed by closing quotes or brackets.

    >>> ends_like_sentence("It said so.”"), ends_like_sentence("Related articles")
    (True, False)
    >>> ends_like_sentence("계획을 마련했다.[1]"), ends_like_sentence("Neutrality*")
    (True, False)
    """
    return bool(TERMINAL.search(text))


def is_title_like(text: str) -> bool:
    """Short (at most 200 characters), with letters, and not ending like a sentence."""
    return (
        len(text) <= 200
        and bool(words(text))
        and not ends_like_sentence(text)
        and not text.endswith((":", "："))
    )


def is_body_like(text: str) -> bool:
    """A line of running text: long enough and ending like a sentence (or introducing a list)."""
    return len(text) >= 60 and (ends_like_sentence(text) or text.endswith((":", "：")))


def text_size(text: str) -> int:
    """Length in characters, Hangul syllables counted twice: a Korean syllable carries about
    what two or three Latin letters do, so length thresholds mean the same in both.

    >>> text_size("Seoul"), text_size("서울시")
    (5, 6)
    """
    return len(text) + len(_HANGUL_SYLLABLE.findall(text))


def hangul_share(text: str) -> float:
    """Share of Hangul syllables among the non-ASCII letters of ``text`` (0 when there are none)."""
    if text.isascii():
        return 0.0
    ascii_letters = len(text.encode("ascii", "ignore").translate(None, _NOT_ASCII_LETTERS))
    letters = sum(map(str.isalpha, text)) - ascii_letters
    if not letters:
        return 0.0
    return len(_HANGUL_SYLLABLE.findall(text)) / letters


_NOT_ASCII_LETTERS = bytes(b for b in range(128) if b not in ASCII_LETTERS)
