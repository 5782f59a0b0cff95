"""Operations: retranslate, disappeared inputs, artifacts, concurrent runs, Dask, flow forms."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from lingoflow.flows.process import process_documents
from lingoflow.flows.retranslate import retranslate
from lingoflow.processors.output.writer import run_lock
from lingoflow.processors.summary import RunSummary
from tests.helpers import (
    assert_valid_records,
    empty_package_settings,
    install_en_ko,
    load_records,
    snapshot,
)

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _volatile_free(records: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    for record in records.values():
        record["pipeline"].pop("processed_at")
        record["pipeline"].pop("flow_run_id")
    return records


def test_retranslate_fills_missing_translations(
    raw_copy: Path, tmp_path: Path, argos_files: Path
) -> None:
    folder, settings = empty_package_settings(tmp_path)
    processed = tmp_path / "processed"
    process_documents(raw_dir=raw_copy, processed_dir=processed, translation=settings)
    before = load_records(processed)
    assert {r["status"] for r in before.values()} == {"partial"}
    install_en_ko(argos_files, folder)

    summary = retranslate(processed_dir=processed, translation=settings)
    assert summary.written == 5 and summary.by_status == {"ok": 5}
    after = load_records(processed)
    for path, record in after.items():
        old = before[path]
        assert record["status"] == "ok" and record["errors"] == []
        assert record["removed"] == old["removed"] and record["metadata"] == old["metadata"]
        for new_seg, old_seg in zip(record["segments"], old["segments"], strict=True):
            assert new_seg["text"][new_seg["lang"]] == old_seg["text"][old_seg["lang"]]
            assert set(new_seg["text"]) == {"en", "ko"}
    assert_valid_records(processed)
    untouched = snapshot(processed)
    again = retranslate(processed_dir=processed, translation=settings)
    assert again.written == 0 and snapshot(processed) == untouched


def test_disappeared_inputs_are_reported_then_pruned(raw_copy: Path, processed: Path) -> None:
    process_documents(raw_dir=raw_copy, processed_dir=processed)
    gone = next(raw_copy.glob("004_*"))
    gone.unlink()
    summary = process_documents(raw_dir=raw_copy, processed_dir=processed)
    assert len(summary.orphaned) == 1 and summary.orphaned[0].startswith("004-")
    assert (processed / summary.orphaned[0]).exists() and not summary.pruned
    pruned = process_documents(raw_dir=raw_copy, processed_dir=processed, prune=True)
    assert pruned.pruned and not (processed / summary.orphaned[0]).exists()
    assert len((processed / "index.jsonl").read_text().splitlines()) == 4
    assert process_documents(raw_dir=raw_copy, processed_dir=processed).orphaned == []


def test_flow_run_publishes_markdown_and_table_artifacts(raw_copy: Path, processed: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    state = process_documents(raw_dir=raw_copy, processed_dir=processed, return_state=True)
    run_id = state.state_details.flow_run_id
    assert isinstance(run_id, UUID)

    async def read() -> list[Any]:
        async with get_client() as client:
            return await client.read_artifacts(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
            )

    found = asyncio.run(read())
    artifacts = {a.type: a for a in found}
    assert set(artifacts) == {"markdown", "table"}
    assert {a.key for a in found} == {"run-summary", "run-documents"}
    markdown = str(artifacts["markdown"].data)
    assert "## By status" in markdown and "- ok: 5" in markdown and "documents/s" in markdown
    assert "## Time per stage" in markdown and "- clean:" in markdown
    assert "| measure | value |" in markdown and "| | |" not in markdown
    assert "## Parameters" in markdown and f"| raw_dir | `{raw_copy}` |" in markdown
    assert "| languages | `en,ko` |" in markdown and "| force | `False` |" in markdown
    assert state.message and state.message.startswith("5 records, all ok; 5 processed")
    table = artifacts["table"].data
    rows = table if isinstance(table, list) else __import__("json").loads(table)
    assert len(rows) == 5 and {r["status"] for r in rows} == {"ok"}
    assert {"path", "title", "status", "language", "segments", "errors", "record"} <= set(rows[0])
    assert all(r["record"].endswith(".json") for r in rows) and any(r["title"] for r in rows)


def test_the_final_state_says_why_records_are_partial(raw_copy: Path, tmp_path: Path) -> None:
    """No model installed: every record partial; the run is Completed with a message that
    says so, or Failed with fail_on_partial; the errors name the pair in the document table."""
    _, settings = empty_package_settings(tmp_path)
    state = process_documents(
        raw_dir=raw_copy, processed_dir=tmp_path / "a", translation=settings, return_state=True
    )
    assert state.is_completed()
    assert state.message.startswith("5 records, all partial: no ")
    assert "ko→en" in state.message or "en→ko" in state.message
    forced = process_documents(
        raw_dir=raw_copy,
        processed_dir=tmp_path / "b",
        translation=settings,
        fail_on_partial=True,
        return_state=True,
    )
    assert forced.is_failed() and forced.message.startswith("5 records, all partial")
    assert len(list((tmp_path / "b").glob("*.json"))) == 5  # written all the same
    index = [json.loads(line) for line in (tmp_path / "a" / "index.jsonl").read_text().splitlines()]
    problems = [p for entry in index for p in entry["problems"]]
    assert problems and all(
        p.startswith("missing_model: no Argos Translate package for ") for p in problems
    )


def test_a_forced_run_with_identical_output_says_so(raw_copy: Path, processed: Path) -> None:
    process_documents(raw_dir=raw_copy, processed_dir=processed)
    again = process_documents(raw_dir=raw_copy, processed_dir=processed, force=True)
    assert (again.processed, again.written, again.up_to_date) == (5, 0, 0)
    assert "5 processed, 0 changed (identical output is not rewritten)" in again.text()
    skipped = process_documents(raw_dir=raw_copy, processed_dir=processed)
    assert (skipped.processed, skipped.up_to_date) == (0, 5)


def test_two_concurrent_runs_never_corrupt_or_lose_a_record(
    raw_copy: Path, processed: Path
) -> None:
    summaries: list[RunSummary] = []
    errors: list[BaseException] = []

    def run(force: bool) -> None:
        try:
            summaries.append(
                process_documents(raw_dir=raw_copy, processed_dir=processed, force=force)
            )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f,)) for f in (True, True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors and len(summaries) == 2
    assert all(s.records == 5 for s in summaries)
    assert len(load_records(processed)) == 5
    assert len((processed / "index.jsonl").read_text().splitlines()) == 5
    assert not [p for p in processed.iterdir() if p.name.endswith(".tmp")]


def test_run_lock_excludes_a_second_holder(tmp_path: Path) -> None:
    with run_lock(tmp_path), pytest.raises(TimeoutError), run_lock(tmp_path, timeout=0.5):
        pass
    with run_lock(tmp_path, timeout=0):  # released: taken at once, no waiting allowed
        pass


@pytest.mark.slow
def test_dask_runner_gives_the_same_records(raw_copy: Path, tmp_path: Path) -> None:
    from prefect_dask.task_runners import DaskTaskRunner

    default_dir, dask_dir = tmp_path / "default", tmp_path / "dask"
    process_documents(raw_dir=raw_copy, processed_dir=default_dir, batch_size=2)
    runner = DaskTaskRunner(
        cluster_kwargs={
            "n_workers": 2,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
        }
    )
    summary = process_documents.with_options(task_runner=runner)(
        raw_dir=raw_copy, processed_dir=dask_dir, batch_size=2
    )
    assert summary.records == 5
    assert _volatile_free(load_records(dask_dir)) == _volatile_free(load_records(default_dir))
    assert_valid_records(dask_dir)


@pytest.mark.slow
def test_process_pool_task_runs_belong_to_the_flow_run(raw_copy: Path, tmp_path: Path) -> None:
    """processes=2 (what a deployment's form sets): every batch is a task run of the flow run,
    made in a worker process; the records are those of one process."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    one, pool = tmp_path / "one", tmp_path / "pool"
    process_documents(raw_dir=raw_copy, processed_dir=one, batch_size=2)
    state = process_documents(
        raw_dir=raw_copy, processed_dir=pool, batch_size=2, processes=2, return_state=True
    )
    run_id = state.state_details.flow_run_id

    async def read() -> list[Any]:
        async with get_client() as client:
            return await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
            )

    batches = sorted(r.name for r in asyncio.run(read()) if r.name.startswith("batch-"))
    assert batches == [f"batch-000{n}-of-0003" for n in (1, 2, 3)]
    assert _volatile_free(load_records(pool)) == _volatile_free(load_records(one))
    assert {r["pipeline"]["flow_run_id"] for r in load_records(pool).values()} == {str(run_id)}


@pytest.mark.slow
def test_process_pool_run_gives_the_same_records(raw_copy: Path, tmp_path: Path) -> None:
    """`lingoflow run --processes 2` with no server configured: the batches run in two worker
    processes (each translating with its own engine) that share the run's one temporary
    server, and the records are those of a run in one process."""
    default_dir, pool_dir = tmp_path / "default", tmp_path / "pool"
    process_documents(raw_dir=raw_copy, processed_dir=default_dir, batch_size=2)
    lingoflow = Path(sys.executable).with_name("lingoflow")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_LOGGING_LEVEL"}
    command = [str(lingoflow), "run", "--raw-dir", str(raw_copy), "--processed-dir"]
    done = subprocess.run(
        [*command, str(pool_dir), "--processes", "2", "--batch-size", "2", "--no-cache"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr.count("Starting temporary server") == 1
    assert "Failed to send telemetry" not in done.stderr
    assert _volatile_free(load_records(pool_dir)) == _volatile_free(load_records(default_dir))
    assert_valid_records(pool_dir)


def test_flow_parameters_make_a_documented_form() -> None:
    from prefect.utilities.callables import parameter_schema

    from lingoflow.flows.models import install_models

    for flow in (process_documents, retranslate, install_models):
        schema = parameter_schema(flow.fn).model_dump_for_openapi()
        properties = schema["properties"]
        assert all(p.get("description") for p in properties.values()), flow.name
        if "translation" in properties:
            translation = schema["definitions"]["TranslationConfig"]["properties"]
            assert translation["beam_size"]["default"] == 4
            assert translation["device"]["enum"] == ["cpu", "cuda", "auto"]
            assert all(p.get("description") for p in translation.values())


def test_corrupt_record_is_reported_and_replaced_by_a_run(raw_copy: Path, processed: Path) -> None:
    process_documents(raw_dir=raw_copy, processed_dir=processed)
    victim = sorted(processed.glob("0*.json"))[1]
    victim.write_text('{"schema_version": "1.3.0", "doc_id": ', encoding="utf-8")
    summary = process_documents(raw_dir=raw_copy, processed_dir=processed)
    assert len(summary.corrupt) == 1 and summary.corrupt[0].startswith(victim.name)
    assert summary.written == 1 and summary.records == 5
    assert load_records(processed)  # the fixture validates every record, the replaced one too


def test_corrupt_record_is_reported_by_retranslate(raw_copy: Path, processed: Path) -> None:
    from lingoflow.flows.cli import main

    process_documents(raw_dir=raw_copy, processed_dir=processed)
    victim = sorted(processed.glob("0*.json"))[0]
    victim.write_bytes(b"\x00 not json")
    summary = retranslate(processed_dir=processed)
    assert summary.corrupt == [
        f"{victim.name}: not a valid record (record: Invalid JSON: "
        "expected value at line 1 column 1)"
    ]
    assert summary.records == 4  # left out of the index, and said so
    assert main(["retranslate", "--processed-dir", str(processed)]) == 1
    victim.unlink()  # so that the fixture's validation sees only records


def test_without_a_server_the_serve_hint_is_given_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from lingoflow.flows.cli.run import SERVE_HINT, prefect_api

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with temporary_settings(updates={PREFECT_API_URL: None}):  # the tests' harness sets one
        for _ in range(2):
            with prefect_api(tmp_path / "no-server-here"):
                pass
    assert capsys.readouterr().err.splitlines() == [SERVE_HINT]


def test_a_dead_serve_state_folder_is_not_used(tmp_path: Path) -> None:
    from lingoflow.flows.local_server import API_URL_FILE, free_port, running_api

    state = tmp_path / "state"
    state.mkdir()
    assert running_api(state) is None
    (state / "server.pid").write_text("999999999")  # no such process
    (state / API_URL_FILE).write_text(f"http://127.0.0.1:{free_port()}/api")
    assert running_api(state) is None
    (state / "server.pid").write_text(str(os.getpid()))  # alive, but nothing answers
    assert running_api(state, timeout=0.5) is None


def test_the_temporary_server_gets_time_to_start_unless_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Prefect waits 20 s for its temporary server; a command-line run waits 120 s, as a busy
    machine creating a fresh database can take longer, unless the user set the timeout."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    from lingoflow.flows.cli.run import EPHEMERAL_STARTUP_SECONDS, prefect_api

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    unset = {PREFECT_API_URL: None}
    with temporary_settings(updates=unset), prefect_api(tmp_path / "no-server-here"):
        assert PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value() == (
            EPHEMERAL_STARTUP_SECONDS
        )
    configured = {PREFECT_API_URL: None, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: 45}
    with temporary_settings(updates=configured), prefect_api(tmp_path / "no-server-here"):
        assert PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value() == 45
