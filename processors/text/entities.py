"""Metadata the document states: dates, contact, homepage URL, byline. Pure functions.

Dates are read in the forms government and news pages use, and returned as ISO dates:
"May 24 (Mon)", "May 24, 2021", "3 Dec 2023", "2021. 5. 24.", "2021-05-24", "2021/05/24",
"2021년 5월 24일", "5월 24일(월)". When the year is absent it is inferred from the context:
the years the document mentions, checked against the weekday when one is given ("(Mon)");
when nothing decides, the date is not guessed (None).
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from lingoflow.processors.core.record import Contact

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAYS = {
    **{name.lower(): i for i, name in enumerate(calendar.day_abbr)},
    **{name.lower(): i for i, name in enumerate(calendar.day_name)},
    **{k: i for i, k in enumerate("월화수목금토일")},
    "tues": 1,
    "thur": 3,
    "thurs": 3,
}
_WEEKDAY = r"(?:\s*\(\s*(?P<weekday>[A-Za-z]{3,9}|[월화수목금토일])(?:요일)?\.?\s*\))?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"

_DATE_PATTERNS = [
    # 2021년 5월 24일 (월)
    re.compile(_YEAR + r"\s*년\s*(?P<m>\d{1,2})\s*월\s*(?P<day>\d{1,2})\s*일" + _WEEKDAY),
    # 5월 24일(월)
    re.compile(r"(?<![\d년])(?P<m>\d{1,2})\s*월\s*(?P<day>\d{1,2})\s*일" + _WEEKDAY),
    # 2021. 5. 24.  2021-05-24  2021/05/24
    re.compile(
        _YEAR + r"(?P<sep>[./-])\s?(?P<m>\d{1,2})(?P=sep)\s?(?P<day>\d{1,2})\b\.?" + _WEEKDAY
    ),
    # May 24, 2021 / May 24 (Mon) / May 24
    re.compile(
        r"\b"
        + _MONTH
        + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b"
        + _WEEKDAY
        + r"(?:,?\s+"
        + _YEAR
        + r"\b)?",
        re.IGNORECASE,
    ),
    # 3 Dec 2023 / 24 May
    re.compile(
        r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r"\b(?:,?\s+" + _YEAR + r"\b)?",
        re.IGNORECASE,
    ),
]
_ANY_YEAR = re.compile(r"((?:19|20)\d\d)(?<!\d\d\d\d\d)(?!\d)")
# (no digit before the year, looked at behind it: the engine skips ahead to a "1" or a "2")
_PHONE = re.compile(
    r"(?<![\w-])(?:\+?\d{1,3}[-. ])?(?:\(\d{1,4}\)\s?|\d{1,4}[-. ])?\d{3,4}[-. ]\d{4}(?!\d)"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()\"'「」]+[^\s<>()\"'.,;:!?「」]")
_DIVISION = re.compile(
    r"[^,/()]*?\b(?:Division|Department|Bureau|Office|Team|Section|Center|Centre)\b[^,/()]*"
    r"|[가-힣 ]*?(?:과|국|실|팀|담당관|센터)(?=\s|$|[,)/])",
)


@dataclass(frozen=True)
class DateMention:
    """A date found in text, with where it was written."""

    value: date
    start: int
    end: int
    weekday_given: bool
    year_given: bool


def context_years(texts: Iterable[str]) -> list[int]:
    """Years mentioned in ``texts``, most mentioned first (ties: latest first); one search
    of the texts joined by newlines (a year's digit bounds see a newline as a text's edge).

    >>> context_years(["In 2019 and 2020", "2020", "12019"])
    [2020, 2019]
    """
    counts = Counter(map(int, _ANY_YEAR.findall("\n".join(texts))))
    return sorted(counts, key=lambda y: (-counts[y], -y))


def find_dates(text: str, years: list[int] | None = None) -> list[DateMention]:
    """Every date written in ``text``, in order; years inferred from ``years`` if absent."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            mention = _mention(match, years or [])
            if mention is not None:
                found.append(mention)
                taken.append((match.start(), match.end()))
    return sorted(found, key=lambda m: m.start)


def parse_date(text: str, years: list[int] | None = None) -> date | None:
    """The first date written in ``text``, or None.

    >>> parse_date("2021. 5. 24.")
    datetime.date(2021, 5, 24)
    >>> parse_date("May 24 (Mon)", [2021])
    datetime.date(2021, 5, 24)
    >>> parse_date("May 24", []) is None  # no year to place it in: left unknown
    True
    """
    dates = find_dates(text, years)
    return dates[0].value if dates else None


def metadata_date(value: str) -> date | None:
    """The date of a page's declared publication time: ISO 8601 as markup writes it (meta
    tags, JSON-LD, ``<time datetime>``), the date as written whatever the time and offset
    that follow, else the first date :func:`parse_date` reads.

    >>> metadata_date("2022-02-03T23:54:56.275-05:00"), metadata_date("20 May 2021")
    (datetime.date(2022, 2, 3), datetime.date(2021, 5, 20))
    >>> metadata_date("2022-13-45T10:00") is None
    True
    """
    iso = _ISO_DATE.match(value.strip())
    if iso is None:
        return parse_date(value)
    try:
        return date.fromisoformat(iso.group(1))
    except ValueError:
        return None


_ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:$|[T ]\d)")


def _mention(match: re.Match[str], years: list[int]) -> DateMention | None:
    groups = match.groupdict()
    month = _MONTHS.get((groups.get("month") or "").lower().rstrip(".")) or int(
        groups.get("m") or 0
    )
    day = int(groups["day"])
    weekday = _WEEKDAYS.get((groups.get("weekday") or "").lower())
    if groups.get("weekday") and weekday is None:
        return None  # "(Act)" is not a weekday
    year = int(groups["year"]) if groups.get("year") else _infer_year(month, day, weekday, years)
    if year is None or not 1 <= month <= 12:
        return None
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    if weekday is not None and groups.get("year") and value.weekday() != weekday:
        return None  # a stated year that contradicts the stated weekday: not trusted
    return DateMention(
        value, match.start(), match.end(), weekday is not None, bool(groups.get("year"))
    )


def _infer_year(month: int, day: int, weekday: int | None, years: list[int]) -> int | None:
    """The year of a date written without one, from the years the document mentions: with a
    weekday, the first of them on which the date falls on that weekday; without one, the
    document's only year. Anything else is left unknown: a year is never invented.

    >>> _infer_year(6, 3, 3, [2019]) is None  # 3 June 2019 was a Monday, not a Thursday
    True
    >>> _infer_year(5, 24, 0, [2050, 2021]), _infer_year(5, 24, None, [2021])
    (2021, 2021)
    >>> _infer_year(5, 24, None, [2021, 2050]) is None
    True
    """
    if weekday is None:
        return years[0] if len(set(years)) == 1 else None
    return next((y for y in years if _weekday(y, month, day) == weekday), None)


def _weekday(year: int, month: int, day: int) -> int | None:
    try:
        return date(year, month, day).weekday()
    except ValueError:
        return None


def find_phone(text: str) -> str | None:
    """The first phone number written in ``text`` (at least 9 digits, or a 4+4 hotline such as
    1588-1234, so that "2020-2021" is not one).

    >>> find_phone("Contact: Kim Min-ji (T. 044-201-6570)")
    '044-201-6570'
    """
    for match in _PHONE.finditer(text):
        digits = sum(c.isdigit() for c in match.group())
        if digits >= 9 or re.fullmatch(r"1[5-9]\d\d-\d{4}", match.group()):
            return match.group().strip()
    return None


def find_email(text: str) -> str | None:
    """The first e-mail address in ``text``.

    >>> find_email("Mail press@korea.kr today")
    'press@korea.kr'
    """
    match = _EMAIL.search(text)
    return match.group() if match else None


def find_url(text: str) -> str | None:
    """The first web address in ``text``."""
    match = _URL.search(text)
    return match.group() if match else None


def find_division(text: str) -> str | None:
    """A division, department or office named in ``text`` ("Urban Policy Division", "도시과")."""
    match = _DIVISION.search(text)
    return " ".join(match.group().split()) if match and match.group().strip() else None


def parse_contact(value: str) -> Contact:
    """The contact in a "Contact:" value: name, phone, e-mail and division as written.

    >>> parse_contact("Jeong, Jeong-hee (82-44-201-3720/Urban Policy Division)").division
    'Urban Policy Division'
    """
    phone = find_phone(value)
    email = find_email(value)
    division = find_division(value.replace(phone or "\0", " ").replace(email or "\0", " "))
    name = re.split(r"\s*[(/]", value, maxsplit=1)[0].strip(" ,;") or None
    if name and (name == division or (phone and phone in name)):
        name = None
    return Contact(name=name, phone=phone, email=email, division=division)
