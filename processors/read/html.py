"""HTML: recognise it by content and extract the main content as structured blocks.

Two extractors (:attr:`CleanConfig.html_extractor`):

- ``blocks`` (the default): one parse and one walk of the DOM
  (:mod:`lingoflow.processors.read.dom`) give every visible block with its markup features;
  the learned classifier of :mod:`lingoflow.processors.clean.page_blocks` decides which are
  content (the pipeline turns to trafilatura where it finds no article).
- ``trafilatura``: trafilatura finds the main content (its XML output keeps headings, lists,
  tables and quotes); BeautifulSoup takes over where trafilatura finds nothing (tiny pages,
  pathological nesting), after removing scripts, styles, navigation, headers, footers, asides
  and forms.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from html import escape as html_escape
from typing import Any
from urllib.parse import urlsplit

import lxml.etree as etree
import trafilatura
from bs4 import BeautifulSoup
from htmldate import find_date
from trafilatura.metadata import extract_sitename
from trafilatura.settings import set_date_params

from lingoflow.processors.core.document import Block, PageBlock
from lingoflow.processors.read.dom import (
    page_byline,
    page_metadata,
    parse_html,
    unless_address,
    walk_page,
)

_HTML_START = re.compile(
    r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
    re.IGNORECASE | re.DOTALL,
)
_TAGS = re.compile(r"</?(?:p|div|span|a|br|table|tr|td|ul|ol|li|h[1-6]|meta|script|style)\b", re.I)
_LANG_ATTR = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.IGNORECASE)
_BOILERPLATE_TAGS = tuple(
    """script style noscript nav header footer aside form iframe svg button template""".split()
)
_TRAFILATURA: dict[str, Any] = {
    "output_format": "xml",  # keeps headings, lists and tables
    "with_metadata": True,
    "include_tables": True,
    "include_comments": False,  # comments sections are not a press release's content
    "include_images": False,
    "deduplicate": False,  # repeated lines across a folder are the repeated rule's job
}
"""How trafilatura is asked to extract a page."""
# trafilatura logs every page it gives up on at WARNING; lingoflow falls back instead.
logging.getLogger("trafilatura").setLevel(logging.ERROR)

_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)


@dataclass
class HtmlExtraction:
    """Blocks and metadata found in an HTML page."""

    blocks: list[Block] = field(default_factory=list)
    page: list[PageBlock] = field(default_factory=list)
    """Every visible block with its markup features (the ``blocks`` extractor; ``blocks`` is
    then empty until the classifier chose)."""
    cut: bool = False
    """The page nests deeper than :data:`PARSER_DEPTH` (the ``blocks`` extractor; the
    trafilatura path asks :func:`depth_cut`)."""
    title: str | None = None
    author: str | None = None
    date: str | None = None
    sitename: str | None = None
    url: str | None = None
    lang: str | None = None
    tree: Any = field(default=None, repr=False, compare=False)
    """The parsed page (:func:`read_page`) until :func:`fill_missing_metadata` has read it."""
    bylines: list[Any] = field(default_factory=list, repr=False, compare=False)
    """The elements that may hold the byline (``PageWalk.bylines`` of
    :mod:`~lingoflow.processors.read.dom`), until :func:`fill_missing_metadata` has read them."""


def looks_like_html(text: str) -> bool:
    """True for HTML documents, recognised by content rather than file name.

    >>> looks_like_html("<!DOCTYPE html><html><body>Hi</body></html>")
    True
    >>> looks_like_html("Use <b> for bold.")
    False
    """
    head = text[:2048]
    return bool(_HTML_START.match(head)) or len(_TAGS.findall(head)) >= 5


def extract_html(html: str, metadata: bool = True) -> HtmlExtraction:
    """Main content of ``html`` as blocks, with title, author, date, site name, URL and lang
    (without ``metadata``, the blocks alone: trafilatura's metadata search costs about as
    much as its extraction)."""
    result = _with_trafilatura(html, metadata)
    if not result.blocks:
        result = _with_beautifulsoup(html)
    if not metadata:
        return HtmlExtraction(blocks=result.blocks)
    lang_match = _LANG_ATTR.search(html[:10000])
    result.lang = lang_match.group(1).lower() if lang_match else None
    if not (result.author and result.url and result.sitename):
        _fill_from_head(result, html)
    return result


def read_page(html: str) -> HtmlExtraction:
    """Every visible block of ``html`` with its markup features, and the page's title,
    author, date, site name, URL and declared language as ``<head>``, JSON-LD and ``<time>``
    give them, from one parse; :func:`fill_missing_metadata` finds the rest."""
    lang_match = _LANG_ATTR.search(html[:10000])
    root = parse_html(html)
    walk = walk_page(root)
    meta = page_metadata(root, walk.blocks)
    return HtmlExtraction(
        page=walk.blocks,
        cut=walk.deepest >= PARSER_DEPTH,
        title=meta.title,
        author=meta.author,
        date=meta.date,
        sitename=meta.sitename,
        url=meta.url,
        lang=lang_match.group(1).lower() if lang_match else None,
        tree=root,
        bylines=walk.bylines,
    )


def fill_missing_metadata(page: HtmlExtraction) -> None:
    """The date, author and site name of a :func:`read_page` page that ``<head>``, JSON-LD
    and ``<time>`` do not give:

    - the date: htmldate's search of the markup (the URL, dated elements, attributes), then
      its search of the text, over the page's visible blocks only (a date in a script or an
      attribute is not one a reader sees; the whole page's text costs ten times as much);
    - the author: the byline element nearest the headline
      (:func:`~lingoflow.processors.read.dom.page_byline`, candidates the walk collected);
    - the site name: trafilatura's search of the title, else the URL's host.

    Once, after the walk (htmldate may prune the tree it reads): the page lets go of its tree.
    """
    root, page.tree = page.tree, None
    bylines, page.bylines = page.bylines, []
    if root is None:
        return
    if not page.date:
        markup = find_date(root, **_date_params(page.url, extensive=False))
        page.date = markup or find_date(_visible_page(page.page), **_date_params(None)) or None
    if not page.author:
        page.author = page_byline(bylines)
    if not page.sitename:
        page.sitename = extract_sitename(root) or _host(page.url)


def _date_params(url: str | None, extensive: bool = True) -> dict[str, Any]:
    """htmldate's settings as trafilatura sets them (the original date, none after today)."""
    params: dict[str, Any] = set_date_params(extensive)
    params["url"] = url
    return params


def _visible_page(blocks: list[PageBlock]) -> str:
    """The page's visible blocks as a page of paragraphs, for htmldate's search of the text.

    >>> _visible_page([PageBlock(text="3 < 4 on 2 May", tag="p")])
    '<html><body><p>3 &lt; 4 on 2 May</p></body></html>'
    """
    paragraphs = "".join(f"<p>{html_escape(block.text)}</p>" for block in blocks)
    return f"<html><body>{paragraphs}</body></html>"


def _host(url: str | None) -> str | None:
    """The host of ``url`` without ``www.`` (a site's name when it gives none).

    >>> _host("https://www.example.org/news/1"), _host("/relative")
    ('example.org', None)
    """
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


PARSER_DEPTH = 255
"""How deep libxml2's HTML parser (lxml, trafilatura) nests elements: it stops reading a page
there, and what stands deeper is lost."""
_TAG = re.compile(r"<(/?)([a-zA-Z][\w:-]*)")
_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr p li dt dd option "
    "tr td th".split()
)  # empty elements, and those a parser closes when the next one opens


def element_count(html: str) -> int:
    """How many elements the page opens, from a count of its start tags (one pass, no
    parse; tags written inside scripts count too).

    >>> element_count("<html><body><p>One</p><p>Two<br></p></body></html>")
    5
    """
    return sum(1 for _ in _START_TAG.finditer(html))


_START_TAG = re.compile(r"<[a-zA-Z]")


def depth_cut(html: str) -> bool:
    """The page nests its elements deeper than :data:`PARSER_DEPTH`, so that an HTML parser
    stops reading it there. A count of its tags says when it may (one pass, no parse); a
    parse then tells whether it does (scripts and templates holding tags in strings make the
    count say more than the parser sees).

    >>> depth_cut("<div><p>x</p></div>"), depth_cut("<div>" * 300 + "x" + "</div>" * 300)
    (False, True)
    """
    depth = deepest = 0
    for match in _TAG.finditer(html):
        if match.group(2).lower() in _VOID:
            continue
        depth = max(0, depth - 1) if match.group(1) else depth + 1
        deepest = max(deepest, depth)
    if deepest <= PARSER_DEPTH:
        return False
    import lxml.html

    try:
        root = lxml.html.fromstring(html).getroottree().getroot()
    except (etree.ParserError, ValueError):
        return True
    stack = [(root, 1)]
    while stack:
        node, level = stack.pop()
        if level >= PARSER_DEPTH:
            return True
        stack.extend((child, level + 1) for child in node)
    return False


def _fill_from_head(result: HtmlExtraction, html: str) -> None:
    """Metadata trafilatura left out (it drops non-Latin bylines), read from <head> tags."""
    import lxml.html

    end = html.lower().find("</head>")
    try:
        head = lxml.html.fromstring(html[: end + 7] if 0 <= end < 200_000 else html[:200_000])
    except (etree.ParserError, ValueError):
        return
    metas: dict[str, str] = {}
    for tag in head.iter("meta"):
        content = " ".join((tag.get("content") or "").split())
        for key in (tag.get("name"), tag.get("property")):
            if key and content:
                metas.setdefault(key, content)

    def meta(*names: str) -> str | None:
        return next((metas[name] for name in names if name in metas), None)

    result.author = result.author or unless_address(
        meta("author", "article:author", "byl", "dc.creator")
    )
    result.sitename = result.sitename or meta("og:site_name", "application-name")
    canonical = next(
        (t.get("href") for t in head.iter("link") if "canonical" in (t.get("rel") or "").split()),
        None,
    )
    result.url = result.url or canonical or meta("og:url")


def _with_trafilatura(html: str, metadata: bool = True) -> HtmlExtraction:
    try:
        xml = trafilatura.extract(html, **{**_TRAFILATURA, "with_metadata": metadata})
    except etree.XMLSyntaxError:  # trafilatura cannot read back its own XML ("<td/;>"): none
        return HtmlExtraction()
    if not xml:
        return HtmlExtraction()
    root = etree.fromstring(xml.encode("utf-8"), parser=_SAFE_XML)
    if root is None:
        return HtmlExtraction()
    extraction = HtmlExtraction(
        title=root.get("title") or None,
        author=root.get("author") or None,
        date=root.get("date") or None,
        sitename=root.get("sitename") or None,
        url=root.get("url") or None,
    )
    main = root.find("main")
    if main is not None:
        extraction.blocks = list(_xml_blocks(main, level=0))
    return extraction


def _xml_blocks(element: etree._Element, level: int) -> list[Block]:
    blocks: list[Block] = []
    for child in element:
        tag = child.tag
        if tag == "list":
            blocks.extend(_list_items(child, level))
        elif tag == "table":
            for row in child.iter("row"):
                cells = [_text(cell) for cell in row if _text(cell)]
                if cells:
                    blocks.append(Block(text=" | ".join(cells), role="paragraph"))
        elif tag == "head":
            text = _text(child)
            if text:
                blocks.append(Block(text=text, role="heading"))
        elif tag in {"p", "quote", "code"}:
            text = _text(child)
            if text:
                blocks.append(Block(text=text, role="paragraph"))
        else:
            blocks.extend(_xml_blocks(child, level))
    return blocks


def _list_items(element: etree._Element, level: int) -> list[Block]:
    blocks: list[Block] = []
    for item in element:
        if item.tag != "item":
            continue
        nested = [c for c in item if c.tag == "list"]
        own = "".join(item.text or "") + "".join(
            _text(c) + (c.tail or "") for c in item if c.tag != "list"
        )
        own = " ".join(own.split())
        if own:
            blocks.append(Block(text=own, role="list_item", level=level))
        for sub in nested:
            blocks.extend(_list_items(sub, level + 1))
    return blocks


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _with_beautifulsoup(html: str) -> HtmlExtraction:
    soup = BeautifulSoup(html, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for tag in soup.find_all(_BOILERPLATE_TAGS):
        tag.extract()
    lines = [line.strip() for line in soup.get_text("\n").split("\n")]
    blocks = [Block(text=" ".join(line.split()), role="paragraph") for line in lines if line]
    return HtmlExtraction(blocks=blocks, title=title or None)


_INVISIBLE_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title"})
_BLOCK_TAGS = frozenset(
    """p div br li tr td th h1 h2 h3 h4 h5 h6 table ul ol section article header footer nav
    aside blockquote pre dd dt form main figure figcaption""".split()
)


_HIDDEN_ELEMENT = re.compile(
    r"<(script|style|noscript|template|head|title)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL
)
_ANY_TAG = re.compile(r"<[^>]*>")


def visible_words_at_most(html: str) -> int:
    """An upper bound on the number of words of :func:`visible_text`, without parsing: the
    page without its script, style and head elements and with every tag turned into a space
    (comments and entities count as words, and inline tags split words: never fewer).

    >>> visible_words_at_most("<title>T</title><p>One <b>two</b></p><script>x</script>")
    2

    Pages over 2 MB get their length (no regular expression over them: a bound all the same).
    """
    if len(html) > 2_000_000:
        return len(html)
    return len(_ANY_TAG.sub(" ", _HIDDEN_ELEMENT.sub(" ", html)).split())


def visible_text(html: str) -> str:
    """Every visible line of the page, menus and footers included, one block a line: the
    text a browser copy gives, for the boilerplate classifier when the extractor keeps too
    little. Empty when the page cannot be parsed.

    >>> visible_text("<html><head><title>T</title></head><body><nav>Home</nav>"
    ...              "<p>One <b>two</b></p><script>x()</script></body></html>")
    'Home\\n\\nOne two'
    """
    import lxml.html

    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return ""
    parts: list[str] = []

    def walk(element: etree._Element) -> None:
        stack: list[tuple[etree._Element, bool]] = [(element, False)]
        while stack:  # iterative: pages nested 100,000 deep must not exhaust the stack
            node, closing = stack.pop()
            tag = node.tag if isinstance(node.tag, str) else ""
            if closing:
                if tag in _BLOCK_TAGS:
                    parts.append("\n")
                if node.tail:
                    parts.append(node.tail)
                continue
            if tag in _INVISIBLE_TAGS:
                if node.tail:
                    parts.append(node.tail)
                continue
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if node.text and isinstance(node.tag, str):
                parts.append(node.text)
            stack.append((node, True))
            stack.extend([(child, False) for child in node][::-1])

    walk(root)
    out: list[str] = []
    for raw in "".join(parts).split("\n"):
        line = " ".join(raw.split())
        if line or (out and out[-1]):  # blank lines between blocks kept, runs collapsed
            out.append(line)
    return "\n".join(out).strip()
