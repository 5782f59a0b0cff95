"""Flow ``retranslate``: fill missing translations in existing records (after installing
models) without cleaning the documents again."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from pydantic import Field

from flows.process import TranslationSettings, opaque, resolve, write_checked, write_run_index
from flows.reporting import publish_run_report
from processors.batch import BatchResult, summarise
from processors.config import TranslationConfig
from processors.record import IndexEntry, Record
from processors.retranslate import RetranslateResult, retranslate_records
from processors.translate import Pair, engine_for, install_command
from processors.writer import index_entry, load_record, remove_stale_temporaries, run_lock


@task(cache_policy=NO_CACHE)
def retranslate_batch(
    processed_dir: Path, paths: list[Path], config: TranslationConfig
) -> tuple[int, RetranslateResult]:
    """Translate what is missing in one batch of records and write those that changed."""
    records = [r for r in (load_record(p) for p in paths) if r is not None]
    run_id = str(flow_run.id) if flow_run.id else None
    result = retranslate_records(records, engine_for(config), flow_run_id=run_id)
    written = len(result.changed)
    if result.changed:
        write_checked(processed_dir, BatchResult(records=result.changed))
        result.changed = []
    return written, result


@flow(name="retranslate", log_prints=True)
def retranslate(
    processed_dir: Annotated[
        Path, Field(description="Folder of records whose missing translations are filled.")
    ] = Path("processed"),
    batch_size: Annotated[int, Field(description="Records per task run.", ge=1)] = 256,
    translation: Annotated[
        TranslationSettings, Field(description="Translation models and decoding settings.")
    ] = TranslationSettings(),  # noqa: B008 (an immutable default, validated by Prefect)
) -> dict[str, Any]:
    """Fill missing translations in the records of processed_dir; rewrite only changed ones.

    Args:
        processed_dir: Folder of records whose missing translations are filled.
        batch_size: Records per task run.
        translation: Translation models and decoding settings.
    """
    logger = get_run_logger()
    started = time.monotonic()
    processed_dir = resolve(processed_dir)
    config = translation.config()
    with run_lock(processed_dir):
        remove_stale_temporaries(processed_dir)
        paths = sorted(p for p in processed_dir.glob("*.json") if not p.name.startswith("."))
        batches = [paths[i : i + batch_size] for i in range(0, len(paths), batch_size)]
        written = translated = 0
        missing: set[str] = set()
        for number, batch in enumerate(batches, start=1):
            name = f"batch-{number:04d}-of-{len(batches):04d}"
            updated, result = retranslate_batch.with_options(task_run_name=f"retranslate-{name}")(
                processed_dir, batch, config
            )
            written += updated
            translated += result.sentences_translated
            missing |= result.missing_pairs
            logger.info("%s: %d records, %d updated", name, len(batch), updated)
        records: list[Record] = [r for r in (load_record(p) for p in paths) if r is not None]
        entries: list[IndexEntry] = [index_entry(r) for r in records]
        write_run_index(processed_dir, opaque(entries))
    seconds = round(time.monotonic() - started, 3)
    pairs = [Pair(*m.split("→")) for m in sorted(missing)]
    summary: dict[str, Any] = {
        "records": len(entries),
        "written": written,
        "unchanged": len(entries) - written,
        **summarise(entries),
        "sentences_translated": translated,
        "missing_models": sorted(missing),
        "install_command": install_command(pairs) if missing else None,
        "seconds": seconds,
    }
    if missing:
        logger.warning("still no translation model for %s: %s", ", ".join(sorted(missing)),
                       summary["install_command"])  # fmt: skip
    publish_run_report("retranslate", summary, entries)
    return summary
