"""Flow ``export-dataset``: the records of processed/ as one dataset file (Parquet, JSONL,
sentence pairs as TSV or TMX) for the teams downstream."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed

from lingoflow.flows.common import resolve
from lingoflow.processors.core.config import (
    ExportFormat,
    ExportOptions,
    FolderTarget,
    OutputTarget,
    declared,
)
from lingoflow.processors.core.record import Status
from lingoflow.processors.core.storage import is_url, local_path
from lingoflow.processors.output.export import ExportSummary, export


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, task_run_name="write-export")
def write_export(processed_dir: str, output: str, options: ExportOptions) -> ExportSummary:
    """Stream the records into the output file (written aside, then renamed)."""
    return export(
        processed_dir,
        output,
        options.format,
        include_flagged=options.include_flagged,
        statuses=options.status,
        dedup=options.dedup,
        source=options.source,
    )


@flow(name="export-dataset", log_prints=True)
def export_dataset(
    processed_dir: FolderTarget = declared(ExportOptions, "processed_dir"),
    format: ExportFormat = declared(ExportOptions, "format"),
    output: OutputTarget = declared(ExportOptions, "output"),
    include_flagged: bool = declared(ExportOptions, "include_flagged"),
    status: tuple[Status, ...] = declared(ExportOptions, "status"),
    dedup: bool = declared(ExportOptions, "dedup"),
    source: str = declared(ExportOptions, "source"),
) -> ExportSummary:
    """Export the records of processed_dir (a path or a URL) as one dataset file."""
    logger = get_run_logger()
    options = ExportOptions(
        processed_dir=processed_dir,
        format=format,
        output=output,
        include_flagged=include_flagged,
        status=status,
        dedup=dedup,
        source=source,
    )
    target, records = (
        p if is_url(p) else str(resolve(local_path(p))) for p in (output, processed_dir)
    )
    summary = write_export(records, target, options)
    for problem in summary.corrupt:
        logger.warning("corrupt record left out: %s", problem)
    create_markdown_artifact(
        key="lingoflow-export",
        markdown=(
            f"# Export: {summary.format}\n\n{summary.text()}\n\n| measure | value |\n|---|---|\n"
            f"| output | `{summary.output}` |\n| records | {summary.records} |\n"
            f"| rows | {summary.rows} |\n| flagged pairs left out | {summary.flagged_left_out} |\n"
            f"| not in index.jsonl | {summary.not_in_index} |\n"
            f"| other statuses | {summary.other_status} |\n"
            f"| duplicates (dedup) | {summary.duplicates} |\n"
            f"| corrupt records left out | {len(summary.corrupt)} |\n| bytes | {summary.bytes} |\n"
        ),
        description="What the export wrote",
    )
    if not summary.rows:
        what = "records" if format in ("parquet", "jsonl") else "sentence pairs (translate first?)"
        message = f"the export holds no {what}: {summary.text()}"
        logger.warning(message)
        return Completed(name="Empty export", message=message, data=summary)  # type: ignore[return-value]
    logger.info(summary.text())
    return Completed(message=summary.text(), data=summary)  # type: ignore[return-value]
