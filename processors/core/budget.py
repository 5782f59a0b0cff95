"""A time budget for the work on one document, checked cooperatively.

Processing a document is linear in its size, but a pathological input can still take long
(a dense PDF page, a 20 MB line, a page nested 100,000 deep). Each document gets a budget of
seconds (``PipelineConfig.document_timeout``); the steps call :func:`check_time` in their
loops over lines, pieces and sentences, and a document that runs past its budget raises
:class:`TooSlowError`, which the composition turns into that document's failed record
(``too_slow``): the run goes on. Python cannot interrupt a thread from outside, so the check
is cooperative; calls into C (a regular expression, lxml's parser) finish first, and those are
linear in an input that the size limit bounds.

>>> with time_budget(60):
...     check_time()  # well within the budget: nothing happens
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_DEADLINE: ContextVar[float | None] = ContextVar("lingoflow_deadline", default=None)


class TooSlowError(Exception):
    """The work on a document ran past its time budget."""


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Check :func:`check_time` against ``seconds`` from now inside the block (no budget:
    None)."""
    token = _DEADLINE.set(None if seconds is None else time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check_time() -> None:
    """Raise :class:`TooSlowError` when the current document's budget is spent.

    >>> with time_budget(-1):
    ...     check_time()
    Traceback (most recent call last):
    ...
    lingoflow.processors.core.budget.TooSlowError: the time budget of this document is spent
    """
    deadline = _DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline:
        raise TooSlowError("the time budget of this document is spent")
