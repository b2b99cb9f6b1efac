"""`gac lint` on many files: each finding points into its own file, and linting in several
processes (`--jobs`) gives exactly what one process gives."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import threading
import time
import traceback
from pathlib import Path
from typing import Callable

import pytest

from click.testing import CliRunner

from generator.cli import main
from generator.errors import GacError
from generator.lint import LintConfig, engine, lint_paths
from generator.lint.formats import format_findings
from generator.lint import workers
from generator.lint.workers import can_fork, chunked, map_chunks

FIXED = 'sum(rate(app_requests_total{job="api"}[5m]))'


def _dashboard(uid: str, expr: str, padding: int = 0) -> str:
    body = {"uid": uid, "title": uid, "schemaVersion": 39,
            "panels": [{"id": 1, "type": "timeseries", "title": "Requests", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prom"},
                        "fieldConfig": {"defaults": {"unit": "reqps"}},
                        "targets": [{"refId": "A", "expr": expr, "datasource": {"type": "prometheus", "uid": "prom"}}]}]}
    text = json.dumps(body, indent=2)
    # the same JSON paths, lower down the file
    return text.replace('"schemaVersion"', "\n" * padding + '"schemaVersion"', 1)


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_a_query_repeated_in_another_file_is_reported_in_that_file_at_its_own_line(tmp_path):
    """The second occurrence of a query reuses the first one's rule verdicts; its findings
    must still point into its own file, even where the query sits at the same JSON path."""
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(_dashboard("a", FIXED))
    second.write_text(_dashboard("b", FIXED, padding=7))
    findings = [f for f in lint_paths([tmp_path], LintConfig()) if f.rule == "promql-fixed-window"]
    assert sorted((Path(f.file).name, f.line) for f in findings) == [  # type: ignore[arg-type]
        ("a.json", _line_of(first, "[5m]")), ("b.json", _line_of(second, "[5m]"))]


def _tree(root: Path, count: int) -> None:
    windows = ["5m", "$__rate_interval", "1h"]
    for i in range(count):
        expr = f'sum(rate(app{i % 7}_requests_total{{job="api"}}[{windows[i % 3]}]))'
        (root / f"d{i:03}.json").write_text(_dashboard(f"d{i}", expr, padding=i % 5))


needs_fork = pytest.mark.skipif(not can_fork(), reason="workers are forked, on Linux only")


@needs_fork
def test_workers_give_the_findings_and_problems_one_process_gives(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "_PARALLEL_CHARS", 0)  # a small tree, shared out all the same
    _tree(tmp_path, 40)
    (tmp_path / "d010.json").write_text("{ not json")
    (tmp_path / "d031.json").write_text("")
    runs = []
    for jobs in (1, 2, 3):
        problems: list[str] = []
        findings = lint_paths([tmp_path], LintConfig(), problems=problems, jobs=jobs)
        runs.append((format_findings(findings, "json"), problems))
    assert runs[0][0].count('"rule"') > 20 and len(runs[0][1]) == 2
    assert runs[1] == runs[0] and runs[2] == runs[0]


@needs_fork
def test_without_a_problem_list_the_first_broken_file_ends_the_run_from_a_worker_too(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "_PARALLEL_CHARS", 0)
    _tree(tmp_path, 30)
    (tmp_path / "d020.json").write_text("[")
    (tmp_path / "d025.json").write_text("{")
    messages = []
    for jobs in (1, 2):
        with pytest.raises(GacError) as raised:
            lint_paths([tmp_path], LintConfig(), jobs=jobs)
        messages.append(str(raised.value))
    assert "d020.json" in messages[0] and messages[1] == messages[0]


def test_chunks_keep_the_order_and_every_item():
    items = list(range(50))
    sizes = [1 + (i * 37) % 11 for i in items]
    for parts in (1, 2, 3, 8, 100):
        chunks = chunked(items, sizes, parts)
        assert [i for c in chunks for i in c] == items and all(chunks)
        assert len(chunks) <= max(parts, 1) + 1


@needs_fork
def test_the_jobs_option_gives_the_same_output(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "_PARALLEL_CHARS", 0)
    _tree(tmp_path, 24)
    outputs = []
    for jobs in ("1", "2"):
        result = CliRunner().invoke(main, ["lint", "--jobs", jobs, "--format", "json", str(tmp_path)])
        outputs.append((result.exit_code, result.output))
    assert outputs[0] == outputs[1] and outputs[0][0] == 0 and '"promql-fixed-window"' in outputs[0][1]


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_a_bad_jobs_value_is_a_usage_error(tmp_path, value):
    result = CliRunner().invoke(main, ["lint", "--jobs", value, str(tmp_path)])
    assert result.exit_code == 2 and "--jobs" in result.output


@needs_fork
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_ctrl_c_during_a_parallel_lint_is_130_without_tracebacks_or_leftover_workers(tmp_path, signum):
    """Ctrl-C reaches every process of the terminal's group (and a cancelled CI job's SIGTERM,
    every process of the job's): the workers must leave the message to the parent (one line,
    exit 130) and be gone when it exits."""
    import subprocess
    import sys

    from tests.paths import REPO

    panel = json.loads(_dashboard("p", FIXED))["panels"][0]
    for i in range(300):  # several MB: shared out among workers, and seconds of work
        panels = [{**panel, "id": p, "targets": [{**panel["targets"][0], "refId": f"R{t}",
                                                  "expr": f'sum(rate(app{i}_{p}_{t}_total{{job="x"}}[5m]))'}
                                                 for t in range(3)]} for p in range(40)]
        (tmp_path / f"d{i:03}.json").write_text(json.dumps({"uid": f"d{i}", "title": "D", "panels": panels}))
    process = subprocess.Popen([sys.executable, "-m", "generator", "lint", "--jobs", "2", str(tmp_path)],
                               env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.monotonic() + 30
    while not _children(process.pid) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)  # until the workers run
    assert _children(process.pid), "the workers never started"
    time.sleep(0.3)
    os.killpg(process.pid, signum)  # as a terminal does: the whole group
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert "Interrupted" in output and "Traceback" not in output and "KeyboardInterrupt" not in output
    assert "ForkPoolWorker" not in output, output  # the parent says it, once
    deadline = time.monotonic() + 10  # the workers are stopped as the parent exits: on a busy machine, not at once
    while _group(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _group(process.pid) == []


#: in a worker: whether Ctrl-C was blocked when it started, before its initializer ran
_BLOCKED_AT_START: bool | None = None
_IGNORE_INTERRUPTS = workers._ignore_interrupts


def _recording_initializer() -> None:
    global _BLOCKED_AT_START
    _BLOCKED_AT_START = {signal.SIGINT, signal.SIGTERM} <= signal.pthread_sigmask(signal.SIG_BLOCK, set())
    _IGNORE_INTERRUPTS()


def _sigint_state(_chunk: object) -> tuple[bool | None, bool, bool]:
    """In a worker: whether Ctrl-C and SIGTERM were blocked at its start, whether Ctrl-C is
    ignored and SIGTERM left to the parent now, whether either is blocked now."""
    return (_BLOCKED_AT_START,
            signal.getsignal(signal.SIGINT) == signal.SIG_IGN
            and signal.getsignal(signal.SIGTERM) is workers._end_when_stopping,
            bool({signal.SIGINT, signal.SIGTERM} & signal.pthread_sigmask(signal.SIG_BLOCK, set())))


@pytest.mark.skipif(not can_fork(), reason="workers are forked on Linux only")
def test_workers_are_forked_with_ctrl_c_blocked_and_then_ignore_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C is blocked while the workers are forked, so none reaches a worker before it
    ignores it (a traceback from its start-up); a worker ignores it and no longer blocks it,
    and the parent has its own handler and no blocked Ctrl-C again once they are stopped."""
    monkeypatch.setattr(workers, "_ignore_interrupts", _recording_initializer)
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    states = map_chunks(_sigint_state, [[1], [2], [3], [4]], 2)
    assert states == [(True, True, False)] * 4
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
    assert not {signal.SIGINT, signal.SIGTERM} & signal.pthread_sigmask(signal.SIG_BLOCK, set())


def _sleeping(chunk: list[float]) -> list[float]:
    """A worker's task: sleep for the chunk's one number of seconds, and return it."""
    time.sleep(chunk[0])
    return chunk


def _to_main_thread() -> None:
    signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)


def _to_process() -> None:
    """A process-directed SIGINT, which the system may hand to any thread not blocking it."""
    os.kill(os.getpid(), signal.SIGINT)


@pytest.mark.skipif(not can_fork(), reason="workers are forked on Linux only")
@pytest.mark.parametrize("seconds, chunks, send", [(0.4, 40, _to_main_thread), (0.03, 200, _to_main_thread),
                                                   (0.03, 200, _to_process)])
def test_ctrl_c_while_the_workers_run_is_raised_by_map_chunks_itself_at_once(
        seconds: float, chunks: int, send: Callable[[], None]) -> None:
    """A KeyboardInterrupt raised inside the pool's own waiting (a lock held, the pool's result
    thread waiting for it) can leave `terminate` waiting for ever: Ctrl-C must be raised by
    map_chunks itself, in no frame of multiprocessing or threading, after the workers are
    stopped, leaving Ctrl-C unblocked; whether results are slow to come or keep coming faster
    than the wait's timeout (it must not wait for the end of the run), and whichever thread
    the system hands the signal to (the timer's, here, or the main one)."""
    timer = threading.Timer(0.3, send)
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt) as raised:
            map_chunks(_sleeping, [[seconds]] * chunks, 2)  # 6 to 8 s of work in two workers
    finally:
        timer.cancel()
    assert time.monotonic() - started < 1.5, "Ctrl-C did not stop the run at once"
    frames = [frame.filename for frame in traceback.extract_tb(raised.value.__traceback__)]
    assert workers.__file__ in frames
    assert not any("multiprocessing" in f or "threading" in f for f in frames), frames
    assert multiprocessing.active_children() == []
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())


@pytest.mark.skipif(not can_fork(), reason="workers are forked on Linux only")
def test_sigterm_while_the_workers_run_is_raised_by_map_chunks_itself_at_once() -> None:
    """The command line turns SIGTERM into KeyboardInterrupt (cli._terminate_as_interrupt): raised
    inside the pool's own waiting, as Ctrl-C by default, it left `terminate` waiting for ever (a
    cancelled CI job's lint hung). It is recorded and raised by map_chunks as Ctrl-C is."""
    from generator.cli import _raise_interrupt
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    timer = threading.Timer(0.3, lambda: signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGTERM))
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt) as raised:
            map_chunks(_sleeping, [[0.03]] * 200, 2)
        assert signal.getsignal(signal.SIGTERM) is _raise_interrupt
    finally:
        timer.cancel()
        signal.signal(signal.SIGTERM, previous)
    assert time.monotonic() - started < 1.5, "SIGTERM did not stop the run at once"
    frames = [frame.filename for frame in traceback.extract_tb(raised.value.__traceback__)]
    assert not any("multiprocessing" in f or "threading" in f for f in frames), frames
    assert multiprocessing.active_children() == []


@pytest.mark.skipif(not can_fork(), reason="workers are forked on Linux only")
def test_a_ctrl_c_that_is_ignored_or_handled_lets_the_run_finish() -> None:
    """`trap '' INT` (a background job) ignores Ctrl-C, and a program may handle it without
    raising: either way the run goes on and returns every result; the handler is called once
    per Ctrl-C, and is in place again afterwards."""
    calls: list[int] = []

    def handler(signum: int, frame: object) -> None:
        calls.append(signum)

    for installed in (signal.SIG_IGN, handler):
        previous = signal.signal(signal.SIGINT, installed)
        try:
            timer = threading.Timer(0.3, _to_main_thread)
            timer.start()
            assert map_chunks(_sleeping, [[0.4, i] for i in range(6)], 2) == [[0.4, i] for i in range(6)]
            timer.join()
            assert signal.getsignal(signal.SIGINT) is installed
        finally:
            signal.signal(signal.SIGINT, previous)
    assert calls == [signal.SIGINT]


def _processes() -> list[tuple[int, int, int]]:
    """(pid, parent pid, process group) of every process, from /proc."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        out.append((int(stat.parent.name), int(fields[1]), int(fields[2])))
    return out


def _children(pid: int) -> list[int]:
    return [p for p, parent, _ in _processes() if parent == pid]


def _group(pgid: int) -> list[int]:
    return [p for p, _, group in _processes() if group == pgid]


def test_a_file_is_read_as_text_mode_reads_it_and_an_unreadable_one_is_named(tmp_path):
    """`read_text` reads the bytes whole and decodes them once: the text must be what text mode
    gives (byte-order mark dropped, every line end a newline), and a file that cannot be read
    or decoded an error naming it."""
    from generator.lint.loaders import read_text
    sample = tmp_path / "crlf.json"
    sample.write_bytes('\ufeff{"a":\r\n "é",\r"b": 1}\n'.encode("utf-8"))
    assert read_text(sample) == sample.read_text(encoding="utf-8-sig") == '{"a":\n "é",\n"b": 1}\n'
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"a": "é"}'.encode("latin-1"))
    for path, says in ((latin, "not a UTF-8 text file"), (tmp_path / "gone.json", "cannot read: No such file"),
                       (tmp_path, "cannot read: Is a directory")):
        with pytest.raises(GacError) as raised:
            read_text(path)
        assert str(raised.value).startswith(f"{path}: {says}")


def test_a_located_finding_is_the_same_finding_at_its_line_and_the_original_is_unchanged():
    """`Finding.located` copies the fields rather than calling the constructor: the copy must
    equal (and hash as) the finding built with the new line and column, keep the fields that
    are not compared (path, offset), stay frozen, and leave the original as it was."""
    import dataclasses

    from generator.lint.finding import Finding
    fields = {f.name: f"{f.name}-value" for f in dataclasses.fields(Finding)}
    fields.update(panel_id=4, line=None, column=None, path=("panels", 0, "targets", 1, "expr"), offset=7)
    original = Finding(**fields)  # type: ignore[arg-type]
    moved = original.located(12, 5)
    assert moved == Finding(**{**fields, "line": 12, "column": 5})  # type: ignore[arg-type]
    assert hash(moved) == hash(Finding(**{**fields, "line": 12, "column": 5}))  # type: ignore[arg-type]
    assert (moved.path, moved.offset, moved.message) == (original.path, 7, "message-value")
    assert (original.line, original.column) == (None, None) and type(moved) is Finding
    with pytest.raises(dataclasses.FrozenInstanceError):
        moved.line = 3  # type: ignore[misc]


def test_a_directory_gives_its_json_and_yaml_files_in_path_order_each_file_once(tmp_path):
    """The directory search: files by suffix (any case; a name that is only a suffix has none),
    none below .git or node_modules, a link to a directory followed once, a file reached twice
    (a link, overlapping arguments) linted once at its first mention, in the order of the
    paths' parts (`a/b/z.yml` before `a/b.json`); a link named as such a file that cannot be
    followed (a loop, a missing target) is a problem, in the same order."""
    from generator.lint.loaders import discover
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ("a/x.json", "a/b/y.YAML", "a/b/z.yml", "a/b.json", "a/readme.md", ".json", "..json",
                 "c-d.json", ".git/g.json", "node_modules/n.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    (tmp_path / "zlink.json").symlink_to(tmp_path / "a" / "x.json")
    (tmp_path / "linkdir").symlink_to(tmp_path / "a")
    (tmp_path / "loop.json").symlink_to(tmp_path / "loop.json")
    (tmp_path / "broken.yaml").symlink_to(tmp_path / "missing.yaml")
    below = ["..json", "a/b/y.YAML", "a/b/z.yml", "a/b.json", "a/x.json", "c-d.json"]
    problems: list[str] = []
    assert [str(p.relative_to(tmp_path)) for p in discover([tmp_path], problems)] == below
    assert [p.split(": ")[0] for p in problems] == [str(tmp_path / "broken.yaml"), str(tmp_path / "loop.json")]
    with pytest.raises(GacError, match="broken.yaml: cannot read"):
        discover([tmp_path])
    (tmp_path / "broken.yaml").unlink()
    (tmp_path / "loop.json").unlink()
    first = [tmp_path / "zlink.json", tmp_path / "a" / "b", tmp_path]
    assert [str(p.relative_to(tmp_path)) for p in discover(first)] == [
        "zlink.json", "a/b/y.YAML", "a/b/z.yml", "..json", "a/b.json", "c-d.json"]
    assert [str(p.relative_to(tmp_path)) for p in discover([tmp_path / "linkdir"])] == [
        "linkdir/b/y.YAML", "linkdir/b/z.yml", "linkdir/b.json", "linkdir/x.json"]


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_data_source_given_by_its_url_alone_is_known_to_every_file_and_linted(tmp_path, suffix):
    """A data source file needs a `type`, a `uid` or `name`, and a `url`, `access` or `jsonData`;
    one with only a `url` was read in the second pass, where nothing is known to other files
    any more: it went unlinted (the collector's :8889) and its uid unknown."""
    ds = {"name": "Prometheus", "type": "prometheus", "uid": "prom", "url": "http://otel-collector:8889"}
    (tmp_path / f"ds{suffix}").write_text(json.dumps(ds))  # JSON is YAML too
    (tmp_path / "d.json").write_text(_dashboard("d", FIXED).replace('"uid": "prom"', '"uid": "nope"'))
    found = {(Path(f.file).name, f.rule, f.message.split(" (")[0]) for f in lint_paths([tmp_path], LintConfig())
             if f.rule.startswith("datasource-")}  # type: ignore[arg-type]
    assert ("d.json", "datasource-ref-unresolved", "no data source with uid 'nope'") in found
    assert (f"ds{suffix}", "datasource-exposition-endpoint") in {(name, rule) for name, rule, _ in found}


@pytest.mark.parametrize("jobs", [1, pytest.param(2, marks=needs_fork)])
def test_a_data_source_found_late_lints_the_tree_again_with_it_known_each_finding_and_problem_once(
        tmp_path, monkeypatch, jobs):
    """A data source in a file read in the second pass (no marker but its `url`, which dashboards'
    links have too) makes the lint start again with that file read first: the files before it
    are judged knowing it, and every finding and problem is given once."""
    monkeypatch.setattr(engine, "_PARALLEL_CHARS", 0)  # shared out among workers all the same
    _tree(tmp_path, 12)
    (tmp_path / "d005.json").write_text('{"url": ')
    ds = {"name": "Prometheus", "type": "prometheus", "uid": "other", "url": "http://prometheus:9090"}
    (tmp_path / "zz-ds.json").write_text(json.dumps(ds))
    problems: list[str] = []
    found = lint_paths([tmp_path], LintConfig(), problems=problems, jobs=jobs)
    unresolved = sorted(Path(f.file).name for f in found if f.rule == "datasource-ref-unresolved")  # type: ignore
    # each dashboard's panel and target name `prom`: unknown, now that `other` is known
    assert unresolved == sorted(2 * [f"d{i:03}.json" for i in range(12) if i != 5])
    assert len(problems) == 1 and "d005.json" in problems[0], problems
    fixed = [f for f in found if f.rule == "promql-fixed-window"]
    fixed_windows = [i for i in range(12) if i != 5 and i % 3 != 1]  # _tree: [5m] and [1h], not [$__rate_interval]
    assert len(fixed) == len({(f.file, f.line) for f in fixed}) == len(fixed_windows)
