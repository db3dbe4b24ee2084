"""Work spread over the machine's cores in threads (numpy's sorts, searches and gathers run
without Python's lock, so array work over chunks runs in parallel)."""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Iterable, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def in_threads(function: Callable[[Item], Result], items: Iterable[Item], workers: int = 0) -> list[Result]:
    """``function`` of every item, in order, run by ``workers`` threads (0: one per core, at most 4).

    The first error raised is raised here (a cancel, as a rule); items not started by then are dropped.

    >>> in_threads(lambda x: x * x, range(5))
    [0, 1, 4, 9, 16]
    """
    items = list(items)
    workers = workers or min(4, os.cpu_count() or 1)
    if workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pipenet-chunk")
    try:
        return list(pool.map(function, items))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def started(function: Callable[[], Result]) -> Future:
    """``function`` running in a thread of its own; ``result()`` waits for it and raises its error.

    >>> started(lambda: 6 * 7).result()
    42
    """
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pipenet-beside")
    try:
        return pool.submit(function)
    finally:
        pool.shutdown(wait=False)  # the thread ends with the function
