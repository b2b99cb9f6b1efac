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
import threading
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
    is blocked while they are forked, so that none reaches a worker before it ignores it (a
    traceback from its start-up). While the parent waits for their results, a Ctrl-C is only
    recorded (`_Interrupts`), whichever thread the system hands it to, and given to the
    handler in place between two waits of at most _POLL seconds: a KeyboardInterrupt raised
    inside the pool's own waiting, where Python raises it by default, could leave the lock of
    the results' iterator held, and the pool's result thread, and with it `terminate`, waiting
    for it for ever. A handler that does not raise (or Ctrl-C ignored) lets the run go on.
    """
    global _TASK, _CHUNKS
    if jobs <= 1 or len(chunks) <= 1 or not can_fork():
        return [task(chunk) for chunk in chunks]
    _TASK, _CHUNKS = task, chunks
    blocked = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    interrupts = _Interrupts()
    pool = None
    try:
        pool = multiprocessing.get_context("fork").Pool(min(jobs, len(chunks)), initializer=_ignore_interrupts)
        interrupts.record()
        if not blocked:  # a Ctrl-C pressed meanwhile is recorded now
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        results: list[R] = []
        pending = pool.imap(_run, range(len(chunks)))
        while len(results) < len(chunks):
            try:
                results.append(pending.next(_POLL))
            except multiprocessing.TimeoutError:
                pass
            interrupts.handle()
        pool.close()
    finally:
        _TASK, _CHUNKS = None, ()
        if pool is not None:
            pool.terminate()
            pool.join()
        interrupts.restore()
        if not blocked:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    interrupts.handle()  # one pressed as the workers were stopped
    return results


#: seconds between looks for a recorded Ctrl-C while the workers run (map_chunks)
_POLL = 0.05


class _Interrupts:
    """Ctrl-C recorded rather than handled, for the time the parent waits on its workers, then
    given to the handler that was in place (Python's default raises KeyboardInterrupt). Python
    runs signal handlers in the main thread only, and only the main thread may set one: called
    from another thread, nothing is recorded, and a Ctrl-C is the main thread's business."""

    def __init__(self) -> None:
        self.pressed = 0
        self.previous: Any = None
        self.recording = False

    def _record(self, signum: int, frame: Any) -> None:
        self.pressed += 1

    def record(self) -> None:
        # (a handler set from outside Python, which getsignal gives as None, is left in place)
        if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is not None:
            self.previous = signal.signal(signal.SIGINT, self._record)
            self.recording = True

    def restore(self) -> None:
        if self.recording:
            signal.signal(signal.SIGINT, self.previous)
            self.recording = False

    def handle(self) -> None:
        """Each Ctrl-C recorded, given to the handler in place before: a callable is called (here,
        outside the pool's code: it may raise), one ignored is dropped, and the system's default
        (the process ended) is taken as Python's own, KeyboardInterrupt."""
        while self.pressed:
            self.pressed -= 1
            handler = self.previous
            if handler == signal.SIG_DFL:
                raise KeyboardInterrupt
            if callable(handler):
                handler(signal.SIGINT, None)


def _ignore_interrupts() -> None:
    """A worker's first step: Ctrl-C ignored, then no longer blocked (map_chunks); SIGTERM ends
    it silently, as the system's default does (the command's own handler, inherited by the
    fork, would print each worker's interruption: the parent reports it, once)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _run(index: int) -> Any:
    assert _TASK is not None
    return _TASK(_CHUNKS[index])
