"""A generated corpus with the variation real collections have, made from the samples.

Document i (deterministic for a seed) takes a sample, varies it and writes it as one of:
UTF-8, UTF-8 with BOM, CP949 (when it holds Korean), UTF-16, UTF-8 read as cp1252 (mojibake),
or an HTML page with navigation, cookie banner, share buttons and footer around the text.
Some documents gain a Korean paragraph, and sizes range from about 200 bytes (a title and one
paragraph) to about 200 KB (the body repeated with numbered variations).

    python -m bench.corpus OUT_DIR [--documents N] [--seed S]
"""

from __future__ import annotations

import argparse
import html
import random
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KOREAN = [
    "서울시는 올해 시내 12곳에 새 공원을 연다고 밝혔다. 공원은 모두 주민 의견을 반영해 설계됐다.",
    "환경부는 지방자치단체의 탄소중립 실천을 지원하기 위해 예산을 배정했다고 밝혔다.",
    "충청남도는 동남아시아 지방정부와의 교류를 확대한다. 도지사는 다음 주 출국한다.",
    "국무조정실은 제2차 범부처 탄소중립 전담조직 회의를 개최했다고 밝혔다.",
]
KINDS = ("utf-8", "utf-8-sig", "cp949", "utf-16", "mojibake", "html")


def samples() -> list[list[str]]:
    """Non-empty lines of each sample."""
    return [
        [line for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
        for p in sorted((ROOT / "raw").iterdir())
    ]


def document(i: int, rng: random.Random, base: list[list[str]]) -> tuple[str, bytes]:
    """File name and bytes of document ``i``."""
    lines = list(base[i % len(base)])
    title, body = f"{lines[0].strip()} ({i})", lines[1:]
    if i % 97 == 1:  # about 1 %: large, the body many times, numbered
        body = [f"{line} [{k}]" for k in range(60) for line in body]
    elif rng.random() < 0.1:  # small: a title and one paragraph
        body = body[-1:]
    if rng.random() < 0.3:
        body.insert(rng.randrange(len(body) + 1), rng.choice(KOREAN))
    kind = KINDS[i % len(KINDS)]
    text = "\n".join([title, *body]) + "\n"
    if kind == "cp949" and not any("\uac00" <= c <= "\ud7a3" for c in text):
        kind = "utf-8"
    if kind == "html":
        paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in body)
        page = (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title></head><body>"
            "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
            "<div class='cookie'>We use cookies to improve this site.</div>"
            f"<article><h1>{html.escape(title)}</h1>{paragraphs}</article>"
            "<div class='share'>Share Facebook Twitter</div>"
            "<footer>Copyright © 2024 Example Province. All rights reserved.</footer>"
            "</body></html>"
        )
        return f"doc-{i:06d}.html", page.encode("utf-8")
    if kind == "mojibake":
        data = text.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8")
        return f"doc-{i:06d}.txt", data
    encoding = {"utf-8-sig": "utf-8-sig", "cp949": "cp949", "utf-16": "utf-16"}.get(kind, "utf-8")
    return f"doc-{i:06d}.txt", text.encode(encoding, errors="replace")


def generate(out_dir: Path, count: int, seed: int = 0) -> Iterator[Path]:
    """Write ``count`` documents into ``out_dir`` (spread over folders of 1,000), yielding
    each path as it is written; nothing is held in memory beyond one document."""
    rng = random.Random(seed)
    base = samples()
    for i in range(count):
        name, data = document(i, rng, base)
        folder = out_dir / f"part-{i // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_bytes(data)
        yield path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    total = sum(p.stat().st_size for p in generate(args.out_dir, args.documents, args.seed))
    print(f"{args.documents} documents, {total / 1e6:.1f} MB in {args.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
