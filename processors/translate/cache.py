"""The persistent translation cache."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path


class TranslationCache:
    """Translations already made, in SQLite, keyed by package, settings and exact source text.

    Safe for several processes: SQLite's write-ahead log, short transactions, and INSERT OR
    IGNORE (two runs that translate the same sentence write the same value).
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), timeout=60, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS scored_translation (key TEXT PRIMARY KEY, "
            "target TEXT NOT NULL, score REAL, bounded INTEGER NOT NULL)"
        )
        self._db.commit()

    def get_many(self, keys: Sequence[str]) -> dict[str, Translated]:
        """Cached translations of ``keys`` (missing keys are absent)."""
        found: dict[str, Translated] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    "SELECT key, target, score, bounded FROM scored_translation "
                    f"WHERE key IN ({marks})",
                    chunk,
                )
                found.update((k, Translated(t, s, bool(b))) for k, t, s, b in rows.fetchall())
        return found

    def put_many(self, items: dict[str, Translated]) -> None:
        """Store translations."""
        if not items:
            return
        rows = [(k, t.text, t.score, int(t.bounded)) for k, t in items.items()]
        with self._lock:
            self._db.executemany(
                "INSERT OR IGNORE INTO scored_translation (key, target, score, bounded) "
                "VALUES (?, ?, ?, ?)",
                rows,
            )
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM scored_translation").fetchone()
            return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


@dataclass(frozen=True)
class Translated:
    """One sentence's translation: its text, the model's length-normalised log-probability
    (mean over the parts of a split sentence, summed over the hops of a pivot route; None when
    unknown), and whether the output reached the decoding bound (so may be cut)."""

    text: str
    score: float | None = None
    bounded: bool = False


def mean_score(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None
