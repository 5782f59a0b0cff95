"""Which blocks of a web page are its main content: one learned decision per block.

The page's blocks come from one walk of its DOM (:mod:`lingoflow.processors.read.dom`). Each
gets the text features of the line classifier (:mod:`~lingoflow.processors.clean.boilerplate`:
length, function words, sentence ends, character shares, the same averaged over neighbouring
blocks, runs of short blocks, repetition, position) and features of its markup: heading level,
list and table membership, the share of its characters inside links, whether it stands in a
``nav``/``header``/``footer``/``aside`` or a form, the class and id words of its ancestors
(chrome, widgets, content), caption and quotation, depth, and the statistics of the element
that holds it with its siblings (how many blocks, their link share, their length, how many
end like sentences): a menu is many short linked blocks under one parent, an article many long
unlinked ones. The same two logistic regressions as the line classifier decide, the second
looking at the first's probabilities over neighbouring blocks.

The weights are in ``page_blocks_model.json`` beside this module, trained by
``python -m bench.train_page_blocks --write`` on ../shared/eval/boilerplate only; the file
says how it was made and what it scored in cross-validation by page. Every feature is
computed for all blocks of a page at once with numpy, from arrays of the blocks' fields.
"""

from __future__ import annotations

import functools
import itertools
import json
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lingoflow.processors.clean.boilerplate import (
    FEATURES as TEXT_FEATURES,
)
from lingoflow.processors.clean.boilerplate import (
    LogisticModel,
    Matrix,
    context_features,
    document_features,
    window_mean,
)
from lingoflow.processors.clean.notices import is_notice
from lingoflow.processors.core.config import CleanConfig
from lingoflow.processors.core.document import Block, PageBlock
from lingoflow.processors.core.record import Removed, Role
from lingoflow.processors.text.features import function_word_shares

MODEL_PATH = Path(__file__).resolve().with_name("page_blocks_model.json")

MARKUP_FEATURES = tuple(
    """function_words function_words_w1 function_words_w3 heading h1 list_item list_level table
    cell link_share link_share_w1 link_share_w3
    linked chrome form chrome_words social_words content_words nearest_chrome nearest_social
    nearest_content article caption quote paragraph
    div_text relative_depth log_siblings siblings_link_share siblings_log_chars
    siblings_sentence_end siblings_linked""".split()
)
FEATURES = (*TEXT_FEATURES, *MARKUP_FEATURES)

_LOG_CHARS = TEXT_FEATURES.index("log_chars")
_SENTENCE_END = TEXT_FEATURES.index("sentence_end")


def _group_mean(values: Matrix, groups: np.ndarray[Any, Any], counts: Matrix) -> Matrix:
    sums = np.bincount(groups, weights=values, minlength=len(counts))
    result: Matrix = (sums / np.maximum(counts, 1))[groups]
    return result


_NUMERIC_NAMES = tuple(
    """heading link_share depth in_list_item list_level table cell chrome form chrome_words
    social_words content_words article caption quote paragraph""".split()
)
_NUMERIC_FIELDS = operator.attrgetter(*_NUMERIC_NAMES)


def markup_features(blocks: Sequence[PageBlock], text: Matrix) -> Matrix:
    """One row of :data:`MARKUP_FEATURES` per block; ``text`` is the blocks' text features
    (:func:`~lingoflow.processors.clean.boilerplate.document_features`)."""
    n = len(blocks)
    # every numeric field of every block in one pass (attrgetter reads them in C)
    table = np.array(list(map(_NUMERIC_FIELDS, blocks)), dtype=float).reshape(n, -1)

    def field(name: str) -> Matrix:
        values: Matrix = table[:, _NUMERIC_NAMES.index(name)]
        return values

    heading, link = field("heading"), field("link_share")
    depth = field("depth")
    _, groups = np.unique(np.fromiter((b.container for b in blocks), int, n), return_inverse=True)
    counts = np.bincount(groups).astype(float)
    linked = (link >= 0.8).astype(float)
    div_text = np.fromiter(
        (b.tag in ("div", "section", "article", "body", "td") for b in blocks), float, n
    )
    function_words = function_word_shares([b.text for b in blocks])
    columns = [
        function_words,
        window_mean(function_words, 1, exclude_self=True),
        window_mean(function_words, 3, exclude_self=True),
        (heading > 0),
        (heading == 1),
        field("in_list_item"),
        np.minimum(field("list_level"), 4),
        field("table"),
        field("cell"),
        link,
        window_mean(link, 1, exclude_self=True),
        window_mean(link, 3, exclude_self=True),
        linked,
        field("chrome"),
        field("form"),
        np.minimum(field("chrome_words"), 4),
        np.minimum(field("social_words"), 4),
        np.minimum(field("content_words"), 4),
        np.fromiter((b.nearest_words == "chrome" for b in blocks), float, n),
        np.fromiter((b.nearest_words == "social" for b in blocks), float, n),
        np.fromiter((b.nearest_words == "content" for b in blocks), float, n),
        field("article"),
        field("caption"),
        field("quote"),
        field("paragraph"),
        div_text,
        depth / max(1.0, float(depth.max())) if n else depth,
        np.log1p(counts[groups]),
        _group_mean(link, groups, counts),
        _group_mean(text[:, _LOG_CHARS], groups, counts),
        _group_mean(text[:, _SENTENCE_END], groups, counts),
        _group_mean(linked, groups, counts),
    ]
    return np.column_stack([np.asarray(c, dtype=float) for c in columns])


MAIN_FEATURES = (
    "in_main",
    "main_purity",
    "main_share",
    "in_main_short",
    "in_main_linked",
    "in_main_heading",
    "siblings_p",
)
MAIN_MASS = 0.5
"""The main element is the deepest element holding at least this share of the page's
content mass (characters weighted by the first stage's probability)."""


def main_element_features(blocks: Sequence[PageBlock], probabilities: Matrix) -> Matrix:
    """Whether each block stands in the page's main element (the deepest element that holds
    :data:`MAIN_MASS` of the first stage's content mass, as an extractor finds the article
    container), that element's purity (content mass over its characters) and its share of
    the page's characters."""
    n = len(blocks)
    if n == 0:
        return np.zeros((0, len(MAIN_FEATURES)))
    chars = np.fromiter((len(b.text) for b in blocks), float, n)
    mass = chars * probabilities
    # every (block, ancestor) pair at once: an element holds the mass and characters of the
    # blocks below it, summed in block order
    lengths = np.fromiter((len(b.ancestors) for b in blocks), np.int64, n)
    nodes = np.fromiter(
        itertools.chain.from_iterable(b.ancestors for b in blocks), np.int64, int(lengths.sum())
    )
    held = np.bincount(nodes, weights=np.repeat(mass, lengths))
    size = np.bincount(nodes, weights=np.repeat(chars, lengths))
    depth = np.zeros(len(held), dtype=np.int64)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    depth[nodes] = np.arange(len(nodes)) - starts  # an element's place in every path is one
    _, groups = np.unique(np.fromiter((b.container for b in blocks), int, n), return_inverse=True)
    siblings_p = _group_mean(probabilities, groups, np.bincount(groups).astype(float))
    total = float(mass.sum())
    seen, first = np.unique(nodes, return_index=True)
    in_order = seen[np.argsort(first, kind="stable")].tolist()  # as the blocks meet them
    chosen = [node for node in in_order if held[node] >= MAIN_MASS * total]
    if not chosen or total <= 0:
        features = np.zeros((n, len(MAIN_FEATURES)))
        features[:, -1] = siblings_p
        return features
    main = max(chosen, key=lambda node: (int(depth[node]), -float(size[node])))
    inside = np.fromiter((main in b.ancestors for b in blocks), float, n)
    purity = float(held[main]) / max(1.0, float(size[main]))
    share = float(size[main]) / max(1.0, float(chars.sum()))
    linked = np.fromiter((b.link_share >= 0.8 for b in blocks), float, n)
    heading = np.fromiter((b.heading > 0 for b in blocks), float, n)
    return np.column_stack(
        [
            inside,
            np.full(n, purity),
            np.full(n, share),
            inside * (chars < 40),
            inside * linked,
            inside * heading,
            siblings_p,
        ]
    )


def second_stage_features(
    blocks: Sequence[PageBlock], features: Matrix, probabilities: Matrix
) -> Matrix:
    """The second stage's input: the block's features, its neighbours' first-stage
    probabilities (:func:`~lingoflow.processors.clean.boilerplate.context_features`) and
    its place relative to the main element."""
    return np.hstack(
        [
            features,
            context_features(probabilities),
            main_element_features(blocks, probabilities),
        ]
    )


def page_features(blocks: Sequence[PageBlock], *, stopwords: bool = True) -> Matrix:
    """One row of :data:`FEATURES` per block of a page; without ``stopwords`` the English
    function-word density (which the shipped model leaves out) is not computed: zeros."""
    if not blocks:
        return np.zeros((0, len(FEATURES)))
    texts = [b.text for b in blocks]
    text = document_features(texts, [False] * len(texts), stopwords=stopwords)
    return np.hstack([text, markup_features(blocks, text)])


@dataclass(frozen=True)
class PageBlockModel:
    """The two stages and the probability below which a block is boilerplate."""

    blocks: LogisticModel
    context: LogisticModel
    threshold: float
    about: dict[str, Any]
    columns: tuple[int, ...]
    """Which of :data:`FEATURES` the model uses (named in its file)."""

    @functools.cached_property
    def reads_stopwords(self) -> bool:
        """Whether the model uses the English function-word density or its window means."""
        return any(FEATURES[k].startswith("stopword_density") for k in self.columns)

    def content_probabilities(self, blocks: Sequence[PageBlock]) -> Matrix:
        """The probability that each block of a page is main content."""
        features = page_features(blocks, stopwords=self.reads_stopwords)[:, self.columns]
        if not len(features):
            return np.zeros(0)
        first = self.blocks.probabilities(features)
        return self.context.probabilities(second_stage_features(blocks, features, first))


@functools.cache
def load_page_model(path: Path = MODEL_PATH) -> PageBlockModel:
    """The model in ``path`` (the shipped one by default), read once per process."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return PageBlockModel(
        blocks=LogisticModel.from_json(data["blocks"]),
        context=LogisticModel.from_json(data["context"]),
        threshold=float(data["threshold"]),
        about=data["about"],
        columns=tuple(FEATURES.index(name) for name in data["about"]["features"]),
    )


EMPTY_PAGE_SHARE = 0.5
"""When no block of a page reaches the threshold, those with at least this share of the
best block's probability are kept (listings, classified ads: pages unlike any article)."""


def block_role(block: PageBlock) -> Role:
    """The structural role the markup gives a kept block."""
    if block.heading:
        return "heading"
    if block.caption:
        return "caption"
    if block.in_list_item:
        return "list_item"
    return "paragraph"


def select_blocks(
    page: Sequence[PageBlock], config: CleanConfig
) -> tuple[list[Block], list[Removed]]:
    """The page's content blocks with their roles, and the others removed as ``boilerplate``
    (all are kept when the ``boilerplate`` rule is disabled). A site notice the classifier
    would drop (archive, official-site, cookie notices; not disclosures of how the site is
    paid for, which are notices only among content) is kept for the ``notice`` rule when it
    is on, as the text path keeps it: notices are recorded apart, never dropped as chrome."""
    if "boilerplate" in config.disabled_rules:
        keep = np.ones(len(page), dtype=bool)
    else:
        model = load_page_model()
        probabilities = model.content_probabilities(page)
        keep = probabilities >= model.threshold
        if len(page) and not keep.any():  # a page is never emptied by a threshold alone
            keep = probabilities >= EMPTY_PAGE_SHARE * probabilities.max()
    notices = "notice" not in config.disabled_rules
    kept: list[Block] = []
    removed: list[Removed] = []
    for block, content in zip(page, keep, strict=True):
        if not content and not (notices and is_notice(block.text, disclosures=False)):
            removed.append(Removed(text=block.text, reason="boilerplate"))
            continue
        role = block_role(block)
        level = max(0, block.list_level - 1) if role == "list_item" else None
        kept.append(Block(text=block.text, role=role, level=level))
    return kept, removed
