"""Per-process memos on hot paths: a plain dict emptied when full.

Cheaper than an LRU's bookkeeping on every hit; a memo emptied only costs the work it saved, once more.
"""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def remember(memo: dict[K, V], key: K, value: V, limit: int) -> V:
    """`memo[key] = value`, first emptying `memo` when it holds `limit` entries; returns `value`."""
    if len(memo) >= limit:
        memo.clear()
    memo[key] = value
    return value
