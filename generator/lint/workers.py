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

    SIGTERM (a cancelled CI job signals the whole group) is handled as Ctrl-C: recorded, then
    raised by the command line's handler as an interruption. Workers must not die of it where
    it finds them: one killed while writing a result holds the results queue's lock, and the
    pool's `terminate` waits for that lock for ever. So a worker leaves SIGTERM alone until the
    parent, about to stop it (`terminate` sends SIGTERM once it holds the queues' locks), sets
    `_STOPPING`.
    """
    global _TASK, _CHUNKS, _STOPPING
    if jobs <= 1 or len(chunks) <= 1 or not can_fork():
        return [task(chunk) for chunk in chunks]
    context = multiprocessing.get_context("fork")
    _TASK, _CHUNKS, _STOPPING = task, chunks, context.RawValue("b", 0)
    unblock = set(STOP_SIGNALS) - signal.pthread_sigmask(signal.SIG_BLOCK, set(STOP_SIGNALS))
    interrupts = _Interrupts()
    pool = None
    terminated = False
    try:
        pool = context.Pool(min(jobs, len(chunks)), initializer=_ignore_interrupts)
        interrupts.record()
        if unblock:  # a Ctrl-C pressed (or SIGTERM sent) meanwhile is recorded now
            signal.pthread_sigmask(signal.SIG_UNBLOCK, unblock)
        results: list[R] = []
        pending = pool.imap(_run, range(len(chunks)))
        while len(results) < len(chunks):
            try:
                results.append(pending.next(_POLL))
            except multiprocessing.TimeoutError:
                pass
            interrupts.handle()
        pool.close()
    except _Terminated:
        terminated = True
    finally:
        if pool is not None:
            _STOPPING.value = 1  # the SIGTERM `terminate` sends them now ends them
            pool.terminate()
            pool.join()
        _TASK, _CHUNKS, _STOPPING = None, (), None
        interrupts.restore()
        if unblock:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, unblock)
    if terminated:  # SIGTERM at the system's default: the process ends, its workers stopped first
        os.kill(os.getpid(), signal.SIGTERM)
    interrupts.handle()  # one pressed as the workers were stopped
    return results


#: seconds between looks for a recorded Ctrl-C while the workers run (map_chunks)
_POLL = 0.05


#: what interrupts a run: Ctrl-C, and SIGTERM (a cancelled CI job; the command line raises
#: KeyboardInterrupt for it as for Ctrl-C: cli._terminate_as_interrupt). Both reach every process of
#: the group, and both are handled alike while workers run
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Interrupts:
    """Ctrl-C and SIGTERM recorded rather than handled, for the time the parent waits on its
    workers, then given to the handler that was in place (Python's default for Ctrl-C raises
    KeyboardInterrupt). Python runs signal handlers in the main thread only, and only the main
    thread may set one: called from another thread, nothing is recorded, and a signal is the
    main thread's business."""

    def __init__(self) -> None:
        self.received: list[int] = []
        self.previous: dict[int, Any] = {}

    def _record(self, signum: int, frame: Any) -> None:
        self.received.append(signum)

    def record(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in STOP_SIGNALS:
            # (a handler set from outside Python, which getsignal gives as None, is left in place)
            if signal.getsignal(signum) is not None:
                self.previous[signum] = signal.signal(signum, self._record)

    def restore(self) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
        self.previous = {}

    def handle(self) -> None:
        """Each signal recorded, given to the handler in place before (restored by then): a
        callable is called (here, outside the pool's code: it may raise), one ignored is dropped,
        and the system's default is taken: KeyboardInterrupt for Ctrl-C, as Python's own, and for
        SIGTERM the end of the process (`_Terminated` while the workers run: map_chunks stops them
        first), by the signal sent again once nothing records it."""
        while self.received:
            signum = self.received.pop(0)
            handler = signal.getsignal(signum) if not self.previous else self.previous[signum]
            if handler == signal.SIG_DFL:
                if signum == signal.SIGINT:
                    raise KeyboardInterrupt
                if self.previous:
                    raise _Terminated  # map_chunks stops the workers, then ends the process
                os.kill(os.getpid(), signum)
            elif callable(handler):
                handler(signum, None)


class _Terminated(Exception):
    """SIGTERM at the system's default reached the parent while its workers run."""


#: set by the parent just before it stops its workers (map_chunks): shared with them, forked
_STOPPING: Any = None


def _ignore_interrupts() -> None:
    """A worker's first step: Ctrl-C ignored, and SIGTERM ignored until the parent stops its
    workers (`_end_when_stopping`); then neither is blocked any more (map_chunks blocks both while
    forking, so that none reaches a worker before this). The parent alone reports the
    interruption, once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _end_when_stopping)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, set(STOP_SIGNALS))


def _end_when_stopping(signum: int, frame: Any) -> None:
    """In a worker: the parent's SIGTERM, sent once it holds the pool's queues, ends it quietly;
    one sent to the whole group before is left to the parent (map_chunks)."""
    if _STOPPING is not None and _STOPPING.value:
        os._exit(0)


def _run(index: int) -> Any:
    assert _TASK is not None
    return _TASK(_CHUNKS[index])
