"""Translation: packages, engine, cache, pivot, parity with argostranslate, records, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lingoflow.flows.cli import main
from lingoflow.flows.process import process_documents
from lingoflow.processors.core.config import TranslationConfig
from lingoflow.processors.core.languages import Pair
from lingoflow.processors.translate.engine import TranslationEngine
from lingoflow.processors.translate.packages import (
    InstallError,
    install_archive,
    installed_packages,
)
from tests.argos import Expected
from tests.conftest import ROOT
from tests.helpers import empty_package_settings, install_en_ko, load_records

KO = "이 누리집은 대한민국 공식 전자정부 누리집입니다."
EN = "The ministry announced the plan on Monday."


def engine(packages: Path, cache: Path | None = None) -> TranslationEngine:
    return TranslationEngine.load(
        TranslationConfig(
            packages_dir=str(packages), cache=cache is not None, cache_dir=str(cache or packages)
        )
    )


def test_models_install_and_list(
    argos_files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "packages"
    assert main(["models", "install", str(argos_files), "--packages-dir", str(folder)]) == 0
    assert main(["models", "list", "--packages-dir", str(folder)]) == 0
    listed = capsys.readouterr().out.splitlines()[-3:]
    assert [line.split("\t")[0] for line in listed] == ["en → ja", "en → ko", "ko → en"]
    assert all(line.split("\t")[1] == "1.0" for line in listed)
    # installing again replaces the package in place
    install_archive(argos_files / "translate-ko_en-1_0.argosmodel", folder)
    assert len(installed_packages(folder)) == 3


def test_unsafe_or_invalid_archives_are_refused(tmp_path: Path) -> None:
    import zipfile

    evil = tmp_path / "evil.argosmodel"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("pkg/metadata.json", "{}")
        zf.writestr("pkg/../../escape.txt", "x")
    with pytest.raises(InstallError, match="unsafe member"):
        install_archive(evil, tmp_path / "packages")
    (tmp_path / "not.argosmodel").write_text("plain text")
    with pytest.raises(InstallError, match="not a zip"):
        install_archive(tmp_path / "not.argosmodel", tmp_path / "packages")
    assert not (tmp_path / "escape.txt").exists()


def test_unreadable_package_metadata_is_logged_not_hidden(
    argos_files: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "packages"
    install_archive(argos_files / "translate-ko_en-1_0.argosmodel", folder)
    (folder / "broken").mkdir()
    (folder / "broken" / "metadata.json").write_text("{not json", encoding="utf-8")
    with caplog.at_level("WARNING", logger="lingoflow.processors.translate.packages"):
        found = installed_packages(folder)
    assert [p.pair for p in found] == [Pair("ko", "en")]
    assert "broken" in caplog.text and "unreadable metadata.json" in caplog.text


def test_malformed_pair_is_refused_before_any_download(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "install", "--from-index", "ko-en"]) == 2
    assert "expected FROM:TO such as ko:en, got 'ko-en'" in capsys.readouterr().err


def test_index_unreachable_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import urllib.request

    def offline(*args: object, **kwargs: object) -> None:
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    code = main(["models", "install", "--from-index", "ko:en", "--packages-dir", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 1 and len(err.splitlines()) == 1
    assert "cannot reach the Argos package index" in err and "models install FILE" in err


def test_engine_translates_exactly_and_deduplicates(
    installed_test_models: Path, tmp_path: Path
) -> None:
    eng = engine(installed_test_models, tmp_path / "cache")
    out = eng.translate(Pair("en", "ko"), [EN, EN, "Second sentence here."])
    assert out == [Expected("en", "ko").translate(EN)] * 2 + [
        Expected("en", "ko").translate("Second sentence here.")
    ]
    assert out[0] != EN
    assert eng.stats.translated == 2  # the duplicate was translated once


def test_cache_makes_a_second_translation_free(installed_test_models: Path, tmp_path: Path) -> None:
    first = engine(installed_test_models, tmp_path / "cache")
    result = first.translate(Pair("ko", "en"), [KO])
    second = engine(installed_test_models, tmp_path / "cache")
    assert second.translate(Pair("ko", "en"), [KO]) == result
    assert (second.stats.translated, second.stats.cached) == (0, 1)
    # a setting that changes output is part of the key
    other = TranslationEngine.load(
        TranslationConfig(
            packages_dir=str(installed_test_models), cache_dir=str(tmp_path / "cache"), beam_size=1
        )
    )
    other.translate(Pair("ko", "en"), [KO])
    assert other.stats.translated == 1


def test_pivot_through_english(argos_files: Path, tmp_path: Path) -> None:
    folder = tmp_path / "packages"
    for name in ("translate-ko_en-1_0.argosmodel", "translate-en_ja-1_0.argosmodel"):
        install_archive(argos_files / name, folder)
    eng = engine(folder)
    route = eng.route(Pair("ko", "ja"))
    assert route is not None and [m.installed.to_code for m in route] == ["en", "ja"]
    english = Expected("ko", "en").translate(KO)
    assert eng.translate(Pair("ko", "ja"), [KO]) == [Expected("en", "ja").translate(english)]
    assert eng.route(Pair("ja", "ko")) is None


def test_parity_with_argostranslate(installed_test_models: Path) -> None:
    """For single sentences our output equals argostranslate.translate's with the same
    package and beam size (its sentence splitter, which downloads models, is bypassed)."""
    import argostranslate.translate as argos

    class OneSentence:
        def split_sentences(self, text: str) -> list[str]:
            return [text]

    ours = engine(installed_test_models)
    for source, target, sentence in [
        ("ko", "en", KO),
        ("en", "ko", EN),
        ("en", "ko", "Zebra 漢字 CO2!"),
    ]:
        translation = argos.get_translation_from_codes(source, target)
        underlying = getattr(translation, "underlying", translation)
        underlying.sentencizer = OneSentence()
        assert (
            translation.translate(sentence) == ours.translate(Pair(source, target), [sentence])[0]
        )


def test_worker_path_does_not_import_argostranslate_translate(
    tmp_path: Path, installed_test_models: Path
) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from lingoflow.processors.batch import process_batch\n"
        "from lingoflow.processors.core.config import PipelineConfig, TranslationConfig\n"
        f"config = PipelineConfig(translation=TranslationConfig(packages_dir={str(installed_test_models)!r}, cache=False))\n"
        f"result = process_batch(Path({str(ROOT / 'raw')!r}), Path({str(tmp_path)!r}), ['003_c920be901eaf93a9.txt'], config)\n"
        "record = result.records[0]\n"
        "assert record.segments[0].text['en'], record.segments[0]\n"
        "print(sorted(m for m in ('argostranslate.translate', 'torch', 'stanza', 'spacy') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=os.environ,
        check=True,
    )
    assert out.stdout.strip() == "[]", out.stderr


def _expected_protected(model: Expected, sentence: str) -> str:
    """What the test model gives for ``sentence``: its translation, or, when that loses a
    protected span, the sentence's pieces translated around the spans put back."""
    from lingoflow.processors.translate.protect import join_pieces, missing_protected, pieces

    whole = model.translate(sentence)
    if not missing_protected(sentence, whole):
        return whole
    parts = pieces(sentence)
    return join_pieces([p.text if p.protected else model.translate(p.text) for p in parts], parts)


def test_records_are_bilingual(raw_copy: Path, processed: Path) -> None:
    summary = process_documents(raw_dir=raw_copy, processed_dir=processed)
    assert summary.by_status == {"ok": 5} and summary.missing_models == []
    records = load_records(processed)
    for record in records.values():
        for segment in record["segments"]:
            assert set(segment["text"]) == {"en", "ko"}, segment
            assert segment["machine_translated"] == [
                k for k in ("en", "ko") if k != segment["lang"]
            ]
    notice = records["003_c920be901eaf93a9.txt"]["segments"][0]
    assert notice["role"] == "notice" and notice["lang"] == "ko"
    expected = " ".join(
        _expected_protected(Expected("ko", "en"), notice["text"]["ko"][a:b])
        for a, b in notice["sentences"]
    )
    assert notice["text"]["en"] == expected
    assert "044-211-2253" in notice["text"]["en"]  # the phone number survives the model
    again = process_documents(raw_dir=raw_copy, processed_dir=processed, force=True)
    assert again.sentences_translated == 0 and again.sentences_from_cache > 50


def test_missing_models_partial_with_one_message(
    raw_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "no-packages"
    empty.mkdir()
    processed = tmp_path / "processed"
    code = main(
        [
            "run",
            "--raw-dir",
            str(raw_copy),
            "--processed-dir",
            str(processed),
            "--packages-dir",
            str(empty),
        ]
    )
    err = capsys.readouterr().err
    assert code == 0
    assert err.count("no translation model for en→ko, ko→en") == 1
    assert "lingoflow models install --from-index en:ko ko:en" in err
    record = json.loads(
        (processed / next(p.name for p in processed.glob("003-*.json"))).read_text()
    )
    assert record["status"] == "partial"
    assert {(e["code"], e["message"].split(" (")[0]) for e in record["errors"]} == {
        ("missing_model", "no Argos Translate package for en→ko"),
        ("missing_model", "no Argos Translate package for ko→en"),
    }
    assert all(len(s["text"]) == 1 and s["machine_translated"] == [] for s in record["segments"])


def test_translate_command(
    installed_test_models: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(f"{KO}\n\n{KO} {KO}\n".encode())))
    assert main(["translate", "--from", "ko", "--to", "en", "--no-cache"]) == 0
    lines = capsys.readouterr().out.splitlines()
    one = Expected("ko", "en").translate(KO)
    assert lines == [one, "", f"{one} {one}"]


def test_install_models_flow(argos_files: Path, tmp_path: Path, prefect_harness: None) -> None:
    from lingoflow.flows.models import install_models

    folder = tmp_path / "packages"
    result = install_models(
        files=[str(argos_files / "translate-en_ja-1_0.argosmodel")], packages_dir=str(folder)
    )
    assert result == ["en→ja 1.0"]
    assert [(p.from_code, p.to_code) for p in installed_packages(folder)] == [("en", "ja")]


def test_installing_models_makes_the_next_run_translate(
    raw_copy: Path, tmp_path: Path, argos_files: Path
) -> None:
    folder, settings = empty_package_settings(tmp_path)
    processed = tmp_path / "processed"
    first = process_documents(raw_dir=raw_copy, processed_dir=processed, translation=settings)
    assert first.by_status == {"partial": 5}
    install_en_ko(argos_files, folder)
    second = process_documents(raw_dir=raw_copy, processed_dir=processed, translation=settings)
    assert second.by_status == {"ok": 5} and second.written == 5
    third = process_documents(raw_dir=raw_copy, processed_dir=processed, translation=settings)
    assert third.up_to_date == 5 and third.sentences_translated == 0


def _identity_packages(tmp_path: Path, pairs: list[tuple[str, str]]) -> Path:
    """Installed packages whose model copies its input (what a model does to text it was not
    trained for, or a wrong package): the output is the source, token for token."""
    from bench.argos_packages import copy_model_spec, pieces, write_package
    from lingoflow.processors.translate.packages import install_archive
    from tests.argos import sentencepiece_model

    model = sentencepiece_model()
    folder = tmp_path / "identity-packages"
    for source, target in pairs:
        archive = write_package(
            tmp_path / "files", copy_model_spec(pieces(model), None), model, source, target
        )
        install_archive(archive, folder)
    return folder


def _translated(text: str, lang: str, packages: Path, languages: tuple[str, ...]) -> Any:
    from lingoflow.processors.core.config import PipelineConfig
    from lingoflow.processors.core.document import Document
    from lingoflow.processors.pipeline import run_steps

    config = PipelineConfig(
        languages=languages,
        translation=TranslationConfig(packages_dir=str(packages), cache=False),
    )
    doc = Document(rel_path="x.txt", doc_id="x-000000000000", data=text.encode("utf-8"))
    eng = TranslationEngine.load(config.translation)
    report = run_steps([doc], config, engine=eng)
    assert [b.lang for b in doc.blocks] == [lang] * len(doc.blocks)
    return doc, report


def test_protected_spans_reach_the_translation_verbatim(installed_test_models: Path) -> None:
    """The test models turn every token into another: a URL, an e-mail address, a phone
    number, an amount and a date would come out garbled; they come out as they were."""
    text = (
        "Visit https://www.pa.go.kr/eng/index.do or write to archives-press@korea.kr before "
        "2021-05-24, call +82-44-201-3720 and quote P4G with the budget of ₩1.2조 (3.5%)."
    )
    doc, report = _translated(text, "en", installed_test_models, ("en", "ko"))
    korean = doc.blocks[0].translations["ko"]
    for span in (
        "https://www.pa.go.kr/eng/index.do",
        "archives-press@korea.kr",
        "2021-05-24",
        "+82-44-201-3720",
        "P4G",
        "₩1.2조",
        "3.5%",
    ):
        assert span in korean
    assert report.protected == 1
    assert "number_mismatch" not in doc.blocks[0].quality["ko"].flags


def test_a_sentence_longer_than_the_input_limit_is_translated_whole(tmp_path: Path) -> None:
    """600 words in one sentence: split at its commas to fit the model's input, every word
    comes back (the model copies), nothing is cut and nothing is flagged truncated."""
    words = "the ministry said on monday that the new plan for parks was ready".split()
    clauses = [" ".join(words[(i % 7) :] + words[: (i % 7)]) for i in range(50)]
    sentence = ", ".join(clauses) + "."
    assert len(sentence.split()) >= 600
    packages = _identity_packages(tmp_path, [("en", "ko")])
    doc, _ = _translated(sentence, "en", packages, ("en", "ko"))
    output = doc.blocks[0].translations["ko"]
    assert output.split() == sentence.split()
    quality = doc.blocks[0].quality["ko"]
    assert "truncated" not in quality.flags and quality.score is not None


def test_a_copy_model_output_is_flagged_untranslated(tmp_path: Path) -> None:
    packages = _identity_packages(tmp_path, [("ko", "en")])
    doc, report = _translated(
        "환경부는 오늘 탄소중립 이행계획을 발표했다.", "ko", packages, ("en", "ko")
    )
    flags = doc.blocks[0].quality["en"].flags
    assert doc.blocks[0].translations["en"] == doc.blocks[0].text
    assert "untranslated" in flags
    assert report.counts.quality_flags["untranslated"] == 1


def test_records_carry_the_score_and_flags_of_each_translation(
    installed_test_models: Path,
) -> None:
    from lingoflow.processors.core.document import to_record

    doc, _ = _translated(EN, "en", installed_test_models, ("en", "ko"))
    record = to_record(doc, ("en", "ko"), version="test", settings_digest="0" * 16)
    quality = record.segments[0].translation_quality
    assert list(quality) == ["ko"]
    assert quality["ko"].score is not None and quality["ko"].score <= 0
    assert set(quality["ko"].flags) <= {
        "untranslated",
        "repetition",
        "length_ratio",
        "number_mismatch",
        "truncated",
    }
