"""What a run does around its batches, without Prefect: cutting inputs into batches, how many
run at once, orphaned records, and the typed run summary the CLI, the artifacts and ``--json``
all render."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, computed_field

from lingoflow.processors.batch import BatchOutcome
from lingoflow.processors.core.languages import Pair
from lingoflow.processors.core.record import IndexEntry
from lingoflow.processors.output.records import orphaned_records
from lingoflow.processors.read.ingest import doc_id_for
from lingoflow.processors.translate.packages import install_command

T = TypeVar("T")


def split_batches(items: Sequence[T], size: int) -> list[list[T]]:
    """``items`` in consecutive batches of at most ``size``.

    >>> split_batches(["a", "b", "c", "d", "e"], 2)
    [['a', 'b'], ['c', 'd'], ['e']]
    """
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def batch_name(index: int, total: int) -> str:
    """The readable name of batch ``index`` (from 0) of ``total``: task runs and logs use it.

    >>> batch_name(2, 16)
    'batch-0003-of-0016'
    """
    return f"batch-{index + 1:04d}-of-{total:04d}"


def batches_in_flight(processes: int, parallel_batches: int | None = None) -> int:
    """Batches submitted at once: ``parallel_batches`` when given, else 1 in one process (the
    work is CPU-bound: threads only contend) and twice the processes on a pool, so that none
    waits for work.

    >>> batches_in_flight(1), batches_in_flight(4), batches_in_flight(4, 3)
    (1, 8, 3)
    """
    if parallel_batches:
        return parallel_batches
    return 2 * processes if processes > 1 else 1


def orphans(processed_dir: Path, rel_paths: Iterable[str], *, prune: bool) -> list[Path]:
    """Records in ``processed_dir`` whose input is not among ``rel_paths``; deleted when
    ``prune``."""
    found = orphaned_records(processed_dir, {doc_id_for(p) for p in rel_paths})
    if prune:
        for path in found:
            path.unlink(missing_ok=True)
    return found


class RunSummary(BaseModel):
    """What a run of ``process-documents`` or ``retranslate`` did."""

    model_config = ConfigDict(extra="forbid")

    flow: Literal["process-documents", "retranslate"]
    inputs: int = Field(0, description="Input files found (records examined, for retranslate).")
    records: int = Field(0, description="Records in the index after the run.")
    written: int = Field(0, description="Record files created or changed.")
    unchanged: int = Field(0, description="Records left as they were (up to date or identical).")
    processed: int = Field(
        0, description="Inputs processed (the rest were up to date and skipped)."
    )
    up_to_date: int = Field(
        0, description="Inputs skipped: bytes, lingoflow version and settings unchanged."
    )
    parameters: dict[str, str] = Field(
        default_factory=dict, description="The run's parameters, as given."
    )
    by_status: dict[str, int] = Field(default_factory=dict)
    by_language: dict[str, int] = Field(default_factory=dict)
    sentences_translated: int = 0
    sentences_from_cache: int = 0
    quality_flags: dict[str, int] = Field(
        default_factory=dict,
        description="Machine translations flagged, by flag (see the record schema's "
        "translation_quality); one per segment and target language.",
    )
    glossary_applied: int = Field(
        0, description="Glossary terms used in translations (per segment and target language)."
    )
    translations_rejected: int = Field(
        0, description="Flagged translations left out of the records (reject_flagged)."
    )
    glossary_without_model: list[Pair] = Field(
        default_factory=list,
        description="Language pairs the glossary has entries for but no installed model "
        "translates: those entries were not used.",
    )
    missing_models: list[Pair] = Field(default_factory=list)
    orphaned: list[str] = Field(
        default_factory=list, description="Records whose input is no longer there."
    )
    pruned: bool = Field(False, description="Whether the orphaned records were deleted.")
    corrupt: list[str] = Field(
        default_factory=list, description="Corrupt record files found (name: reason)."
    )
    stage_seconds: dict[str, float] = Field(default_factory=dict)
    seconds: float = 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def install_command(self) -> str | None:
        """The command that installs the missing translation models, if any."""
        return install_command(self.missing_models) if self.missing_models else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def documents_per_second(self) -> float | None:
        return round(self.inputs / self.seconds, 1) if self.seconds else None

    def add_batch(self, outcome: BatchOutcome) -> None:
        """Count a finished batch."""
        stats = outcome.stats
        self.written += outcome.written
        self.unchanged += outcome.identical + outcome.skipped
        self.processed += outcome.written + outcome.identical
        self.up_to_date += outcome.skipped
        self.sentences_translated += stats.sentences_translated
        self.sentences_from_cache += stats.sentences_cached
        flags = Counter(self.quality_flags) + Counter(stats.quality_flags)
        self.quality_flags = dict(sorted(flags.items()))
        self.glossary_applied += stats.glossary_applied
        self.translations_rejected += stats.translations_rejected
        self.missing_models = sorted(set(self.missing_models) | stats.missing_pairs)
        self.corrupt += stats.corrupt
        seconds = Counter(self.stage_seconds) + Counter(stats.seconds)
        self.stage_seconds = {k: round(v, 3) for k, v in sorted(seconds.items())}

    def finish(self, entries: Sequence[IndexEntry], started: float) -> RunSummary:
        """Counts by status and language of ``entries``, and the time since ``started``
        (:func:`time.monotonic`)."""
        self.records = len(entries)
        self.by_status = dict(sorted(Counter(e.status for e in entries).items()))
        self.by_language = dict(sorted(Counter(e.language for e in entries).items()))
        self.seconds = round(time.monotonic() - started, 3)
        return self

    def state_message(self) -> str:
        """One line for the flow run's final state: records by status, and why they are not
        ok when one reason explains it.

        >>> s = RunSummary(flow="process-documents", records=5, by_status={"partial": 5},
        ...                missing_models=[Pair("ko", "en")], processed=5)
        >>> s.state_message()
        '5 records, all partial: no ko→en model; 5 processed, 0 changed, 0 up to date'
        """
        statuses = self.by_status
        if len(statuses) == 1:
            head = f"{self.records} records, all {next(iter(statuses))}"
        else:
            head = f"{self.records} records: " + ", ".join(
                f"{count} {status}" for status, count in statuses.items()
            )
        if self.missing_models and statuses.get("partial"):
            head += f": no {', '.join(map(str, self.missing_models))} model"
        return (
            f"{head}; {self.processed} processed, {self.written} changed, "
            f"{self.up_to_date} up to date"
        )

    def warnings(self) -> list[str]:
        """What the people running lingoflow should act on, one message each."""
        messages = []
        if self.orphaned:
            done = "were deleted" if self.pruned else "are kept (prune deletes them)"
            shown = ", ".join(self.orphaned[:10]) + (", ..." if len(self.orphaned) > 10 else "")
            messages.append(f"{len(self.orphaned)} record(s) have no input any more and {done}: "
                            f"{shown}")  # fmt: skip
        if self.corrupt:
            what = (
                "left out of the index"
                if self.flow == "retranslate"
                else "replaced by processing their input again"
            )
            messages.append(f"{len(self.corrupt)} corrupt record file(s), {what}: "
                            + "; ".join(self.corrupt[:10]))  # fmt: skip
        if self.glossary_without_model:
            pairs = ", ".join(map(str, self.glossary_without_model))
            messages.append(f"the glossary has entries for {pairs}, which no installed model "
                            "translates: those entries were not used")  # fmt: skip
        if self.missing_models:
            pairs = ", ".join(map(str, self.missing_models))
            messages.append(
                f"no translation model for {pairs}: those segments keep their original text "
                f"only (records are partial). Install with: {self.install_command} (or, "
                "offline, from .argosmodel files: lingoflow models install FILE...)"
            )
        return messages

    def text(self) -> str:
        """The summary as a few lines for a terminal (:meth:`warnings` says the rest)."""

        def counts(values: dict[str, int]) -> str:
            return ", ".join(f"{k} {v}" for k, v in values.items()) or "none"

        if self.flow == "retranslate":
            return (
                f"lingoflow: {self.records} records, {self.written} updated, "
                f"{self.sentences_translated} sentences translated in {self.seconds} s"
            )
        lines = [
            f"lingoflow: {self.records} records from {self.inputs} inputs in {self.seconds} s",
            f"  {self.processed} processed, {self.written} changed (identical output is not "
            f"rewritten), {self.up_to_date} up to date (skipped)",
            f"  by status:   {counts(self.by_status)}",
            f"  by language: {counts(self.by_language)}",
            f"  sentences translated {self.sentences_translated}, "
            f"from cache {self.sentences_from_cache}",
        ]
        if self.quality_flags:
            lines.append(f"  translations flagged: {counts(self.quality_flags)}")
        if self.translations_rejected:
            lines.append(f"  flagged translations left out: {self.translations_rejected}")
        if self.glossary_applied:
            lines.append(f"  glossary terms used: {self.glossary_applied}")
        return "\n".join(lines)
