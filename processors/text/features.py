"""Features of a line of text that any language or site has: words, function-word density,
sentence ends, title- and body-likeness. Used by the cleaning rules and the boilerplate
classifier alike."""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

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
    return _function_share(text, _EN_STOPWORDS, _EN_PUNCTUATION, _EN_SEEN)


_EN_SEEN: dict[str, bool] = {}
_ANY_SEEN: dict[str, bool] = {}
SEEN_TOKENS = 100_000
"""Tokens whose verdict each function-word share remembers (a token is judged once, not
stripped, lowered and matched again on every line it appears in)."""


def _function_share(
    text: str, known: frozenset[str], punctuation: str, seen: dict[str, bool]
) -> float:
    """Share of the words of ``text`` (stripped of ``punctuation``) that are in ``known`` or
    end in a Korean particle or ending; ``seen`` remembers each token's verdict."""
    tokens = text.split()
    if not tokens:
        return 0.0
    try:
        hits = sum(map(seen.__getitem__, tokens))  # every token judged before: no Python loop
    except KeyError:
        if len(seen) + len(tokens) > SEEN_TOKENS:
            seen.clear()
        for token in tokens:
            if token not in seen:
                seen[token] = _is_function_word(token, known, punctuation)
        hits = sum(map(seen.__getitem__, tokens))
    return hits / len(tokens)


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
    return _function_shares(texts, _EN_STOPWORDS, _EN_PUNCTUATION, _EN_SEEN)


def function_word_shares(texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """:func:`function_word_share` of each of ``texts``, the same values, all at once."""
    return _function_shares(texts, _function_words(), _ANY_PUNCTUATION, _ANY_SEEN)


def _function_shares(
    texts: Sequence[str], known: frozenset[str], punctuation: str, seen: dict[str, bool]
) -> npt.NDArray[np.float64]:
    """:func:`_function_share` of each of ``texts``: the tokens of all of them judged in one
    pass over those not judged yet, then each text's sum a map over its tokens (no call, no
    exception and no Python loop over tokens per text; the same values)."""
    token_lists = list(map(str.split, texts))
    new = set(itertools.chain.from_iterable(token_lists)).difference(seen)
    if new:
        if len(seen) + len(new) > SEEN_TOKENS:
            seen.clear()
            new = set(itertools.chain.from_iterable(token_lists))
        for token in new:
            seen[token] = _is_function_word(token, known, punctuation)
    judged = seen.__getitem__
    shares = [sum(map(judged, tokens)) / len(tokens) if tokens else 0.0 for tokens in token_lists]
    return np.array(shares, dtype=np.float64).reshape(len(texts))


def clear_caches() -> None:
    """Forget the tokens judged so far (benchmarks start each pass cold)."""
    _EN_SEEN.clear()
    _ANY_SEEN.clear()


FUNCTION_WORDS_PATH = Path(__file__).resolve().with_name("function_words.txt")


@functools.cache
def _function_words() -> frozenset[str]:
    lines = FUNCTION_WORDS_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def function_word_share(text: str) -> float:
    """Share of words that are among the most frequent words of 24 Latin-script languages
    (``function_words.txt``: articles, pronouns, prepositions, conjunctions), or Korean
    particles and endings: running text in any of them scores high, menus and names low.

    >>> function_word_share("die Stadt und der Plan"), function_word_share("Startseite Kontakt")
    (0.6, 0.0)
    """
    return _function_share(text, _function_words(), _ANY_PUNCTUATION, _ANY_SEEN)


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


_NOT_ASCII_LETTERS = bytes(b for b in range(128) if not chr(b).isalpha())
