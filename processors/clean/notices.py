"""Site notices: archive banners, e-government banners, cookie and privacy notices, and how a
site is paid for (affiliate links, advertiser disclosures). They are about the site rather
than the document, get role ``notice`` and their own language, and
lines that go on with them are merged into them."""

from __future__ import annotations

import re

from lingoflow.processors.clean.lines import Context, Line, enabled
from lingoflow.processors.text.features import is_title_like, text_size

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
_DISCLOSURE = re.compile(
    r"\baffiliate[- ](?:links?|commissions?|disclosure)\b"
    r"|\badvertiser disclosure\b|\badvertisers (?:do not|don't|don’t) influence\b"
    r"|\bas an amazon associate\b|\bearn us a (?:small )?commission\b"
    r"|\bat no (?:extra|additional) cost to you\b"
    r"|\b(?:we|i) (?:may |might |will |can |could )?(?:receive|earn|get|make) (?:a )?(?:small )?"
    r"(?:commission|compensation)\b[^.!?\n]{0,80}?\b(?:(?:if|when) you|links?|purchases?)\b"
    r"|\bprovisions-?links?\b|\bwerbe-?links?\b"
    r"|\b(?:erhalten|bekommen|verdienen) wir (?:\w+ ){0,3}?(?:eine )?(?:kleine )?"
    r"(?:provision|vergütung)\b"
    r"|\bmit (?:einem )?(?:sternchen|stern|\*) (?:gekennzeichnet|markiert)\w* links?\b"
    r"|\blinks?,? (?:die|welche) mit (?:einem )?(?:sternchen|stern|\*) (?:gekennzeichnet|markiert)"
    r"|\blinks? (?:kennzeichnen|markieren) wir mit (?:einem )?(?:sternchen|stern|\*)"
    r"|\bliens? (?:d'affiliation|d’affiliation|affiliés|sponsorisés)\b"
    r"|\bnous (?:pouvons |pourrions )?(?:percevoir|recevoir|toucher) une (?:petite )?commission\b"
    r"|\benlaces? (?:de afiliados?|afiliados)\b|\brecibi(?:r|mos) una (?:pequeña )?comisión\b"
    r"|\blink (?:di affiliazione|affiliati)\b|\bricev(?:ere|iamo) una (?:piccola )?commissione\b"
    r"|\blinks? de afiliad[oa]s?\b|\brecebe(?:r|mos) uma (?:pequena )?comissão\b"
    r"|\b(?:ontvangen|krijgen) (?:wij|we) (?:een )?(?:kleine )?(?:commissie|vergoeding)\b"
)
"""How the site is paid for, matched on :func:`_folded` text: affiliate links and the
commission they earn, advertiser disclosures ("We may receive compensation if you ...",
"Alle mit einem Stern gekennzeichneten Links sind Affiliate-Links", "liens d'affiliation"),
in the languages of most web pages. A commission or a star is not enough alone: "the
Commission", "mit einem Stern gekennzeichnet" (a form's required fields) are no disclosure."""
_DISCLOSURE_WORD = re.compile(
    "fili|advertis|amazon|commis|comis|compensation|provision|vergütung|vergoeding|werbe"
    "|kennzeichn|markier|sponsoris|cost to you"
)
"""A word every :data:`_DISCLOSURE` alternative holds ("fili" for affiliate, afiliado,
affiliés), looked for first: one scan of the line, where the pattern, starting with
alternatives, is tried at every position (most lines hold none)."""
DISCLOSURE_MIN_CHARS = 24
"""A disclosure is a sentence ("Enthält Affiliate-Links."): shorter lines are labels and
links ("Affiliate Program"), not looked at."""
_NOTICE_OPENER = re.compile(r"^(?:다만|단,|또한|however|please|if you)", re.IGNORECASE)
_NOTICE_CLOSING = re.compile(r"(?:감사합니다|thank you)\.?$", re.IGNORECASE)
NOTICE_CONTINUATION_MAX_CHARS = 400


def is_notice(text: str, disclosures: bool = True) -> bool:
    """A site-level notice: about the site itself (archive, official status, cookies, privacy,
    how it is paid for) rather than the document's subject. ``disclosures``: whether a
    disclosure of how the site is paid for counts (callers that only rescue notices from
    what a classifier drops leave them out: a disclosure it drops stays dropped, and the
    pattern is not tried on every line of chrome)."""
    if len(text) > 800:
        return False
    folded = _folded(text)
    if disclosures and _discloses(folded):
        return True
    if not _may_be_notice(folded):
        return False
    if _NOTICE_STRONG.search(text):
        return True
    return bool(_SITE_REFERENCE.search(text) and _NOTICE_TOPIC.search(text))


_CASE_TWINS = re.compile("[\u0130\u0131\u017f\u212a]")
"""The four characters outside ASCII that a pattern ignoring case takes for an ASCII letter
(İ and ı for "i", ſ for "s", the Kelvin sign for "k")."""
_CASE_TWINS_ASCII = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def _folded(text: str) -> str:
    """``text`` in lower case with :data:`_CASE_TWINS` as their ASCII letters (as many
    characters: İ, the one character that lowers to two, is one of them): where the
    patterns, ignoring case, find "this" or "cookie", this text holds the word as written.

    >>> _folded("THİS ſite uses COOKIES")
    'this site uses cookies'
    """
    if not text.isascii() and _CASE_TWINS.search(text):
        text = text.translate(_CASE_TWINS_ASCII)
    return text.lower()


def _discloses(folded: str) -> bool:
    """Whether ``folded`` text (:func:`_folded`, as long as the text) says how the site is
    paid for (:data:`_DISCLOSURE`, tried only on a line long enough that holds a
    :data:`_DISCLOSURE_WORD`).

    >>> _discloses("we may receive compensation if you visit partners we recommend.")
    True
    >>> _discloses("the commission will receive the report when you ask for it.")
    False
    """
    return (
        len(folded) >= DISCLOSURE_MIN_CHARS
        and _DISCLOSURE_WORD.search(folded) is not None
        and _DISCLOSURE.search(folded) is not None
    )


def _may_be_notice(folded: str) -> bool:
    """Whether ``folded`` text (:func:`_folded`) holds a word every pattern of the other
    notices (archive, official-site, cookie and privacy notices; disclosures have their own
    words) needs: a strong notice's "cookie", "archived", "쿠키" or "누리집", or a site
    reference's "this"/"our" with "site", "page" or "portal", or its "사이트", "누리집" or
    "페이지" (most lines hold none: no pattern is tried, where the patterns, ignoring case
    and starting with alternatives, try every position)."""
    if "cookie" in folded or "archived" in folded:
        return True
    if ("this" in folded or "our" in folded) and (
        "site" in folded or "page" in folded or "portal" in folded
    ):
        return True
    if folded.isascii():
        return False
    return "쿠키" in folded or "누리집" in folded or "사이트" in folded or "페이지" in folded


def _is_notice_continuation(text: str, notice: str) -> bool:
    """A line that goes on with the notice before it: in the same script, not a headline, not
    too long, and either closing it ("감사합니다.", "Thank you.") or about the site itself (an
    opener such as "다만"/"However"/"Please", or a reference to the site, together with a
    notice topic: records, privacy, cookies, archive)."""
    headline = is_title_like(text) and text_size(text) <= 120
    if len(text) > NOTICE_CONTINUATION_MAX_CHARS or headline:
        return False
    same_script = _hangul_share(text) >= 0.5 if _hangul_share(notice) >= 0.5 else True
    if not same_script:
        return False
    if _NOTICE_CLOSING.search(text):
        return True
    about_site = bool(_NOTICE_OPENER.match(text) or _SITE_REFERENCE.search(text))
    return about_site and bool(_NOTICE_TOPIC.search(text))


def _hangul_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum("\uac00" <= c <= "\ud7a3" for c in letters) / len(letters) if letters else 0.0


def mark_notices(lines: list[Line], ctx: Context) -> None:
    """Give notices role ``notice``; lines continuing a notice join it."""
    if not enabled(ctx, "notice"):
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
