"""A learned boilerplate classifier for text without markup (scraper output, WET files, browser
copies): which lines are the page's main content and which are its menus, link lists,
sidebars and footers.

Each line gets features that exist in any such text, whatever the site or language: its length
and word count, function-word density (English words; Korean particles and endings), whether it
ends like a sentence, its shares of letters, digits and punctuation, its capitalisation,
separators, its position in the document, how often it recurs in the document, the run of short
lines it belongs to (menus), and the same measures averaged over windows of 1, 3 and 6 lines on
each side, with the distance to the nearest line of running text. A first logistic regression
turns them into a probability of content; a second one, in the manner of jusText's context
step, looks again with the probabilities of the neighbouring lines (windows of 1 to 8 lines,
the best line before and after), so that a short line inside an article is kept and a
sentence-like line inside a menu is not.

The weights are in ``boilerplate_model.json`` beside this module (a few kilobytes, loaded once
per process in milliseconds), trained by ``python -m bench.train_boilerplate`` on
../shared/eval/boilerplate only; the file says how it was made and what it scored in
cross-validation by page.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from lingoflow.processors.text.characters import classes, code_points
from lingoflow.processors.text.features import (
    TERMINAL,
    ends_like_sentence,
    stopword_densities,
    stopword_density,
    text_size,
    words,
)

MODEL_PATH = Path(__file__).resolve().with_name("boilerplate_model.json")
Matrix = npt.NDArray[np.float64]

_SEPARATOR = re.compile(r"[|»›>·•]")
LINE_FEATURES = tuple(
    """log_chars log_words stopword_density sentence_end letter_share digit_share
    punctuation_share capitalised_share separator blank_before short long colon_end comma""".split()
)
WINDOWS = (1, 3, 6)
_WINDOWED = ("log_chars", "stopword_density", "sentence_end")
"""The line features whose means over the lines around each line are features too."""
CONTEXT_FEATURES = (
    *(f"{n}_w{w}" for w in WINDOWS for n in _WINDOWED),
    "body_w8",
    "log_short_run",
    "repeated_in_document",
    "position",
    "text_mass_before",
    "log_distance_to_body",
)
FEATURES = (*LINE_FEATURES, *CONTEXT_FEATURES)
SECOND_STAGE = tuple(
    """logit p_w1 p_w2 p_w4 p_w8 p_before p_after p_max_before p_max_after""".split()
)


def line_features(text: str, blank_before: bool) -> list[float]:
    """The features of one line on its own, in the order of :data:`LINE_FEATURES`.

    >>> [round(v, 2) for v in line_features("Home", False)][:4]
    [1.61, 0.69, 0.0, 0.0]
    """
    n = text_size(text)
    found = words(text)
    letters = sum(map(str.isalpha, text))
    digits = sum(map(str.isdigit, text))
    punctuation = len(text) - sum(map(str.isalnum, text)) - sum(map(str.isspace, text))
    capitalised = sum(1 for w in found if w[0].isupper()) / len(found) if found else 0.0
    return [
        math.log1p(n),
        math.log1p(len(found)),
        stopword_density(text),
        float(ends_like_sentence(text)),
        letters / max(1, len(text)),
        digits / max(1, len(text)),
        punctuation / max(1, len(text)),
        capitalised,
        float(bool(_SEPARATOR.search(text))),
        float(blank_before),
        float(n < 30),
        float(n >= 80),
        float(text.endswith((":", "："))),
        float("," in text),
    ]


def line_feature_matrix(
    texts: Sequence[str], blank_before: Sequence[bool], *, stopwords: bool = True
) -> Matrix:
    """:func:`line_features` of every line at once, one row per line, from one pass of numpy
    over the code points of the lines joined by newlines, through tables of the BMP built
    once per process: character classes (letters, digits, spaces, upper case, Hangul), words
    (where a run of letters starts that does not continue a word over a hyphen or
    apostrophe, as :func:`~lingoflow.processors.text.features.words` reads them) and their
    capitals, separators, commas and the last character; sentence ends by one search of the
    joined text. Only the function-word density is read line by line; without ``stopwords``
    its column is left at zero (for a model that does not read it).

    >>> rows = line_feature_matrix(["Home", "서울시는 계획을 마련했다."], [False, True])
    >>> bool(np.allclose(rows[1], line_features("서울시는 계획을 마련했다.", True)))
    True
    """
    return _line_matrix(texts, blank_before, stopwords)[0]


def _line_matrix(
    texts: Sequence[str], blank_before: Sequence[bool], stopwords: bool
) -> tuple[Matrix, Matrix]:
    """:func:`line_feature_matrix`, and each line's :func:`text_size`."""
    n = len(texts)
    if n == 0:
        return np.zeros((0, len(LINE_FEATURES))), np.zeros(0)
    joined = "\n".join(texts)
    if joined.count("\n") != n - 1:  # a line holding a newline: read each line alone
        rows = [line_features(t, b) for t, b in zip(texts, blank_before, strict=True)]
        return np.array(rows), np.array([text_size(t) for t in texts], dtype=float)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    codes = code_points(joined)
    alpha, digit, space, alnum, decimal, upper, joiner, separator = classes(codes, _CLASS_TESTS)
    starts = np.cumsum(lengths + 1) - (lengths + 1)
    ends = starts + lengths

    letter = alnum & ~decimal  # [^\W\d_]
    word_start = letter.copy()
    word_start[1:] &= ~letter[:-1]
    word_start[2:] &= ~(joiner[1:-1] & letter[:-2])
    hangul = (codes >= 0xAC00) & (codes <= 0xD7A3)
    # what each line holds of every class, by one running sum over all the classes at once
    marks = np.stack(
        [word_start, word_start & upper, alpha, digit, alnum, space, hangul, separator, codes == 44]
    )
    running = np.zeros((len(marks), len(codes) + 1), dtype=np.int64)
    np.cumsum(marks, axis=1, dtype=np.int64, out=running[:, 1:])
    counted = running[:, ends] - running[:, starts]
    word_count, capitals, letters, digits, alnums, spaces, syllables, separators, commas = counted
    capitalised = np.divide(
        capitals, word_count, out=np.zeros(n), where=word_count > 0, casting="unsafe"
    )
    last = np.append(codes, 0)[np.maximum(ends - 1, 0)]
    colon = (lengths > 0) & ((last == ord(":")) | (last == ord("：")))
    sentence_end = np.zeros(n)
    line_ends = [m.end() for m in _TERMINAL_LINES.finditer(joined)]
    sentence_end[np.searchsorted(ends, line_ends)] = 1.0
    punctuation = lengths - alnums - spaces
    size = lengths + syllables
    width = np.maximum(1, lengths).astype(float)
    matrix = np.column_stack(
        [
            np.log1p(size),
            np.log1p(word_count),
            stopword_densities(texts) if stopwords else np.zeros(n),
            sentence_end,
            letters / width,
            digits / width,
            punctuation / width,
            capitalised,
            (separators > 0).astype(float),
            np.asarray(blank_before, dtype=float),
            (size < 30).astype(float),
            (size >= 80).astype(float),
            colon.astype(float),
            (commas > 0).astype(float),
        ]
    )
    return matrix, size.astype(float)


def _joins_words(char: str) -> bool:
    """A hyphen or apostrophe, which a word may continue over."""
    return char in "-'’"


def _separates(char: str) -> bool:
    """A separator of menu items and breadcrumbs."""
    return char in "|»›>·•"


_CLASS_TESTS = (
    str.isalpha,
    str.isdigit,
    str.isspace,
    str.isalnum,
    str.isdecimal,
    str.isupper,
    _joins_words,
    _separates,
)
_TERMINAL_LINES = re.compile(TERMINAL.pattern, re.MULTILINE)
"""Sentence ends (:func:`~lingoflow.processors.text.features.ends_like_sentence`) at the end
of any line of a joined text (the pattern cannot match across a newline)."""


def window_mean(column: Matrix, w: int, *, exclude_self: bool) -> Matrix:
    """Mean of ``column`` over the ``w`` lines on each side (and the line itself unless
    ``exclude_self``), clipped at the document's edges; of each column of a matrix alike."""
    return window_means(column, (w,), exclude_self=exclude_self)[0]


def window_means(values: Matrix, windows: Sequence[int], *, exclude_self: bool) -> list[Matrix]:
    """:func:`window_mean` of ``values`` (one column, or a matrix of columns) for each of
    ``windows``, from one running sum.

    >>> [m.tolist() for m in window_means(np.array([1.0, 2.0, 4.0]), (1, 2), exclude_self=True)]
    [[2.0, 2.5, 2.0], [3.0, 2.5, 1.5]]
    """
    n = len(values)
    cumulative = np.zeros((n + 1, *values.shape[1:]))
    np.cumsum(values, axis=0, out=cumulative[1:])
    index = np.arange(n)
    means = []
    for w in windows:
        lo, hi = np.maximum(0, index - w), np.minimum(n, index + w + 1)
        total, count = cumulative[hi] - cumulative[lo], (hi - lo).astype(float)
        if values.ndim == 2:
            count = count[:, None]
        if exclude_self:
            total, count = total - values, count - 1
        means.append(np.where(count > 0, total / np.maximum(count, 1), values))
    return means


def document_features(
    texts: Sequence[str], blank_before: Sequence[bool], *, stopwords: bool = True
) -> Matrix:
    """One row of :data:`FEATURES` per line of a document (the English function-word density
    and its window means at zero without ``stopwords``)."""
    n = len(texts)
    if n == 0:
        return np.zeros((0, len(FEATURES)))
    base, lengths = _line_matrix(texts, blank_before, stopwords)
    windowed = base[:, [LINE_FEATURES.index(name) for name in _WINDOWED]]
    columns = [base, *window_means(windowed, WINDOWS, exclude_self=True)]
    body = ((lengths >= 60) & (base[:, LINE_FEATURES.index("sentence_end")] > 0)).astype(float)
    run = _short_runs(lengths < 40)
    counts = Counter(texts)
    before = np.concatenate([[0.0], np.cumsum(lengths)[:-1]])
    nearest = _distance_to_nearest(body > 0)
    columns += [
        window_mean(body, 8, exclude_self=False)[:, None],
        np.log1p(run)[:, None],
        np.array([float(counts[t] > 1) for t in texts])[:, None],
        (np.arange(n) / max(1, n - 1))[:, None],
        (before / max(1.0, lengths.sum()))[:, None],
        np.log1p(nearest)[:, None],
    ]
    return np.hstack(columns)


def _distance_to_nearest(marked: npt.NDArray[np.bool_], none: float = 50.0) -> Matrix:
    """For each position, how many lines away the nearest marked one is (``none`` when no
    line is marked): the last marked position up to each line and the next from it, each
    found by one running maximum.

    >>> _distance_to_nearest(np.array([False, True, False, False])).tolist()
    [1.0, 0.0, 1.0, 2.0]
    >>> _distance_to_nearest(np.array([False, False])).tolist()
    [50.0, 50.0]
    """
    index = np.arange(len(marked), dtype=float)
    last = np.maximum.accumulate(np.where(marked, index, -np.inf))
    following = -np.maximum.accumulate(np.where(marked, -index, -np.inf)[::-1])[::-1]
    distance = np.minimum(index - last, following - index)
    result: Matrix = np.where(np.isinf(distance), none, distance)
    return result


def _short_runs(short: npt.NDArray[np.bool_]) -> Matrix:
    """For each line, the length of the run of consecutive short lines it stands in (0 for a
    line that is not short).

    >>> _short_runs(np.array([True, True, False, True])).tolist()
    [2.0, 2.0, 0.0, 1.0]
    """
    if not len(short):
        return np.zeros(0)
    change = np.concatenate([[True], short[1:] != short[:-1]])
    run_id = np.cumsum(change) - 1
    lengths = np.bincount(run_id).astype(float)
    result: Matrix = np.where(short, lengths[run_id], 0.0)
    return result


def context_features(probabilities: Matrix) -> Matrix:
    """Second-stage features of a document's lines from the first stage's probabilities."""
    p = np.clip(probabilities, 1e-6, 1 - 1e-6)
    n = len(p)
    if n == 0:
        return np.zeros((0, len(SECOND_STAGE)))
    previous = np.concatenate([[p[0]], p[:-1]])
    following = np.concatenate([p[1:], [p[-1]]])
    max_before = np.concatenate([[0.0], np.maximum.accumulate(p)[:-1]])
    max_after = np.concatenate([np.maximum.accumulate(p[::-1])[::-1][1:], [0.0]])
    return np.column_stack(
        [
            np.log(p / (1 - p)),
            *window_means(p, (1, 2, 4, 8), exclude_self=False),
            previous,
            following,
            max_before,
            max_after,
        ]
    )


@dataclass(frozen=True)
class LogisticModel:
    """Standardisation and weights of one logistic regression (the last weight is the bias)."""

    mean: Matrix
    scale: Matrix
    weights: Matrix

    def probabilities(self, features: Matrix) -> Matrix:
        """The logistic of the standardised features' weighted sum, with the standardisation
        folded into the weights: no standardised copy of the matrix is made."""
        weights = self.weights[:-1] / self.scale
        bias = self.weights[-1] - float(self.mean @ weights)
        result: Matrix = 1.0 / (1.0 + np.exp(-(features @ weights + bias)))
        return result

    def to_json(self) -> dict[str, list[float]]:
        return {
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "weights": [round(float(v), 6) for v in self.weights],
        }

    @classmethod
    def from_json(cls, data: dict[str, list[float]]) -> LogisticModel:
        return cls(
            mean=np.array(data["mean"], dtype=float),
            scale=np.array(data["scale"], dtype=float),
            weights=np.array(data["weights"], dtype=float),
        )


@dataclass(frozen=True)
class BoilerplateModel:
    """The two stages and the probability below which a line is boilerplate."""

    lines: LogisticModel
    context: LogisticModel
    threshold: float
    about: dict[str, Any]

    def content_probabilities(
        self, texts: Sequence[str], blank_before: Sequence[bool] | None = None
    ) -> Matrix:
        """The probability that each line of a document is main content."""
        blanks = blank_before if blank_before is not None else [False] * len(texts)
        features = document_features(texts, blanks)
        if not len(features):
            return np.zeros(0)
        first = self.lines.probabilities(features)
        return self.context.probabilities(np.hstack([features, context_features(first)]))


@functools.cache
def load_model(path: Path = MODEL_PATH) -> BoilerplateModel:
    """The model in ``path`` (the shipped one by default), read once per process."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return BoilerplateModel(
        lines=LogisticModel.from_json(data["lines"]),
        context=LogisticModel.from_json(data["context"]),
        threshold=float(data["threshold"]),
        about=data["about"],
    )
