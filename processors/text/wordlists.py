"""Word frequencies from wordfreq, one copy per process.

wordfreq's lists are read on first use (about 0.3 s and 4 MB a language) and kept: language
detection, Korean mojibake repair and the rejoining of words hyphenated across lines all ask
here.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping


@functools.cache
def frequencies(lang: str, wordlist: str = "small") -> Mapping[str, float]:
    """The frequency (share of words, 0 to 1) of each word wordfreq lists for ``lang`` in
    ``wordlist`` ("small", "large" or "best"); empty for a language it does not know."""
    from wordfreq import get_frequency_dict

    try:
        return dict(get_frequency_dict(lang, wordlist=wordlist))
    except LookupError:
        return {}
