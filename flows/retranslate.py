"""Flow ``retranslate``: fill missing translations in existing records (after installing
models) without cleaning the documents again."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture

from lingoflow.flows.common import (
    current_flow_run_id,
    log_problems,
    resolve,
    run_batches,
    start_run,
)
from lingoflow.processors.batch import BatchOutcome, retranslate_batch, write_processed
from lingoflow.processors.core.config import (
    BatchSize,
    PipelineConfig,
    RetranslateOptions,
    TranslationConfig,
    declared,
)
from lingoflow.processors.output.records import record_files
from lingoflow.processors.summary import RunSummary
from lingoflow.processors.translate.engine import engine_for


@task(cache_policy=NO_CACHE)
def retranslate_records_batch(
    processed_dir: Path, paths: list[Path], config: TranslationConfig
) -> BatchOutcome:
    """Translate what is missing in one batch of records and write those that changed."""
    batch = retranslate_batch(paths, engine_for(config), flow_run_id=current_flow_run_id())
    log_problems(batch)
    return write_processed(processed_dir, batch)


@flow(name="retranslate", log_prints=True)
def retranslate(
    processed_dir: Path = declared(RetranslateOptions, "processed_dir"),
    batch_size: BatchSize = declared(RetranslateOptions, "batch_size"),
    translation: TranslationConfig = declared(PipelineConfig, "translation"),
) -> RunSummary:
    """Fill missing translations in the records of processed_dir; rewrite only changed ones.
    Corrupt record files are reported (summary, log, artifact) and left as they are."""
    processed_dir = resolve(processed_dir)
    parameters: dict[str, object] = {"processed_dir": processed_dir, "batch_size": batch_size}
    config, summary = start_run("retranslate", translation, parameters)

    def submit(name: str, paths: list[Path]) -> PrefectFuture[BatchOutcome]:
        batch_task = retranslate_records_batch.with_options(task_run_name=f"retranslate-{name}")
        return batch_task.submit(processed_dir, paths, config)

    return run_batches(  # type: ignore[return-value]
        summary, processed_dir, lambda: record_files(processed_dir), batch_size, submit
    )
