"""Running the real `promtool test rules` and reading its report.

promtool is the reference: gac writes the translated rule and a promtool test file into a
temporary directory, runs promtool, and parses the failures it prints (alertname, time,
expected and got alerts). Its text report is the only interface promtool offers, so the
parsing is kept here, in one place.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import GacError

INSTALL_HINT = ("promtool (Prometheus's) is not on PATH: install it (Debian/Ubuntu: "
                "`sudo apt-get install -y prometheus`; elsewhere a release from https://prometheus.io/download/), "
                "then run `gac test` again")


class PromtoolMissing(GacError):
    """No promtool: exit 2 with the install hint."""


class PromtoolUnexpected(GacError):
    """promtool ended without its test report (a crash, a signal, another program): exit 2, as a
    broken tool is not a failing test."""


@dataclass(frozen=True)
class PromtoolFailure:
    """One `alertname: X, time: T` mismatch promtool reported (raw exp/got text)."""

    alertname: str
    time: str
    expected: str
    got: str


@dataclass(frozen=True)
class PromtoolError:
    """A rule evaluation that failed (`rule: X, time: T, err: E`): Grafana's error state."""

    rule: str
    time: str
    error: str


@dataclass(frozen=True)
class PromtoolRun:
    ok: bool
    failures: list[PromtoolFailure]
    errors: list[PromtoolError]
    output: str
    #: whether what promtool printed is its test report; when not, `output` is not a test result
    report: bool = True
    status: str = "exit 0"  # how it ended: "exit N" or "killed by SIGNAME"
    first_line: str = ""  # the first line of its stderr (of its stdout when stderr is empty)


def find_promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        raise PromtoolMissing(INSTALL_HINT)
    return path


#: the first line of promtool's test report (stdout), from promtool 2 to 3: `Unit Testing:  test.yaml`
_REPORT_START = re.compile(r"^Unit Testing: ", re.MULTILINE)
#: how a failed report says so (stdout or stderr, by version): `  FAILED:`
_REPORT_FAILED = re.compile(r"^\s*FAILED:\s*$", re.MULTILINE)
#: a Go runtime crash (`panic: ...`, `fatal error: ...` and the goroutine dump): never a report
_GO_CRASH = re.compile(r"^(?:panic: |fatal error: |goroutine \d+ \[)", re.MULTILINE)
#: promtool's exit code for failed tests (a crash is 2, a signal negative)
FAILED_EXIT = 1
_ERROR = re.compile(r"^\s*rule: (?P<rule>.*), time: (?P<time>[^,]+), err: (?P<err>.*)$")
_HEADER = re.compile(r"^\s*alertname: (?P<name>.*), time: (?P<time>[^,]+), ?$")


#: an escape of half a surrogate pair, as json writes a character beyond the BMP
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def yaml_text(doc: dict[str, Any]) -> str:
    """`doc` as promtool reads it: written as JSON, which YAML reads alike. A test of `at: 30d`
    on a 1m group asserts the probes at 43,200 evaluations, and PyYAML's dump (its representer
    is Python, even with libyaml's emitter) took 25 s of its 30; json takes 0.1 s. JSON writes every
    character outside printable ASCII as an escape YAML reads alike, but for one beyond the BMP
    (a pair of surrogates, which YAML refuses): such a document is dumped by PyYAML."""
    text = json.dumps(doc, ensure_ascii=True, allow_nan=False)
    if _SURROGATE_ESCAPE.search(text):
        return yaml.safe_dump(doc, sort_keys=False)
    return text


def run_promtool(promtool: str, rules: dict[str, Any], test: dict[str, Any], timeout: float = 60) -> PromtoolRun:
    """Write the rule and test files, run promtool, parse what it says."""
    with tempfile.TemporaryDirectory(prefix="gac-test-") as tmp:
        Path(tmp, "rules.yaml").write_text(yaml_text(rules), encoding="utf-8")
        Path(tmp, "test.yaml").write_text(yaml_text(test), encoding="utf-8")
        # its own process group, so that a promtool that outlives the timeout is stopped with
        # whatever it started; its output read as UTF-8 whatever it writes
        try:
            proc = subprocess.Popen([promtool, "test", "rules", "test.yaml"], cwd=tmp, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, encoding="utf-8", errors="replace",
                                    start_new_session=True)
        except OSError as exc:  # not an executable after all (a script without #!, a broken link)
            raise PromtoolUnexpected(f"promtool ({promtool}) cannot be run: {exc.strerror or exc}; check that "
                                     "`promtool --version` runs, then run gac test again") from None
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return PromtoolRun(False, [], [], f"promtool did not finish within {timeout:g} s; "
                                              "shorten the test's series or its `at:` times",
                               status=f"stopped after {timeout:g} s")
    output = (stdout + stderr).strip()
    errors = [PromtoolError(m["rule"], m["time"].strip(), m["err"].strip())
              for m in map(_ERROR.match, output.splitlines()) if m]
    return PromtoolRun(proc.returncode == 0, parse_failures(output), errors, output,
                       is_report(proc.returncode, stdout, stderr), exit_status(proc.returncode),
                       first_line(stderr) or first_line(stdout))


def is_report(returncode: int, stdout: str, stderr: str) -> bool:
    """Whether promtool's output is its test report: passed (exit 0) or failed (exit 1, FAILED:).

    Anything else (a Go panic, a kill by the kernel's OOM killer, a wrapper script that found no
    promtool, a program that is not promtool) would otherwise read as a failed test, or with exit 0
    as a passed one, whatever the rule does.
    """
    output = stdout + "\n" + stderr
    if not _REPORT_START.search(output) or _GO_CRASH.search(output):
        return False
    return returncode == 0 or (returncode == FAILED_EXIT and bool(_REPORT_FAILED.search(output)))


def exit_status(returncode: int) -> str:
    if returncode >= 0:
        return f"exit {returncode}"
    try:
        return f"killed by {signal.Signals(-returncode).name}"
    except ValueError:
        return f"killed by signal {-returncode}"


def first_line(text: str, limit: int = 300) -> str:
    """The first non-blank line of `text`, shortened, its control characters escaped: it is shown
    in a one-line error."""
    line = next((x.strip() for x in text.splitlines() if x.strip()), "")
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in line)
    return shown if len(shown) <= limit else shown[:limit] + "…"


def parse_failures(output: str) -> list[PromtoolFailure]:
    failures: list[PromtoolFailure] = []
    current: dict[str, Any] | None = None
    part = ""
    for line in output.splitlines():
        header = _HEADER.match(line)
        if header:
            if current:
                failures.append(_failure(current))
            current = {"name": header["name"], "time": header["time"].strip(), "exp": [], "got": []}
            continue
        if current is None:
            continue
        stripped = line.strip()
        if stripped.startswith("exp:"):
            part, stripped = "exp", stripped[4:]
        elif stripped.startswith("got:"):
            part, stripped = "got", stripped[4:]
        elif stripped == "FAILED:" or stripped.startswith("Unit Testing"):
            continue
        if part:
            current[part].append(stripped)
    if current:
        failures.append(_failure(current))
    return failures


def _failure(block: dict[str, Any]) -> PromtoolFailure:
    def text(lines: list[str]) -> str:
        return " ".join(x for x in lines if x).rstrip(",").strip()

    return PromtoolFailure(block["name"], block["time"], text(block["exp"]), text(block["got"]))
