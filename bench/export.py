"""Dataset exports: seconds and peak memory by number of records.

The five sample records (made with the test models of tests/argos.py, so they hold
translations) are copied under new names to make corpora of 100 and 2,000 records; each export
runs in a fresh process, which reports its peak memory (VmHWM). Flat memory from 100 to 2,000
records means the export streams.

    python -m bench.export [--sizes 100 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import re, sys, time
from pathlib import Path
from lingoflow.processors.output.export import export
start = time.perf_counter()
summary = export(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], include_flagged=True)
seconds = time.perf_counter() - start
peak = re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)
print(seconds, peak, summary.rows, summary.bytes)
"""


def sample_records(folder: Path) -> list[dict[str, object]]:
    """The samples' records, translated by the test packages."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("ARGOS_PACKAGES_DIR", str(folder / "packages"))
    os.environ.setdefault("XDG_CACHE_HOME", str(folder / "cache"))
    from lingoflow.processors.batch import process_batch, write_processed
    from lingoflow.processors.core.config import PipelineConfig
    from tests.argos import build_packages
    from tests.helpers import install_en_ko

    build_packages(folder / "files", [("ko", "en"), ("en", "ko")])
    install_en_ko(folder / "files", Path(os.environ["ARGOS_PACKAGES_DIR"]))
    out = folder / "records"
    names = sorted(p.name for p in (ROOT / "raw").iterdir())
    write_processed(out, process_batch(ROOT / "raw", out, names, PipelineConfig(), force=True))
    return [json.loads(p.read_text("utf-8")) for p in sorted(out.glob("*.json"))]


def corpus(folder: Path, records: list[dict[str, object]], size: int) -> Path:
    target = folder / f"corpus-{size}"
    target.mkdir()
    for i in range(size):
        record = dict(records[i % len(records)])
        doc_id = re.sub(r"-[0-9a-f]{12}$", f"-{i:012x}", str(record["doc_id"]))
        record["doc_id"] = doc_id
        (target / f"{doc_id}.json").write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 2000])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        records = sample_records(folder)
        print("| format | records | rows | MB written | seconds | records/s | peak RSS MB |")
        print("|---|---|---|---|---|---|---|")
        for size in args.sizes:
            source = corpus(folder, records, size)
            for fmt, name in (
                ("parquet", "r.parquet"),
                ("jsonl", "r.jsonl.gz"),
                ("parallel-tsv", "p.tsv"),
                ("tmx", "p.tmx"),
            ):
                done = subprocess.run(
                    [sys.executable, "-c", CHILD, str(source), str(folder / name), fmt],
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=ROOT,
                )
                seconds, peak, rows, size_bytes = done.stdout.split()
                print(
                    f"| {fmt} | {size} | {rows} | {int(size_bytes) / 1e6:.1f} | "
                    f"{float(seconds):.2f} | {size / float(seconds):.0f} | "
                    f"{int(peak) / 1024:.0f} |"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
