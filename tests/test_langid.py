"""Language identification: short, mixed and script-identified text, determinism, the CLI."""

from __future__ import annotations

import functools
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lingoflow.processors.batch import process_batch
from lingoflow.processors.core.config import PipelineConfig, TranslationConfig
from lingoflow.processors.core.document import Block, Document
from lingoflow.processors.language.detector import (
    Detection,
    LanguageDetector,
    default_candidates,
    script_runs,
)
from lingoflow.processors.pipeline import INHERITED_CONFIDENCE, detect_step
from lingoflow.processors.translate.packages import model_languages
from tests.conftest import RAW, ROOT

DETECTOR = LanguageDetector()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        # langdetect alone: lt, cy, nl, af
        ("Skip Navigation", "en"),
        ("오재경 Oh Jae-Gyung", "ko"),
        ("Division name", "en"),
        ("ㅇ Additionally, we focused on the implementation tasks for each sector", "en"),
        ("□ Following the first meeting, this meeting reviewed the progress", "en"),
        ("감사합니다", "ko"),
        ("ひらがな", "ja"),
        ("東京都庁の発表によると", "ja"),
        ("北京市人民政府", "zh"),
        ("ภาษาไทย", "th"),
        ("Здравствуйте, как дела", "ru"),
        ("مرحبا بكم في الموقع", "ar"),
        ("Thành phố Hồ Chí Minh", "vi"),
        ("anggaran", "id"),
        ("Umweltministerium", "de"),
    ],
)
def test_traps(text: str, lang: str) -> None:
    assert DETECTOR.detect(text).lang == lang


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "2021. 5. 24.",
        "044-211-2253",
        "□ ▸ ※ -",
        "ㅇ",
        "₩1,000",
        "http://www.molit.go.kr/english/intro.do",
        "press@korea.kr",
    ],
)
def test_no_letters_is_undetermined(text: str) -> None:
    found = DETECTOR.detect(text)
    assert (found.lang, found.confidence) == ("und", 0.0)


def test_bullet_jamo_and_symbols_are_not_letters() -> None:
    assert script_runs("ㅇ □ ▸ ※ 【】") == {}
    assert script_runs("ㅇ Hello 한국") == {"latin": 5, "hangul": 2}


def test_mixed_text_reports_the_other_language() -> None:
    found = DETECTOR.detect(
        "이번 회의에서 장관은 탄소중립이 핵심 국가 정책이라고 강조했다 "
        "and said that carbon neutrality is a long-term project for the entire society"
    )
    assert found.lang in {"ko", "en"} and set(found.others) == {"ko", "en"} - {found.lang}
    korean_quote = DETECTOR.detect(
        "장관은 “we will do our best”라고 말했습니다. 감사합니다 여러분."
    )
    assert korean_quote.lang == "ko"


def test_han_is_japanese_in_a_japanese_document() -> None:
    assert DETECTOR.detect("東京都庁", context="ja").lang == "ja"
    assert DETECTOR.detect("東京都庁").lang == "zh"


def test_candidates_restrict_answers() -> None:
    only = LanguageDetector(candidates=("en", "fr"))
    assert only.detect("Das ist ein deutscher Satz über Umweltpolitik.").lang in {"en", "fr"}
    assert only.detect("감사합니다").lang == "und"  # Korean is not a candidate
    assert {"en", "ko", "tl"} <= set(default_candidates(["tl"]))


def test_deterministic_within_a_process() -> None:
    texts = [line for line in RAW.joinpath("000_f584f55e35e07dee.txt").read_text().splitlines()]
    first = [LanguageDetector().detect(t) for t in texts]
    assert [LanguageDetector().detect(t) for t in texts] == first
    assert [DETECTOR.detect(t) for t in texts] == first


def test_deterministic_across_processes() -> None:
    lines = "Skip Navigation\nDivision name\nCopyright All rights reserved\nmerci beaucoup\n"
    run = [sys.executable, "-m", "lingoflow.flows.cli", "detect"]
    outputs = {
        subprocess.run(
            run, input=lines, capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout
        for _ in range(3)
    }
    assert len(outputs) == 1


def test_cli_detect_keeps_order_and_count() -> None:
    lines = "Hello there, how are you today?\n\n안녕하세요\n12345\nBonjour tout le monde\n"
    result = subprocess.run(
        [sys.executable, "-m", "lingoflow.flows.cli", "detect", "--candidates", "en,fr,ko"],
        input=lines,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    rows = [row.split("\t") for row in result.stdout.splitlines()]
    assert [r[0] for r in rows] == ["en", "und", "ko", "und", "fr"]
    assert all(0.0 <= float(r[1]) <= 1.0 for r in rows)


@pytest.mark.parametrize("sample", sorted(RAW.glob("*.txt")), ids=lambda p: p.name[:3])
def test_samples_body_english_korean_notice_korean(sample: Path) -> None:
    config = PipelineConfig(translation=TranslationConfig(enabled=False))
    (record,) = process_batch(RAW, RAW / "none", [sample.name], config, force=True).records
    assert record.language == "en"
    for segment in record.segments:
        text = segment.text[segment.lang]
        hangul = script_runs(text).get("hangul", 0)
        latin = script_runs(text).get("latin", 0)
        if hangul > latin or (hangul and latin < 20):
            assert segment.lang == "ko", text
        else:
            assert segment.lang == "en", text


def test_document_of_four_languages() -> None:
    paragraphs = {
        "ja": "政府は二〇五〇年までに温室効果ガスの排出を実質ゼロにする目標を掲げています。",
        "zh": "政府提出了到二〇五〇年实现碳中和的目标，并将推动能源结构转型。",
        "es": "El gobierno anunció hoy un nuevo plan para reducir las emisiones de carbono.",
        "de": "Die Regierung hat heute einen neuen Plan zur Senkung der Emissionen vorgestellt.",
    }
    doc = Document(rel_path="x", doc_id="x-000000000000")
    doc.blocks = [Block(text=t) for t in paragraphs.values()]
    detect_step(doc, DETECTOR, ("en", "ko"))
    assert [b.lang for b in doc.blocks] == list(paragraphs)
    assert set(doc.language_shares) == set(paragraphs)


def test_short_segments_take_their_context() -> None:
    doc = Document(rel_path="x", doc_id="x-000000000000")
    texts = [
        "Governor Kim will then attend the opening ceremony of the summit.",
        "3 Dec 2023",
        "Division name",
        "He will move to Ho Chi Minh City on the fourth and sign an agreement.",
    ]
    doc.blocks = [Block(text=t) for t in texts]
    detect_step(doc, DETECTOR, ("en", "ko"))
    assert [b.lang for b in doc.blocks] == ["en"] * 4
    assert doc.blocks[1].lang_confidence == INHERITED_CONFIDENCE
    assert doc.blocks[0].lang_confidence > 0.8


def test_candidates_include_installed_model_languages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "translate-sw_en-1_0"
    package.mkdir()
    (package / "metadata.json").write_text(
        '{"type": "translate", "from_code": "sw", "to_code": "en", "package_version": "1.0"}'
    )
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path))
    assert "sw" in default_candidates(("en", "ko"), model_languages())
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / "none"))
    assert "sw" not in default_candidates(("en", "ko"), model_languages())


SHARED_LANGID = ROOT.parent / "shared" / "eval" / "langid"


@pytest.mark.skipif(not SHARED_LANGID.is_dir(), reason="needs ../shared/eval/langid")
def test_ngrams_are_exactly_langdetects() -> None:
    """The n-grams scored are those langdetect's Detector extracts (its own code, private but
    pinned), on every shared text of two length classes and on edge cases."""
    from collections import Counter

    from lingoflow.processors.language.detector import _restricted_factory, langdetect_ngrams

    factory = _restricted_factory(("ar", "de", "en", "fr", "ja", "ko", "ru", "vi", "zh"), 0)
    assert factory is not None
    texts = [
        line
        for cls in ("sentences", "word-pairs")
        for path in sorted((SHARED_LANGID / cls).glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()[:200]
    ]
    texts += [
        "NASA and the USA. ABc AbC x",
        "  double  spaces ",
        "ÀÉÎ Ελληνικά Đường phố",
        "https://x.y/z mail@x.com hi",
        "a",
        "",
        " ",
        "Go NOW",
        "x" * 12_000,
    ]
    for text in texts:
        detector = factory.create()
        detector.append(text)
        detector.cleaning_text()
        expected = Counter(detector._extract_ngrams())
        vocabulary = factory.word_lang_prob_map
        assert Counter(g for g in langdetect_ngrams(text) if g in vocabulary) == expected, text


@functools.cache
def _latin_profiles() -> Any:
    from lingoflow.processors.language.detector import NgramProfiles, _restricted_factory

    factory = _restricted_factory(("de", "en", "fr", "vi"), 0)
    assert factory is not None
    return NgramProfiles(factory)


_WORD_CHARACTERS = "aAbBzZéÉßǅǆΣσςϒİıK\u212a가나ㄱ中ーİ\U0001d400\U00010400 .,'-1"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=_WORD_CHARACTERS, max_size=30), max_size=12))
def test_word_gram_rows_are_the_ngrams_looked_up_one_by_one(texts: list[str]) -> None:
    """The n-grams of many words found at once with numpy are those of ``_word_ngrams``, in
    its order, word after word: against a table holding every substring of the words that
    could be an n-gram (order, spaces and the capital-after-capital rule seen in full) and
    against langdetect's Latin profiles."""
    from lingoflow.processors.language.detector import (
        GramIndex,
        _langdetect_words,
        _word_ngrams,
        word_gram_rows,
    )

    words = list(dict.fromkeys(w for text in texts for w in _langdetect_words(text)))
    # every substring of one to three characters of the padded words: an n-gram taken that
    # _word_ngrams leaves out would be found too
    substrings = (
        f" {w}"[i : i + n] for w in words for n in (1, 2, 3) for i in range(len(w) + 2 - n)
    )
    every = {g: row for row, g in enumerate(dict.fromkeys(substrings))}
    latin = _latin_profiles()
    tables = [(every, GramIndex(every)), (latin.index, latin.grams)]
    for index, grams in tables:
        expected = [
            (index[g], k) for k, w in enumerate(words) for g in _word_ngrams(w) if g in index
        ]
        rows, owners = word_gram_rows(words, grams)
        assert list(zip(rows.tolist(), owners.tolist(), strict=True)) == expected


@given(
    st.dictionaries(
        st.text(alphabet="ab \U0001d400\uffff", min_size=1, max_size=3), st.integers(0, 99)
    ),
    st.text(alphabet="abc \U0001d400\U0001d401\uffff", max_size=12),
)
def test_gram_index_finds_each_ngram_ending_at_each_position(
    rows: dict[str, int], text: str
) -> None:
    """Every one-, two- and three-gram of the index is found where it ends, and nothing
    else, characters beyond the Basic Multilingual Plane and outside the index included."""
    from lingoflow.processors.language.detector import GramIndex
    from lingoflow.processors.text.characters import code_points

    found = GramIndex(rows).lookup(code_points(text)).tolist()
    for length in (1, 2, 3):
        expected = [
            rows.get(text[end + 1 - length : end + 1], -1) if end + 1 >= length else -1
            for end in range(len(text))
        ]
        assert found[length - 1] == expected


_TEXT_CHARACTERS = (
    "aAzZ19[\\]^_`{@ .,-  eEoOuU\u0300\u0301\u0303\u0309\u0323ăđơưếỆ"
    "ÀÉßΣσ가ㄱㅏ中ーアあыЖ\u0600ع\u2000\u3000\uff21\U0001d400\U00020000"
)


@functools.cache
def _langdetect_factory() -> Any:
    from lingoflow.processors.language.detector import _restricted_factory

    return _restricted_factory(("ar", "de", "en", "fr", "ja", "ko", "ru", "vi", "zh"), 0)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_TEXT_CHARACTERS, max_size=60))
def test_ngrams_are_langdetects_on_generated_text(text: str) -> None:
    """The same on generated text mixing ASCII (the bytes path), langdetect's "[A-z]"
    punctuation, Vietnamese marks, scripts that tip the Latin letters out, characters the
    normalisation maps and characters beyond the Basic Multilingual Plane."""
    from collections import Counter

    from lingoflow.processors.language.detector import langdetect_ngrams

    factory = _langdetect_factory()
    detector = factory.create()
    detector.append(text)
    detector.cleaning_text()
    grams = Counter(langdetect_ngrams(text))
    assert Counter(g for g in grams.elements() if g in factory.word_lang_prob_map) == Counter(
        detector._extract_ngrams()
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=_TEXT_CHARACTERS + "ไשΩअ\u0d00\ud7a3\ud7a4\uac00", max_size=40)))
def test_script_counts_of_many_texts_are_each_scripts_pattern(texts: list[str]) -> None:
    """Letters per script counted for many texts at once with a table are what each
    script's pattern finds in each text alone."""
    from collections import Counter

    from lingoflow.processors.language.detector import _SCRIPT_RE, script_runs_many

    expected = [
        Counter({name: n for name, p in _SCRIPT_RE if (n := sum(map(len, p.findall(text))))})
        for text in texts
    ]
    assert [dict(c) for c in script_runs_many(texts)] == [dict(c) for c in expected]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=_TEXT_CHARACTERS + "가나://@", max_size=40), max_size=8))
def test_keys_of_many_texts_are_each_texts_keys(texts: list[str]) -> None:
    """The texts outside ASCII are normalised together, in one array: each text's keys are
    still its own (one text at a time is what the test against langdetect above checks),
    Latin letters dropped from the mostly non-Latin ones only, whatever the texts around it
    (ASCII, empty, addresses, a text whose letters are all dropped)."""
    from lingoflow.processors.language.detector import _langdetect_keys_many

    assert _langdetect_keys_many(texts) == [_langdetect_keys_many([t])[0] for t in texts]


def test_detection_is_cached_by_text_and_answers_the_same() -> None:
    detector = LanguageDetector(("de", "en", "fr"))
    text = "Le gouvernement a annoncé un nouveau plan pour les parcs de la ville."
    first = detector.detect(text)
    assert detector.detect(text) is first
    detector.clear_cache()
    assert detector.detect(text) == first


def test_bad_input_costs_detector_work_linear_in_its_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 20 MB single line, 200,000 one-word lines and a script no candidate covers each get a
    record; the statistical scoring reads a bounded prefix of a segment and is asked once per
    distinct segment text."""
    import lingoflow.processors.language.detector as langid

    calls: list[int] = []
    real = langid.NgramProfiles.posteriors

    def counted(self: langid.NgramProfiles, texts: Sequence[str], *args: Any) -> Any:
        calls.extend(len(text) for text in texts)
        return real(self, texts, *args)

    monkeypatch.setattr(langid.NgramProfiles, "posteriors", counted)
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "kappa"]
    inputs = {
        "long-line.txt": ("lorem ipsum dolor sit amet " * 800_000).encode(),  # ~21 MB
        "many-lines.txt": "\n".join(words[i % 8] for i in range(200_000)).encode(),
        "unknown-script.txt": ("ሰላም ለዓለም ይህ ጽሑፍ ነው። " * 2000).encode(),  # Ethiopic
    }
    for name, data in inputs.items():
        calls.clear()
        doc = Document(rel_path=name, doc_id="x-000000000000", data=data)
        from lingoflow.processors.pipeline import run_steps

        run_steps([doc], PipelineConfig(translation=TranslationConfig(enabled=False)))
        assert doc.status in ("ok", "partial"), (name, doc.errors)
        assert len(calls) <= 64, (name, len(calls))  # distinct segment texts, not lines
    assert sum(1 for c in calls if c > 0) == 0  # Ethiopic: no candidate, no statistics


BATCH_TEXTS = [
    "The ministry announced a new plan for city parks.",
    "서울시는 공원 계획을 발표했다.",
    "오재경 Oh Jae-Gyung",
    "Le gouvernement a annoncé un nouveau plan.",
    "Home",
    "3 Dec 2023",
    "https://www.example.org/press info@example.org",
    "東京都庁",
    "Москва — столица России.",
    "Thành phố Hồ Chí Minh",
    "",
    "Home",  # repeated: answered once, in its place
    "مرحبا بالعالم",
]


def test_detect_many_answers_as_one_at_a_time() -> None:
    """Scoring a batch together gives each text the answer it gets alone, in order, with
    repeats and with a document context."""
    batch = LanguageDetector().detect_many(BATCH_TEXTS)
    assert batch == [LanguageDetector().detect(t) for t in BATCH_TEXTS]
    assert [d.lang for d in batch[:4]] == ["en", "ko", "ko", "fr"]
    in_japanese = LanguageDetector().detect_many(BATCH_TEXTS, context="ja")
    assert in_japanese == [LanguageDetector().detect(t, context="ja") for t in BATCH_TEXTS]
    assert in_japanese[7].lang == "ja" and batch[7].lang == "zh"


_ASCII_TEXT = st.lists(
    st.sampled_from(
        [
            *"aeinostuAEIOSTW .,;-'0129@:/",
            *("The ", "ministry ", "www.", "https://", "don't ", "le ", "Das ", "und ", "\n"),
            *("o'", "'s ", "a'b'c "),
        ]
    ),
    max_size=60,
).map("".join)


def _planned(detector: LanguageDetector, text: str) -> Detection:
    """A text's detection through the general path: its letters per script, each script
    scored on its own text, the scripts weighed."""
    from lingoflow.processors.language.detector import _without_addresses

    cleaned = _without_addresses(text)
    plan = detector._plan(cleaned, script_runs(cleaned), None)
    for script, script_text in plan.pending.items():
        group = detector._group(script)
        plan.found[script] = detector._statistical_many(script, group, [script_text])[0]
    return plan.finish()


@settings(max_examples=300, deadline=None)
@given(st.lists(_ASCII_TEXT, max_size=8))
@example(["don't " * 7, "o'a " * 13, "don't " * 6 + "now"])  # 14, 26, 13 runs of letters
def test_ascii_texts_scored_directly_answer_as_planned(texts: list[str]) -> None:
    """ASCII texts skip the planning by script (their letters are all Latin): the answer
    is the one the general path gives, in a batch mixed with other scripts too; the first
    words the word-frequency blend reads are taken from langdetect's words when they are
    the same words, and they are the same as found on their own."""
    from lingoflow.processors.language.detector import (
        MAX_SHORT_WORDS,
        _first_words,
        _langdetect_keys,
        _short_words,
    )

    for text in texts:
        words = _first_words(text)
        expected = words if len(words) <= MAX_SHORT_WORDS else None
        assert _short_words(text, _langdetect_keys(text)) == _short_words(text) == expected
    detector = DETECTOR
    detector.clear_cache()
    batch = [*texts, "서울시는 공원 계획을 발표했다 Seoul", "Ça coûte 3 €"]
    assert detector.detect_many(batch) == [_planned(detector, t) for t in batch]


def test_detect_many_of_nothing_and_cached_answers() -> None:
    detector = LanguageDetector(("de", "en", "fr"))
    assert detector.detect_many([]) == []
    first = detector.detect("Das ist ein deutscher Satz über Umweltpolitik.")
    again = detector.detect_many(
        ["Bonjour à tous", "Das ist ein deutscher Satz über Umweltpolitik."]
    )
    assert again[1] is first and again[0].lang == "fr"


def test_word_tables_past_their_limit_start_again_with_the_same_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The per-word vectors are kept in tables of at most WORD_CACHE_SIZE words; a batch that
    would pass the limit empties the table first, and the answers do not change."""
    import lingoflow.processors.language.detector as langid

    expected = [LanguageDetector().detect(t) for t in BATCH_TEXTS]
    monkeypatch.setattr(langid, "WORD_CACHE_SIZE", 6)
    detector = LanguageDetector()
    assert [detector.detect_many([t])[0] for t in BATCH_TEXTS] == expected
    profiles = detector._ngram_profiles["latin"]
    assert profiles is not None and len(profiles._words.row) < 21  # of 21 words: emptied
    detector._cache.clear()  # answers forgotten, the tables kept
    assert detector.detect_many(BATCH_TEXTS) == expected


def test_new_words_learned_a_few_characters_at_a_time_answer_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """New words' n-grams are looked up in chunks of LEARN_CHARACTERS characters, with
    arrays or (chunks of at most FEW_CHARACTERS) one by one; chunks of a word or two give the
    answers of one chunk for all, by either way."""
    import lingoflow.processors.language.detector as langid

    monkeypatch.setattr(langid, "FEW_CHARACTERS", 0)  # arrays only
    expected = LanguageDetector().detect_many(BATCH_TEXTS)
    monkeypatch.setattr(langid, "LEARN_CHARACTERS", 5)
    assert LanguageDetector().detect_many(BATCH_TEXTS) == expected
    monkeypatch.setattr(langid, "LEARN_CHARACTERS", 16_384)
    monkeypatch.setattr(langid, "FEW_CHARACTERS", 10**6)  # one by one, in one chunk
    assert LanguageDetector().detect_many(BATCH_TEXTS) == expected
    assert [LanguageDetector().detect(t) for t in BATCH_TEXTS] == expected


def test_one_detector_shared_by_threads_answers_as_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches in threads of one process (a thread pool task runner, Dask threads) share the
    process's detector and its word tables: their answers are those of one thread alone,
    with the tables emptied and refilled while they run."""
    import random
    import sys
    import threading

    import lingoflow.processors.language.detector as langid

    words = "the of plan city park ministry le la der die und el los parque ville stadt".split()
    rng = random.Random(7)
    texts = [
        " ".join(rng.choice(words) + rng.choice("abcdefgh") for _ in range(6)) for _ in range(600)
    ]
    monkeypatch.setattr(langid, "WORD_CACHE_SIZE", 300)
    expected = [LanguageDetector().detect(t) for t in texts]
    shared = LanguageDetector()
    results: dict[int, list[Detection]] = {}

    def work(k: int) -> None:
        chunk = texts[k::4]
        found: list[Detection] = []
        for start in range(0, len(chunk), 10):
            found += shared.detect_many(chunk[start : start + 10])
        results[k] = found

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns inside the scoring, not between calls
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    for k in range(4):
        assert results[k] == expected[k::4]
