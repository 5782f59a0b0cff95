"""Run reports published as Prefect artifacts: a markdown summary and a per-document table."""

from __future__ import annotations

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from lingoflow.processors.core.record import IndexEntry
from lingoflow.processors.summary import RunSummary

ARTIFACT_KEYS = {"process-documents": "run", "retranslate": "retranslate"}


def publish_run_report(summary: RunSummary, entries: list[IndexEntry], not_shown: int = 0) -> None:
    """Publish the summary of a flow run and one table row per document (artifacts
    ``run-summary`` and ``run-documents``; ``retranslate-...`` for retranslate). ``entries``
    are the documents shown; ``not_shown`` more are in the index only (a large run shows
    the documents that are not ok first: :class:`~lingoflow.processors.output.writer.IndexSink`)."""
    key = ARTIFACT_KEYS[summary.flow]
    records = summary.parameters.get("processed_dir", "processed")
    create_markdown_artifact(
        key=f"{key}-summary",
        markdown=summary_markdown(summary, entries, not_shown),
        description=f"{summary.flow}: {summary.state_message()}",
    )
    create_table_artifact(
        key=f"{key}-documents",
        table=[
            {
                "path": e.path,
                "status": e.status,
                "title": e.title or "",
                "language": e.language,
                "segments": e.segments,
                "record": f"{records}/{e.doc_id}.json",
                "errors": "; ".join(e.problems) or ", ".join(e.errors),
            }
            for e in entries
        ],
        description=f"{summary.flow}: one row per document"
        + (
            f" ({len(entries)} shown, not ok first; {not_shown} more in index.jsonl)"
            if not_shown
            else ""
        ),
    )


def summary_markdown(summary: RunSummary, entries: list[IndexEntry], not_shown: int = 0) -> str:
    """The run summary as markdown: counts, failures with reasons, missing models, timing."""
    lines = [f"# lingoflow {summary.flow}", "", summary.state_message(), ""]
    lines += ["| measure | value |", "|---|---|"]
    rows: list[tuple[str, object]] = [
        ("inputs", summary.inputs),
        ("records", summary.records),
        ("processed", summary.processed),
        ("changed (written)", summary.written),
        ("up to date (skipped)", summary.up_to_date),
        ("sentences translated", summary.sentences_translated),
        ("sentences from cache", summary.sentences_from_cache),
        ("seconds", summary.seconds),
        ("documents/s", summary.documents_per_second),
    ]
    lines += [f"| {label} | {value} |" for label, value in rows]
    if summary.parameters:
        lines += ["", "## Parameters", "", "| parameter | value |", "|---|---|"]
        lines += [f"| {name} | `{value}` |" for name, value in summary.parameters.items()]
    for title, counts in (("By status", summary.by_status), ("By language", summary.by_language)):
        lines += ["", f"## {title}", ""]
        lines += [f"- {name}: {count}" for name, count in counts.items()] or ["- none"]
    if summary.stage_seconds:
        lines += ["", "## Time per stage (seconds, summed over batches)", ""]
        lines += [f"- {stage}: {seconds}" for stage, seconds in summary.stage_seconds.items()]
    if summary.quality_flags:
        lines += ["", "## Machine translations flagged (segment x target language)", ""]
        lines += [f"- {flag}: {count}" for flag, count in summary.quality_flags.items()]
        if summary.translations_rejected:
            lines += [f"- left out (reject_flagged): {summary.translations_rejected}"]
    if summary.glossary_applied or summary.glossary_without_model:
        lines += ["", "## Glossary", "", f"- terms used: {summary.glossary_applied}"]
        lines += [
            f"- no model for {pair}: its entries were not used"
            for pair in summary.glossary_without_model
        ]
    if summary.missing_models:
        specs = [p.spec for p in sorted(summary.missing_models)]
        lines += ["", "## Missing translation models", ""]
        lines += [f"- {pair}" for pair in summary.missing_models]
        lines += [
            "",
            f"Install with `{summary.install_command}`, or run the deployment "
            f"`install-models/install-models-now` with `from_index={specs}` (or `files` on "
            "the worker), then `retranslate/retranslate-now`.",
        ]
    if summary.orphaned:
        removed = "removed" if summary.pruned else "kept (run with prune to remove)"
        lines += ["", f"## Records whose input disappeared ({removed})", ""]
        lines += [f"- {name}" for name in summary.orphaned]
    if summary.corrupt:
        lines += ["", "## Corrupt record files", ""]
        lines += [f"- {problem}" for problem in summary.corrupt]
    failed = [e for e in entries if e.status == "failed"]
    if failed:
        lines += ["", "## Failed documents", ""]
        lines += [f"- `{e.path}`: {', '.join(e.errors)}" for e in failed]
    if len(failed) < summary.by_status.get("failed", 0):
        lines += [f"- ... {summary.by_status['failed'] - len(failed)} more: see index.jsonl"]
    return "\n".join(lines) + "\n"
