"""A document's title from its layout: the largest type at its start that is a title.

Office documents rarely say their title in their properties (a PDF's Title is often the file
name or ``Untitled``, a Word file's the template's); the first line is often not the title
either (an agency's name, an author, the release-date table of a Korean press release). The
title is the text set in the largest type among the first page's lines, when that is larger
than the body's, leaving out:

* the labels of a press release's masthead: ``보도자료``, ``보도시점``, ``배포``, ``담당``,
  ``문의``, ``Press release``, ``For immediate release``, ``Contact`` and their like;
* names of agencies and their divisions (``강 북 구 청 (문화관광체육과)``, ``Ministry of
  ...``, ``Federal Aviation Administration``);
* single short words (a box saying ``홀수형``, a page number set large).

Lines in the same type that follow each other make one title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lingoflow.processors.text.shapes import BULLET

TITLE_RATIO = 1.15
"""How much larger than the body's the type of a title is at least."""
FIRST_PAGE_PARAGRAPHS = 40
"""Paragraphs (table cells' included) taken as the first page of a document without pages
(DOCX, HWPX) when no page break comes earlier."""

_LABELS = (
    "보도자료",
    "보도참고자료",
    "참고자료",
    "설명자료",
    "해명자료",
    "보도시점",
    "보도일시",
    "보도일자",
    "보도",
    "배포",
    "담당",
    "문의",
    "연락처",
    "책임자",
    "엠바고",
    "press release",
    "news release",
    "media release",
    "for immediate release",
    "embargoed",
    "contact",
    "media contact",
    "for official use only",
    "official use only",
    "confidential",
    "draft",
)
_KOREAN_AGENCY = re.compile(
    r"^[가-힣]{1,12}(?:부|처|청|위원회|구청|시청|군청|도청|공단|공사|재단|연구원|진흥원)$"
)
_AGENCY_WORDS = re.compile(
    r"\b(?:ministry|ministère|ministerio|ministério|ministerium|department|agency|"
    r"administration|bureau|government|embassy|consulate)\b",
    re.IGNORECASE,
)
_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]|（[^）]*）")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass
class Candidate:
    """A line at the start of a document: its text, type size (points) and weight."""

    text: str
    size: float
    bold: bool = False


def is_label(text: str) -> bool:
    """A press release's masthead label, or a line that begins with one.

    >>> labels = ("보도시점 | 2025. 12. 2.", "보 도 자 료", "Press Release", "보도블록 정비")
    >>> [is_label(t) for t in labels]
    [True, True, True, False]
    """
    compact = "".join(_PARENTHESES.sub(" ", text).lower().split())
    spaced = " ".join(text.lower().split())
    for label in _LABELS:
        if label.isascii():
            if spaced.startswith(label) and spaced[len(label) : len(label) + 1] in ("", " ", ":"):
                return True
        elif compact.startswith(label) and (
            len(compact) == len(label)
            or not _LETTER.match(compact[len(label)])
            or label in ("보도시점", "보도일시", "배포", "담당", "문의", "연락처")
        ):
            return True
    return False


def is_agency(text: str) -> bool:
    """The name of an agency or one of its divisions standing alone.

    >>> [is_agency(t) for t in ("강 북 구 청 (문화관광체육과)", "기획재정부", "고용노동부 업무보고",
    ...     "Federal Aviation Administration", "Ministry of Education annual report 2024")]
    [True, True, False, True, False]
    """
    bare = _PARENTHESES.sub(" ", text)
    compact = "".join(bare.split())
    if _KOREAN_AGENCY.match(compact):
        return True
    words = bare.split()
    if not words or len(words) > 6:
        return False
    return bool(_AGENCY_WORDS.search(bare)) and not any(w[:1].isdigit() for w in words)


def pick_title(lines: list[Candidate], body: float) -> str | None:
    """The title among the first page's ``lines`` (reading order; ``body``: the body's type
    size), or None when no line stands out as one.

    The lines in the largest type that follows each other make the title; a single word in
    the largest type (a logo, a section's name) gives way to a title of several words in the
    next size down.

    >>> pick_title([Candidate("FlightOPS", 14), Candidate("Accidents and Incidents", 10),
    ...     Candidate("The aircraft was on a charter flight", 8.5)], 8.5)
    'Accidents and Incidents'
    """
    sizes = sorted(
        {round(c.size, 1) for c in lines if c.size >= TITLE_RATIO * body and _titular(c.text)},
        reverse=True,
    )
    runs = []
    for size in sizes:
        run: list[str] = []
        for c in lines:
            if abs(c.size - size) < 0.3 and _titular(c.text):
                run.append(c.text)
            elif run:
                break
        if run:
            runs.append(" ".join(" ".join(run).split()))
    return next((r for r in runs if len(r.split()) >= 2), runs[0] if runs else None)


_NOT_TITLES = frozenset({"contents", "table of contents", "목차", "차례", "index"})


def _titular(text: str) -> bool:
    """Text that can be a title: four letters at least, not a bullet's item, a contents
    page's heading, a label or an agency's name."""
    return (
        len(_LETTER.findall(text)) >= 4
        and not BULLET.match(text)
        and " ".join(text.lower().split()).strip(" :") not in _NOT_TITLES
        and "".join(text.split()) not in _NOT_TITLES
        and not (is_label(text) or is_agency(text))
    )


_JUNK_PROPERTY = re.compile(
    r"^(?:untitled|무제|제목\s*없음|microsoft\s+(?:word|powerpoint)\b.*|document\d*|doc\d*|"
    r"slide\s*\d*|presentation\d*)$|\.(?:pdf|docx?|hwpx?|pptx?|xlsx?|txt|indd|tex)$",
    re.IGNORECASE,
)


def property_title(value: str) -> str | None:
    """A file's Title property, unless it is a placeholder or a file name.

    >>> names = ("Losing the Cabin", "무제", "report_v2.pdf", "Microsoft Word - a.doc")
    >>> [property_title(t) for t in names]
    ['Losing the Cabin', None, None, None]
    """
    title = " ".join(value.split())
    if not title or _JUNK_PROPERTY.search(title) or not _LETTER.search(title):
        return None
    return title
