"""Role rules: what each kept line is in the document's structure (metadata, byline,
dateline, caption, title, subtitle, footnote, heading, list item) and the metadata they
carry."""

from __future__ import annotations

import re
from collections.abc import Callable

from lingoflow.processors.clean.lines import Context, Line, header
from lingoflow.processors.core.record import Contact
from lingoflow.processors.text.entities import context_years, find_dates, find_url, parse_contact
from lingoflow.processors.text.features import ends_like_sentence, is_title_like, words
from lingoflow.processors.text.shapes import BULLET, FOOTNOTE, METADATA_LABEL, PHONE_ONLY

_CAPTION = re.compile(
    r"^(?:(?:photo|picture|image|pictured|caption|사진|그림|이미지)\s*(?:\d+\s*)?[:=.]\s*"
    r"(?:[▲△▶]\s*)?|[▲△]\s*)(?P<text>\S.*)$",
    re.IGNORECASE,
)
_BRACKET_HEADING = re.compile(
    r"^(?:【(?P<a>[^】]{1,80})】|\[(?P<b>[^\]]{1,80})\]|◈\s*(?P<c>.{1,80}))$"
)
_DASH_WRAPPED = re.compile(r"^[-–—]\s*(?P<text>.+?)\s*[-–—]$")
_BYLINE = re.compile(
    r"^(?:[Bb]y|[Ww]ritten by|[Rr]eporter|기자)\s+(?P<a>[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3})$"
    r"|^(?P<b>[가-힣]{2,4})\s*(?:기자|특파원|통신원)(?:\s*\S+@\S+)?$"
    r"|^(?P<c>[가-힣]{2,4}\s+[A-Z][a-z]+(?:[- ][A-Za-z][a-z]+){1,2})$",
)
_DATE_LABELS = re.compile(
    r"date|published|posted|updated|일시|일자|작성일|등록일|게시일|시점", re.IGNORECASE
)
_CONTACT_LABELS = re.compile(r"contact|inquir|tel|phone|mail|문의|담당|연락처", re.IGNORECASE)
_URL_LABELS = re.compile(r"homepage|website|web site|홈페이지", re.IGNORECASE)
_AUTHOR_LABELS = re.compile(r"author|writer|reporter|^by$|작성자|기자", re.IGNORECASE)
_LIST_LEVEL_RESET_ROLES = frozenset({"heading", "title", "subtitle"})
FOOTNOTE_REF = {
    m: re.compile(r"(?<=[^\s*])" + re.escape(m) + r"(?!\*)") for m in ("*", "**", "***")
}

RoleRule = Callable[[list[Line], Context], None]
"""A pass over the document's lines that gives lines their roles (and the document its
metadata, in ``ctx.metadata``)."""


def role_metadata(lines: list[Line], ctx: Context) -> None:
    """ "Label: value" lines (release date, contact, homepage, author ...) become metadata."""
    meta = ctx.metadata
    years: list[int] | None = None  # read when a date label needs them (few documents)
    for line in lines:
        if not line.kept or line.role is not None:
            continue
        phone = PHONE_ONLY.match(line.text)
        if phone:  # "( T. 120)", "Tel. 1330": a phone number on its own
            line.role = "metadata"
            if meta.contact is None:
                meta.contact = Contact(phone=phone.group("phone"))
            continue
        match = METADATA_LABEL.match(line.text)
        if not match or len(line.text) > 250:
            continue
        label, value = match.group("label"), match.group("value")
        line.role = "metadata"
        if _DATE_LABELS.search(label):
            if years is None:
                years = context_years(line.text for line in lines if line.kept)
            dates = find_dates(value, years)
            if dates and meta.published is None:
                meta.published = dates[0].value
        elif _URL_LABELS.search(label):
            meta.url = meta.url or find_url(value)
        elif _AUTHOR_LABELS.search(label):
            meta.authors.append(value)
        elif _CONTACT_LABELS.search(label):
            meta.contact = parse_contact(value)


def role_byline(lines: list[Line], ctx: Context) -> None:
    """Bylines before the body ("By Kim Min-ji", "홍길동 기자", "오재경 Oh Jae-Gyung")."""
    if ctx.from_html:  # the HTML extractor gives the page's title, byline and date
        return
    meta = ctx.metadata
    for line in header(lines, ctx):
        match = _BYLINE.match(line.text)
        if match and line.role is None and _person_name(match):
            line.role = "metadata"
            meta.authors.append(next(g for g in match.groups() if g))


def _person_name(match: re.Match[str]) -> bool:
    """A "Hangul name + romanisation" byline is a person when the romanisation has as many
    syllables as the Hangul ("오재경 Oh Jae-Gyung"), unlike "서울시 Seoul City"."""
    both = match.group("c")
    if both is None:
        return True
    hangul, _, roman = both.partition(" ")
    return len(re.split(r"[\s-]+", roman.strip())) == len(hangul)


def role_dateline(lines: list[Line], ctx: Context) -> None:
    """A line before the body that is only a date ("3 Dec 2023", "2021. 5. 24.") is metadata
    and the published date. A date in the lead ("attended ... on May 24 (Mon)") is the
    event's, not the publication's: it is not taken."""
    if ctx.from_html:  # the HTML extractor gives the page's title, byline and date
        return
    meta = ctx.metadata
    years = context_years(line.text for line in lines if line.kept)
    for line in header(lines, ctx):
        if line.role is not None:
            continue
        dates = find_dates(line.text, years)
        if dates and (dates[0].end - dates[0].start) >= 0.7 * len(line.text):
            line.role = "metadata"
            meta.published = meta.published or dates[0].value


def role_caption(lines: list[Line], ctx: Context) -> None:
    """Photo captions ("Photo : ▲ ...", "사진 = ...", "▲ ...") lose their label, keep the text."""
    for line in lines:
        if line.kept and line.role in (None, "paragraph"):
            match = _CAPTION.match(line.text)
            if match:
                line.text, line.role = match.group("text"), "caption"


_NUMBER_REFS = re.compile(r"(?<=[^\s\d(\[])(\d{1,2})\)|(?<=\S)\[(\d{1,2})\]")
"""A numbered footnote's reference inside a line: "증가율1)", "the results[2]" (not "(1)", a
line's own leading "1)" or a number's digits)."""


def role_footnote(lines: list[Line], ctx: Context) -> None:
    """Footnotes ("* ...", "** ...", "※ ...", "1) ...", "[1] ...") with their marker. A numbered
    line ("1) ...", "[1] ...") is a footnote only when some other line refers to its number
    ("증가율1)", "results[1]"): otherwise it is a numbered clause, a list item. A lone "* "
    line is a footnote only when a nearby line carries the marker or another footnote is next
    to it."""
    kept = [line for line in lines if line.kept]
    refs: set[str] | None = None  # read once, when a numbered footnote needs them
    for k, line in enumerate(kept):
        if line.role not in (None, "paragraph"):
            continue
        match = FOOTNOTE.match(line.text)
        if not match:
            continue
        marker = match.group("marker")
        if marker == "*" and not _star_footnote(kept, k):
            continue
        if marker[0].isdigit() or marker[0] == "[":
            refs = _numbered_refs(kept) if refs is None else refs
            if str(int(marker.strip("[])"))) not in refs:
                continue
        line.role, line.marker, line.text = "footnote", marker, match.group("text")


def _numbered_refs(kept: list[Line]) -> set[str]:
    """The footnote numbers the document's lines refer to (each as "1)" and "[1]" are)."""
    refs: set[str] = set()
    for line in kept:
        start = FOOTNOTE.match(line.text)
        text = line.text[start.start("text") :] if start else line.text
        for match in _NUMBER_REFS.finditer(text):
            refs.add(str(int(match.group(1) or match.group(2))))
    return refs


def _star_footnote(kept: list[Line], k: int) -> bool:
    ref = FOOTNOTE_REF["*"]
    if any(ref.search(x.text) for x in kept[max(0, k - 6) : k] if x.role != "footnote"):
        return True
    neighbours = kept[k - 1 : k] + kept[k + 1 : k + 2]
    return any(x.role == "footnote" or x.text.startswith("** ") for x in neighbours)


TITLE_MIN_PROBABILITY = 0.2
"""A line the boilerplate classifier removed may still be the title when it gave it at least
this probability of content (a document's first line is often both)."""


def role_title(lines: list[Line], ctx: Context) -> None:
    """The title: the first heading-marked line, or title-like line of at least three words
    (menu items are one or two), not a bullet, before the body and within its first five kept
    lines. Lines the classifier removed with some probability of content are candidates too
    (a title restored that way is kept again); lines a named rule removed (menus,
    breadcrumbs, labels) never are."""
    if ctx.from_html:  # the HTML extractor gives the page's title, byline and date
        return
    meta = ctx.metadata
    kept_seen = 0
    probabilities = ctx.probabilities or [0.0] * len(lines)
    for i, line in enumerate(lines[: max(ctx.body_start, 1)]):
        if kept_seen >= 5:
            return
        if line.role is not None:
            continue
        if line.kept:
            kept_seen += 1
        elif not (line.reason == "boilerplate" and probabilities[i] >= TITLE_MIN_PROBABILITY):
            continue
        title_like = is_title_like(line.text) and not BULLET.match(line.text)
        if line.heading_mark or (title_like and len(words(line.text)) >= 3):
            line.reason, line.role = None, "title"
            meta.title = line.text
            _drop_menu_leftovers(lines[:i])
            return


def _drop_menu_leftovers(before_title: list[Line]) -> None:
    """Short unassigned lines left between removed page chrome and the title (the last item
    of a menu borders the headline, so the classifier may keep it) are boilerplate too."""
    for i, line in enumerate(before_title):
        if (
            line.kept
            and line.role is None
            and i > 0
            and before_title[i - 1].reason is not None
            and len(words(line.text)) <= 3
            and not ends_like_sentence(line.text)
        ):
            line.reason = "boilerplate"


def role_subtitle(lines: list[Line], ctx: Context) -> None:
    """Title-like lines between the title and the body ("- ... -" decks, sub-headlines)."""
    if ctx.from_html:  # the HTML extractor gives the page's title, byline and date
        return
    meta = ctx.metadata
    seen_title = False
    subtitles: list[str] = []
    for line in lines[: ctx.body_start]:
        if line.role == "title":
            seen_title = True
            continue
        if not seen_title or not line.kept or line.role is not None:
            continue
        wrapped = _DASH_WRAPPED.match(line.text)
        text = wrapped.group("text") if wrapped else re.sub(r"^[-–—]\s+", "", line.text)
        deck = line.text.startswith(("- ", "– ")) and len(words(text)) >= 6
        if wrapped or deck or (is_title_like(text) and not BULLET.match(line.text)):
            line.text, line.role = text, "subtitle"
            subtitles.append(text)
        elif BULLET.match(line.text):
            break  # a list has begun: a title-like line after it heads a section
    if subtitles:
        meta.subtitle = "\n".join(subtitles)


def role_heading(lines: list[Line], ctx: Context) -> None:
    """Headings: markdown heading marks, bracket headings ("【Key Participants】") and short
    title-like lines between paragraphs (a heading heads something: the last line is not
    one)."""
    last = max((i for i, x in enumerate(lines) if x.kept), default=-1)
    for i, line in enumerate(lines):
        if not line.kept or line.role is not None or i == last:
            continue
        bracket = _BRACKET_HEADING.match(line.text)
        if bracket:
            line.text = next(g for g in bracket.groups() if g).strip()
            line.role = "heading"
        elif line.heading_mark or (
            i >= ctx.body_start
            and is_title_like(line.text)
            and " | " not in line.text  # a table row
            and len(words(line.text)) <= 12
            and not BULLET.match(line.text)
            and not line.text.startswith(("“", '"', "‘", "'", "「", "("))
            and not line.text.rstrip().endswith((",", ":", ";"))
        ):
            line.role = "heading"


def role_list_item(lines: list[Line], ctx: Context) -> None:
    """Bulleted and numbered lines become list items; nesting follows the order in which bullet
    kinds first appear ("□" then "ㅇ" then "-", as Korean government documents nest them),
    reset by headings."""
    order: list[str] = []
    for line in lines:
        if not line.kept:
            continue
        if line.role in _LIST_LEVEL_RESET_ROLES:
            order = []
            continue
        if line.role not in (None, "paragraph"):
            continue
        match = BULLET.match(line.text)
        if not match:
            continue
        kind = _bullet_kind(match.group("bullet"))
        if kind not in order:
            order.append(kind)
        bullet = match.group("bullet")
        line.role, line.marker = "list_item", bullet
        if kind not in ("number", "hangul-number"):  # numbers are content ("see step 2")
            line.text = match.group("text")
        line.level = order.index(kind) + line.indent // 2 if line.level is None else line.level


def _bullet_kind(bullet: str) -> str:
    if bullet[0].isdigit() or bullet[0] in "(①":
        return "number"
    if "가" <= bullet[0] <= "하":
        return "hangul-number"
    return {"–": "-", "·": "∙", "●": "○", "ㅇ": "○", "■": "□"}.get(bullet, bullet)


ROLE_RULES: dict[str, RoleRule] = {
    "metadata": role_metadata,
    "byline": role_byline,
    "dateline": role_dateline,
    "caption": role_caption,
    "title": role_title,
    "subtitle": role_subtitle,
    "footnote": role_footnote,
    "heading": role_heading,
    "list_item": role_list_item,
}
