"""How the office readers write a document's structure for the text path: headings, list items,
table rows, paragraphs, and what a page number looks like."""

from __future__ import annotations

import re

_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]\s*\d{1,4}\s*[-–—]|\d{1,4}\s*/\s*\d{1,4}|\d{1,4}|(?:page|p\.)\s*\d{1,4}"
    r"(?:\s*(?:of|/)\s*\d{1,4})?|\d{1,4}\s*(?:쪽|페이지)|[-–—]?\s*[ivxlc]{1,6}\s*[-–—]?)$",
    re.IGNORECASE,
)


def is_page_number(text: str) -> bool:
    """A line that is only a page number: ``- 1 -``, ``1/12``, ``Page 3 of 12``, ``3 쪽``, ``iv``.

    >>> [is_page_number(t) for t in ("- 1 -", "1/12", "Page 3 of 12", "3쪽", "2021년")]
    [True, True, True, True, False]
    """
    return bool(_PAGE_NUMBER.match(text.strip()))


def heading_line(text: str, level: int = 1) -> str:
    """A heading as the text path reads it."""
    return f"{'#' * max(1, min(level, 6))} {text}"


def list_line(text: str, level: int = 0, bullet: str = "-") -> str:
    """A list item as the text path reads it: two spaces of indent per level, the bullet."""
    return f"{'  ' * max(0, level)}{bullet} {text}"


def table_row(cells: list[str]) -> str:
    """A table row as the HTML path writes one: the cells that have text, joined by " | "."""
    return " | ".join(c for c in (" ".join(c.split()) for c in cells) if c)


def join_paragraphs(paragraphs: list[str]) -> str:
    """The document's text: paragraphs (each a line, or a few for a table) between blank
    lines."""
    return "\n\n".join(p for p in paragraphs if p.strip()) + "\n"
