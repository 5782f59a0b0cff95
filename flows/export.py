"""Flow ``export-dataset``: the records of processed/ as one dataset file (Parquet, JSONL,
sentence pairs as TSV or TMX) for the teams downstream."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import Field

from lingoflow.flows.common import resolve
from lingoflow.processors.output.export import ExportSummary, export


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, task_run_name="write-{fmt}")
def write_export(
    processed_dir: Path, output: Path, fmt: str, include_flagged: bool
) -> ExportSummary:
    """Stream the records into the output file (written aside, then renamed)."""
    return export(processed_dir, output, fmt, include_flagged=include_flagged)


@flow(name="export-dataset", log_prints=True)
def export_dataset(
    processed_dir: Annotated[Path, Field(description="Folder of records to export.")] = Path(
        "processed"
    ),
    format: Annotated[
        Literal["parquet", "jsonl", "parallel-tsv", "tmx"],
        Field(description="parquet or jsonl: a row per record; parallel-tsv, tmx: sentence pairs."),
    ] = "parquet",
    output: Annotated[
        Path, Field(description="File to write (.jsonl.gz compresses JSONL).")
    ] = Path("exports/records.parquet"),
    include_flagged: Annotated[
        bool, Field(description="Keep sentence pairs whose translation was flagged.")
    ] = False,
) -> ExportSummary:
    """Export the records of processed_dir as one dataset file.

    Args:
        processed_dir: Folder of records to export.
        format: parquet or jsonl (one row per record), parallel-tsv or tmx (sentence pairs).
        output: File to write; relative paths resolve against the project root.
        include_flagged: Keep sentence pairs whose translation the quality checks flagged.
    """
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
