"""HTML pages read in one parse: every visible text block with its place in the markup.

The page is parsed once with lxml (libxml2's HTML parser, in C: the 122 shared pages, 8 MB,
parse in about 0.1 s) and walked once, without recursion, into :class:`PageBlock` s: the text
of each block-level element (paragraph, heading, list item, table cell, caption, ``div`` text),
split at ``<br>``, with what the markup says of it: its tag, heading and list level, whether it
stands in a table, a link, a ``nav``/``header``/``footer``/``aside``, a form, the class and id
words of its ancestors that name chrome (menu, sidebar, breadcrumb), social widgets (share,
related, comments) or content (article, post, story), and the element that holds it with its
siblings. Whether a block is content is not decided here: the learned classifier of
:mod:`lingoflow.processors.clean.page_blocks` does it over these features.

Invisible text is never read: scripts, styles, templates, ``<head>``, elements marked
``hidden``, ``aria-hidden="true"`` or styled ``display:none`` / ``visibility:hidden``.

The page's metadata (title, date, author, site name, canonical URL) comes from the same tree:
``<head>`` meta tags, JSON-LD and ``<time>``; the walk also collects the elements that may hold
the byline (:attr:`PageWalk.bylines`), read only when none of those names an author.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import lxml.etree as etree
import lxml.html
from trafilatura.json_metadata import normalize_authors

from lingoflow.processors.core.budget import check_time
from lingoflow.processors.core.document import PageBlock

_PARSER = lxml.html.HTMLParser(encoding="utf-8", no_network=True, remove_blank_text=False)

_INVISIBLE = frozenset(
    """script style noscript template head title svg math iframe object embed select option
    datalist button input textarea canvas audio video map""".split()
)
_BLOCK = frozenset(
    """address article aside blockquote body br caption center dd details dialog div dl dt
    fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr html legend li main
    menu nav ol p pre section summary table tbody td tfoot th thead tr ul""".split()
)
_CHROME_TAGS = frozenset({"nav", "header", "footer", "aside", "menu"})
_HEADINGS = {f"h{k}": k for k in range(1, 7)}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

_CHROME_WORDS = re.compile(
    r"nav|menu|breadcrumb|sidebar|side-bar|sidenav|footer|masthead|header|banner|toolbar|"
    r"pagination|pager|skip|login|signin|search|cookie|consent|topbar|utility|sitemap",
    re.IGNORECASE,
)
_SOCIAL_WORDS = re.compile(
    r"share|sharing|social|comment|related|recommend|popular|trending|most-?read|newsletter|"
    r"subscribe|promo|sponsor|advert|\bads?\b|\bad-|-ad\b|widget|tags?\b|teaser|more-?stories",
    re.IGNORECASE,
)
_BYLINE_NAMED = re.compile(
    r"author|byline|\bbyl\b|writer|reporter|journalist|columnist|posted-?by|submitted-?by|"
    r"user-?name|screen-?name|zuozhe|bianji|xiaobian",
    re.IGNORECASE,
)
_BYLINE_EXACT = re.compile(r"(?:author|byline|by-line)(?:-?name)?", re.IGNORECASE)
_NOT_BYLINE_WORDS = re.compile(r"comment|(?<![\w-])(?:sidebar|related|review|quote|share)", re.I)
_NOT_BYLINE_TAGS = frozenset(
    {"time", "figure", "figcaption", "blockquote", "q", "cite", "nav", "menu", "form"}
)
_CONTENT_WORDS = re.compile(
    r"article|content|post|entry|story|body|main|text|blog|detail|hentry|news-?view|"
    r"press|release|itemprop",
    re.IGNORECASE,
)


@dataclass(slots=True)
class _Frame:
    """What an element passes down to what it contains."""

    tag: str
    block: bool
    chrome: int = 0
    form: int = 0
    chrome_words: int = 0
    social_words: int = 0
    content_words: int = 0
    nearest_words: str = ""
    article: int = 0
    lists: int = 0
    table: int = 0
    link: int = 0
    heading: int = 0
    caption: int = 0
    quote: int = 0
    paragraph: int = 0
    depth: int = 0
    container: int = 0
    parent_container: int = 0
    row: int = -1
    no_byline: int = 0


@dataclass(slots=True)
class _Buffer:
    parts: list[str] = field(default_factory=list)
    link_chars: int = 0
    links: int = 0


class _Walker:
    """One pass over the tree, appending a :class:`PageBlock` for each run of text."""

    def __init__(self) -> None:
        self.blocks: list[PageBlock] = []
        self.buffer = _Buffer()
        self.containers = 0
        self.rows = 0
        self.bylines: list[tuple[int, int, int, Any]] = []
        """(how surely, index of the next block, minus depth, element) of each byline
        candidate."""

    def text(self, value: str | None, frames: list[_Frame]) -> None:
        if not value:
            return
        if value.isspace():  # the space between two inline elements
            if self.buffer.parts:
                self.buffer.parts.append(" ")
            return
        self.buffer.parts.append(value)
        if frames[-1].link:
            self.buffer.link_chars += len(value.strip())

    def flush(self, frames: list[_Frame]) -> None:
        if not self.buffer.parts:
            return  # nothing since the last block: the buffer stays as it is (no links either)
        buffer, self.buffer = self.buffer, _Buffer()
        text = " ".join("".join(buffer.parts).split())  # inline elements join as rendered
        if not text:
            return
        owner = next(f for f in reversed(frames) if f.block)
        path = tuple(f.container for f in frames if f.block)
        self.blocks.append(
            PageBlock(
                text=text,
                tag=owner.tag,
                heading=owner.heading,
                list_level=owner.lists,
                in_list_item=owner.tag == "li",
                table=bool(owner.table),
                row=owner.row,
                cell=owner.tag in ("td", "th"),
                link_share=min(1.0, buffer.link_chars / max(1, len(text))),
                chrome=bool(owner.chrome),
                form=bool(owner.form),
                chrome_words=owner.chrome_words,
                social_words=owner.social_words,
                content_words=owner.content_words,
                nearest_words=owner.nearest_words,
                article=bool(owner.article),
                caption=bool(owner.caption),
                quote=bool(owner.quote),
                paragraph=bool(owner.paragraph),
                depth=owner.depth,
                container=owner.parent_container,
                ancestors=path,
            )
        )

    def child_frame(self, parent: _Frame, node: Any, tag: str) -> _Frame:
        """The frame of ``node``: ``parent`` itself for an inline element that says nothing
        (no link, class, id or role), else a new one."""
        get = node.get
        named = get("class") or get("id")
        block = tag in _BLOCK
        role, itemprop = get("role"), get("itemprop") or ""
        if not (block or named or tag == "a" or role or itemprop):
            return parent
        navigation = role == "navigation"
        frame = _Frame(
            tag=tag,
            block=block,
            chrome=parent.chrome + (tag in _CHROME_TAGS or navigation),
            form=parent.form + (tag == "form"),
            chrome_words=parent.chrome_words,
            social_words=parent.social_words,
            content_words=parent.content_words,
            nearest_words=parent.nearest_words,
            article=parent.article + (tag in ("article", "main") or _main_role(role, itemprop)),
            lists=parent.lists + (tag in ("ul", "ol", "dl", "menu")),
            table=parent.table + (tag == "table"),
            link=parent.link + (tag == "a"),
            heading=_HEADINGS.get(tag, parent.heading),
            caption=parent.caption + (tag in ("figcaption", "caption")),
            quote=parent.quote + (tag == "blockquote"),
            paragraph=parent.paragraph + (tag == "p"),
            depth=parent.depth + 1,
            container=parent.container,
            row=parent.row,
            no_byline=parent.no_byline + (tag in _NOT_BYLINE_TAGS or navigation),
        )
        byline, no_byline = -1, frame.no_byline
        if named and tag != "body":
            chrome, social, content, byline, unlikely = _named(
                f"{get('class') or ''} {get('id') or ''}"
            )
            frame.chrome_words += chrome
            frame.social_words += social
            frame.content_words += content
            # its own words count for what it holds: "comment-author" is not the page's
            # byline, "date-author" may be
            frame.no_byline += unlikely
            if chrome or social or content:  # the nearest named ancestor says most
                frame.nearest_words = "social" if social else "chrome" if chrome else "content"
        if (tag == "a" and get("rel") == "author") or "author" in itemprop:
            byline = 0
        if byline >= 0 and not no_byline and not _mail_link(tag, get):
            self.bylines.append((byline, len(self.blocks), -frame.depth, node))
        if tag == "tr":
            self.rows += 1
            frame.row = self.rows
        if block:
            self.containers += 1
            frame.parent_container, frame.container = parent.container, self.containers
        return frame


_NAMED_PATTERNS = (
    _CHROME_WORDS,
    _SOCIAL_WORDS,
    _CONTENT_WORDS,
    _BYLINE_NAMED,
    _NOT_BYLINE_WORDS,
    _BYLINE_EXACT,
)
assert all(p.pattern == p.pattern.lower() for p in _NAMED_PATTERNS)
_NAMED_LOWER = tuple(re.compile(p.pattern) for p in _NAMED_PATTERNS)
"""The same patterns without IGNORECASE, for lowercased ASCII text, where they match exactly
what the others match (about three times faster: class and id words are mostly ASCII)."""


@functools.lru_cache(maxsize=8192)
def _named(words: str) -> tuple[bool, bool, bool, int, bool]:
    """Whether class and id words name chrome, widgets, content (a page repeats them); how
    surely they name a byline (0: one word is "author" or "byline", 1: a word contains a
    byline's name, -1: none); whether they name a part where a byline is not the page's
    (comments, related stories, a sidebar, reviews, quotes, share widgets).

    >>> _named("post-author vcard"), _named("author")[3], _named("comment-author")[3:]
    ((False, False, True, 1, False), 0, (1, True))
    >>> _named("Main-Nav Sidebar") == _named("main-nav sidebar") == _named("Main-Nav Sidebar é")
    True
    """
    if words.isascii():
        words = words.lower()
        chrome, social, content, byline, not_byline, exact = _NAMED_LOWER
    else:
        chrome, social, content, byline, not_byline, exact = _NAMED_PATTERNS
    return (
        bool(chrome.search(words)),
        bool(social.search(words)),
        bool(content.search(words)),
        0 if any(exact.fullmatch(w) for w in words.split()) else 1 if byline.search(words) else -1,
        bool(not_byline.search(words)),
    )


def _mail_link(tag: str, get: Any) -> bool:
    """A link that writes to someone ("E-mail the writer"): its text is no byline."""
    return tag == "a" and (get("href") or "").lower().startswith("mailto:")


def _main_role(role: str | None, itemprop: str) -> bool:
    """``role="main"`` or schema.org's article body."""
    return role == "main" or itemprop in ("articleBody", "text")


def _hidden(node: Any) -> bool:
    if node.get("hidden") is not None or node.get("aria-hidden") == "true":
        return True
    style = node.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def parse_html(html: str) -> Any:
    """The page's element tree (lxml), or None when libxml2 finds no document in it."""
    try:
        return lxml.html.document_fromstring(html.encode("utf-8", "surrogatepass"), _PARSER)
    except (etree.ParserError, ValueError):
        return None


_OPEN, _CLOSE, _CLOSE_INLINE = 0, 1, 2


def page_blocks(root: Any) -> list[PageBlock]:
    """Every visible run of text of the page, in reading order, with its markup features
    (:func:`walk_page` without the depth).

    >>> root = parse_html("<html><body><nav><a href='/'>Home</a></nav><h1>Title</h1>"
    ...                   "<p>One <b>two</b><br>three</p><script>x()</script></body></html>")
    >>> [(b.text, b.tag, b.chrome, b.link_share) for b in page_blocks(root)]
    [('Home', 'nav', True, 1.0), ('Title', 'h1', False, 0.0), ('One two', 'p', False, 0.0), \
('three', 'p', False, 0.0)]
    """
    return walk_page(root).blocks


@dataclass
class PageWalk:
    """What one walk of a page finds."""

    blocks: list[PageBlock]
    """Every visible run of text in reading order (:func:`page_blocks`)."""
    deepest: int
    """How deep the elements nest (the root is 1): libxml2 stops reading at its depth limit,
    so a page that reaches it is cut."""
    bylines: list[Any] = field(default_factory=list)
    """The visible elements that may hold the byline, nearest the headline first (the first
    ``<h1>``, else the top of the page; of two as near, the surer, then the innermost):
    ``rel="author"`` links, ``itemprop="author"``, class and id words that name an author or
    byline, outside forms, navigation, comments, related stories, sidebars, figures and quotes,
    neither ``<time>`` nor a ``mailto:`` link (:func:`page_byline` reads them)."""


def walk_page(root: Any) -> PageWalk:
    """The page's blocks, depth and byline candidates in one pass (:class:`PageWalk`)."""
    if root is None:
        return PageWalk([], 0)
    walker = _Walker()
    top = _Frame(tag="html", block=True)
    frames: list[_Frame] = [top]
    # (node, state, level): state _OPEN, or _CLOSE / _CLOSE_INLINE once its children are done
    stack: list[tuple[Any, int, int]] = [(root, _OPEN, 1)]
    steps = deepest = 0
    text = walker.text
    while stack:
        node, state, level = stack.pop()
        steps += 1
        if steps % 2048 == 0:
            check_time()
        if state != _OPEN:
            if state == _CLOSE and frames[-1].block:
                walker.flush(frames)
            frames.pop()
            if node.tail:
                text(node.tail, frames)
            continue
        if level > deepest:
            deepest = level
        tag = node.tag
        if not isinstance(tag, str) or not tag or tag in _INVISIBLE or _hidden(node):
            if node.tail:  # comments, scripts: only the tail
                text(node.tail, frames)
            continue
        tag = tag.lower()
        parent = frames[-1]
        frame = walker.child_frame(parent, node, tag)
        if frame.block and frame is not parent:
            walker.flush(frames)
        frames.append(frame)
        if tag == "br":
            walker.flush(frames)
        if node.text:
            text(node.text, frames)
        stack.append((node, _CLOSE if frame is not parent else _CLOSE_INLINE, level))
        if len(node):
            stack.extend(zip(reversed(node), itertools.repeat(_OPEN), itertools.repeat(level + 1)))
    walker.flush(frames)
    anchor = next((k for k, b in enumerate(walker.blocks) if b.heading == 1), 0)
    bylines = sorted(walker.bylines, key=lambda c: (abs(c[1] - anchor), c[0], c[2]))
    return PageWalk(_join_rows(walker.blocks), deepest, [node for *_, node in bylines])


def _join_rows(blocks: list[PageBlock]) -> list[PageBlock]:
    """A table row whose cells are plain text becomes one block, its cells joined by " | "
    (a data table's row reads as one segment); rows of layout tables, whose cells hold
    paragraphs, lists or other tables, stay apart."""
    out: list[PageBlock] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        j = i + 1
        if block.cell and block.row >= 0:
            while j < len(blocks) and blocks[j].row == block.row:
                j += 1
            row = blocks[i:j]
            if len(row) > 1 and all(b.cell for b in row):
                total = sum(len(b.text) for b in row)
                joined = PageBlock(**{**vars(block), "text": " | ".join(b.text for b in row)})
                joined.link_share = sum(b.link_share * len(b.text) for b in row) / max(1, total)
                out.append(joined)
                i = j
                continue
            j = i + 1
        out.append(block)
        i = j
    return out


# --- metadata ---------------------------------------------------------------------------------


@dataclass
class PageMetadata:
    """What the page says of itself."""

    title: str | None = None
    author: str | None = None
    date: str | None = None
    sitename: str | None = None
    url: str | None = None


_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·»]\s+|\s*::\s*")


def page_metadata(root: Any, blocks: list[PageBlock] | None = None) -> PageMetadata:
    """Title, author, date, site name and canonical URL from ``<head>``, JSON-LD and the body.

    >>> root = parse_html('<html><head><title>Rain due | The Daily</title>'
    ...   '<meta property="og:site_name" content="The Daily"></head><body>'
    ...   '<h1>Rain due</h1><time datetime="2024-03-05T09:00">5 March</time></body></html>')
    >>> m = page_metadata(root)
    >>> m.title, m.sitename, m.date
    ('Rain due', 'The Daily', '2024-03-05T09:00')
    """
    meta = PageMetadata()
    if root is None:
        return meta
    metas: dict[str, str] = {}
    # Anything before <html> (a server's warning, a crawler's wrapper) makes libxml2 open the
    # body at once: the <meta> and <link> tags the page meant for its head are then in the body.
    head = root.find("head")
    if head is None:
        head = root
    for tag in head.iter("meta"):
        content = " ".join((tag.get("content") or "").split())
        for key in (tag.get("name"), tag.get("property"), tag.get("itemprop")):
            if key and content:
                metas.setdefault(key.lower(), content)
    ld = _json_ld(root)

    def first(*names: str) -> str | None:
        return next((metas[n] for n in names if n in metas), None)

    meta.author = unless_address(
        first("author", "article:author", "byl", "dc.creator", "sailthru.author")
    ) or unless_address(_author(ld.get("author")))
    meta.sitename = first("og:site_name", "application-name") or _author(ld.get("publisher"))
    meta.title = (
        first("og:title", "twitter:title", "dc.title")
        or _text_of(ld.get("headline"))
        or _title_from_page(root, blocks, meta.sitename)
    )
    meta.date = (
        first(
            "article:published_time",
            "datepublished",
            "date",
            "pubdate",
            "publishdate",
            "dc.date",
            "dc.date.issued",
            "dcterms.created",
            "og:updated_time",
            "article:modified_time",
        )
        or _text_of(ld.get("datePublished"))
        or _text_of(ld.get("dateCreated"))
        or _time_element(root)
    )
    canonical = next(
        (
            t.get("href")
            for t in head.iter("link")
            if "canonical" in (t.get("rel") or "").lower().split()
        ),
        None,
    )
    meta.url = canonical or first("og:url") or _text_of(ld.get("url"))
    return meta


BYLINE_MAX_CHARS = 120
"""A byline element's text is a name or a few, with a prefix ("By", "Written by"): longer
text is an element named for its author that holds more than the byline."""


def page_byline(candidates: list[Any]) -> str | None:
    """The author named by the first byline element of ``candidates`` (:attr:`PageWalk.bylines`)
    whose text, dates and times left out, is 3 to :data:`BYLINE_MAX_CHARS` characters and
    names someone, without its prefix ("By"), e-mail address or handle; several names are
    joined by "; ".

    >>> root = parse_html('<html><body><p class="comment-author">A reader</p><h1>Rain</h1>'
    ...   '<div class="meta"><span class="byline">By <a rel="author">Jane Roe</a></span></div>'
    ...   '<p>Text.</p></body></html>')
    >>> page_byline(walk_page(root).bylines)
    'Jane Roe'
    >>> page_byline(walk_page(parse_html('<h1>제목</h1><p class="writer">홍길동 기자</p>')).bylines)
    '홍길동'
    """
    for node in candidates[:BYLINE_CANDIDATES]:
        text = " ".join(_byline_text(node).split())
        if not (2 < len(text) < BYLINE_MAX_CHARS and any(c.isalpha() for c in text)):
            continue
        bare = _BYLINE_SUFFIX.sub("", _BYLINE_PREFIX.sub("", _undated(text)))
        if author := normalize_authors(None, bare):
            return author
    return None


def _undated(byline: str) -> str:
    """``byline`` without the parts after its first that hold a digit (the date and time a
    byline often ends with: "Jane Roe, Published: March 13 at 11:52 am").

    >>> _undated("Jane Roe, Published: March 13 at 11:52 am"), _undated("Rob Picheta, CNN")
    ('Jane Roe', 'Rob Picheta, CNN')
    """
    first, *rest = _BYLINE_PARTS.split(byline)
    return ", ".join([first, *(part for part in rest if not any(c.isdigit() for c in part))])


_BYLINE_PARTS = re.compile(r"\s*[,|·•]\s*")


_BYLINE_PREFIX = re.compile(
    r"^(?:(?:written|posted|published|submitted|reported)\s+by|by|von|par|por|door|di|av|af|"
    r"przez|eingestellt\s+von|geschrieben\s+von|글|작성자)(?:\W+|$)",
    re.IGNORECASE,
)
"""The word that introduces a byline's names, in the languages of the shared pages and the
main European ones ("By", "Von", "Par", "Por", "Door", ...)."""
_BYLINE_SUFFIX = re.compile(r"\s+(?:기자|특파원|선임기자|객원기자)$")
"""The title a Korean byline puts after the name ("홍길동 기자": reporter Hong Gil-dong)."""


def _byline_text(node: Any) -> str:
    """The text of ``node`` without the dates and times it holds (``<time>``, elements whose
    class or id names a date or time), read no further than a byline can be long: at most
    :data:`BYLINE_MAX_CHARS` characters and :data:`BYLINE_MAX_ELEMENTS` elements, so that
    nested candidates holding much of the page cost no more than a small one."""
    parts: list[str] = [node.text or ""]
    size = len(parts[0].strip())
    stack: list[tuple[Any, Iterator[Any]]] = [(node, iter(node))]
    visited = 0
    while stack and size <= BYLINE_MAX_CHARS and visited <= BYLINE_MAX_ELEMENTS:
        element, children = stack[-1]
        child = next(children, None)
        if child is None:  # the element is done: the text after it
            stack.pop()
            text = element.tail if element is not node else None
        else:
            visited += 1
            tag = child.tag if isinstance(child.tag, str) else ""
            words = f"{child.get('class') or ''} {child.get('id') or ''}" if tag else ""
            if not tag or tag in _INVISIBLE or tag == "time" or _DATE_NAMED.search(words):
                text = child.tail
            else:
                text = child.text
                stack.append((child, iter(child)))
        if text:
            parts.append(text)
            size += len(text.strip())
    return " ".join(parts)


BYLINE_CANDIDATES = 50
"""The byline candidates read at most, nearest the headline first (a page may name hundreds
of elements for their authors: comment threads, author lists)."""
BYLINE_MAX_ELEMENTS = 200
"""The elements of one candidate read at most (a byline is a name or a few, in a few links)."""


_DATE_NAMED = re.compile(r"(?<![\w-])(?:date|time|published|posted-?on)", re.IGNORECASE)


def _json_ld(root: Any) -> dict[str, Any]:
    """The page's JSON-LD object that describes it (an article, else any with a headline,
    else a ``WebPage``), its ``author`` and ``publisher`` given by reference
    (``{"@id": ...}``, as ``@graph`` lists write them) replaced by the objects they name."""
    article: dict[str, Any] | None = None
    headed: dict[str, Any] | None = None
    webpage: dict[str, Any] | None = None
    named: dict[str, dict[str, Any]] = {}
    for script in root.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        if len(script.text) > 500_000:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        for item in _ld_items(data):
            if isinstance(item.get("@id"), str):
                named.setdefault(item["@id"], item)
            kind = item.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and k.endswith(("Article", "BlogPosting")) for k in kinds):
                article = article or item
            elif "headline" in item:
                headed = headed or item
            elif any(isinstance(k, str) and k.endswith("Page") for k in kinds):
                webpage = webpage or item
    found = dict(article or headed or webpage or {})
    for key in ("author", "publisher"):
        if key in found:
            found[key] = _resolved(found[key], named)
    return found


def _resolved(value: Any, named: dict[str, dict[str, Any]]) -> Any:
    """``value`` with each ``{"@id": ...}`` that names another object replaced by it."""
    if isinstance(value, list):
        return [_resolved(v, named) for v in value[:10]]
    if isinstance(value, dict) and "name" not in value and value.get("@id") in named:
        return named[value["@id"]]
    return value


def _ld_items(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 3:
        return
    if isinstance(data, list):
        for item in data[:50]:
            yield from _ld_items(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _ld_items(data["@graph"], depth + 1)


def unless_address(name: str | None) -> str | None:
    """``name`` unless it is a web address (``article:author`` often holds the author's
    profile page, not a name).

    >>> unless_address("https://www.facebook.com/someone"), unless_address("Jane Roe")
    (None, 'Jane Roe')
    """
    if name and _ADDRESS.match(name):
        return None
    return name


_ADDRESS = re.compile(r"(?:https?:)?//|www\.", re.IGNORECASE)


def _text_of(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())[:1000]
    return None


def _author(value: Any) -> str | None:
    if isinstance(value, list):
        names = [n for v in value[:10] if (n := _author(v))]
        return ", ".join(names) or None
    if isinstance(value, dict):
        return _text_of(value.get("name"))
    return _text_of(value)


def _title_from_page(root: Any, blocks: list[PageBlock] | None, sitename: str | None) -> str | None:
    """The one ``<h1>`` of the page, else ``<title>`` without the site's name (the longest
    part between separators such as " | " and " - " that is not the site name)."""
    if blocks is not None:
        h1 = [b.text for b in blocks if b.tag == "h1" and b.link_share < 0.5]
        if len(h1) == 1:
            return h1[0]
    title = root.find(".//title")
    if title is None or not title.text_content().strip():
        return None
    whole = " ".join(title.text_content().split())
    parts = [p for p in _TITLE_SEPARATORS.split(whole) if p.strip()]
    site = (sitename or "").casefold()
    named = [p for p in parts if p.casefold() != site] or parts
    return max(named, key=len) if len(parts) > 1 else whole


def _time_element(root: Any) -> str | None:
    body = root.find("body")
    if body is None:
        return None
    for time in body.iter("time"):
        value = str(time.get("datetime") or "")
        if re.match(r"\d{4}-\d{2}-\d{2}", value):
            return value.strip()
    return None
