"""The line model the cleaning rules share: a line with its context, the result of cleaning,
and the line shapes several rules look for (bullets, footnote markers, "Label: value")."""

from __future__ import annotations

from dataclasses import dataclass, field

from lingoflow.processors.core.config import CleanConfig
from lingoflow.processors.core.document import Block
from lingoflow.processors.core.record import Metadata, Removed, Role
from lingoflow.processors.text.features import is_body_like


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
class ItemRun:
    """A run of consecutive short list items ("1. Home", "- News", ...): the items' texts, and
    what rules found of it (so that each looks at a run once)."""

    items: list[str]
    menu: bool | None = None
    """Whether the run reads as a menu (rule ``menu``), once asked."""
    named: bool = False
    """Whether its items are among the context's menu items already."""


@dataclass
class Context:
    """What rules know of the document beyond the line itself, and what role rules find:
    the settings, the lines repeated across the document's source, whether the lines come
    from HTML (whose extractor removed the page's chrome), the menu items found so far, where
    the body starts, the boilerplate classifier's probabilities (once it has run) and the
    document's metadata."""

    config: CleanConfig
    repeated: frozenset[str] = frozenset()
    from_html: bool = False
    menu_items: set[str] = field(default_factory=set)
    body_start: int = 0
    probabilities: list[float] | None = None
    """The boilerplate classifier's probability of content of each line (text documents
    of at least ``boilerplate_min_lines`` lines, once rule ``boilerplate`` has run)."""
    metadata: Metadata = field(default_factory=Metadata)
    item_runs: dict[int, ItemRun | None] = field(default_factory=dict)
    """The run of short list items each line belongs to, once a rule has asked (the lines'
    texts do not change while the removal rules run): a run is read once, not once per
    item."""


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
