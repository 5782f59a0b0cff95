"""Cleaning: from lines of extracted text (or HTML blocks) to content blocks with roles.

Every line is looked at by named rules, in the manner of jusText, each a small pure function
over the line and its context; a *removal* rule returns a reason code and the line goes to
``record.removed`` with it; a *role* rule gives the line its structural role. Rules are listed
in :data:`RULES` and each can be switched off by name (:attr:`CleanConfig.disabled_rules`),
which is how the tests prove each one matters. The jobs live in their own modules:

- :mod:`~lingoflow.processors.text.features`: line features (words, function words, sentence ends);
- :mod:`~lingoflow.processors.clean.lines`: the line model and the shapes several rules share;
- :mod:`~lingoflow.processors.clean.removal`: the removal rules, the learned ``boilerplate`` rule
  (:mod:`~lingoflow.processors.clean.boilerplate`) and the lines repeated across a source;
- :mod:`~lingoflow.processors.clean.notices`: site notices;
- :mod:`~lingoflow.processors.clean.roles`: structure roles, with
  :mod:`~lingoflow.processors.text.entities` reading dates, phones and contacts.

This module reads the lines and runs the rules in order. For plain text (:func:`clean_text`):

1. normalise each line (:mod:`lingoflow.processors.text.normalize`), remove Word bookmarks and
   rejoin lines hard-wrapped by PDF conversion (:func:`prepare_lines`);
2. removal rules, then the boilerplate classifier (documents of at least
   ``boilerplate_min_lines`` lines), then the context rule;
3. site notices (role ``notice``, continuation lines merged into one notice);
4. structure: metadata lines, title, subtitles, headings, list items with levels, footnotes
   linked to their markers, captions, paragraphs;
5. sentence spans of every block.

HTML blocks come with roles from the extractor; :func:`clean_blocks` runs steps 2 (without the
classifier and the menu rules), 3 and the caption, footnote and metadata rules over them.
"""

from __future__ import annotations

import re

from lingoflow.processors.clean.lines import Cleaned, Context, Line, body_start, enabled
from lingoflow.processors.clean.notices import mark_notices
from lingoflow.processors.clean.removal import (
    REMOVAL_RULES,
)
from lingoflow.processors.clean.roles import FOOTNOTE_REF, ROLE_RULES
from lingoflow.processors.core.budget import check_time
from lingoflow.processors.core.config import CLEANING_RULES, CleanConfig
from lingoflow.processors.core.document import Block
from lingoflow.processors.core.record import Metadata, Removed
from lingoflow.processors.text.features import ends_like_sentence
from lingoflow.processors.text.normalize import normalize_line, word_bookmarks
from lingoflow.processors.text.sentences import sentence_spans
from lingoflow.processors.text.shapes import BULLET, FOOTNOTE

RULES: tuple[str, ...] = CLEANING_RULES
"""Every rule name, for :attr:`CleanConfig.disabled_rules`."""
_LINE_RULES = {"word_bookmark", "rejoin"}  # applied while lines are read (prepare_lines)
assert set(RULES) == {*REMOVAL_RULES, *_LINE_RULES, "boilerplate", "context", "notice", *ROLE_RULES}


# --- assembly ---------------------------------------------------------------------------------


def prepare_lines(text: str, config: CleanConfig) -> tuple[list[Line], list[Removed]]:
    """Normalised non-empty lines of ``text``; hard-wrapped lines rejoined."""
    lines: list[Line] = []
    removed: list[Removed] = []
    blank = True
    bookmarks = "word_bookmark" not in config.disabled_rules and bool(word_bookmarks(text))
    for raw in text.split("\n"):
        check_time()
        if not raw.strip():
            blank = True
            continue
        if bookmarks:  # looked for line by line only in a text that has one
            for bookmark in word_bookmarks(raw):
                removed.append(Removed(text=bookmark, reason="word_bookmark"))
                raw = raw.replace(bookmark, " ")
        indent = len(raw) - len(raw.lstrip(" "))
        text_, heading = normalize_line(raw)
        if not text_:
            if raw.strip():
                removed.append(Removed(text=raw.strip(), reason="markup"))
            continue
        lines.append(
            Line(text_, heading_mark=heading is not None, blank_before=blank, indent=indent)
        )
        blank = False
    if "rejoin" not in config.disabled_rules:
        lines = rejoin_wrapped(lines)
    return lines, removed


_CONNECTOR_WORD = re.compile(
    r"the|a|an|of|to|and|or|in|on|for|with|by|at|from|as|that|which|who", re.IGNORECASE
)
_KOREAN_CONNECTOR = frozenset("며고는의와과및에")


def _ends_with_connector(text: str) -> bool:
    """Ends with a comma, a function word that leads on ("of", "and", "the", ...) or a Hangul
    word ending in a connective ending or particle (며, 고, 는, 의, ...): only the last word
    is looked at.

    >>> [_ends_with_connector(t) for t in ("the plan of", "a theme", "계획을 수립하며")]
    [True, False, True]
    """
    if text.endswith(","):
        return True
    if len(text) >= 2 and text[-1] in _KOREAN_CONNECTOR and "가" <= text[-2] <= "힣":
        return True
    start = len(text)
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1  # the last run of word characters, as \b sees words
    return start < len(text) and _CONNECTOR_WORD.fullmatch(text, start) is not None


def rejoin_wrapped(lines: list[Line]) -> list[Line]:
    """Rejoin lines that PDF conversion hard-wrapped: a line that does not end a sentence,
    followed by one that continues it (starts in lower case or with an opening quote, or
    follows a comma or a function word), possibly across one blank line."""
    out: list[Line] = []
    for line in lines:
        prev = out[-1] if out else None
        if prev is not None and _continues(prev, line):
            prev.text = f"{prev.text} {line.text}"
        else:
            out.append(line)
    return out


def _continues(prev: Line, line: Line) -> bool:
    """Whether ``line`` continues ``prev``: it starts in lower case after a function word,
    a comma or 60 characters, or after 80 characters starts with an opening quote; across a
    blank line only in lower case after a function word or a comma. The cheap tests first:
    most lines start in upper case after a short one."""
    first = line.text[0]
    lower_start = first.islower()
    if not lower_start and (line.blank_before or len(prev.text) < 80):
        return False
    if prev.heading_mark or line.heading_mark or ends_like_sentence(prev.text):
        return False
    if BULLET.match(line.text) or FOOTNOTE.match(line.text) or prev.text.endswith(":"):
        return False
    if line.blank_before:  # in lower case
        return _ends_with_connector(prev.text)
    if lower_start:
        return len(prev.text) >= 60 or _ends_with_connector(prev.text)
    return first in "“\"'‘(「" or _ends_with_connector(prev.text)  # after 80 characters


REMOVAL_PHASES: tuple[tuple[str, ...], ...] = (
    tuple(
        """markup navigation breadcrumb menu section_label empty_label copyright share_widget
        call_to_action post_meta repeated""".split()
    ),
    ("section_label",),  # a section label may precede its breadcrumb in reading order
    ("boilerplate",),  # the classifier sees what the named rules left
    ("context",),  # short lines between removed ones
)
"""The removal rules in passes over the document's kept lines; within a pass, the first rule
that gives a reason removes the line."""


def classify(
    lines: list[Line], config: CleanConfig, repeated: frozenset[str] = frozenset()
) -> Cleaned:
    """Run every enabled rule over ``lines`` and assemble the cleaned document."""
    ctx = Context(config=config, repeated=repeated, from_html=any(x.from_html for x in lines))
    ctx.body_start = body_start(lines)
    for phase in REMOVAL_PHASES:
        rules = [REMOVAL_RULES[name] for name in phase if enabled(ctx, name)]
        for i, line in enumerate(lines):
            if line.kept:
                check_time()
                for rule in rules:  # the first rule that gives a reason removes the line
                    if reason := rule(lines, i, ctx):
                        line.reason = reason
                        break
    mark_notices(lines, ctx)
    ctx.body_start = body_start(lines)
    for name, role_rule in ROLE_RULES.items():
        if enabled(ctx, name):
            role_rule(lines, ctx)
    return _assemble(lines, ctx.metadata)


def _assemble(lines: list[Line], meta: Metadata) -> Cleaned:
    cleaned = Cleaned(metadata=meta)
    for line in lines:
        if line.reason == "merged":
            continue
        if line.reason is not None:
            cleaned.removed.append(Removed(text=line.text, reason=line.reason))
            continue
        block = Block(
            text=line.text,
            role=line.role or "paragraph",
            level=line.level if (line.role or "paragraph") == "list_item" else None,
            marker=line.marker,
        )
        block.sentences = sentence_spans(block.text)
        cleaned.blocks.append(block)
    _link_footnotes(cleaned.blocks)
    return cleaned


def _link_footnotes(blocks: list[Block]) -> None:
    """Link each footnote to the nearest earlier segment carrying its marker that no other
    footnote has claimed."""
    claimed: set[tuple[int, str]] = set()
    for i, block in enumerate(blocks):
        marker = block.marker
        if block.role != "footnote" or marker is None:
            continue
        ref = FOOTNOTE_REF.get(marker) or _numbered_ref(marker)
        if ref is None:
            continue
        for j in range(i - 1, max(-1, i - 12), -1):
            if blocks[j].role != "footnote" and ref.search(blocks[j].text):
                if (j, marker) not in claimed:
                    block.footnote_of = j
                    claimed.add((j, marker))
                break


def _numbered_ref(marker: str) -> re.Pattern[str] | None:
    """Where a numbered footnote's marker stands in the text: ``[1]`` right after a word
    (as office documents' footnote references are written)."""
    if re.fullmatch(r"\[\d{1,2}\]", marker):
        return re.compile(r"(?<=\S)" + re.escape(marker))
    return None


def clean_text(text: str, config: CleanConfig, repeated: frozenset[str] = frozenset()) -> Cleaned:
    """Blocks, removals and metadata of a plain-text document."""
    lines, removed = prepare_lines(text, config)
    cleaned = classify(lines, config, repeated)
    cleaned.removed = removed + cleaned.removed
    return cleaned


def clean_blocks(
    blocks: list[Block], config: CleanConfig, repeated: frozenset[str] = frozenset()
) -> Cleaned:
    """Removal, notice, caption, footnote and metadata rules over blocks extracted from HTML."""
    lines = []
    for block in blocks:
        text, _ = normalize_line(block.text)
        if text:
            lines.append(
                Line(
                    text,
                    role=None if block.role == "paragraph" else block.role,
                    level=block.level,
                    from_html=True,
                )
            )
    cleaned = classify(lines, config, repeated)
    return cleaned
