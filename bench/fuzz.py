"""Fuzzing: many generated inputs through decode + clean + detect, counting crashes.

Inputs are random bytes, random Unicode text, mutated samples (bytes flipped, cut, repeated,
re-encoded as CP949, UTF-16 or cp1252 mojibake, wrapped in broken HTML), built from a seed.
A crash is any exception escaping the pipeline; each one is printed with its input.

    python -m bench.fuzz [--inputs 100000] [--seed 0]

Exit 1 when anything crashed.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TAGS = [
    "<div>",
    "</div>",
    "<p>",
    "</p>",
    "<script>",
    "<!--",
    "-->",
    "<![CDATA[",
    "&amp;",
    "&#xD800;",
    "<html lang='ko'>",
    "<meta charset='euc-kr'>",
    "<table><tr><td>",
    "<li>",
    "<h1>",
    "\x00",
]


def inputs(count: int, seed: int) -> Iterator[bytes]:
    """``count`` generated inputs."""
    rng = random.Random(seed)
    samples = [p.read_bytes() for p in sorted((ROOT / "raw").iterdir())]
    for _ in range(count):
        kind = rng.randrange(6)
        if kind == 0:
            yield rng.randbytes(rng.randrange(0, 600))
        elif kind == 1:
            ranges = [(32, 127), (0xAC00, 0xD7A4), (0x80, 0x2FFF), (0, 0x110000)]
            chars = [chr(rng.randrange(*rng.choice(ranges))) for _ in range(rng.randrange(300))]
            yield "".join(chars).encode("utf-8", "surrogatepass")
        else:
            data = bytearray(rng.choice(samples))
            start = rng.randrange(len(data))
            data = data[start : start + rng.randrange(1, 3000)]
            for _ in range(rng.randrange(0, 8)):
                if data:
                    data[rng.randrange(len(data))] = rng.randrange(256)
            text = data.decode("utf-8", "ignore")
            if kind == 2:
                yield text.encode(rng.choice(["cp949", "utf-16", "utf-16-le"]), "ignore")
            elif kind == 3:
                yield text.encode("utf-8").decode("cp1252", "replace").encode("utf-8")
            elif kind == 4:
                parts = [rng.choice(TAGS) + word for word in text.split(" ")]
                yield ("<!DOCTYPE html>" + " ".join(parts)).encode("utf-8")
            else:
                yield bytes(data) * rng.randrange(1, 4)


def _one(path: Path) -> dict[str, object]:
    """Process one file as a run would (``--one PATH``, in a process of its own): its status,
    error codes, seconds and the process's peak resident memory."""
    from lingoflow.processors.batch import process_batch
    from lingoflow.processors.core.config import PipelineConfig, TranslationConfig

    config = PipelineConfig(translation=TranslationConfig(enabled=False))
    start = time.perf_counter()
    batch = process_batch(path.parent, path.parent / ".out", [path.name], config, force=True)
    seconds = time.perf_counter() - start
    record = batch.records[0]
    return {
        "status": record.status,
        "codes": [e.code for e in record.errors],
        "seconds": round(seconds, 3),
        "peak_mb": _peak_rss_mb(),
    }


def _peak_rss_mb() -> int:
    """This process's peak resident memory since it started (``VmHWM``: unlike getrusage's
    ru_maxrss, which keeps the parent's peak across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return -1


def hostile_table(size: int, scale: int, folder: Path) -> tuple[list[str], int]:
    """Every hostile input of bench/hostile.py processed in a process of its own, the sized
    ones at ``size`` and ``scale`` times it: a markdown table, and how many crashed (an
    internal_error, or a process that did not end well)."""
    import json
    import subprocess
    import sys

    from bench import hostile

    rows = [
        "| input | size | status | errors | seconds | peak RSS MB | time at 10x / 1x |",
        "|---|---|---|---|---|---|---|",
    ]
    crashes = 0
    for generator in hostile.GENERATORS:
        sizes = [size, size * scale] if generator in hostile.SIZED and scale > 1 else [size]
        seconds = []
        for n in sizes:
            name, data = generator(n)
            path = folder / f"{n}-{name}"
            path.write_bytes(data)
            done = subprocess.run(
                [sys.executable, "-m", "bench.fuzz", "--one", str(path)],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                crashes += 1
                rows.append(f"| {name} | {n} | crashed: {done.stderr.strip()[-200:]} | | | | |")
                continue
            found = json.loads(done.stdout)
            crashes += "internal_error" in found["codes"]
            seconds.append(found["seconds"])
            ratio = f"{seconds[1] / max(seconds[0], 1e-3):.1f}" if len(seconds) == 2 else ""
            rows.append(
                f"| {name} | {n} | {found['status']} | {', '.join(found['codes'])} | "
                f"{found['seconds']} | {found['peak_mb']} | {ratio} |"
            )
    return rows, crashes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--hostile", action="store_true", help="also the hostile inputs of bench/hostile.py"
    )
    parser.add_argument("--size", type=int, default=1, help="size of the hostile inputs")
    parser.add_argument("--scale", type=int, default=10, help="time sized inputs at this times")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one is not None:
        import json

        print(json.dumps(_one(args.one)))
        return 0

    from lingoflow.processors.core.config import PipelineConfig, TranslationConfig
    from lingoflow.processors.core.document import Document
    from lingoflow.processors.pipeline import run_steps

    config = PipelineConfig(translation=TranslationConfig(enabled=False))
    crashes = 0
    statuses: dict[str, int] = {}
    start = time.perf_counter()
    for i, data in enumerate(inputs(args.inputs, args.seed)):
        doc = Document(rel_path=f"fuzz-{i}.txt", doc_id="fuzz-000000000000", data=data)
        run_steps([doc], config)
        if doc.traceback:  # an internal_error: a bug
            crashes += 1
            print(f"crash on input {i}: {data[:200]!r}\n{doc.traceback}")
        statuses[doc.status] = statuses.get(doc.status, 0) + 1
    seconds = time.perf_counter() - start
    print(
        f"{args.inputs} inputs in {seconds:.0f} s ({args.inputs / max(seconds, 1e-3):.0f}/s), "
        f"crashes: {crashes}, statuses: {dict(sorted(statuses.items()))}"
    )
    if args.hostile:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            rows, hostile_crashes = hostile_table(args.size, args.scale, Path(tmp))
        print("\n".join(rows))
        print(f"hostile crashes: {hostile_crashes}")
        crashes += hostile_crashes
    return 1 if crashes else 0


if __name__ == "__main__":
    raise SystemExit(main())
