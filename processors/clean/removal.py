"""Removal rules: each returns the reason a line is boilerplate, or None. One small function a
rule, switched off by name (:attr:`CleanConfig.disabled_rules`)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

from lingoflow.processors.clean.boilerplate import load_model
from lingoflow.processors.clean.lines import Context, ItemRun, Line
from lingoflow.processors.clean.notices import is_notice
from lingoflow.processors.core.config import CleanConfig
from lingoflow.processors.text.entities import find_url
from lingoflow.processors.text.features import (
    ends_like_sentence,
    stopword_density,
    text_size,
    words,
)
from lingoflow.processors.text.shapes import BULLET, METADATA_LABEL

RemovalRule = Callable[[list[Line], int, Context], str | None]

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
_CRUMB_MARK = re.compile("[>›»▶∙/·|]")
"""A character every separator holds: one scan of the line for it comes first (most lines
have none), the separators' pattern, tried at every position, only where it is found."""
_NUMBERED = re.compile(r"^(?:\d{1,2}[.)]|[-•·*])\s+(.+)$")
_LABEL_WORDS = frozenset(
    """name division department dept team office date registration registered posted
    updated modified written author writer reporter editor views hits viewed count contact
    tel phone fax e-mail email file files attachment attachments source category
    담당부서 부서 부서명 담당자 담당 작성자 작성일 등록일 등록일자 수정일 게시일 조회 조회수
    첨부 첨부파일 출처 연락처 전화 전화번호 분류 기자""".split()
)
_LABEL_FILLER = frozenset({"of", "by", "the", "and", "no", "no.", "number", "last"})
_LABEL_OR_FILLER = _LABEL_WORDS | _LABEL_FILLER
_PHONE_STUB = re.compile(r"^\(?\s*(?:t|tel|phone|☎|전화|문의)\s*[.:]?\s*\)?$", re.IGNORECASE)
_COPYRIGHT = re.compile(r"c(?i:opyright)|C(?i:opyright)|©|ⓒ|Ⓒ|\(c\)\s*\d{4}|\(C\)\s*\d{4}|저작권")
r"""``copyright|©|ⓒ|\(c\)\s*\d{4}|저작권`` ignoring case, written so that every alternative
starts with one character of its own (the case of "c" and "ⓒ" spelled out): the engine then
skips ahead to the next such character instead of trying the five alternatives at every
position (a quarter of the time over the lines of a page)."""
_RIGHTS_RESERVED = re.compile(r"all rights reserved\.?$", re.IGNORECASE)
_COPYRIGHT_CONTEXT = re.compile(
    r"\d{4}|all rights reserved|무단\s*(?:전재|복제)|재배포|reserved", re.IGNORECASE
)
_SHARE_WORDS = frozenset(
    """share shares sharing facebook twitter x linkedin kakao kakaotalk kakaostory band naver
    blog print email e-mail mail copy url link whatsapp telegram line pinterest reddit tumblr
    like tweet scrap 공유 공유하기 인쇄 프린트 스크랩 페이스북 트위터 카카오톡 카카오스토리 밴드
    블로그 네이버 링크복사 url복사 주소복사 좋아요 추천 글자크기 확대 축소
    xing messenger threads mastodon bluesky flipboard pocket vk vkontakte weibo wechat qq social
    media medien teilen drucken partager imprimer compartir imprimir condividi stampa compartilhar
    compartilhe delen printen udostępnij drukuj поделиться печать 分享 打印 シェア 印刷""".split()
)
_SHARE_PROMPT = re.compile(
    r"(?:share (?:this|on|via)|teile (?:diesen|den|das|die)|diesen (?:beitrag|artikel) teilen|"
    r"beitrag teilen|artikel teilen|partager (?:cet|cette|sur|l)|partagez|"
    r"compartir (?:en|este|esta)|comparte|condividi (?:su|questo|questa)|"
    r"compartilhe (?:no|na|este|esta)|deel (?:dit|via)|udostępnij (?:na|ten)|"
    r"поделиться (?:в|с))\b|分享到|シェアする"
)
"""The start of a share prompt ("Share this article:", "Teile diesen Beitrag auf", "Partager
sur"), lower case, matched on the lowered start of a line."""
_SHARE_PROMPT_START = frozenset(
    """share teile diesen beitrag artikel partager partagez compartir comparte condividi
    compartilhe deel udostępnij поделиться""".split()
)
"""The first words of :data:`_SHARE_PROMPT` (a line starting with none is not tried)."""
_SHARE_PROMPT_WORDS = 2
"""Words after a share prompt that are no share word ("article", "Beitrag auf")."""
_CALL_TO_ACTION_SHORT = re.compile(
    r"^(?:read more|read also|also read|related (?:articles?|stories|news|content|posts|reading)|"
    r"see also|further reading|more (?:news|stories)|you (?:may|might) also like|"
    r"you (?:may|might) also be interested in|recommended for you|most read|most viewed|"
    r"관련\s*기사|많이\s*본\s*(?:기사|뉴스)|추천\s*기사|기사\s*제보|구독하기|함께\s*볼\s*만한|"
    r"関連記事|あわせて読みたい|相关(?:文章|阅读|新闻)|推荐阅读|延伸阅读|"
    r"lesen sie (?:auch|mehr)|weiterlesen|weitere themen|mehr (?:zum|zu diesem) thema|"
    r"das könnte (?:dich|sie|euch) auch interessieren|auch interessant|ähnliche artikel|"
    r"zum newsletter|newsletter abonnieren|"
    r"à lire (?:aussi|également)|lire aussi|lire la suite|voir aussi|sur le même sujet|"
    r"vous (?:aimerez|pourriez aimer) aussi|"
    r"lea también|lee también|leer más|también te puede interesar|te puede interesar|"
    r"noticias relacionadas|"
    r"leggi anche|potrebbe interessarti|articoli correlati|"
    r"leia também|leia mais|veja também|"
    r"lees ook|lees meer|gerelateerde artikelen|"
    r"czytaj (?:też|także|więcej)|zobacz (?:też|także)|"
    r"читайте также|смотрите также)\b",
)
"""Labels that promote other content, in the languages of most web pages ("Read also",
"Lesen Sie auch", "À lire aussi", "Leia também", "관련기사", "関連記事"), whole words at the
start of a line.

This pattern and the three below are matched against the lowered line, in lower case
themselves, each alternative starting with a character of its own (no optional or alternative
start): the engine then skips an alternative on its first character, where ignoring case, or
a group at the start, has it try each one in full (two to three times the time over the lines
of a page)."""
_LABEL_THEN_LINK = re.compile(r"\s*[:»›>|–—-]")
"""What joins a label to the title it links to ("À lire aussi » Ballonnements ...")."""
_CALL_TO_ACTION_SENTENCE = re.compile(
    r"^(?:subscribe\b.*\b(?:newsletter|edition|updates|full story)|"
    r"sign up\b.*\b(?:newsletter|edition|updates|full story)|"
    r"for the latest .*\bdownload\b|download (?:the|our) .*\bapps?\b|follow us on\b|"
    r"don't miss (?:a|an|any|another|out)\b|don’t miss (?:a|an|any|another|out)\b|"
    r"never miss (?:a|an|any|another|out)\b|verpassen? (?:sie )?keine|"
    r"ne manquez (?:aucun|aucune|rien|plus)|abonnez-vous|inscrivez-vous à (?:la|notre) newsletter|"
    r"pour (?:lire la suite|accéder en illimité)|suscríbete|hazte miembro|"
    r"no te pierdas (?:nada|ninguna)|iscriviti alla (?:nostra )?newsletter|non perderti|"
    r"assine (?:a|nossa) newsletter|inscreva-se (?:na|em) (?:nossa )?newsletter|não perca nada|"
    r"schrijf je in voor (?:de|onze) nieuwsbrief|zapisz się do (?:naszego )?newslettera)",
)
"""Subscription and download prompts, sentences of at most 120 characters ("Subscribe to our
newsletter ...", "Verpasse keine News ...", "Ne manquez aucune actualité ...")."""
_POST_FILED = re.compile(
    r"^(?:this (?:entry|post) was posted\b|posted in\b.*\b(?:tagged|bookmark the permalink)\b|"
    r"bookmark the permalink|dieser (?:eintrag|beitrag|artikel) wurde\b.*\bveröffentlicht|"
    r"cette entrée a été publiée|esta entrada (?:fue|ha sido) publicada|"
    r"questa voce è stata pubblicata|esta entrada foi publicada|este post foi publicado|"
    r"este artigo foi publicado|dit (?:bericht|artikel) is geplaatst|ten wpis został opublikowany)",
)
"""The line a blog engine writes under a post: where it was filed, its tags, its permalink
("This entry was posted in News and tagged ... Bookmark the permalink.", in the languages
WordPress and its kin are used in)."""
_COUNTED = r" (?:responses?|comments?|replies|thoughts)(?: (?:to|on) [“\"‘'«„]|$)"
_COMMENT_PROMPT = re.compile(
    r"^(?:leave a (?:reply|comment)|post a comment|add a comment|"
    r"join the (?:discussion|conversation)|comments? (?:are )?closed|"
    r"no (?:responses|comments|replies)(?: yet| so far)?|"
    r"no (?:response|comment|reply) (?:yet|so far)|"
    rf"\d+{_COUNTED}|one{_COUNTED}|two{_COUNTED}|three{_COUNTED}|"
    r"\d+ (?:kommentare?|commentaires?|comentarios?|commenti|comentários?|reacties?)$|"
    r"schreibe einen? (?:kommentar|antwort)|schreiben sie einen? (?:kommentar|antwort)|"
    r"hinterlasse einen? (?:kommentar|antwort)|hinterlassen sie einen? (?:kommentar|antwort)|"
    r"noch keine kommentare|keine kommentare|kommentare sind geschlossen|"
    r"laisse[rz] un commentaire|laisser une réponse|aucun commentaire|"
    r"les commentaires sont fermés|"
    r"deja (?:un comentario|una respuesta)|no hay comentarios|sin comentarios|"
    r"lascia un commento|nessun commento|"
    r"deixe (?:um comentário|uma resposta)|sem comentários?|nenhum comentários?|"
    r"laat een (?:reactie|antwoord) achter|geen reacties|"
    r"dodaj komentarz|brak komentarzy|"
    r"댓글\s*(?:쓰기|달기|작성|\d+\s*개?)?$|コメントを(?:書く|残す)|发表(?:评论|回复))",
)
"""Headings and prompts of a comment section ("Leave a reply", "No responses yet", "3
comments", "Schreibe einen Kommentar", "Laisser un commentaire", "댓글 쓰기"), a whole short
line or the start of one."""


def rule_markup(lines: list[Line], i: int, ctx: Context) -> str | None:
    """Lines without a letter or digit: rules, separators, stray emphasis or table marks."""
    return "markup" if _NON_CONTENT.match(lines[i].text) else None


def rule_navigation(lines: list[Line], i: int, ctx: Context) -> str | None:
    """Skip links and navigation commands ("Skip Navigation", "본문 바로가기", "Back to top")."""
    text = lines[i].text.strip(" []<>|")
    return "navigation" if _SKIP_LINK.match(text) or _NAV_COMMAND.match(text) else None


def rule_breadcrumb(lines: list[Line], i: int, ctx: Context) -> str | None:
    """Breadcrumb trails: "Home > News > Press" on one line, or a run of short numbered or
    bulleted items starting at a home link ("1. home", "2. Community", ...). Not in HTML,
    whose extractor removed the page's navigation."""
    if ctx.from_html:
        return None
    text = lines[i].text
    separated = _CRUMB_MARK.search(text) and _CRUMB_SEPARATOR.search(text)
    parts = [p for p in _CRUMB_SEPARATOR.split(text) if p] if separated else []
    if (
        len(parts) >= 3
        and all(len(words(p)) <= 4 for p in parts)
        and (_HOME.match(parts[0]) or all(not ends_like_sentence(p) for p in parts))
        and len(_CRUMB_SEPARATOR.findall(text)) >= 2
        and not any(map(str.isdigit, text))
        and find_url(text) is None
    ):
        ctx.menu_items.update(p.lower() for p in parts)
        return "breadcrumb"
    run = _short_item_run(lines, i, ctx)
    if run is not None and _HOME.match(run.items[0]) and len(run.items) >= 2:
        _name_items(run, ctx)
        return "breadcrumb"
    return None


def _name_items(run: ItemRun, ctx: Context) -> None:
    """Add a run's items to the menu items (once per run)."""
    if not run.named:
        ctx.menu_items.update(item.lower() for item in run.items)
        run.named = True


def _short_item_run(lines: list[Line], i: int, ctx: Context) -> ItemRun | None:
    """The run of consecutive short list items that line ``i`` belongs to, if any: found
    once per run and kept for each of its lines (``ctx.item_runs``), so that a list of n
    items costs n looks, not n squared."""
    if i in ctx.item_runs:
        return ctx.item_runs[i]
    if _short_item(lines[i]) is None:
        ctx.item_runs[i] = None
        return None
    start = i
    while start > 0 and _short_item(lines[start - 1]) is not None:
        start -= 1
    items: list[str] = []
    j = start
    while j < len(lines) and (found := _short_item(lines[j])) is not None:
        items.append(found)
        j += 1
    run = ItemRun(items)
    ctx.item_runs.update(dict.fromkeys(range(start, j), run))
    return run


def _short_item(line: Line) -> str | None:
    """The text of a short numbered or bulleted list item ("1. Home", "- News"), else None."""
    match = _NUMBERED.match(line.text)
    if not match or len(words(match.group(1))) > 5 or ends_like_sentence(match.group(1)):
        return None
    return match.group(1)


def rule_menu(lines: list[Line], i: int, ctx: Context) -> str | None:
    """Menus before the body: runs of four or more very short items without function words
    (not in HTML, whose extractor removed the page's navigation)."""
    if ctx.from_html or i >= ctx.body_start:
        return None
    run = _short_item_run(lines, i, ctx)
    if run is None:
        return None
    if run.menu is None:
        run.menu = len(run.items) >= 4 and all(
            len(words(t)) <= 3 and stopword_density(t) == 0 for t in run.items
        )
    if run.menu:
        _name_items(run, ctx)
        return "navigation"
    return None


def rule_section_label(lines: list[Line], i: int, ctx: Context) -> str | None:
    """A line repeating a breadcrumb or menu item: the section's label, not content."""
    if ctx.from_html or not ctx.menu_items or len(lines[i].text) > 60:
        return None  # lower() never shortens a text
    text = lines[i].text.lower()
    return "section_label" if text in ctx.menu_items and len(text) <= 60 else None


def rule_empty_label(lines: list[Line], i: int, ctx: Context) -> str | None:
    """Metadata labels left without their value ("Division name", "등록일", "Tel.")."""
    text = lines[i].text.rstrip(" :：")
    if _PHONE_STUB.match(text):
        return "empty_label"
    tokens = text.split(maxsplit=4)  # a fifth says it is more than a label: no more split
    if not tokens or len(tokens) > 4 or any(map(str.isdigit, text)):
        return None
    tokens = text.lower().split()  # the same words lowered: lowering adds and takes no space
    if _LABEL_OR_FILLER.issuperset(tokens) and not _LABEL_WORDS.isdisjoint(tokens):
        return "empty_label"
    return None


def rule_copyright(lines: list[Line], i: int, ctx: Context) -> str | None:
    """Copyright footers ("Copyright © 2012 All rights reserved.", "ⓒ 무단 전재 및 재배포 금지")."""
    text = lines[i].text
    if len(text) > 250:
        return None
    sign = _COPYRIGHT.search(text)
    footer_shaped = sign is not None and (sign.start() <= 20 or len(text) <= 80)
    if (footer_shaped and _COPYRIGHT_CONTEXT.search(text)) or _RIGHTS_RESERVED.search(text):
        return "copyright"
    return None


def rule_share_widget(lines: list[Line], i: int, ctx: Context) -> str | None:
    """Share and print buttons: lines made only of their words ("Share Facebook Twitter",
    "Teilen Drucken"), alone or after a share prompt and at most two words of its own
    ("Share this article: Facebook", "Teile diesen Beitrag auf", "Partager sur :"), in the
    languages of most web pages."""
    text = lines[i].text
    start = text.split(None, 1)
    first = start[0].lower().strip("|·,:.") if start else ""
    prompt = None
    if first in _SHARE_PROMPT_START or first.startswith(("分享到", "シェアする")):
        prompt = _SHARE_PROMPT.match(text[:60].lower())
    elif first and first not in _SHARE_WORDS:  # most lines: no word of the loop below
        return None
    count, own = (0, 0) if prompt is None else (1, _SHARE_PROMPT_WORDS)
    for raw in (text if prompt is None else text[prompt.end() :]).split():
        token = raw.lower().strip("|·,:.")
        if not token:
            continue
        if count == 12:
            return None
        if token not in _SHARE_WORDS:  # the first word that is no share word ends the look,
            if not own:  # but for the prompt's own words
                return None
            own -= 1
        count += 1
    return "share_widget" if count else None


def rule_call_to_action(lines: list[Line], i: int, ctx: Context) -> str | None:
    """Promotions of other content: a label ("Read more", "Related articles", "Lesen Sie auch",
    "관련기사") alone or with the title it links to ("À lire aussi » ..."); subscription prompts
    ("Subscribe to our newsletter ...", "Verpasse keine News ...")."""
    text = lines[i].text
    lower = text[:200].lower()  # every label and prompt starts well within it
    label = _CALL_TO_ACTION_SHORT.match(lower)
    if label and len(words(text)) <= 6:
        return "call_to_action"
    if label and len(text) <= 200 and _LABEL_THEN_LINK.match(lower, label.end()):
        return "call_to_action"  # the label and the linked title after it
    if len(text) <= 120 and _CALL_TO_ACTION_SENTENCE.match(lower):
        return "call_to_action"
    return None


def rule_post_meta(lines: list[Line], i: int, ctx: Context) -> str | None:
    """A blog post's filing line ("This entry was posted in ... Bookmark the permalink.") and
    the prompts of its comment section ("Leave a reply", "No responses yet", "3 comments")."""
    text = lines[i].text
    if len(text) > 250:
        return None
    lower = text.lower()
    if _POST_FILED.match(lower):
        return "post_meta"
    if len(text) <= 200 and _COMMENT_PROMPT.match(lower) and len(words(text)) <= 8:
        return "post_meta"
    return None


def rule_repeated(lines: list[Line], i: int, ctx: Context) -> str | None:
    """Short lines repeated across most documents of the same source: site chrome."""
    text = lines[i].text
    if (
        ctx.repeated
        and len(text) <= ctx.config.repeated_max_chars
        and repeat_key(text) in ctx.repeated
    ):
        return "repeated"
    return None


def rule_context(lines: list[Line], i: int, ctx: Context) -> str | None:
    """jusText's context step: a short line with few function words and no sentence end,
    between removed lines (or a removed line and the document's edge), is boilerplate too."""
    line = lines[i]
    if line.from_html or len(line.text) > 40 or ends_like_sentence(line.text):
        return None
    if stopword_density(line.text) >= 0.15 or BULLET.match(line.text):
        return None
    before = lines[i - 1].reason if i > 0 else "edge"
    after = lines[i + 1].reason if i + 1 < len(lines) else "edge"
    if before and after and not (before == "edge" and after == "edge"):
        return "navigation"
    return None


def rule_boilerplate(lines: list[Line], i: int, ctx: Context) -> str | None:
    """The learned classifier (:mod:`lingoflow.processors.clean.boilerplate`), run once over
    the whole document of text (HTML has had its chrome removed by the extractor; documents
    of fewer than ``boilerplate_min_lines`` lines give it too little context): a line it
    gives a content probability below its threshold is boilerplate (menus, link lists,
    sidebars, footers), unless :func:`_keeps_its_shape` says otherwise."""
    if ctx.from_html or len(lines) < ctx.config.boilerplate_min_lines:
        return None
    model = load_model()
    if ctx.probabilities is None:
        texts = [line.text for line in lines]
        found = model.content_probabilities(texts, [line.blank_before for line in lines])
        ctx.probabilities = [float(p) for p in found]
    probabilities, threshold = ctx.probabilities, model.threshold
    if probabilities[i] >= threshold:
        return None
    last = i == len(lines) - 1
    inside = i > 0 and lines[i - 1].kept and (last or probabilities[i + 1] >= threshold)
    return None if _keeps_its_shape(lines[i].text, inside) else "boilerplate"


def _is_running_text(text: str, size: int) -> bool:
    """Function words and a sentence end (or twice ``size``), at least ``size`` long as
    :func:`text_size` measures."""
    if stopword_density(text) < 0.25:
        return False
    measured = text_size(text)
    return measured >= 2 * size or (measured >= size and ends_like_sentence(text))


def _keeps_its_shape(text: str, between_content: bool) -> bool:
    """Lines the classifier does not remove: long running text; a full sentence between two
    lines it keeps, or after one at the very end (inside the article's flow), or as a list
    item (menus are lists of words, not of sentences); "Label: value" metadata lines and site
    notices (disclosures of how the site is paid for aside), which other rules give their
    roles."""
    bullet = BULLET.match(text)
    if _is_running_text(text, 150) or (between_content and _is_running_text(text, 40)):
        return True
    if bullet and _is_running_text(bullet.group("text"), 40):
        return True
    return bool(METADATA_LABEL.match(text)) or is_notice(text, disclosures=False)


REMOVAL_RULES: dict[str, RemovalRule] = {
    "markup": rule_markup,
    "navigation": rule_navigation,
    "breadcrumb": rule_breadcrumb,
    "menu": rule_menu,
    "section_label": rule_section_label,
    "empty_label": rule_empty_label,
    "copyright": rule_copyright,
    "share_widget": rule_share_widget,
    "call_to_action": rule_call_to_action,
    "post_meta": rule_post_meta,
    "repeated": rule_repeated,
    "boilerplate": rule_boilerplate,
    "context": rule_context,
}
"""Every removal rule by name: each looks at line ``i`` and returns the reason it is
boilerplate, or None."""


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
