"""Languages and translation directions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Pair:
    """A translation direction, kept typed until it is printed.

    >>> pair = Pair.parse("KO:en")
    >>> pair, str(pair), pair.spec
    (Pair(source='ko', target='en'), 'ko→en', 'ko:en')
    """

    source: str
    target: str

    def __str__(self) -> str:
        return f"{self.source}→{self.target}"

    @property
    def spec(self) -> str:
        """The ``FROM:TO`` form the command line takes."""
        return f"{self.source}:{self.target}"

    @classmethod
    def parse(cls, spec: str) -> Pair:
        """A pair from ``FROM:TO`` (case-insensitive); ValueError when it is not one.

        >>> Pair.parse("ko-en")
        Traceback (most recent call last):
        ...
        ValueError: expected FROM:TO such as ko:en, got 'ko-en'
        """
        source, sep, target = spec.strip().lower().partition(":")
        if not (sep and source.isalpha() and target.isalpha()):
            raise ValueError(f"expected FROM:TO such as ko:en, got {spec!r}")
        return cls(source, target)
