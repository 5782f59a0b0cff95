"""Glossary: terms a translation must use, and terms it must leave as they are.

A glossary is a TSV file (UTF-8), one entry a line, four columns::

    source_lang <TAB> target_lang <TAB> source term <TAB> target term

``ko  en  환경부  Ministry of Environment`` makes every English translation of Korean text that
names 환경부 say "Ministry of Environment"; an entry whose target equals its source
(``en  ko  P4G  P4G``) is a do-not-translate entry. Blank lines and lines starting with ``#``
are skipped, and so is a first line naming the columns (``source_lang  target_lang ...``).
A line that is not four non-empty columns, a language that is not an ISO 639 code, an entry
from a language into itself, or a source term given twice for one pair with two different
targets is an error naming the line (:class:`GlossaryError`); an empty glossary is fine.

Matching (:meth:`Glossary.matches`) is on word boundaries: a term never matches inside a
longer word. In Korean text a term may be followed by a particle (은/는, 이/가, 을/를, 의,
에서, 으로, ...), which then belongs to the match and is not translated on its own. A term
written with a capital letter matches with that exact case; an all-lowercase term matches
in any case. Where terms overlap the longest wins.

How a translation is made to use the terms is :mod:`lingoflow.processors.translate`'s part:
a sentence whose translation lacks a term's target is translated again cut around its terms,
each term replaced by its target.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import stat
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick

from lingoflow.processors.core.languages import Pair

HEADER = ("source_lang", "target_lang", "source_term", "target_term")
_LANG = re.compile(r"^[a-z]{2,3}$")
# Korean particles (and common particle sequences) that may follow a noun; longest first so
# that "에서는" is taken whole rather than "에".
KOREAN_PARTICLES = tuple(
    sorted(
        """은 는 이 가 을 를 의 에 에서 에게 께 께서 와 과 로 으로 도 만 까지 부터 보다 처럼
        이나 나 이랑 랑 에는 에서는 으로는 로는 에도 에서도 으로도 로도 과의 와의 에서의 으로의
        로의 이며 이고 이다 이라는 라는 이란 란 들 들은 들이 들을 들의""".split(),
        key=len,
        reverse=True,
    )
)


class GlossaryError(ValueError):
    """A glossary file that cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class GlossaryEntry:
    """One line of a glossary: ``source`` in ``source_lang`` is ``target`` in ``target_lang``
    (``line`` is its line number in the file, from 1)."""

    source_lang: str
    target_lang: str
    source: str
    target: str
    line: int = 0

    @property
    def pair(self) -> Pair:
        return Pair(self.source_lang, self.target_lang)

    @property
    def keep(self) -> bool:
        """A do-not-translate entry: the target is the source."""
        return self.source == self.target


@dataclass(frozen=True)
class GlossaryMatch:
    """A term found in a text: ``[start, end)`` covers the term and any particle after it."""

    start: int
    end: int
    entry: GlossaryEntry


@dataclass(frozen=True)
class Glossary:
    """The entries of one glossary file, by language pair, and the digest of its content."""

    entries: tuple[GlossaryEntry, ...] = ()
    digest: str = ""
    name: str = ""
    _matchers: dict[Pair, _Matcher] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        by_pair: dict[Pair, list[GlossaryEntry]] = defaultdict(list)
        for entry in self.entries:
            by_pair[entry.pair].append(entry)
        for pair, entries in by_pair.items():
            ordered = tuple(sorted(entries, key=lambda e: len(e.source), reverse=True))
            self._matchers[pair] = _Matcher(ordered, pair.source == "ko")

    @property
    def pairs(self) -> frozenset[Pair]:
        """The language pairs the glossary has entries for."""
        return frozenset(self._matchers)

    def for_pair(self, pair: Pair) -> tuple[GlossaryEntry, ...]:
        """The entries of ``pair``, longest source term first."""
        return self._matchers[pair].entries if pair in self._matchers else ()

    def matches(self, text: str, pair: Pair) -> list[GlossaryMatch]:
        """Every term of ``pair`` found in ``text``, in order, without overlaps.

        >>> glossary = parse_glossary("ko\\ten\\t환경부\\tMinistry of Environment\\n"
        ...                           "ko\\ten\\t환경\\tenvironment\\n")
        >>> text = "환경부는 환경부장관과 환경을 논의했다."
        >>> found = glossary.matches(text, Pair("ko", "en"))
        >>> [(text[m.start:m.end], m.entry.target) for m in found]
        [('환경부는', 'Ministry of Environment'), ('환경을', 'environment')]
        """
        matcher = self._matchers.get(pair)
        return matcher.matches(text) if matcher is not None else []

    def __bool__(self) -> bool:
        return bool(self.entries)


class _Matcher:
    """The terms of one language pair in an Aho-Corasick automaton (pyahocorasick): finding
    them costs one pass over the text, whatever the number of terms.

    The automaton gives every place a term (compared in lower case) ends; each is then held
    to the rules: the text's case when the term has a capital letter, no word character
    before it, a Korean particle after it when the source is Korean (the longest that leaves a
    word boundary), and no word character after that. Scanning left to right, the first term
    that holds at the leftmost position wins, the longest first, and the scan goes on after
    it: the matches a regular expression of all the terms would find."""

    def __init__(self, entries: tuple[GlossaryEntry, ...], korean: bool) -> None:
        self.entries = entries
        self.korean = korean
        keys: dict[str, list[GlossaryEntry]] = defaultdict(list)
        for entry in entries:  # longest first, so each key's entries keep that order
            keys[entry.source.lower()].append(entry)
        self.automaton = ahocorasick.Automaton()
        for key, with_key in keys.items():
            self.automaton.add_word(key, (len(key), tuple(with_key)))
        self.automaton.make_automaton()

    def matches(self, text: str) -> list[GlossaryMatch]:
        lowered = text.lower()
        if len(lowered) != len(text):  # a few letters lower to two: keep the positions
            lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        candidates: list[tuple[int, int, tuple[GlossaryEntry, ...]]] = []
        for last, (length, entries) in self.automaton.iter(lowered):
            candidates.append((last + 1 - length, -length, entries))
        candidates.sort(key=lambda c: (c[0], c[1]))
        found: list[GlossaryMatch] = []
        position = 0
        for start, negative, entries in candidates:
            if start < position or not _boundary(text, start):
                continue
            end = start - negative
            for entry in entries:
                if entry.source != entry.source.lower() and text[start:end] != entry.source:
                    continue  # a term with a capital letter matches that exact case
                stop = self._end(text, end)
                if stop is not None:
                    found.append(GlossaryMatch(start, stop, entry))
                    position = stop
                    break
        return found

    def _end(self, text: str, end: int) -> int | None:
        """Where a term that ends at ``end`` ends with its particle, if the boundary holds."""
        if self.korean:
            for particle in KOREAN_PARTICLES:  # longest first
                if text.startswith(particle, end) and _boundary(text, end + len(particle), 0):
                    return end + len(particle)
        return end if _boundary(text, end, 0) else None


def _boundary(text: str, i: int, before: int = 1) -> bool:
    """No word character at ``i - before`` (before: the character before ``i``; 0: the
    character at ``i``), as a regular expression's lookarounds ``(?<!\\w)`` and ``(?!\\w)``
    see it."""
    j = i - before
    if j < 0 or j >= len(text):
        return True
    char = text[j]
    return not (char.isalnum() or char == "_")


def parse_glossary(text: str, name: str = "<glossary>") -> Glossary:
    """A glossary from the text of a TSV file (see the module docstring for the format);
    raises :class:`GlossaryError` naming ``name`` and the line of the first problem.

    >>> parse_glossary("# names\\nen\\tko\\tP4G\\tP4G\\n").entries[0].keep
    True
    >>> parse_glossary("en\\tko\\tP4G\\n", "terms.tsv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lingoflow.processors.translate.glossary.GlossaryError: terms.tsv, line 1: expected 4 ... found 3
    """
    entries: list[GlossaryEntry] = []
    seen: dict[tuple[Pair, str], GlossaryEntry] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        columns = [c.strip() for c in line.split("\t")]
        if number == 1 and tuple(c.lower().replace(" ", "_") for c in columns) == HEADER:
            continue

        def fail(message: str, line_number: int = number) -> GlossaryError:
            return GlossaryError(f"{name}, line {line_number}: {message}")

        if len(columns) != 4:
            raise fail(
                "expected 4 tab-separated columns (source_lang, target_lang, source term, "
                f"target term), found {len(columns)}"
            )
        source_lang, target_lang, source, target = columns
        for label, code in (("source", source_lang), ("target", target_lang)):
            if not _LANG.match(code.lower()):
                raise fail(f"{label} language {code!r} is not an ISO 639 code such as en or ko")
        if source_lang.lower() == target_lang.lower():
            raise fail(f"source and target language are both {source_lang.lower()}")
        if not source or not target:
            raise fail("the source term and the target term must not be empty")
        entry = GlossaryEntry(source_lang.lower(), target_lang.lower(), source, target, number)
        key = (entry.pair, source)
        if key in seen:
            if seen[key].target != target:
                raise fail(
                    f"{source!r} ({entry.pair}) is given as {seen[key].target!r} on line "
                    f"{seen[key].line} and as {target!r} here"
                )
            continue
        seen[key] = entry
        entries.append(entry)
    canonical = "\n".join(
        "\t".join((e.source_lang, e.target_lang, e.source, e.target))
        for e in sorted(entries, key=lambda e: (e.source_lang, e.target_lang, e.source))
    )
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16] if entries else ""
    return Glossary(entries=tuple(entries), digest=digest, name=name)


MAX_GLOSSARY_BYTES = 64 * 1024 * 1024
"""The largest glossary file read (a few million entries): a bound on what a wrong path, such
as a device, could make a run read."""


def load_glossary(path: str | os.PathLike[str]) -> Glossary:
    """The glossary in the file at ``path``; raises :class:`GlossaryError` when it is missing,
    unreadable, not a regular file (a device, a pipe), larger than
    :data:`MAX_GLOSSARY_BYTES`, not UTF-8 or malformed. Read once per process while the file
    is unchanged."""
    file = Path(path)
    try:
        info = file.stat()
    except OSError as exc:
        raise GlossaryError(f"{file}: cannot read the glossary ({exc.strerror or exc})") from exc
    if not stat.S_ISREG(info.st_mode):
        raise GlossaryError(f"{file}: the glossary is not a regular file")
    if info.st_size > MAX_GLOSSARY_BYTES:
        raise GlossaryError(
            f"{file}: the glossary has {info.st_size} bytes, more than {MAX_GLOSSARY_BYTES}"
        )
    return _load(str(file), info.st_mtime_ns, info.st_size)


@functools.lru_cache(maxsize=16)
def _load(path: str, mtime_ns: int, size: int) -> Glossary:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_GLOSSARY_BYTES + 1)
    except OSError as exc:
        raise GlossaryError(f"{path}: cannot read the glossary ({exc.strerror or exc})") from exc
    if len(data) > MAX_GLOSSARY_BYTES:
        raise GlossaryError(f"{path}: the glossary grew beyond {MAX_GLOSSARY_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise GlossaryError(f"{path}, line {line}: not UTF-8 text") from exc
    return parse_glossary(text, path)


def glossary_digest(path: str | None) -> str:
    """The digest of the glossary at ``path`` (entries only: comments and order do not
    count), or "" without one."""
    return load_glossary(path).digest if path else ""
