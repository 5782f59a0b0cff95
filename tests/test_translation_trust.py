"""Translation that can be trusted without reading it: the glossary, flagged translations
left out, loops translated again; through the pipeline, the flows and the command line.

The installed test models turn every token into another one (fluent-looking gibberish), so
nothing a test expects in an output can come from the model by chance."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest

import lingoflow.processors.translate.engine as translate
from lingoflow.flows.cli import main
from lingoflow.processors.batch import settings_digest
from lingoflow.processors.core.config import PipelineConfig, TranslationConfig
from lingoflow.processors.core.document import Document, to_record
from lingoflow.processors.core.languages import Pair
from lingoflow.processors.pipeline import run_steps
from lingoflow.processors.translate.engine import EngineStats, TranslationEngine
from tests.helpers import load_records

KO = "환경부는 오늘 탄소중립 이행계획을 발표했다."
EN = "The Carbon Neutrality Commission met in Seoul on Monday to agree the new plan."
GLOSSARY = (
    "ko\ten\t환경부\tMinistry of Environment\n"
    "en\tko\tCarbon Neutrality Commission\t탄소중립위원회\n"
    "en\tko\tSeoul\tSeoul\n"
)


def glossary_file(tmp_path: Path, text: str = GLOSSARY) -> Path:
    path = tmp_path / "glossary.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def run(text: str, packages: Path, **settings: Any) -> tuple[Document, Any]:
    config = PipelineConfig(
        translation=TranslationConfig(packages_dir=str(packages), cache=False, **settings)
    )
    doc = Document(rel_path="x.txt", doc_id="x-000000000000", data=text.encode("utf-8"))
    report = run_steps([doc], config, engine=TranslationEngine.load(config.translation))
    return doc, report


def test_glossary_terms_are_forced_into_translations(
    installed_test_models: Path, tmp_path: Path
) -> None:
    glossary = str(glossary_file(tmp_path))
    doc, report = run(f"{KO}\n\n{EN}", installed_test_models, glossary=glossary)
    korean, english = doc.blocks
    assert (korean.lang, english.lang) == ("ko", "en")
    assert "Ministry of Environment" in korean.translations["en"]
    assert "탄소중립위원회" in english.translations["ko"]
    assert "Seoul" in english.translations["ko"]  # do not translate
    assert korean.quality["en"].glossary == ["환경부"]
    assert english.quality["ko"].glossary == ["Carbon Neutrality Commission", "Seoul"]
    assert report.glossary_terms == {"환경부": 1, "Carbon Neutrality Commission": 1, "Seoul": 1}
    record = to_record(doc, ("en", "ko"), version="test", settings_digest="0" * 16)
    assert record.segments[0].translation_quality["en"].glossary == ["환경부"]


def test_without_a_glossary_the_terms_are_garbled(installed_test_models: Path) -> None:
    """The control of the test above: the model alone does not produce the terms."""
    doc, _ = run(f"{KO}\n\n{EN}", installed_test_models)
    assert "Ministry of Environment" not in doc.blocks[0].translations["en"]
    assert "탄소중립위원회" not in doc.blocks[1].translations["ko"]
    assert doc.blocks[0].quality["en"].glossary == []


def test_the_glossary_is_part_of_cache_keys_and_the_settings_digest(tmp_path: Path) -> None:
    plain = TranslationConfig(cache_dir=str(tmp_path))
    with_terms = TranslationConfig(cache_dir=str(tmp_path), glossary=str(glossary_file(tmp_path)))

    def digest(config: TranslationConfig) -> str:
        return settings_digest(PipelineConfig(translation=config), None)

    def cache_settings(config: TranslationConfig) -> str:
        return TranslationEngine(config=config).cache_settings()

    assert digest(plain) != digest(with_terms)
    assert "glossary" not in cache_settings(plain)
    before = digest(with_terms), cache_settings(with_terms)
    glossary_file(tmp_path, GLOSSARY.replace("Ministry of Environment", "MOE"))
    after = digest(with_terms), cache_settings(with_terms)
    assert after[0] != before[0] and after[1] != before[1]


def test_flagged_translations_can_be_rejected(tmp_path: Path) -> None:
    """A copy model returns Korean as the 'English' translation: flagged untranslated, and
    with reject_flagged left out, the record partial with one error for the segment."""
    from tests.test_translate import _identity_packages

    packages = _identity_packages(tmp_path, [("ko", "en")])
    kept, _ = run(KO, packages)
    assert kept.blocks[0].translations["en"] == KO
    assert kept.status == "ok"
    doc, report = run(KO, packages, reject_flagged=True)
    block = doc.blocks[0]
    assert "en" not in block.translations
    assert block.quality["en"].rejected and "untranslated" in block.quality["en"].flags
    assert report.counts.translations_rejected == 1 and doc.status == "partial"
    assert [e.code for e in doc.errors] == ["translation_rejected"]
    assert doc.errors[0].message.startswith("segment 0: the ko→en translation was left out")
    record = to_record(doc, ("en", "ko"), version="test", settings_digest="0" * 16)
    segment = record.segments[0]
    assert segment.text == {"ko": KO} and segment.machine_translated == []
    assert segment.translation_quality["en"].rejected


def test_a_looping_output_is_translated_again_with_repetition_constraints(
    installed_test_models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every first output is taken for a loop: each sentence goes through CTranslate2 again
    with no_repeat_ngram_size and repetition_penalty, and the retry is kept when it does not
    loop."""
    engine = TranslationEngine.load(
        TranslationConfig(packages_dir=str(installed_test_models), cache=False)
    )
    model = engine.models[Pair("en", "ko")]
    plain = model.translate([EN], EngineStats())[0].text
    calls: list[dict[str, Any]] = []
    original = model._translate_tokens

    def spy(tokens: list[list[str]], stats: EngineStats, **decoding: Any) -> Any:
        calls.append(decoding)
        found = original(tokens, stats, **decoding)  # CTranslate2 takes the constraints
        if decoding:  # mark the retry's outputs, to see which one is kept
            return [translate.Translated(f"retried: {t.text}", t.score) for t in found]
        return found

    monkeypatch.setattr(model, "_translate_tokens", spy)
    monkeypatch.setattr(translate, "repetition", lambda source, output: output == plain)
    stats = EngineStats()
    again = model.translate([EN], stats)[0].text
    assert calls == [{}, {"no_repeat_ngram_size": 3, "repetition_penalty": 1.2}]
    assert stats.retried == 1
    assert again == f"retried: {plain}"  # the retry does not loop: kept

    monkeypatch.setattr(translate, "repetition", lambda source, output: True)
    calls.clear()
    assert model.translate([EN], EngineStats())[0].text == plain  # both loop: the first stays
    assert len(calls) == 2


def test_the_retry_can_be_switched_off(installed_test_models: Path, monkeypatch: Any) -> None:
    engine = TranslationEngine.load(
        TranslationConfig(
            packages_dir=str(installed_test_models),
            cache=False,
            repetition_retry_ngram=0,
            repetition_retry_penalty=1.0,
        )
    )
    monkeypatch.setattr(translate, "repetition", lambda source, output: True)
    stats = EngineStats()
    engine.models[Pair("en", "ko")].translate([EN], stats)
    assert stats.retried == 0


def test_the_translate_command_protects_spans_and_applies_the_glossary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    line = "The Carbon Neutrality Commission is at https://www.2050cnc.go.kr/eng today."
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(f"{line}\n".encode())))
    glossary = glossary_file(tmp_path)
    command = ["translate", "--from", "en", "--to", "ko", "--no-cache", "--glossary", str(glossary)]
    assert main(command) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1
    assert "탄소중립위원회" in out[0] and "https://www.2050cnc.go.kr/eng" in out[0]


@pytest.mark.usefixtures("prefect_harness")
def test_runs_take_a_glossary_and_report_pairs_without_a_model(
    raw_copy: Path, processed: Path, tmp_path: Path
) -> None:
    from lingoflow.flows.process import process_documents

    glossary = glossary_file(tmp_path, GLOSSARY + "fr\ten\tministère\tministry\n")
    first = process_documents(
        raw_dir=raw_copy,
        processed_dir=processed,
        translation=TranslationConfig(glossary=str(glossary)),
    )
    assert first.written == 5
    assert first.glossary_without_model == [Pair("fr", "en")]
    assert any("fr→en" in message for message in first.warnings())
    records = load_records(processed)
    used = [
        term
        for record in records.values()
        for segment in record["segments"]
        for quality in segment["translation_quality"].values()
        for term in quality["glossary"]
    ]
    assert "Seoul" in used and first.glossary_applied == len(used)
    # the same glossary: nothing to do; another one: the records are made again
    again = process_documents(
        raw_dir=raw_copy,
        processed_dir=processed,
        translation=TranslationConfig(glossary=str(glossary)),
    )
    assert again.up_to_date == 5
    glossary_file(tmp_path, GLOSSARY.replace("Seoul\tSeoul", "Seoul\t서울"))
    changed = process_documents(
        raw_dir=raw_copy,
        processed_dir=processed,
        translation=TranslationConfig(glossary=str(glossary)),
    )
    assert changed.up_to_date == 0 and changed.identical == 0


def test_a_malformed_glossary_stops_a_run_before_any_work(
    raw_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = glossary_file(tmp_path, "ko\ten\t환경부\tMinistry of Environment\nko\ten\t국토부\n")
    processed = tmp_path / "out"
    args = ["--raw-dir", str(raw_copy), "--processed-dir", str(processed), "--glossary", str(bad)]
    assert main(["run", *args]) == 2
    assert "glossary.tsv, line 2: expected 4 tab-separated columns" in capsys.readouterr().err
    assert not processed.exists()
    retranslate = ["retranslate", "--processed-dir", str(tmp_path), "--glossary", str(bad)]
    assert main(retranslate) == 2
    assert main(["translate", "--from", "ko", "--to", "en", "--glossary", str(bad)]) == 2


@pytest.mark.usefixtures("prefect_harness")
def test_an_empty_glossary_changes_nothing(raw_copy: Path, processed: Path, tmp_path: Path) -> None:
    from lingoflow.flows.process import process_documents

    empty = glossary_file(tmp_path, "# no entries yet\n")
    summary = process_documents(
        raw_dir=raw_copy,
        processed_dir=processed,
        translation=TranslationConfig(glossary=str(empty)),
    )
    assert summary.by_status == {"ok": 5} and summary.glossary_applied == 0
    assert summary.glossary_without_model == []
