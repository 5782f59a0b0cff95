"""Line normalisation for text extracted from web pages and PDFs: one pure function per fix.

Applied by :mod:`lingoflow.processors.clean` to every line before it is classified. None of these
functions removes content words; what they drop is markup the source format left behind.

Choices made for downstream readers and translators:

* Markdown emphasis (``**Release Date:**``) and heading marks (``## ``) go; the heading mark
  is reported so the line can become a heading.
* ``<sub>``/``<sup>`` become plain characters: ``CO<sub>2</sub>`` -> ``CO2``. Unicode
  subscript digits (``CO₂``) look right but split words for search and translation models,
  which have seen "CO2" far more often; HTML input gets the same result from the extractor.
* A missing space next to a curly quote or corner bracket between letters is restored:
  ``The“2050`` -> ``The “2050``, ``Strategy」and`` -> ``Strategy」 and``.
"""

from __future__ import annotations

import functools
import re

_BOOKMARK = re.compile(r"\[bookmark:\s*[^\]]*\]", re.IGNORECASE)
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
# "__" marks emphasis only at word edges (CommonMark): snake__case stays as written.
_MD_STRONG_UNDERSCORE = re.compile(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)")
_MD_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_MD_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^\s<>]+|[^\s<>@]+@[^\s<>@]+\.[a-z]{2,})>", re.I)
_MD_LINK = re.compile(r"(?<!!)\[([^\]\n]+)\]\((?:https?://|/|#)[^)\s]*\)")
_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\s]*\)")
_SUB_SUP = re.compile(r"<(sub|sup)>\s*([^<]{0,20}?)\s*</\1>", re.IGNORECASE)
_TAG = re.compile(
    r"</?(?:b|i|u|em|strong|span|font|br|p|div|a|small|big|mark)\b[^<>]{0,200}>", re.I
)
_ENTITY_NBSP = re.compile(r"&nbsp;?", re.IGNORECASE)
_OPEN_QUOTE_GLUED = re.compile(r"(?<=[A-Za-z0-9,])(?=[“「『][A-Za-z0-9])")
_CLOSE_QUOTE_GLUED = re.compile(r"(?<=[A-Za-z0-9.,!?)][”」』])(?=[A-Za-z0-9])")
_QUOTE_OR_BRACKET = re.compile("[“「『”」』]")
_BLANKS = "\t\u00a0\u2000-\u200a\u202f\u205f\u3000"  # besides the ASCII space
_SPACES = re.compile(f" [ {_BLANKS}]+|[{_BLANKS}][ {_BLANKS}]*")
"""The runs of blanks that are not already one ASCII space (most are: a line's words are
separated by single spaces, which are then neither matched nor replaced)."""


def word_bookmarks(line: str) -> list[str]:
    """Word bookmark residue in ``line``, such as ``[bookmark: _GoBack]``: cleaning removes
    it (rule ``word_bookmark``), in this one place.

    >>> word_bookmarks("[bookmark: _GoBack]The plan")
    ['[bookmark: _GoBack]']
    """
    found: list[str] = _BOOKMARK.findall(line)
    return found


def markdown_heading(line: str) -> tuple[str, int | None]:
    """Strip a markdown heading mark; returns the text and the heading level (1-6) or None."""
    match = _MD_HEADING.match(line) if "#" in line else None
    if not match or not match.group(2):
        return line, None
    return match.group(2), len(match.group(1))


def strip_markdown(line: str) -> str:
    """Remove emphasis marks, images and link syntax, keeping link text and bare URLs.

    >>> strip_markdown("**Press release** on snake__case__name")
    'Press release on snake__case__name'
    """
    # Each pattern needs a character of its own: lines without one skip it (most lines).
    if "](" in line:
        line = _MD_IMAGE.sub("", line)
        line = _MD_LINK.sub(r"\1", line)
    if "<" in line:
        line = _MD_AUTOLINK.sub(r"\1", line)
    if "*" not in line and "__" not in line:
        return line
    previous = None
    while previous != line:  # nested emphasis: ***x*** or **_x_**
        previous = line
        line = _MD_STRONG.sub(r"\1", line)
        line = _MD_STRONG_UNDERSCORE.sub(r"\1", line)
        line = _MD_ITALIC.sub(r"\1", line)
    return line


def strip_tags(line: str) -> str:
    """Plain text from inline HTML residue: ``CO<sub>2</sub>`` -> ``CO2``, ``<b>x</b>`` -> x.

    >>> strip_tags("CO<sub>2</sub> emissions")
    'CO2 emissions'
    """
    if "<" in line:
        line = _SUB_SUP.sub(r"\2", line)
    if "&" in line:
        line = _ENTITY_NBSP.sub(" ", line)
    return _TAG.sub(" ", line) if "<" in line else line


def space_quotes(line: str) -> str:
    """Restore the space a conversion lost beside a curly quote or corner bracket."""
    if line.isascii() or _QUOTE_OR_BRACKET.search(line) is None:  # isascii: a flag read
        return line
    return _CLOSE_QUOTE_GLUED.sub(" ", _OPEN_QUOTE_GLUED.sub(" ", line))


def collapse_spaces(line: str) -> str:
    r"""One ASCII space for every run of spaces, tabs and other blanks; no leading or trailing.

    >>> collapse_spaces(" a  b\tc\u00a0d ")
    'a b c d'
    """
    if line.isascii() and "  " not in line and "\t" not in line:  # nothing _SPACES matches
        return line.strip()
    return _SPACES.sub(" ", line).strip()


CACHED_LINE = 2000
"""Lines up to this long have their answers kept (menus and footers repeat; long lines do not,
and a cache of them would hold megabytes a line)."""


def clear_cache() -> None:
    """Forget the kept answers (for benchmarks: each pass starts cold)."""
    _cached_line.cache_clear()


def normalize_line(line: str) -> tuple[str, int | None]:
    """Every fix above, in order; returns the text and its markdown heading level, if any.
    Pure, and asked several times of the same line (cleaning, the repeated-lines statistic,
    menus and footers of every page): the answers for the last 65,536 lines up to
    :data:`CACHED_LINE` characters are kept.

    >>> normalize_line("## Background")
    ('Background', 2)
    """
    return _cached_line(line) if len(line) <= CACHED_LINE else _normalized(line)


@functools.lru_cache(maxsize=65_536)
def _cached_line(line: str) -> tuple[str, int | None]:
    return _normalized(line)


def _normalized(line: str) -> tuple[str, int | None]:
    line, heading = markdown_heading(line)
    line = strip_markdown(line)
    line = strip_tags(line)
    line = space_quotes(line)
    return collapse_spaces(line), heading
