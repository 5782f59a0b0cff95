"""The line model the cleaning rules share: a line with its context, the result of cleaning,
and the line shapes several rules look for (bullets, footnote markers, "Label: value")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lingoflow.processors.config import CleanConfig
from lingoflow.processors.document import Block
from lingoflow.processors.features import is_body_like
from lingoflow.processors.record import Metadata, Removed, Role

BULLET = re.compile(
    r"^(?P<bullet>[□■◆◇○●◎ㅇ•·∙▸▹▶►▪‣⦁*\-–]|\d{1,2}[.)]|[가-하][.)]|\(\d{1,2}\)|[①-⑳])\s+"
    r"(?P<text>\S.*)$"
)
FOOTNOTE = re.compile(r"^(?P<marker>\*{1,3}|※|†{1,2}|\d{1,2}\)|\[\d{1,2}\])\s*(?P<text>\S.*)$")
PHONE_ONLY = re.compile(
    r"^\(?\s*(?:t|tel|phone|☎|전화|문의)\s*[.:]?\s*(?P<phone>\+?\d[\d\s-]{1,18}\d)\s*\)?$",
    re.IGNORECASE,
)
METADATA_LABEL = re.compile(
    r"^(?P<label>release date|date of release|date|published|posted|updated|contact|contacts|"
    r"press contact|media contact|inquiries|homepage|website|web site|source|author|writer|"
    r"reporter|by|tel|phone|e-mail|email|보도\s*일시|배포\s*일시|보도\s*시점|배포\s*일자|작성일|"
    r"등록일|게시일|문의|담당|담당자|담당\s*부서|홈페이지|출처|작성자|기자|연락처)\s*[:：]\s*"
    r"(?P<value>\S.*)$",
    re.IGNORECASE,
)


@dataclass
class Line:
    """A line (or an extracted HTML block) on its way through the rules."""

    text: str
    heading_mark: bool = False
    blank_before: bool = False
    indent: int = 0
    role: Role | None = None
    level: int | None = None
    marker: str | None = None
    reason: str | None = None
    from_html: bool = False
    content_probability: float | None = None
    """What the boilerplate classifier made of the line (text documents only)."""

    @property
    def kept(self) -> bool:
        return self.reason is None


@dataclass
class Cleaned:
    """Result of cleaning one document."""

    blocks: list[Block] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    metadata: Metadata = field(default_factory=Metadata)


@dataclass
class Context:
    """What rules may know beyond the line itself."""

    config: CleanConfig
    repeated: frozenset[str] = frozenset()
    menu_items: set[str] = field(default_factory=set)
    body_start: int = 0


def enabled(ctx: Context, name: str) -> bool:
    """Whether rule ``name`` is switched on."""
    return name not in ctx.config.disabled_rules


def header(lines: list[Line], ctx: Context) -> list[Line]:
    """The kept lines before the body."""
    return [x for x in lines[: ctx.body_start] if x.kept]


def body_start(lines: list[Line]) -> int:
    """Index of the first kept line of running text that is not a notice (the body)."""
    for i, line in enumerate(lines):
        if line.kept and line.role != "notice" and is_body_like(line.text):
            return i
    return len(lines)
