"""Protected spans: what a translation must carry over unchanged.

Neural models garble what they have not learned to copy: URLs, e-mail addresses, phone numbers,
amounts with their units and currencies, dates, codes and acronyms ("P4G", "CO2", "T/F").
Translation checks every sentence's output (:func:`missing_protected`): URLs, addresses, phone
numbers and codes must be there verbatim, an amount's number must be there (its unit may be
translated: "₩1.2조" -> "1.2 trillion won"), a date must be there as the same date in any form
the metadata step reads ("2021년 5월 24일" -> "May 24, 2021"). A sentence whose output fails is
translated again cut around its protected spans (:func:`pieces`): the text between is
translated, the spans are put back as they were, with the spacing they had, so they come out
verbatim by construction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from lingoflow.processors.text.entities import find_dates

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
# Units and counters that belong to the number before them.
_UNITS = (
    "%|퍼센트|%p|원|달러|유로|엔|위안|명|개|건|곳|가구|대|척|톤|배|년|개월|월|일|시간|분|초|세|"
    "ha|km²|km2|km|kg|kWh|MWh|GWh|kW|MW|GW|TWh|mm|cm|m²|m2|m³|m|t|g|L|l|°C|℃|"
    "percent|per cent|won|dollars?|euros?|yen|yuan|hectares?|kilometres?|kilometers?|tons?|tonnes?"
)
_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_KOREAN_MAGNITUDE = r"(?:\s?(?:천|백|만|억|조)(?:\s?" + _NUMBER + r"\s?(?:천|백|만|억))*)"
_SPANS = re.compile(
    r"""
    (?P<url>(?:https?://|www\.)[^\s<>"']+?)(?=[.,;:!?)\]]*(?:\s|$))
  | (?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)
  | (?P<date>\d{4}\s?년\s?\d{1,2}\s?월(?:\s?\d{1,2}\s?일)?
      | \d{1,2}\s?월\s?\d{1,2}\s?일
      | \d{4}[.\-/]\s?\d{1,2}[.\-/]\s?\d{1,2}\.?
      | (?:"""
    + _MONTHS
    + r""")\.?\s\d{1,2}(?:st|nd|rd|th)?,?\s\d{4}
      | \d{1,2}(?:st|nd|rd|th)?\s(?:"""
    + _MONTHS
    + r""")\.?,?\s\d{4})
  | (?P<phone>(?<![\w.])\+?\d{1,4}(?:[-.\s]\d{2,4}){2,4}(?![\w.]))
  | (?P<amount>(?:[₩$€£¥]\s?)?"""
    + _NUMBER
    + _KOREAN_MAGNITUDE
    + r"""?(?:\s?(?:"""
    + _UNITS
    + r"""))?(?![A-Za-z0-9_]))
  | (?P<code>(?<![\w/])(?:[A-Z][A-Za-z]*\d[A-Za-z\d]*|[A-Z]{2,}s?|[A-Z](?:/[A-Z])+)
      (?![A-Za-z0-9_/]))  # a Korean particle may follow: "P4G를"
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Piece:
    """Part of a sentence: text to translate, or a protected span (``kind``) kept as it is.
    ``space`` is the whitespace that followed it in the sentence."""

    text: str
    kind: str | None = None
    space: str = ""

    @property
    def protected(self) -> bool:
        return self.kind is not None


def protected_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, kind)`` of every protected span of ``text``, in order; kinds: url, email,
    date, phone, amount, code.

    >>> text = "See www.pa.go.kr, call +82-44-201-3720: ₩1.2조 (3.5%) for P4G by 2021년 5월 24일."
    >>> for a, b, kind in protected_spans(text):
    ...     print(kind, text[a:b])
    url www.pa.go.kr
    phone +82-44-201-3720
    amount ₩1.2조
    amount 3.5%
    code P4G
    date 2021년 5월 24일
    """
    return [
        (m.start(), m.end(), m.lastgroup or "")
        for m in _SPANS.finditer(text)
        if m.end() > m.start()
    ]


@dataclass(frozen=True)
class Forced:
    """A span ``[start, end)`` of a sentence whose translation is given: ``text`` (a glossary
    term's target)."""

    start: int
    end: int
    text: str


def pieces(sentence: str, forced: Sequence[Forced] = ()) -> list[Piece]:
    """``sentence`` cut around its protected spans; pieces without a letter (punctuation,
    bare numbers) are protected too, as there is nothing in them to translate. Joining every
    piece's text and space gives back the sentence, trailing spaces aside.

    >>> for piece in pieces("Visit https://www.pa.go.kr/en for 5만 4천 ha."):
    ...     print(piece.kind, piece.text)
    None Visit
    url https://www.pa.go.kr/en
    None for
    amount 5만 4천 ha
    punctuation .

    ``forced`` spans (ordered, not overlapping) become pieces of kind ``glossary`` holding
    their given translation; protected spans that overlap one are left to it.

    >>> [(p.kind, p.text) for p in pieces("환경부는 P4G를 열었다.", [Forced(0, 4, "MOE")])]
    [('glossary', 'MOE'), ('code', 'P4G'), (None, '를 열었다.')]
    """
    spans = [(f.start, f.end, "glossary", f.text) for f in forced]
    for start, end, kind in protected_spans(sentence):
        if not any(start < f.end and f.start < end for f in forced):
            spans.append((start, end, kind, sentence[start:end]))
    out: list[Piece] = []
    position = 0
    for start, end, kind, text in sorted(spans):
        _add_text(out, sentence[position:start])
        out.append(Piece(text, kind))
        position = end
    _add_text(out, sentence[position:])
    return out


def _add_text(out: list[Piece], text: str) -> None:
    stripped = text.strip()
    if not stripped:
        if out and text:
            out[-1] = Piece(out[-1].text, out[-1].kind, out[-1].space + text)
        return
    lead = text[: len(text) - len(text.lstrip())]
    if out and lead:
        out[-1] = Piece(out[-1].text, out[-1].kind, out[-1].space + lead)
    has_letter = any(c.isalpha() for c in stripped)
    trail = text[len(text.rstrip()) :]
    out.append(Piece(stripped, None if has_letter else "punctuation", trail))


def join_pieces(texts: list[str], parts: list[Piece], no_space: bool = False) -> str:
    """The translated sentence: each piece's new text (``texts``, in order) with the space that
    followed the original piece; protected pieces keep theirs. In a target written without
    spaces, the space between two translated pieces is dropped."""
    out: list[str] = []
    for i, (text, piece) in enumerate(zip(texts, parts, strict=True)):
        out.append(text)
        if i + 1 < len(parts):
            following = parts[i + 1]
            joined = no_space and not piece.protected and not following.protected
            out.append("" if joined else piece.space)
    return "".join(out).strip()


NUMBER = re.compile(_NUMBER)
"""A number as written: digits with thousands separators and decimals."""


def missing_protected(source: str, translation: str) -> list[str]:
    """Protected spans of ``source`` that ``translation`` does not carry over (see the module
    docstring for what carrying over means per kind); empty when all are there.

    >>> missing_protected("Call 044-201-3720 about P4G on 2021년 5월 24일: ₩1.2조.",
    ...                   "P4G: call 044-201-3720 on May 24, 2021 about 1.2 trillion won.")
    []
    >>> missing_protected("Visit www.pa.go.kr in 2021.", "Visit www.pa.ko.kr in 2012.")
    ['www.pa.go.kr', '2021']
    """
    numbers: set[str] | None = None
    dates: set[object] | None = None
    missing = []
    for start, end, kind in protected_spans(source):
        span = source[start:end]
        if span in translation:
            continue
        if kind == "amount":
            if numbers is None:
                numbers = {n.replace(",", "") for n in NUMBER.findall(translation)}
            if all(n.replace(",", "") in numbers for n in NUMBER.findall(span)):
                continue
        elif kind == "date":
            if dates is None:
                dates = {m.value for m in find_dates(translation)}
            if {m.value for m in find_dates(span)} <= dates and find_dates(span):
                continue
        missing.append(span)
    return missing
