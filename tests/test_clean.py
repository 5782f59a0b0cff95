"""Cleaning rules: the hand-written cases, and proof that every rule matters."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lingoflow.processors.clean.cleaner import RULES, clean_blocks, clean_text
from lingoflow.processors.clean.notices import is_notice
from lingoflow.processors.core.config import CleanConfig
from lingoflow.processors.core.document import Block
from lingoflow.processors.text.features import stopword_density
from tests.cleaning_cases import expected, load_cases, run_case
from tests.conftest import ROOT
from tests.test_golden import golden_mismatches

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    assert run_case(case, CleanConfig()) == expected(case)


def test_every_rule_has_a_case_and_a_negative_where_it_removes() -> None:
    covered = {case["rule"] for case in CASES}
    assert set(RULES) - {"section_label"} <= covered, set(RULES) - covered


@pytest.mark.parametrize("rule", RULES)
def test_disabling_the_rule_breaks_a_case_or_a_golden_record(rule: str) -> None:
    config = CleanConfig(disabled_rules=frozenset({rule}))
    failing = [c["name"] for c in CASES if run_case(c, config) != expected(c)]
    assert failing or golden_mismatches(config), f"no test notices when {rule!r} is off"


def test_unknown_rule_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown cleaning rule"):
        CleanConfig(disabled_rules=frozenset({"no_such_rule"}))


def test_stopword_density_reads_english_and_korean() -> None:
    assert stopword_density("the role of local governments in the transition") >= 0.4
    assert stopword_density("대통령기록관이 법률에 의해 이관받아 서비스한다") >= 0.5
    assert stopword_density("Home Community Media News") == 0.0


@pytest.mark.parametrize(
    ("text", "notice"),
    [
        ("이 누리집은 대한민국 공식 전자정부 누리집입니다.", True),
        ("We use cookies to give you the best experience on our website.", True),
        ("This page is archived and no longer maintained.", True),
        (
            "이 웹사이트는 제20대 대통령 임기 종료에 따라 대통령기록관이 이관받은 기록물입니다.",
            True,
        ),
        ("The ministry opened a new archive of climate data for researchers.", False),
        ("This page lists the 18 tasks of the strategy.", False),
        ("쿠키 공장 노동자들이 임금 인상을 요구했다.", False),
        (
            "We recommend the best products through an independent review process. We may "
            "receive compensation if you visit partners we recommend.",
            True,
        ),
        ("As an Amazon Associate I earn from qualifying purchases.", True),
        ("This post contains affiliate links, at no extra cost to you.", True),
        ("(*) Alle mit einem Stern gekennzeichneten Links sind Affiliate-Links.", True),
        ("Für Käufe über diese Links erhalten wir eventuell eine Provision.", True),
        ("Cet article contient des liens d'affiliation.", True),
        ("Este artículo contiene enlaces de afiliados.", True),
        ("Cet article contient des liens sponsorisés.", True),
        ("Questo articolo contiene link di affiliazione.", True),
        ("Este artigo contém links de afiliados.", True),
        ("Als u via deze links koopt, ontvangen wij een kleine vergoeding.", True),
        ("Alle mit * markierten Links sind Partnerlinks.", True),
        ("Solche Links kennzeichnen wir mit einem Sternchen.", True),
        ("Podemos recibir una comisión por las compras.", True),
        ("The European Commission will receive the report when you ask for it.", False),
        ("We will receive a commission of five members, the ministry said.", False),
        ("Pflichtfelder sind mit einem Stern gekennzeichnet.", False),
        ("Die mit einem Sternchen gekennzeichneten Werte sind signifikant.", False),
        ("Affiliate Program", False),
    ],
)
def test_notice_recognition(text: str, notice: bool) -> None:
    assert is_notice(text) is notice


_NOTICE_WORDS = st.lists(
    st.sampled_from(
        "this THIS thİs thıs our OUR ſite site SITE page Page portal web cookie COOKIEs "
        "cooKie archived ARCHIVED is was uses use we privacy records archive 이 본 웹 사이트 "
        "누리집 홈페이지 페이지 쿠키를 사용 공식 전자정부 기록물 의 a , . é I may receive "
        "compensation commission COMMİSSİON if you links Affiliate-Links affiliate link mit "
        "einem Stern Sternchen gekennzeichneten kennzeichnen wir erhalten eine Provision "
        "liens d'affiliation enlaces de afiliados sponsorisés ontvangen wij een vergoeding at no "
        "extra cost to you as an Amazon associate Werbelinks * markierten Provisions-Links "
        "VERGÜTUNG".split()
    ),
    max_size=12,
).map(" ".join)


@settings(max_examples=400)
@given(_NOTICE_WORDS)
@example("THİS SİTE uſes cooKies")
@example("이 누리집은 공식 전자정부 누리집입니다")
@example("AFFİLİATE LİNKS in this post")
def test_notice_words_looked_for_first_decide_as_the_patterns_alone(text: str) -> None:
    """The words looked for before any pattern (cases folded as the patterns fold them,
    "İ ı ſ K" included) never hide a notice the patterns would find; disclosures, matched on
    the folded text, are what their pattern finds ignoring case."""
    from lingoflow.processors.clean.notices import (
        _DISCLOSURE,
        _NOTICE_STRONG,
        _NOTICE_TOPIC,
        _SITE_REFERENCE,
        DISCLOSURE_MIN_CHARS,
    )

    disclosure = re.compile(_DISCLOSURE.pattern, re.IGNORECASE)
    other = bool(
        _NOTICE_STRONG.search(text) or (_SITE_REFERENCE.search(text) and _NOTICE_TOPIC.search(text))
    )
    discloses = bool(len(text) >= DISCLOSURE_MIN_CHARS and disclosure.search(text))
    assert is_notice(text) is (discloses or other)
    assert is_notice(text, disclosures=False) is other


def test_every_input_line_is_kept_or_removed_with_a_reason() -> None:
    lines = [line for case in CASES for line in case["input"]]
    cleaned = clean_text("\n".join(lines), CleanConfig())
    kept = " ".join(b.text for b in cleaned.blocks)
    for line in lines:
        core = " ".join(line.replace("[bookmark: _GoBack]", "").split())
        core = core.lstrip("□ㅇ▸-*※ ").strip(" -")
        words = [w for w in core.split() if w.isalpha()][-3:]
        assert all(w in kept for w in words) or any(
            r.text in line or line.strip() in r.text for r in cleaned.removed
        ), line


def test_html_blocks_keep_their_roles_and_lose_chrome() -> None:
    blocks = [
        Block("City expands parks", role="heading"),
        Block("Share Facebook Twitter"),
        Block("Photo: ▲ The new park in Mapo"),
        Block("The city will open 12 new parks this year, the mayor said on Monday."),
        Block("First item", role="list_item", level=1),
        Block("We use cookies to improve this site. Accept all cookies."),
        Block("Copyright © 2024 Seoul Metropolitan Government. All rights reserved."),
    ]
    cleaned = clean_blocks(blocks, CleanConfig())
    assert [(b.role, b.text, b.level) for b in cleaned.blocks] == [
        ("heading", "City expands parks", None),
        ("caption", "The new park in Mapo", None),
        ("paragraph", "The city will open 12 new parks this year, the mayor said on Monday.", None),
        ("list_item", "First item", 1),
        ("notice", "We use cookies to improve this site. Accept all cookies.", None),
    ]
    assert [r.reason for r in cleaned.removed] == ["share_widget", "copyright"]


KNOWN_FAILURES = json.loads(
    (ROOT / "tests" / "test-cases" / "known-failures.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", KNOWN_FAILURES, ids=[c["name"] for c in KNOWN_FAILURES])
def test_known_failure_is_still_wrong_the_same_way(case: dict[str, Any]) -> None:
    """Known failures are kept on purpose; when one starts passing, move it to cleaning.json
    with its right expectation."""
    cleaned = clean_text("\n".join(case["input"]), CleanConfig())
    removed = [[r.reason, r.text] for r in cleaned.removed]
    for item in case["wrong"].get("removed", []):
        assert item in removed
    roles = {b.text: b.role for b in cleaned.blocks}
    for text, role in case["wrong"].get("roles", []):
        assert roles.get(text) == role


def test_every_share_prompt_starts_with_a_word_the_rule_tries() -> None:
    """The share rule tries its prompt pattern only on lines whose first word is one of
    ``_SHARE_PROMPT_START`` (or that start with a CJK prompt): each alternative of the pattern
    starts with such a word, in every spelling its groups allow."""
    import re._constants as sre
    import re._parser

    from lingoflow.processors.clean import removal

    def starts(items: list[Any], prefix: str = "") -> set[str]:
        """The literal text of ``items`` up to its first space, for each branch taken."""
        for k, (op, av) in enumerate(items):
            if op is sre.LITERAL:
                if chr(av) == " ":
                    return {prefix}
                prefix += chr(av)
            elif op is sre.SUBPATTERN:
                return starts([*av[-1].data, *items[k + 1 :]], prefix)
            elif op is sre.BRANCH:
                return set().union(*(starts([*a.data, *items[k + 1 :]], prefix) for a in av[1]))
            else:
                return {prefix}
        return {prefix}

    pattern = removal._SHARE_PROMPT
    found = starts(list(re._parser.parse(pattern.pattern, pattern.flags).data))
    assert found <= removal._SHARE_PROMPT_START | {"分享到", "シェアする"}
    assert {"share", "teile", "partager", "分享到"} <= found
