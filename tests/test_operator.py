"""What an operator sees of a run: state names the runs list shows, reasons on every run,
parameters refused before any work, no run that does nothing while saying nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from lingoflow.flows.cli import main
from lingoflow.flows.export import export_dataset
from lingoflow.flows.models import install_models
from lingoflow.flows.process import process_documents
from lingoflow.processors.core.config import PipelineConfig, TranslationConfig

pytestmark = pytest.mark.usefixtures("prefect_harness")

NO_TRANSLATION = TranslationConfig(enabled=False)


def _with_bad_files(raw: Path, count: int) -> Path:
    for k in range(count):
        (raw / f"broken-{k}.docx").write_bytes(b"PK\x03\x04 not really a zip")
    return raw


def test_a_run_with_failed_records_is_named_so(raw_copy: Path, processed: Path) -> None:
    state = process_documents(
        raw_dir=_with_bad_files(raw_copy, 1),
        processed_dir=processed,
        translation=NO_TRANSLATION,
        return_state=True,
    )
    assert state.is_completed() and state.name == "Completed with failures"
    assert state.message.startswith("6 records: 1 failed, 5 ok")


def test_a_run_where_most_records_fail_is_failed(tmp_path: Path, processed: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "fine.txt").write_text("A short note about the budget of the ministry.\n")
    _with_bad_files(raw, 2)
    state = process_documents(
        raw_dir=raw, processed_dir=processed, translation=NO_TRANSLATION, return_state=True
    )
    assert state.is_failed()
    assert "67% of the records failed (max_failed_share 0.5)" in state.message
    assert len(list(processed.glob("*.json"))) == 3  # the records are written all the same
    relaxed = process_documents(
        raw_dir=raw,
        processed_dir=processed,
        translation=NO_TRANSLATION,
        max_failed_share=1.0,
        return_state=True,
    )
    assert relaxed.name == "Completed with failures"
    code = main(["run", "--raw-dir", str(raw), "--processed-dir", str(processed), "--no-translate"])
    assert code == 1


def test_an_empty_input_folder_is_said(tmp_path: Path, processed: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    state = process_documents(
        raw_dir=raw, processed_dir=processed, translation=NO_TRANSLATION, return_state=True
    )
    assert state.name == "Nothing to process"
    assert state.message.startswith("no records: 0 inputs found in")
    summary = state.result()
    assert any("no input found in" in w for w in summary.warnings())


def test_a_missing_raw_folder_fails_with_a_message_not_a_traceback(
    tmp_path: Path, processed: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state = process_documents(
        raw_dir=tmp_path / "nowhere", processed_dir=processed, return_state=True
    )
    assert state.is_failed() and "raw directory not found" in state.message
    assert "Traceback" not in caplog.text


def test_up_to_date_runs_still_say_why_records_are_partial(
    raw_copy: Path, processed: Path, tmp_path: Path
) -> None:
    nothing = TranslationConfig(packages_dir=str(tmp_path / "no-packages"), cache=False)
    first = process_documents(raw_dir=raw_copy, processed_dir=processed, translation=nothing)
    again = process_documents(
        raw_dir=raw_copy, processed_dir=processed, translation=nothing, return_state=True
    )
    summary = again.result()
    assert summary.up_to_date == 5 and summary.processed == 0
    assert again.name == "Partial"
    assert "no en→ko, ko→en model" in again.message
    hint = next(w for w in summary.warnings() if "no translation model" in w)
    assert "lingoflow models install --from-index" in hint
    assert "install-models/install-models-now" in hint
    assert first.by_error == summary.by_error == {"missing_model": 5}


def test_unknown_language_codes_are_refused_before_any_work(
    raw_copy: Path, processed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValidationError, match="unknown language code 'xx'"):
        PipelineConfig(languages=("en", "xx"))
    state = process_documents(
        raw_dir=raw_copy, processed_dir=processed, languages=("en", "xx"), return_state=True
    )
    assert state.is_failed() and "xx" in state.message
    assert not list(processed.glob("*.json"))
    with pytest.raises(SystemExit):
        main(["run", "--raw-dir", str(raw_copy), "--languages", "en,xx"])
    assert "unknown language code 'xx'" in capsys.readouterr().err


def test_runs_that_do_nothing_say_so(tmp_path: Path, raw_copy: Path, processed: Path) -> None:
    nothing = install_models(return_state=True)
    assert nothing.name == "Nothing installed" and "nothing to install" in nothing.message
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    none_found = install_models(files=(str(empty),), return_state=True)
    assert none_found.name == "Nothing installed"
    process_documents(raw_dir=raw_copy, processed_dir=processed, translation=NO_TRANSLATION)
    out = tmp_path / "exports"
    out.mkdir()
    state = export_dataset(
        processed_dir=processed, format="tmx", output=out / "pairs.tmx", return_state=True
    )
    assert state.name == "Empty export"
    assert state.message.startswith("the export holds no sentence pairs")
