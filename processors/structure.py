"""Structure of plain text: paragraphs in reading order and a title."""

from __future__ import annotations

import re

from processors.document import Block

_SENTENCE_END = re.compile(r"[.!?。！？]\s*$")
MAX_TITLE_CHARS = 200


def split_paragraphs(text: str) -> list[str]:
    """Non-empty lines of ``text`` with inner whitespace collapsed, in order.

    Extracted web text puts one paragraph per line; lines hard-wrapped by PDF conversion are
    rejoined by the cleaning step.
    """
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def is_title_like(text: str) -> bool:
    """Short and not ending like a sentence."""
    return len(text) <= MAX_TITLE_CHARS and not _SENTENCE_END.search(text)


def text_blocks(text: str) -> list[Block]:
    """Paragraph blocks of ``text``; the first title-like paragraph becomes the title."""
    blocks = [Block(text=p) for p in split_paragraphs(text)]
    for block in blocks[:3]:
        if is_title_like(block.text):
            block.role = "title"
            break
    return blocks
