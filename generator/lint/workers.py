"""Run the lint of many files in several processes.

Linting is CPU-bound Python (expansion, analysis, rules), so threads cannot share it out;
processes can. Workers are forked: they inherit the run's state (configuration, metric
catalog, data source index, the files to read) without pickling any of it, and send back
only their findings. Results come back in the order of the chunks, so the findings, the
problems and the first error are the ones a single process would give (the findings are
sorted afterwards anyway).

Forking is used only on Linux, where it is the platform's default start method and safe
for this single-threaded program; elsewhere (and for small inputs, where starting workers
costs more than it saves) everything runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from typing import Any, Callable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: the task and its chunks, set in the parent just before forking and inherited by the workers
_TASK: Callable[[Sequence[Any]], Any] | None = None
_CHUNKS: Sequence[Sequence[Any]] = ()


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity, which containers and taskset narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def chunked(items: Sequence[T], sizes: Sequence[int], parts: int) -> list[list[T]]:
    """`items` in order, cut into about `parts` runs of similar total size (`sizes[i]` is
    item i's): consecutive files stay together, and a pool of workers evens out what the
    estimate misses."""
    total = sum(sizes) or 1
    target = total / max(parts, 1)
    chunks: list[list[T]] = [[]]
    filled = 0
    for item, size in zip(items, sizes):
        if chunks[-1] and filled + size / 2 > target:
            chunks.append([])
            filled = 0
        chunks[-1].append(item)
        filled += size
    return chunks


def map_chunks(task: Callable[[Sequence[T]], R], chunks: Sequence[Sequence[T]], jobs: int) -> list[R]:
    """`[task(chunk) for chunk in chunks]`, in up to `jobs` forked processes when there is more
    than one chunk and the platform forks. `task` must return picklable values; it should
    return errors as values too, so the caller raises the first one in order.

    Workers ignore Ctrl-C: the terminal sends it to the whole process group, and the parent
    alone turns it into "Interrupted" (exit 130), stopping the workers on its way out. Ctrl-C
    is blocked in the parent for the pool's whole life, the workers' forking included (so
    that none reaches a worker before it ignores it: a traceback from its start-up). The pool's
    threads start with it blocked too, so one pressed meanwhile stays pending: the parent
    looks for it between waits of _POLL seconds for the next result, and it is delivered once
    the workers are stopped and the mask is restored. A KeyboardInterrupt raised inside the
    wait itself, as Python raises it wherever the main thread is, could leave the lock of the
    results' iterator held, and the pool's result thread, and with it `terminate`, waiting for
    it for ever.
    """
    global _TASK, _CHUNKS
    if jobs <= 1 or len(chunks) <= 1 or not can_fork():
        return [task(chunk) for chunk in chunks]
    _TASK, _CHUNKS = task, chunks
    blocked = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    pool = None
    try:
        pool = multiprocessing.get_context("fork").Pool(min(jobs, len(chunks)), initializer=_ignore_interrupts)
        results: list[R] = []
        pending = pool.imap(_run, range(len(chunks)))
        while len(results) < len(chunks):
            try:
                results.append(pending.next(_POLL))
            except multiprocessing.TimeoutError:
                if not blocked and signal.SIGINT in signal.sigpending():
                    break  # delivered below, once the workers are stopped
        else:
            pool.close()
    finally:
        _TASK, _CHUNKS = None, ()
        if pool is not None:
            pool.terminate()
            pool.join()
        if not blocked:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # a pending Ctrl-C is raised here
    if len(results) < len(chunks):  # Ctrl-C pressed, and its handler did not raise
        raise KeyboardInterrupt
    return results


#: seconds between looks for a pending Ctrl-C while the workers run (map_chunks)
_POLL = 0.05


def _ignore_interrupts() -> None:
    """A worker's first step: Ctrl-C ignored, then no longer blocked (map_chunks)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _run(index: int) -> Any:
    assert _TASK is not None
    return _TASK(_CHUNKS[index])
