"""Flow ``export-dataset``: the records of processed/ as one dataset file (Parquet, JSONL,
sentence pairs as TSV or TMX) for the teams downstream."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from lingoflow.flows.common import resolve
from lingoflow.processors.core.config import ExportFormat, ExportOptions, declared
from lingoflow.processors.output.export import ExportSummary, export


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, task_run_name="write-{fmt}")
def write_export(
    processed_dir: Path, output: Path, fmt: str, include_flagged: bool
) -> ExportSummary:
    """Stream the records into the output file (written aside, then renamed)."""
    return export(processed_dir, output, fmt, include_flagged=include_flagged)


@flow(name="export-dataset", log_prints=True)
def export_dataset(
    processed_dir: Path = declared(ExportOptions, "processed_dir"),
    format: ExportFormat = declared(ExportOptions, "format"),
    output: Path = declared(ExportOptions, "output"),
    include_flagged: bool = declared(ExportOptions, "include_flagged"),
) -> ExportSummary:
    """Export the records of processed_dir as one dataset file."""
    logger = get_run_logger()
    summary = write_export(resolve(processed_dir), resolve(output), format, include_flagged)
    for problem in summary.corrupt:
        logger.warning("corrupt record left out: %s", problem)
    logger.info(summary.text())
    create_markdown_artifact(
        key="lingoflow-export",
        markdown=(
            f"# Export: {summary.format}\n\n| | |\n|---|---|\n"
            f"| output | `{summary.output}` |\n| records | {summary.records} |\n"
            f"| rows | {summary.rows} |\n| flagged pairs left out | {summary.flagged_left_out} |\n"
            f"| corrupt records left out | {len(summary.corrupt)} |\n| bytes | {summary.bytes} |\n"
        ),
        description="What the export wrote",
    )
    return summary
