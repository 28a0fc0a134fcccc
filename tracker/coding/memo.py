"""A memo for one document's coding: what a sentence's text yields is computed once, however often it is read.

The ensemble reads each sentence several times: the rules read the whole text, the model's rule features read it
again in chunks of up to three sentences, and once more sentence by sentence for the evidence. Scanning a text
for the codebook's targets, the general cues and the actors it names depends on that text alone, so within a
`document_scope` each scan is done once per distinct text and shared. Nothing is kept across documents: a
document's cost does not depend on what was coded before it, and memory stays bounded by one document.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")

_SCOPE: ContextVar[dict[tuple[str, int, str], tuple[object, object]] | None] = ContextVar(
    "tracker_coding_memo", default=None)


@contextlib.contextmanager
def document_scope() -> Iterator[None]:
    """Memoise scans until the block ends (an enclosing scope is reused)."""
    if _SCOPE.get() is not None:
        yield
        return
    token = _SCOPE.set({})
    try:
        yield
    finally:
        _SCOPE.reset(token)


def memoised(kind: str, owner: object, text: str, compute: Callable[[], T]) -> T:
    """`compute()` for this kind of scan by `owner` (a compiled codebook, a lexicon) over `text`, once per scope.

    The value must not be changed by the caller (return tuples). The entry holds `owner`, so its id cannot be
    reused by another object while the scope lasts."""
    cache = _SCOPE.get()
    if cache is None:
        return compute()
    key = (kind, id(owner), text)
    found = cache.get(key)
    if found is not None and found[0] is owner:
        return found[1]  # type: ignore[return-value]
    value = compute()
    cache[key] = (owner, value)
    return value


def in_document_scope(function: Callable[P, T]) -> Callable[P, T]:
    """Run `function` inside a `document_scope` (decorator)."""

    @functools.wraps(function)
    def scoped(*args: P.args, **kwargs: P.kwargs) -> T:
        with document_scope():
            return function(*args, **kwargs)

    return scoped
