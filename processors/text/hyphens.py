"""Words hyphenated across the end of a line, rejoined.

A page set in justified type breaks words at the line's end (``guar-`` / ``antees``); it also
breaks compounds at their own hyphen (``heavy-`` / ``tailed``). The two are told apart with
English word frequencies (wordfreq): the hyphen goes when the joined word is a common word, or
when one half is not a word at all; it stays when both halves are words and the joined word is
rare (``heavy-tailed``, ``post-processing``, ``well-known``). Words of other languages, not in
the list, are joined (``Straßen-`` / ``bahn``).
"""

from __future__ import annotations

import re

from lingoflow.processors.text.wordlists import frequencies

COMMON = 1e-6
"""Frequency from which a joined word is common (wordfreq's Zipf 3: once in a million words)."""
WORD = 10**-6.5
"""Frequency from which a half is a word of its own (Zipf 2.5)."""

_HEAD = re.compile(r"([^\W\d_]+)-$")
_TAIL = re.compile(r"^([^\W\d_]+)")


def hyphenated(line: str, following: str) -> bool:
    """``line`` ends with a letter and a hyphen and ``following`` starts with a small letter:
    a word (or a compound) broken across the two.

    >>> hyphenated("the environ-", "mental impact"), hyphenated("pages 10-", "12 and")
    (True, False)
    """
    return bool(_HEAD.search(line)) and following[:1].islower()


def hyphen_stays(line: str, following: str) -> bool:
    """The hyphen ending ``line`` belongs to a compound broken there (both halves words, the
    joined word rare), so it stays when the lines are joined.

    >>> hyphen_stays("offers privacy guar-", "antees"), hyphen_stays("a heavy-", "tailed one")
    (False, True)
    """
    head = _HEAD.search(line)
    tail = _TAIL.match(following)
    if head is None or tail is None:
        return True
    left, right = head.group(1).lower(), tail.group(1).lower()
    words = frequencies("en")
    return (
        words.get(left + right, 0.0) < COMMON
        and min(words.get(left, 0.0), words.get(right, 0.0)) >= WORD
    )


def join_hyphenated(line: str, following: str) -> str:
    """The two lines as one text, the hyphen kept only where it belongs to the compound.

    >>> join_hyphenated("offers privacy guar-", "antees to each")
    'offers privacy guarantees to each'
    >>> join_hyphenated("a heavy-", "tailed distribution")
    'a heavy-tailed distribution'
    """
    return (line if hyphen_stays(line, following) else line[:-1]) + following
