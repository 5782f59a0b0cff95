"""The typed summary of a run, which the flows return and the CLI, the artifacts and
``--json`` all render."""

from __future__ import annotations

import time
from collections import Counter
from typing import Literal

from pydantic import Field, computed_field

from lingoflow.processors.batch import BatchCounts, BatchOutcome
from lingoflow.processors.core.languages import Pair
from lingoflow.processors.translate.packages import install_command


class RunSummary(BatchCounts):
    """What a run of ``process-documents`` or ``retranslate`` did."""

    flow: Literal["process-documents", "retranslate"]
    inputs: int = Field(0, description="Input files found (records examined, for retranslate).")
    records: int = Field(0, description="Records in the index after the run.")
    written: int = Field(0, description="Record files created or changed.")
    identical: int = Field(
        0, description="Records made again whose content came out the same (not rewritten)."
    )
    up_to_date: int = Field(
        0,
        description="Inputs skipped: bytes, lingoflow version and settings unchanged (records "
        "that lacked no translation, for retranslate).",
    )
    parameters: dict[str, str] = Field(
        default_factory=dict, description="The run's parameters, as given."
    )
    by_status: dict[str, int] = Field(default_factory=dict)
    by_language: dict[str, int] = Field(default_factory=dict)
    by_error: dict[str, int] = Field(
        default_factory=dict,
        description="Records of the index after the run carrying each error code.",
    )
    glossary_without_model: list[Pair] = Field(
        default_factory=list,
        description="Language pairs the glossary has entries for but no installed model "
        "translates: those entries were not used.",
    )
    orphaned: list[str] = Field(
        default_factory=list, description="Records whose input is no longer there."
    )
    pruned: bool = Field(False, description="Whether the orphaned records were deleted.")
    unavailable: list[Pair] = Field(
        default_factory=list,
        description="Pairs of the configured languages no installed model translates (the "
        "reason of missing_model errors, also on runs where every input was up to date).",
    )
    seconds: float = 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def processed(self) -> int:
        """Inputs processed (written or identical); the rest were up to date."""
        return self.written + self.identical

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
        """Count a finished batch: what it wrote and the records of its index entries by
        status, language and error code."""
        self.written += outcome.written
        self.identical += outcome.identical
        self.up_to_date += outcome.up_to_date
        self.add(outcome.counts)
        entries = outcome.entries
        self.records += len(entries)
        self.by_status = _added(self.by_status, Counter(e.status for e in entries))
        self.by_language = _added(self.by_language, Counter(e.language for e in entries))
        errors = Counter(code for e in entries for code in dict.fromkeys(e.errors))
        self.by_error = _added(self.by_error, errors)

    def finish(self, started: float) -> RunSummary:
        """The time since ``started`` (:func:`time.monotonic`), and the missing models of
        up-to-date records."""
        if self.by_error.get("missing_model") and not self.missing_models:
            self.missing_models = list(self.unavailable)  # up-to-date records, same reason
        self.seconds = round(time.monotonic() - started, 3)
        return self

    def state_name(self) -> str:
        """The name the final state shows in the UI's badge and runs list.

        >>> RunSummary(flow="process-documents", by_status={"ok": 3, "failed": 1}).state_name()
        'Completed with failures'
        >>> RunSummary(flow="process-documents", inputs=0).state_name()
        'Nothing to process'
        """
        if self.by_status.get("failed"):
            return "Completed with failures"
        if self.by_status.get("partial"):
            return "Partial"
        if not self.records:
            return "Nothing to process"
        return "Completed"

    def failed_share(self) -> float:
        """Share of the index's records that failed."""
        return self.by_status.get("failed", 0) / self.records if self.records else 0.0

    def state_message(self) -> str:
        """One line for the flow run's final state: records by status, and why they are not
        ok when one reason explains it.

        >>> s = RunSummary(flow="process-documents", records=5, by_status={"partial": 5},
        ...                missing_models=[Pair("ko", "en")], identical=5)
        >>> s.state_message()
        '5 records, all partial: no ko→en model; 5 processed, 0 changed, 0 up to date'
        """
        statuses = self.by_status
        if not self.records:
            folder = self.parameters.get("raw_dir", "the input folder")
            return f"no records: {self.inputs} inputs found in {folder}"
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
            count = len(self.orphaned)
            messages.append(f"{count} record(s) have no input any more and {done}: {shown}")
        if self.corrupt:
            what = (
                "left out of the index"
                if self.flow == "retranslate"
                else "replaced by processing their input again"
            )
            shown = "; ".join(self.corrupt[:10])
            messages.append(f"{len(self.corrupt)} corrupt record file(s), {what}: {shown}")
        if self.glossary_without_model:
            pairs = ", ".join(map(str, self.glossary_without_model))
            messages.append(
                f"the glossary has entries for {pairs}, which no installed model translates: "
                "those entries were not used"
            )
        if self.missing_models:
            pairs = ", ".join(map(str, self.missing_models))
            messages.append(
                f"no translation model for {pairs}: those segments keep their original text "
                f"only (records are partial). Install with: {self.install_command} (or, "
                "offline, from .argosmodel files: lingoflow models install FILE...), or run "
                "the deployment install-models/install-models-now with "
                f"from_index={[p.spec for p in sorted(self.missing_models)]} or files=[...], "
                "then retranslate-now"
            )
        if self.flow == "process-documents" and not self.inputs:
            messages.append(
                f"no input found in {self.parameters.get('raw_dir', 'the input folder')}: "
                "nothing was processed"
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


def _added(counts: dict[str, int], more: Counter[str]) -> dict[str, int]:
    return dict(sorted((Counter(counts) + more).items()))
