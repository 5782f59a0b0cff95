"""Cleaning: from lines of extracted text (or HTML blocks) to content blocks with roles.

Every line is looked at by a sequence of named rules, in the manner of jusText: each rule is a
small pure function over the line and its context (neighbours, position, features such as
length, stop-word density in English and Korean, punctuation, label- and link-like shapes, and
lines repeated across documents of the same source). A *removal* rule returns a reason code and
the line goes to ``record.removed`` with it; a *role* rule gives the line its structural role.
Rules are listed in :data:`RULES` and each can be switched off by name
(:attr:`CleanConfig.disabled_rules`), which is how the tests prove each one matters.

Order of work for plain text (:func:`clean_text`):

1. normalise each line (:mod:`lingoflow.processors.normalize`) and rejoin lines hard-wrapped by PDF
   conversion;
2. removal rules, then the context rule (short low-content lines between removed ones);
3. site notices (role ``notice``, continuation lines merged into one notice);
4. structure: metadata lines, title, subtitles, headings, list items with levels, footnotes
   linked to their markers, captions, paragraphs;
5. sentence spans of every block.

HTML blocks come with roles from the extractor; :func:`clean_blocks` runs steps 2, 3 and the
caption, footnote and metadata rules over them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from lingoflow.processors.config import CLEANING_RULES, CleanConfig
from lingoflow.processors.document import Block
from lingoflow.processors.metadata import (
    context_years,
    find_dates,
    find_division,
    find_email,
    find_phone,
    find_url,
)
from lingoflow.processors.normalize import normalize_line
from lingoflow.processors.record import Contact, Metadata, Removed, Role
from lingoflow.processors.sentences import sentence_spans


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


# --- features ---------------------------------------------------------------------------------

_EN_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers him his how i if in into is it its
    itself just me more most my no nor not now of off on once only or other our out over own
    same she should so some such than that the their them then there these they this those
    through to too under until up very was we were what when where which while who whom why
    will with would you your""".split()
)
# Korean function material is attached to words: particles and verb endings.
_KO_FUNCTION_END = re.compile(
    r"(?:은|는|이|가|을|를|의|에|에서|에게|로|으로|와|과|도|만|까지|부터|이다|하다|한다|했다|"
    r"된다|있다|없다|니다|습니다|며|고|서|면|지만|는데|요)[.,!?]?$"
)
_TERMINAL = re.compile(r"[.!?。！？…][\"'”’」』)\]]*$")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


def words(text: str) -> list[str]:
    """Words of ``text`` (letters only)."""
    return _WORD.findall(text)


def stopword_density(text: str) -> float:
    """Share of words that are function words (English list; Korean particles and endings)."""
    tokens = text.split()
    if not tokens:
        return 0.0
    hits = 0
    for token in tokens:
        bare = token.strip("\"'“”‘’()[]「」,.:;!?").lower()
        if bare in _EN_STOPWORDS or _KO_FUNCTION_END.search(bare):
            hits += 1
    return hits / len(tokens)


def ends_like_sentence(text: str) -> bool:
    """Ends with terminal punctuation, possibly followed by closing quotes or brackets."""
    return bool(_TERMINAL.search(text))


def is_title_like(text: str) -> bool:
    """Short (at most 200 characters), with letters, and not ending like a sentence."""
    return (
        len(text) <= 200
        and bool(words(text))
        and not ends_like_sentence(text)
        and not text.endswith((":", "："))
    )


def is_body_like(text: str) -> bool:
    """A line of running text: long enough and ending like a sentence (or introducing a list)."""
    return len(text) >= 60 and (ends_like_sentence(text) or text.endswith((":", "：")))


# --- removal rules ----------------------------------------------------------------------------

RemovalRule = Callable[[list[Line], int, "Context"], str | None]


@dataclass
class Context:
    """What rules may know beyond the line itself."""

    config: CleanConfig
    repeated: frozenset[str] = frozenset()
    menu_items: set[str] = field(default_factory=set)
    body_start: int = 0


_NON_CONTENT = re.compile(r"^[\W_]*$")
_SKIP_LINK = re.compile(
    r"^(?:skip|jump|go|move)\s+(?:to\s+)?(?:the\s+)?(?:main\s+)?"
    r"(?:navigation|content|contents|menu|main|body|search|footer)\b"
    r"|^(?:본문|주\s*메뉴|메인\s*메뉴|메뉴|하위\s*메뉴|검색)\s*(?:으로\s*)?(?:바로\s*가기|건너뛰기)",
    re.IGNORECASE,
)
_NAV_COMMAND = re.compile(
    r"^(?:menu|main menu|open menu|close menu|close|search|sitemap|site map|top|go to top|"
    r"back to top|back to list|list|previous|prev|next|previous post|next post|more|login|"
    r"log in|sign in|logout|english|korean|한국어|목록|이전글|다음글|맨\s*위로|위로|닫기|열기|"
    r"검색|전체\s*메뉴|사이트맵|로그인|로그아웃|더보기|목록으로)$",
    re.IGNORECASE,
)
_HOME = re.compile(r"^(?:home|main|top|홈|처음|메인|홈으로|home page)$", re.IGNORECASE)
_CRUMB_SEPARATOR = re.compile(r"\s*(?:>|›|»|▶|∙)\s*|\s+[/·|]\s+")
_NUMBERED = re.compile(r"^(?:\d{1,2}[.)]|[-•·*])\s+(.+)$")
_LABEL_WORDS = frozenset(
    """name division department dept team office date registration registered posted
    updated modified written author writer reporter editor views hits viewed count contact
    tel phone fax e-mail email file files attachment attachments source category
    담당부서 부서 부서명 담당자 담당 작성자 작성일 등록일 등록일자 수정일 게시일 조회 조회수
    첨부 첨부파일 출처 연락처 전화 전화번호 분류 기자""".split()
)
_LABEL_FILLER = frozenset({"of", "by", "the", "and", "no", "no.", "number", "last"})
_PHONE_STUB = re.compile(
    r"^\(?\s*(?:t|tel|phone|☎|전화|문의)\s*[.:]?\s*\d{0,4}\s*\)?$", re.IGNORECASE
)
_COPYRIGHT = re.compile(r"copyright|©|ⓒ|\(c\)\s*\d{4}|저작권", re.IGNORECASE)
_COPYRIGHT_CONTEXT = re.compile(
    r"\d{4}|all rights reserved|무단\s*(?:전재|복제)|재배포|reserved", re.IGNORECASE
)
_SHARE_WORDS = frozenset(
    """share shares sharing facebook twitter x linkedin kakao kakaotalk kakaostory band naver
    blog print email e-mail mail copy url link whatsapp telegram line pinterest reddit tumblr
    like tweet scrap 공유 공유하기 인쇄 프린트 스크랩 페이스북 트위터 카카오톡 카카오스토리 밴드
    블로그 네이버 링크복사 url복사 주소복사 좋아요 추천 글자크기 확대 축소""".split()
)
_CALL_TO_ACTION_SHORT = re.compile(
    r"^(?:read more|read also|also read|related (?:articles?|stories|news|content)|see also|"
    r"more (?:news|stories)|you may also like|recommended for you|most read|most viewed|"
    r"관련\s*기사|많이\s*본\s*(?:기사|뉴스)|추천\s*기사|기사\s*제보|구독하기|"
    r"lesen sie auch|weitere themen|mehr zum thema|zum newsletter|newsletter abonnieren|"
    r"à lire aussi|lire aussi|lea también|te puede interesar)\b",
    re.IGNORECASE,
)
_CALL_TO_ACTION_SENTENCE = re.compile(
    r"^(?:(?:subscribe|sign up)\b.*\b(?:newsletter|edition|updates|full story)|"
    r"for the latest .*\bdownload\b|download (?:the|our) .*\bapps?\b|follow us on\b|"
    r"pour (?:lire la suite|accéder en illimité)|suscríbete|hazte miembro)",
    re.IGNORECASE,
)


def rule_word_bookmark(lines: list[Line], i: int, ctx: Context) -> str | None:
    """Word bookmark residue: "[bookmark: _GoBack]" (inline ones are stripped by normalize)."""
    return "word_bookmark" if re.fullmatch(r"\[bookmark:[^\]]*\]", lines[i].text, re.I) else None


def rule_markup(lines: list[Line], i: int, ctx: Context) -> str | None:
    """Lines without a letter or digit: rules, separators, stray emphasis or table marks."""
    return "markup" if _NON_CONTENT.match(lines[i].text) else None


def rule_navigation(lines: list[Line], i: int, ctx: Context) -> str | None:
    """Skip links and navigation commands ("Skip Navigation", "본문 바로가기", "Back to top")."""
    text = lines[i].text.strip(" []<>|")
    return "navigation" if _SKIP_LINK.match(text) or _NAV_COMMAND.match(text) else None


def rule_breadcrumb(lines: list[Line], i: int, ctx: Context) -> str | None:
    """Breadcrumb trails: "Home > News > Press" on one line, or a run of short numbered or
    bulleted items starting at a home link ("1. home", "2. Community", ...)."""
    text = lines[i].text
    parts = [p for p in _CRUMB_SEPARATOR.split(text) if p]
    if (
        len(parts) >= 3
        and all(len(words(p)) <= 4 for p in parts)
        and (_HOME.match(parts[0]) or all(not ends_like_sentence(p) for p in parts))
        and len(_CRUMB_SEPARATOR.findall(text)) >= 2
        and not any(c.isdigit() for c in text)
        and find_url(text) is None
    ):
        ctx.menu_items.update(p.lower() for p in parts)
        return "breadcrumb"
    run = _short_item_run(lines, i)
    if run is not None:
        _, items = run
        if _HOME.match(items[0]) and len(items) >= 2:
            ctx.menu_items.update(item.lower() for item in items)
            return "breadcrumb"
    return None


def _short_item_run(lines: list[Line], i: int) -> tuple[int, list[str]] | None:
    """The run of consecutive short list items that line ``i`` belongs to, if any."""

    def item(line: Line) -> str | None:
        match = _NUMBERED.match(line.text)
        if not match or len(words(match.group(1))) > 5 or ends_like_sentence(match.group(1)):
            return None
        return match.group(1)

    if item(lines[i]) is None:
        return None
    start = i
    while start > 0 and item(lines[start - 1]) is not None:
        start -= 1
    items: list[str] = []
    j = start
    while j < len(lines) and (found := item(lines[j])) is not None:
        items.append(found)
        j += 1
    return start, items


def rule_menu(lines: list[Line], i: int, ctx: Context) -> str | None:
    """Menus before the body: runs of four or more very short items without function words."""
    if i >= ctx.body_start:
        return None
    run = _short_item_run(lines, i)
    if run is None:
        return None
    _, items = run
    if len(items) >= 4 and all(len(words(t)) <= 3 and stopword_density(t) == 0 for t in items):
        ctx.menu_items.update(item.lower() for item in items)
        return "navigation"
    return None


def rule_section_label(lines: list[Line], i: int, ctx: Context) -> str | None:
    """A line repeating a breadcrumb or menu item: the section's label, not content."""
    text = lines[i].text.lower()
    return "section_label" if text in ctx.menu_items and len(text) <= 60 else None


def rule_empty_label(lines: list[Line], i: int, ctx: Context) -> str | None:
    """Metadata labels left without their value ("Division name", "등록일", "( T. 120)")."""
    text = lines[i].text.rstrip(" :：")
    if _PHONE_STUB.match(text):
        return "empty_label"
    tokens = [t.lower() for t in text.split()]
    if not tokens or len(tokens) > 4 or any(c.isdigit() for c in text):
        return None
    if all(t in _LABEL_WORDS or t in _LABEL_FILLER for t in tokens) and any(
        t in _LABEL_WORDS for t in tokens
    ):
        return "empty_label"
    return None


def rule_copyright(lines: list[Line], i: int, ctx: Context) -> str | None:
    """Copyright footers ("Copyright © 2012 All rights reserved.", "ⓒ 무단 전재 및 재배포 금지")."""
    text = lines[i].text
    if len(text) > 250:
        return None
    sign = _COPYRIGHT.search(text)
    footer_shaped = sign is not None and (sign.start() <= 20 or len(text) <= 80)
    if (footer_shaped and _COPYRIGHT_CONTEXT.search(text)) or re.search(
        r"all rights reserved\.?$", text, re.I
    ):
        return "copyright"
    return None


def rule_share_widget(lines: list[Line], i: int, ctx: Context) -> str | None:
    """Share and print buttons: lines made only of their words ("Share Facebook Twitter")."""
    tokens = [t.lower().strip("|·,:") for t in lines[i].text.split()]
    tokens = [t for t in tokens if t]
    if tokens and len(tokens) <= 12 and all(t in _SHARE_WORDS for t in tokens):
        return "share_widget"
    return None


def rule_call_to_action(lines: list[Line], i: int, ctx: Context) -> str | None:
    """Promotions of other content: "Read more", "Related articles", "Subscribe ...", "관련기사"."""
    text = lines[i].text
    if len(words(text)) <= 6 and _CALL_TO_ACTION_SHORT.match(text):
        return "call_to_action"
    if len(text) <= 120 and _CALL_TO_ACTION_SENTENCE.match(text):
        return "call_to_action"
    return None


def rule_repeated(lines: list[Line], i: int, ctx: Context) -> str | None:
    """Short lines repeated across most documents of the same source: site chrome."""
    text = lines[i].text
    if len(text) <= ctx.config.repeated_max_chars and repeat_key(text) in ctx.repeated:
        return "repeated"
    return None


def rule_context(lines: list[Line], i: int, ctx: Context) -> str | None:
    """jusText's context step: a short line with few function words and no sentence end,
    between removed lines (or a removed line and the document's edge), is boilerplate too."""
    line = lines[i]
    if line.from_html or len(line.text) > 40 or ends_like_sentence(line.text):
        return None
    if stopword_density(line.text) >= 0.15 or _BULLET.match(line.text):
        return None
    before = lines[i - 1].reason if i > 0 else "edge"
    after = lines[i + 1].reason if i + 1 < len(lines) else "edge"
    if before and after and not (before == "edge" and after == "edge"):
        return "navigation"
    return None


REMOVAL_RULES: dict[str, RemovalRule] = {
    "word_bookmark": rule_word_bookmark,
    "markup": rule_markup,
    "navigation": rule_navigation,
    "breadcrumb": rule_breadcrumb,
    "menu": rule_menu,
    "section_label": rule_section_label,
    "empty_label": rule_empty_label,
    "copyright": rule_copyright,
    "share_widget": rule_share_widget,
    "call_to_action": rule_call_to_action,
    "repeated": rule_repeated,
}


def repeat_key(text: str) -> str:
    """How lines are compared across documents: case and spacing ignored.

    >>> repeat_key("  Press   Room ")
    'press room'
    """
    return " ".join(text.lower().split())


def repeated_lines(documents: Iterable[Iterable[str]], config: CleanConfig) -> frozenset[str]:
    """Keys of short lines found in enough documents of one source (see :class:`CleanConfig`)."""
    docs = [
        {repeat_key(t) for t in lines if t.strip() and len(t) <= config.repeated_max_chars}
        for lines in documents
    ]
    if len(docs) < config.repeated_min_documents:
        return frozenset()
    counts = Counter(key for keys in docs for key in keys)
    needed = max(config.repeated_min_documents, config.repeated_min_share * len(docs))
    return frozenset(key for key, n in counts.items() if n >= needed)


# --- notices ----------------------------------------------------------------------------------

_SITE_REFERENCE = re.compile(
    r"\b(?:this|our)\s+(?:web\s?site|site|page|portal|homepage|web\s?page)\b"
    r"|(?:이|본|해당|이\s*곳)\s*(?:웹\s*사이트|누리집|사이트|홈페이지|페이지)",
    re.IGNORECASE,
)
_NOTICE_TOPIC = re.compile(
    r"archiv|no longer (?:be )?(?:updated|maintained)|cookie|privacy|personal (?:data|information)|"
    r"official (?:web ?site|site)|records? (?:management|archives?)|end of (?:the )?term|"
    r"기록물|기록관|이관|열람|전자정부|공식|쿠키|개인정보|보존|종료|운영(?:을)?\s*(?:중단|종료)",
    re.IGNORECASE,
)
_NOTICE_STRONG = re.compile(
    r"\b(?:we|this (?:web)?site) uses? cookies\b|\bcookie (?:policy|settings|preferences)\b"
    r"|\bthis (?:page|site|website) (?:has been|is|was) archived\b|\barchived (?:content|page)\b"
    r"|쿠키를?\s*사용|공식\s*전자정부\s*누리집",
    re.IGNORECASE,
)
_NOTICE_CONTINUATION = re.compile(
    r"^(?:다만|단,|또한|however|please|if you)|감사합니다\.?$|thank you\.?$", re.IGNORECASE
)


def is_notice(text: str) -> bool:
    """A site-level notice: about the site itself (archive, official status, cookies, privacy)
    rather than the document's subject."""
    if len(text) > 800:
        return False
    if _NOTICE_STRONG.search(text):
        return True
    return bool(_SITE_REFERENCE.search(text) and _NOTICE_TOPIC.search(text))


def _is_notice_continuation(text: str, notice: str) -> bool:
    same_script = _hangul_share(text) >= 0.5 if _hangul_share(notice) >= 0.5 else True
    return same_script and bool(_NOTICE_CONTINUATION.search(text) or _NOTICE_TOPIC.search(text))


def _hangul_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum("\uac00" <= c <= "\ud7a3" for c in letters) / len(letters) if letters else 0.0


def mark_notices(lines: list[Line], config: CleanConfig) -> None:
    """Give notices role ``notice``; lines continuing a notice join it."""
    if "notice" in config.disabled_rules:
        return
    last: Line | None = None
    for line in lines:
        if not line.kept:
            continue
        if is_notice(line.text):
            line.role = "notice"
            last = line
        elif last is not None and _is_notice_continuation(line.text, last.text):
            last.text = f"{last.text} {line.text}"
            line.reason = "merged"
        else:
            last = None


# --- structure --------------------------------------------------------------------------------

_BULLET = re.compile(
    r"^(?P<bullet>[□■◆◇○●◎ㅇ•·∙▸▹▶►▪‣⦁*\-–]|\d{1,2}[.)]|[가-하][.)]|\(\d{1,2}\)|[①-⑳])\s+"
    r"(?P<text>\S.*)$"
)
_FOOTNOTE = re.compile(r"^(?P<marker>\*{1,3}|※|†{1,2}|\d{1,2}\)|\[\d{1,2}\])\s*(?P<text>\S.*)$")
_CAPTION = re.compile(
    r"^(?:(?:photo|picture|image|pictured|caption|사진|그림|이미지)\s*(?:\d+\s*)?[:=.]\s*"
    r"(?:[▲△▶]\s*)?|[▲△]\s*)(?P<text>\S.*)$",
    re.IGNORECASE,
)
_BRACKET_HEADING = re.compile(
    r"^(?:【(?P<a>[^】]{1,80})】|\[(?P<b>[^\]]{1,80})\]|◈\s*(?P<c>.{1,80}))$"
)
_DASH_WRAPPED = re.compile(r"^[-–—]\s*(?P<text>.+?)\s*[-–—]$")
_METADATA_LABEL = re.compile(
    r"^(?P<label>release date|date of release|date|published|posted|updated|contact|contacts|"
    r"press contact|media contact|inquiries|homepage|website|web site|source|author|writer|"
    r"reporter|by|tel|phone|e-mail|email|보도\s*일시|배포\s*일시|보도\s*시점|배포\s*일자|작성일|"
    r"등록일|게시일|문의|담당|담당자|담당\s*부서|홈페이지|출처|작성자|기자|연락처)\s*[:：]\s*"
    r"(?P<value>\S.*)$",
    re.IGNORECASE,
)
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
_FOOTNOTE_REF = {
    m: re.compile(r"(?<=[^\s*])" + re.escape(m) + r"(?!\*)") for m in ("*", "**", "***")
}

RoleRule = Callable[[list[Line], Context, Metadata], None]


def _enabled(ctx: Context, name: str) -> bool:
    return name not in ctx.config.disabled_rules


def role_metadata(lines: list[Line], ctx: Context, meta: Metadata) -> None:
    """ "Label: value" lines (release date, contact, homepage, author ...) become metadata."""
    years = context_years(line.text for line in lines if line.kept)
    for line in lines:
        if not line.kept or line.role is not None:
            continue
        match = _METADATA_LABEL.match(line.text)
        if not match or len(line.text) > 250:
            continue
        label, value = match.group("label"), match.group("value")
        line.role = "metadata"
        if _DATE_LABELS.search(label):
            dates = find_dates(value, years)
            if dates and meta.published is None:
                meta.published = dates[0].value
        elif _URL_LABELS.search(label):
            meta.url = meta.url or find_url(value)
        elif _AUTHOR_LABELS.search(label):
            meta.authors.append(value)
        elif _CONTACT_LABELS.search(label):
            meta.contact = _contact(value)


def _contact(value: str) -> Contact:
    phone = find_phone(value)
    email = find_email(value)
    division = find_division(value.replace(phone or "\0", " ").replace(email or "\0", " "))
    name = re.split(r"\s*[(/]", value, maxsplit=1)[0].strip(" ,;") or None
    if name and (name == division or (phone and phone in name)):
        name = None
    return Contact(name=name, phone=phone, email=email, division=division)


def role_byline(lines: list[Line], ctx: Context, meta: Metadata) -> None:
    """Bylines before the body ("By Kim Min-ji", "홍길동 기자", "오재경 Oh Jae-Gyung")."""
    for line in _header(lines, ctx):
        match = _BYLINE.match(line.text)
        if match and line.role is None:
            line.role = "metadata"
            meta.authors.append(next(g for g in match.groups() if g))


def role_dateline(lines: list[Line], ctx: Context, meta: Metadata) -> None:
    """A line before the body that is only a date ("3 Dec 2023", "2021. 5. 24.") is metadata
    and the published date; else the first weekday-marked date of the lead ("May 24 (Mon)")."""
    years = context_years(line.text for line in lines if line.kept)
    for line in _header(lines, ctx):
        if line.role is not None:
            continue
        dates = find_dates(line.text, years)
        if dates and (dates[0].end - dates[0].start) >= 0.7 * len(line.text):
            line.role = "metadata"
            meta.published = meta.published or dates[0].value
    if meta.published is None:
        lead = next((x for x in lines[ctx.body_start :] if x.kept and x.role is None), None)
        if lead is not None:
            dated = [d for d in find_dates(lead.text, years) if d.weekday_given]
            if dated:
                meta.published = dated[0].value


def role_caption(lines: list[Line], ctx: Context, meta: Metadata) -> None:
    """Photo captions ("Photo : ▲ ...", "사진 = ...", "▲ ...") lose their label, keep the text."""
    for line in lines:
        if line.kept and line.role in (None, "paragraph"):
            match = _CAPTION.match(line.text)
            if match:
                line.text, line.role = match.group("text"), "caption"


def role_footnote(lines: list[Line], ctx: Context, meta: Metadata) -> None:
    """Footnotes ("* ...", "** ...", "※ ...") with their marker; a lone "* " line is a footnote
    only when a nearby line carries the marker or another footnote is next to it."""
    kept = [line for line in lines if line.kept]
    for k, line in enumerate(kept):
        if line.role not in (None, "paragraph"):
            continue
        match = _FOOTNOTE.match(line.text)
        if not match:
            continue
        marker = match.group("marker")
        if marker == "*" and not _star_footnote(kept, k):
            continue
        line.role, line.marker, line.text = "footnote", marker, match.group("text")


def _star_footnote(kept: list[Line], k: int) -> bool:
    ref = _FOOTNOTE_REF["*"]
    if any(ref.search(x.text) for x in kept[max(0, k - 6) : k] if x.role != "footnote"):
        return True
    neighbours = kept[k - 1 : k] + kept[k + 1 : k + 2]
    return any(x.role == "footnote" or x.text.startswith("** ") for x in neighbours)


def role_title(lines: list[Line], ctx: Context, meta: Metadata) -> None:
    """The title: the first marked heading or title-like line before the body (within the
    first five content lines)."""
    candidates = [x for x in lines[: max(ctx.body_start, 1)] if x.kept and x.role is None][:5]
    for line in candidates:
        if line.heading_mark or (is_title_like(line.text) and not _BULLET.match(line.text)):
            line.role = "title"
            meta.title = line.text
            return


def role_subtitle(lines: list[Line], ctx: Context, meta: Metadata) -> None:
    """Title-like lines between the title and the body ("- ... -" decks, sub-headlines)."""
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
        if wrapped or deck or (is_title_like(text) and not _BULLET.match(line.text)):
            line.text, line.role = text, "subtitle"
            subtitles.append(text)
    if subtitles:
        meta.subtitle = "\n".join(subtitles)


def role_heading(lines: list[Line], ctx: Context, meta: Metadata) -> None:
    """Headings: markdown heading marks, bracket headings ("【Key Participants】") and short
    title-like lines between paragraphs."""
    for i, line in enumerate(lines):
        if not line.kept or line.role is not None:
            continue
        bracket = _BRACKET_HEADING.match(line.text)
        if bracket:
            line.text = next(g for g in bracket.groups() if g).strip()
            line.role = "heading"
        elif line.heading_mark or (
            i >= ctx.body_start
            and is_title_like(line.text)
            and len(words(line.text)) <= 12
            and not _BULLET.match(line.text)
            and not line.text.startswith(("“", '"', "‘", "'", "「", "("))
            and not line.text.rstrip().endswith((",", ":", ";"))
        ):
            line.role = "heading"


def role_list_item(lines: list[Line], ctx: Context, meta: Metadata) -> None:
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
        match = _BULLET.match(line.text)
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

RULES: tuple[str, ...] = CLEANING_RULES
"""Every rule name, for :attr:`CleanConfig.disabled_rules`."""
assert set(RULES) == {*REMOVAL_RULES, "context", "notice", "rejoin", *ROLE_RULES}


# --- assembly ---------------------------------------------------------------------------------


def prepare_lines(text: str, config: CleanConfig) -> tuple[list[Line], list[Removed]]:
    """Normalised non-empty lines of ``text``; hard-wrapped lines rejoined."""
    lines: list[Line] = []
    removed: list[Removed] = []
    blank = True
    for raw in text.split("\n"):
        if not raw.strip():
            blank = True
            continue
        for bookmark in re.findall(r"\[bookmark:[^\]]*\]", raw, re.IGNORECASE):
            if "word_bookmark" not in config.disabled_rules:
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


_CONNECTOR_END = re.compile(
    r"(?:,|\b(?:the|a|an|of|to|and|or|in|on|for|with|by|at|from|as|that|which|who)|[가-힣]+(?:며|고|는|의|와|과|및|에))$",
    re.IGNORECASE,
)


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
    if prev.heading_mark or line.heading_mark or ends_like_sentence(prev.text):
        return False
    if _BULLET.match(line.text) or _FOOTNOTE.match(line.text) or prev.text.endswith(":"):
        return False
    first = line.text[0]
    lower_start = first.islower()
    connector = bool(_CONNECTOR_END.search(prev.text))
    if line.blank_before:
        return lower_start and connector
    if lower_start and (connector or len(prev.text) >= 60):
        return True
    return len(prev.text) >= 80 and (connector or first in "“\"'‘(「")


def _header(lines: list[Line], ctx: Context) -> list[Line]:
    return [x for x in lines[: ctx.body_start] if x.kept]


def _body_start(lines: list[Line]) -> int:
    for i, line in enumerate(lines):
        if line.kept and line.role != "notice" and is_body_like(line.text):
            return i
    return len(lines)


def classify(
    lines: list[Line], config: CleanConfig, repeated: frozenset[str] = frozenset()
) -> Cleaned:
    """Run every enabled rule over ``lines`` and assemble the cleaned document."""
    ctx = Context(config=config, repeated=repeated)
    ctx.body_start = _body_start(lines)
    for i, line in enumerate(lines):
        for name, rule in REMOVAL_RULES.items():
            if name in config.disabled_rules:
                continue
            if line.from_html and name in ("breadcrumb", "menu", "section_label"):
                continue
            reason = rule(lines, i, ctx)
            if reason is not None:
                line.reason = reason
                break
    # A section label may precede its breadcrumb in reading order: look again.
    if _enabled(ctx, "section_label"):
        for i, line in enumerate(lines):
            if line.kept and not line.from_html:
                line.reason = rule_section_label(lines, i, ctx)
    if _enabled(ctx, "context"):
        for i, line in enumerate(lines):
            if line.kept:
                line.reason = rule_context(lines, i, ctx)
    mark_notices(lines, config)
    ctx.body_start = _body_start(lines)
    meta = Metadata()
    for name, role_rule in ROLE_RULES.items():
        if name in config.disabled_rules:
            continue
        if any(x.from_html for x in lines) and name in ("title", "subtitle", "byline", "dateline"):
            continue
        role_rule(lines, ctx, meta)
    return _assemble(lines, meta)


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
        if block.role != "footnote" or marker not in _FOOTNOTE_REF:
            continue
        ref = _FOOTNOTE_REF[marker]
        for j in range(i - 1, max(-1, i - 12), -1):
            if blocks[j].role != "footnote" and ref.search(blocks[j].text):
                if (j, marker) not in claimed:
                    block.footnote_of = j
                    claimed.add((j, marker))
                break


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
                Line(text, role=None if block.role == "paragraph" else block.role,
                     level=block.level, from_html=True)
            )  # fmt: skip
    cleaned = classify(lines, config, repeated)
    return cleaned
