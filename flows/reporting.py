"""Run reports published as Prefect artifacts: a markdown summary and a per-document table."""

from __future__ import annotations

from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from processors.record import IndexEntry


def publish_run_report(kind: str, summary: dict[str, Any], entries: list[IndexEntry]) -> None:
    """Publish the summary of a flow run and one table row per document."""
    key = f"lingoflow-{kind}"
    create_markdown_artifact(
        key=key, markdown=summary_markdown(kind, summary, entries), description=f"{kind} summary"
    )
    create_table_artifact(
        key=f"{key}-documents",
        table=[
            {
                "doc_id": e.doc_id,
                "path": e.path,
                "status": e.status,
                "language": e.language,
                "segments": e.segments,
                "errors": ", ".join(e.errors),
            }
            for e in entries
        ],
        description=f"{kind}: one row per document",
    )


def summary_markdown(kind: str, summary: dict[str, Any], entries: list[IndexEntry]) -> str:
    """The run summary as markdown: counts, failures with reasons, missing models, timing."""
    lines = [f"# lingoflow {kind}", ""]
    lines += ["| | |", "|---|---|"]
    for label, key in (
        ("inputs", "inputs"),
        ("records", "records"),
        ("written", "written"),
        ("unchanged", "unchanged"),
        ("sentences translated", "sentences_translated"),
        ("sentences from cache", "sentences_from_cache"),
        ("seconds", "seconds"),
        ("documents/s", "documents_per_second"),
    ):
        if key in summary:
            lines.append(f"| {label} | {summary[key]} |")
    for title, key in (("By status", "by_status"), ("By language", "by_language")):
        counts = summary.get(key) or {}
        lines += ["", f"## {title}", ""]
        lines += [f"- {name}: {count}" for name, count in counts.items()] or ["- none"]
    stage_seconds = summary.get("stage_seconds") or {}
    if stage_seconds:
        lines += ["", "## Time per stage (seconds, summed over batches)", ""]
        lines += [f"- {stage}: {seconds}" for stage, seconds in stage_seconds.items()]
    if summary.get("missing_models"):
        lines += ["", "## Missing translation models", ""]
        lines += [f"- {pair}" for pair in summary["missing_models"]]
        lines += ["", f"Install with `{summary['install_command']}`."]
    if summary.get("orphaned"):
        removed = "removed" if summary.get("pruned") else "kept (run with prune to remove)"
        lines += ["", f"## Records whose input disappeared ({removed})", ""]
        lines += [f"- {name}" for name in summary["orphaned"]]
    failed = [e for e in entries if e.status == "failed"]
    if failed:
        lines += ["", "## Failed documents", ""]
        lines += [f"- `{e.path}`: {', '.join(e.errors)}" for e in failed]
    return "\n".join(lines) + "\n"
