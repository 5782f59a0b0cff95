"""Character classes of every character of a text at once, with numpy.

A text becomes an array of its code points (:func:`code_points`); a class is a ``str``
predicate (``str.isalpha``, ``str.isdecimal``, any function of one character), looked up for
all of them through a table of the Basic Multilingual Plane built once per process and
predicate (:func:`classes`); the rare characters beyond it are asked one by one. The line
classifier's features and the garbled-text measures read whole documents this way instead of
a character or a word at a time in Python.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

BMP = 0x10000
Mask = npt.NDArray[np.bool_]
CodePoints = npt.NDArray[np.uint32]

ASCII_LETTERS = bytes(c for c in range(128) if chr(c).isalpha())
"""The ASCII letters (A-Z, a-z) as bytes: ``bytes.translate``'s ``delete`` argument, or the
letters of :func:`ascii_letter_table`. ASCII text's letters are these and no others."""


def ascii_letter_table(lower: bool = False) -> bytes:
    """A ``bytes.translate`` table that keeps the ASCII letters (lowered with ``lower``) and
    makes every other byte a space: ASCII text read as its runs of letters in one pass.

    >>> b"Go, now!".translate(ascii_letter_table()), b"Go, now!".translate(ascii_letter_table(True))
    (b'Go  now ', b'go  now ')
    """
    return bytes(
        (ord(chr(c).lower()) if lower else c) if c in ASCII_LETTERS else ord(" ")
        for c in range(256)
    )


def code_points(text: str) -> CodePoints:
    """The code points of ``text`` (lone surrogates included, as Python strings may hold them).

    >>> code_points("a가").tolist()
    [97, 44032]
    """
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


@functools.cache
def _table(test: Callable[[str], bool]) -> Mask:
    """``test`` of every character of the BMP."""
    return np.fromiter(map(test, map(chr, range(BMP))), dtype=np.bool_, count=BMP)


@functools.cache
def _bits(tests: tuple[Callable[[str], bool], ...]) -> npt.NDArray[np.uint8]:
    """Every character of the BMP as the bits of ``tests`` (up to 8) that hold for it."""
    bits = np.zeros(BMP, dtype=np.uint8)
    for k, test in enumerate(tests):
        bits |= _table(test).astype(np.uint8) << np.uint8(k)
    return bits


def classes(codes: CodePoints, tests: tuple[Callable[[str], bool], ...]) -> tuple[Mask, ...]:
    """For each of ``tests``, whether it holds for each code point of ``codes``.

    >>> [m.tolist() for m in classes(code_points("a1 \\U0001d400"), (str.isalpha, str.isdigit))]
    [[True, False, False, True], [False, True, False, False]]
    """
    inside = codes < BMP
    index = np.where(inside, codes, 0)
    if 1 < len(tests) <= 8:  # one lookup of every class's bit, then a bit each
        bits = np.take(_bits(tests), index)  # as _bits(tests)[index], and faster
        masks = [(bits & np.uint8(1 << k)).astype(bool) & inside for k in range(len(tests))]
    else:
        masks = [np.take(_table(test), index) & inside for test in tests]
    for i in np.flatnonzero(~inside).tolist():  # beyond the BMP: rare (emoji, old scripts)
        char = chr(int(codes[i]))
        for mask, test in zip(masks, tests, strict=True):
            mask[i] = test(char)
    return tuple(masks)


def letter_counts(texts: list[str]) -> list[int]:
    """How many letters (``str.isalpha``) each of ``texts`` holds, all counted at once.

    >>> letter_counts(["Seoul 2024", "", "서울시"])
    [5, 0, 3]
    """
    if not texts:
        return []
    joined = "\x00".join(texts)  # no letter between them
    (alpha,) = classes(code_points(joined), (str.isalpha,))
    running = np.concatenate([[0], np.cumsum(alpha, dtype=np.int64)])
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    ends = np.cumsum(lengths + 1) - 1
    counts: list[int] = (running[ends] - running[ends - lengths]).tolist()
    return counts
