"""Flow ``retranslate``: fill missing translations in existing records (after installing
models) without cleaning the documents again."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.states import Failed

from lingoflow.flows.common import (
    current_flow_run_id,
    log_problems,
    run_batches,
    start_run,
)
from lingoflow.processors.batch import BatchOutcome, retranslate_batch, write_processed
from lingoflow.processors.core.config import (
    BatchSize,
    FolderTarget,
    PipelineConfig,
    RetranslateOptions,
    TranslationConfig,
    declared,
)
from lingoflow.processors.core.storage import Folder, RemoteFolder, StorageError, folder
from lingoflow.processors.output.records import iter_record_names, record_names
from lingoflow.processors.summary import RunSummary
from lingoflow.processors.translate.engine import engine_for


@task(cache_policy=NO_CACHE)
def retranslate_records_batch(
    processed_dir: Folder, names: list[str], config: TranslationConfig
) -> BatchOutcome:
    """Translate what is missing in one batch of records and write those that changed."""
    batch = retranslate_batch(
        processed_dir, names, engine_for(config), flow_run_id=current_flow_run_id()
    )
    log_problems(batch)
    return write_processed(processed_dir, batch)


def check_processed(processed_dir: Folder) -> str | None:
    """Why records cannot be retranslated in ``processed_dir``, or None: a local folder
    missing, a folder in object storage empty, not listable or not writable."""
    try:
        if not isinstance(processed_dir, RemoteFolder):
            return None if processed_dir.is_dir() else f"not a directory: {processed_dir}"
        if not processed_dir.exists():
            return f"processed folder not found or empty: {processed_dir}"
        processed_dir.check_writable()
    except StorageError as exc:
        return str(exc)
    return None


@flow(name="retranslate", log_prints=True)
def retranslate(
    processed_dir: FolderTarget = declared(RetranslateOptions, "processed_dir"),
    batch_size: BatchSize = declared(RetranslateOptions, "batch_size"),
    translation: TranslationConfig = declared(PipelineConfig, "translation"),
) -> RunSummary:
    """Fill missing translations in the records of processed_dir (a path or a URL); rewrite
    only changed ones. Corrupt record files are reported (summary, log, artifact) and left
    as they are."""
    try:
        processed = folder(processed_dir)
        problem = check_processed(processed)
    except StorageError as exc:
        problem = str(exc)
    if problem:
        get_run_logger().error(problem)
        return Failed(message=problem)  # type: ignore[return-value]
    parameters: dict[str, object] = {"processed_dir": processed, "batch_size": batch_size}
    config, summary = start_run("retranslate", translation, parameters)

    def submit(name: str, names: list[str]) -> PrefectFuture[BatchOutcome]:
        batch_task = retranslate_records_batch.with_options(task_run_name=f"retranslate-{name}")
        return batch_task.submit(processed, names, config)

    return run_batches(  # type: ignore[return-value]
        summary,
        processed,
        lambda: (
            record_names(processed) if isinstance(processed, Path) else iter_record_names(processed)
        ),
        batch_size,
        submit,
    )
