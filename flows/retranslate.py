"""Flow ``retranslate``: fill missing translations in existing records (after installing
models) without cleaning the documents again."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import Field

from lingoflow.flows.common import (
    GlossaryParameter,
    RejectFlaggedParameter,
    TranslationSettings,
    current_flow_run_id,
    final_state,
    given,
    opaque,
    report_glossary_pairs,
    resolve,
    translation_config,
    write_run_index,
)
from lingoflow.flows.reporting import publish_run_report
from lingoflow.processors.batch import BatchOutcome, BatchResult, write_processed
from lingoflow.processors.core.config import TranslationConfig
from lingoflow.processors.core.record import IndexEntry, Record
from lingoflow.processors.output.records import index_entry, iter_records
from lingoflow.processors.output.writer import remove_stale_temporaries, run_lock
from lingoflow.processors.retranslate import retranslate_records
from lingoflow.processors.summary import RunSummary, batch_name, split_batches
from lingoflow.processors.translate.engine import engine_for


def load_records(paths: list[Path]) -> tuple[list[Record], list[str]]:
    """The records at ``paths``, and the corrupt ones as ``name: reason``."""
    corrupt: list[str] = []
    records = list(iter_records(paths, corrupt))
    return records, corrupt


@task(cache_policy=NO_CACHE)
def retranslate_batch(
    processed_dir: Path, paths: list[Path], config: TranslationConfig
) -> BatchOutcome:
    """Translate what is missing in one batch of records and write those that changed."""
    records, corrupt = load_records(paths)
    result = retranslate_records(records, engine_for(config), flow_run_id=current_flow_run_id())
    outcome = write_processed(processed_dir, BatchResult(records=result.changed))
    outcome.identical = len(records) - outcome.written
    outcome.stats.missing_pairs = result.missing_pairs
    outcome.stats.sentences_translated = result.sentences_translated
    outcome.stats.quality_flags = result.quality_flags
    outcome.stats.glossary_applied = result.glossary_applied
    outcome.stats.translations_rejected = result.translations_rejected
    outcome.stats.corrupt = corrupt
    return outcome


@flow(name="retranslate", log_prints=True)
def retranslate(
    processed_dir: Annotated[
        Path, Field(description="Folder of records whose missing translations are filled.")
    ] = Path("processed"),
    batch_size: Annotated[int, Field(description="Records per task run.", ge=1)] = 256,
    translation: Annotated[
        TranslationSettings, Field(description="Translation models and decoding settings.")
    ] = TranslationSettings(),  # noqa: B008 (an immutable default, validated by Prefect)
    glossary: GlossaryParameter = None,
    reject_flagged: RejectFlaggedParameter = False,
) -> RunSummary:
    """Fill missing translations in the records of processed_dir; rewrite only changed ones.

    Corrupt record files are reported (summary, log, artifact) and left as they are.

    Args:
        processed_dir: Folder of records whose missing translations are filled.
        batch_size: Records per task run.
        translation: Translation models and decoding settings.
        glossary: Glossary TSV, as for process-documents.
        reject_flagged: Leave out flagged translations, as for process-documents.
    """
    logger = get_run_logger()
    started = time.monotonic()
    processed_dir = resolve(processed_dir)
    config = translation_config(translation, glossary, reject_flagged)
    summary = RunSummary(
        flow="retranslate",
        parameters=given(processed_dir=processed_dir, batch_size=batch_size, glossary=glossary,
                         reject_flagged=reject_flagged),
    )  # fmt: skip
    report_glossary_pairs(config, summary)
    with run_lock(processed_dir):
        remove_stale_temporaries(processed_dir)
        paths = sorted(p for p in processed_dir.glob("*.json") if not p.name.startswith("."))
        summary.inputs = len(paths)
        batches = split_batches(paths, batch_size)
        for number, batch in enumerate(batches):
            name = batch_name(number, len(batches))
            outcome = retranslate_batch.with_options(task_run_name=f"retranslate-{name}")(
                processed_dir, batch, config
            )
            summary.add_batch(outcome)
            logger.info("%s: %d records, %d updated", name, len(batch), outcome.written)
        records, _ = load_records(paths)
        entries: list[IndexEntry] = [index_entry(r) for r in records]
        write_run_index(processed_dir, opaque(entries))
    for message in summary.warnings():
        logger.warning(message)
    summary.finish(entries, started)
    publish_run_report(summary, entries)
    return final_state(summary)  # type: ignore[return-value]
