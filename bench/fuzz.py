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
import traceback
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from lingoflow.processors.core.config import PipelineConfig, TranslationConfig
    from lingoflow.processors.core.document import Document
    from lingoflow.processors.pipeline import run_steps

    config = PipelineConfig(translation=TranslationConfig(enabled=False))
    crashes = 0
    statuses: dict[str, int] = {}
    start = time.perf_counter()
    for i, data in enumerate(inputs(args.inputs, args.seed)):
        doc = Document(rel_path=f"fuzz-{i}.txt", doc_id="fuzz-000000000000", data=data)
        try:
            run_steps([doc], config)
        except Exception:
            crashes += 1
            print(f"crash on input {i}: {data[:200]!r}")
            traceback.print_exc()
            continue
        statuses[doc.status] = statuses.get(doc.status, 0) + 1
    seconds = time.perf_counter() - start
    print(
        f"{args.inputs} inputs in {seconds:.0f} s ({args.inputs / seconds:.0f}/s), "
        f"crashes: {crashes}, statuses: {dict(sorted(statuses.items()))}"
    )
    return 1 if crashes else 0


if __name__ == "__main__":
    raise SystemExit(main())
