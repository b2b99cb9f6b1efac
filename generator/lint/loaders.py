"""Read the files `gac lint PATH...` is given and tell what each document is.

Accepted: Grafana dashboard JSON (plain, wrapped in {"dashboard": ...}, legacy `rows`),
alert rule groups as the provisioning API takes or returns them (a group, a single rule, or
a list), alerting file-provisioning YAML (`apiVersion: 1`, `groups:`), Prometheus rule
files and PrometheusRule custom resources, data source bodies and data-source provisioning
files. Directories are searched recursively. A missing path, a file that is not valid
JSON/YAML, a directory given that holds no JSON or YAML file and a broken symbolic link in
one are usage errors (exit 2) naming the path, never a traceback.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

import yaml

from ..errors import GacError, checked_scalar_tags, refuse_duplicate_keys, unreadable
from .dashboard_model import is_dashboard, listed
from .locate import YamlLocator, decode_json

SUFFIXES = (".json", ".yaml", ".yml")
_SKIP_DIRS = {".git", "node_modules", ".venv", "__pycache__", ".pytest_cache"}


#: libyaml's parser when PyYAML was built with it (ten times faster than the Python one, which
#: was a sixth of the lint of a tree of rule files), else the Python one; both give node marks.
#: The one choice of YAML parser for the linter's input and its own catalog files
YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(YAML_LOADER):
    """SafeLoader that reads what Grafana's and Prometheus's Go YAML (gopkg.in/yaml.v3: Grafana's
    pkg/services/provisioning/alerting/config_reader.go, Prometheus' rulefmt) read as strings as
    the same strings:

    - a bare `=`: PyYAML resolves it to the YAML 1.1 "value" tag and has no constructor for it
      (corpus/MANIFEST.md, alert_resources.yaml `object_matchers: [[monitor, =, testdata]]`);
    - a plain scalar shaped as a date that is none (`2023-02-30`): PyYAML resolves it to a
      timestamp and fails to make it (a ValueError, "day is out of range for month"); yaml.v3's
      `resolve` takes a plain scalar for a timestamp only where `parseTimestamp` succeeds, and
      else, being no number either, for a string;
    - booleans, nulls and numbers as yaml.v3's `resolve` reads them (`_go_scalar`), not as
      YAML 1.1 does: `yes`, `no`, `on`, `off`, `y` and `n` are strings (PyYAML made `off:` a
      key False and `severity: no` a label False), `1:30` and `0o17`... as `_go_scalar` says,
      and a number beyond a float64 (`1.0e+400`) a string, where PyYAML made it infinity.
    """


def _value_scalar(loader: Any, node: yaml.Node) -> Any:
    return loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None


def _timestamp(loader: Any, node: yaml.Node) -> Any:
    try:
        if isinstance(node, yaml.ScalarNode):  # else construct_scalar says what the tag needs
            return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        pass
    return loader.construct_scalar(node)


#: yaml.v3's resolveMap: the plain scalars read by name
_GO_NAMED: dict[str, Any] = {
    **dict.fromkeys(("true", "True", "TRUE"), True), **dict.fromkeys(("false", "False", "FALSE"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None), **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf)}
#: strconv.ParseInt(s, 0, 64)'s syntax: a sign, then a base prefix (a bare leading 0 is octal)
_GO_INT = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_GO_BASES = {"x": 16, "X": 16, "o": 8, "O": 8, "b": 2, "B": 2}
#: yaml.v3's yamlStyleFloat: the shape of a float it reads after a digit or sign
_GO_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
#: ParseFloat's reading of a text starting with a point: underscores only between two digits
_GO_POINT_FLOAT = re.compile(r"\.[0-9](?:_?[0-9])*(?:[eE][-+]?[0-9](?:_?[0-9])*)?")
#: what ParseInt(s, 2 or 8, 64) reads, a sign included: yaml.v3's last try after `0b` or `0o`
_GO_SIGNED_DIGITS = {"b": re.compile(r"[-+]?[01]+"), "o": re.compile(r"[-+]?[0-7]+")}
#: ParseInt's int64, then (for an unsigned number) ParseUint's uint64
_INT64_MIN, _INT64_MAX, _UINT64_MAX = -(2 ** 63), 2 ** 63 - 1, 2 ** 64 - 1
#: the plain scalars `_go_scalar` reads: what yaml.v3's resolve may read as other than a string
_GO_SCALAR_TAG = "tag:gac,2026:go-scalar"


def _go_scalar(loader: Any, node: yaml.Node) -> Any:
    """A plain scalar as yaml.v3's `resolve` reads it (gopkg.in/yaml.v3 resolve.go), step by step:
    by name (`_GO_NAMED`); after a point, a float where ParseFloat reads one; after a digit or
    sign, with underscores dropped, an int64 or uint64 where ParseInt/ParseUint (base 0) read one
    (`_go_int`), else a float where the text has yamlStyleFloat's shape and ParseFloat reads it
    within range, else after a lower-case `0b` or `0o` what ParseInt reads in that base (`0b-101`
    is -5); anything else a string. (Dates are read first, by their own resolver.)"""
    text = loader.construct_scalar(node)
    if text in _GO_NAMED:
        return _GO_NAMED[text]
    if text[:1] == ".":
        return _spelt(_go_float(text.replace("_", ""), text), text) if _GO_POINT_FLOAT.fullmatch(text) else text
    plain = text.replace("_", "")
    value = _go_int(plain)
    if value is not None:
        return _spelt(value, text)
    if _GO_FLOAT.fullmatch(plain):
        number = _go_float(plain, text)
        if number is not text:
            return _spelt(number, text)
    prefix = plain[:2]
    if prefix in ("0b", "0o") and _GO_SIGNED_DIGITS[prefix[1]].fullmatch(plain, 2):
        number = int(plain[2:], 2 if prefix == "0b" else 8)
        if _INT64_MIN <= number <= (_INT64_MAX if plain[2] in "+-" else _UINT64_MAX):
            return _spelt(number, text)
    return text


class SpeltInt(int):
    """An integer written otherwise than in its decimal form (`0x10`, `1_000`, `+5`, `010`): its
    text is kept (`text`), as yaml.v3 hands a scalar to a string field and as Grafana's provisioning
    values parse it (Int64Value: base 10 only, so `0x10` is refused where the number is 16)."""
    text: str


class SpeltFloat(float):
    """A float whose text is not Python's form of it (`1e3`, `.5`, `1_0.5`): its text kept (`text`)."""
    text: str


def _spelt(value: Any, text: str) -> Any:
    """`value`, or where `text` spells it otherwise than `str(value)`, the same number carrying `text`."""
    if isinstance(value, str) or str(value) == text:
        return value
    spelt = SpeltInt(value) if isinstance(value, int) else SpeltFloat(value)
    spelt.text = text
    return spelt


def _go_int(plain: str) -> int | None:
    """strconv.ParseInt(plain, 0, 64), else ParseUint(plain, 0, 64): a sign (ParseInt's only), then
    a base prefix or a bare leading 0 (octal); None where neither reads it."""
    if not _GO_INT.fullmatch(plain):
        return None
    signed = plain[0] in "+-"
    digits = plain[1:] if signed else plain
    if len(digits) > 1 and digits[0] == "0":
        base, body = (_GO_BASES[digits[1]], digits[2:]) if digits[1] in _GO_BASES else (8, digits[1:])
    else:
        base, body = 10, digits
    if len(body.lstrip("0")) > 64:  # beyond 64 bits in any base (and Python's limit on digits)
        return None
    value = -int(body, base) if plain[0] == "-" else int(body, base)
    return value if _INT64_MIN <= value <= (_INT64_MAX if signed else _UINT64_MAX) else None


def _go_float(plain: str, text: str) -> Any:
    """ParseFloat of `plain` as yaml.v3 takes it: beyond float64 (an error) the scalar stays its
    `text`, that very object."""
    value = float(plain)
    return text if math.isinf(value) else value


def _go_resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    """PyYAML's implicit resolvers with its YAML 1.1 booleans, nulls, ints and floats replaced by
    `_go_scalar` for whatever may start one (yaml.v3's resolveTable: signs, digits, a point and
    the first letters of its names); dates (before it), merge keys and `=` stay PyYAML's."""
    replaced = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:int",
                "tag:yaml.org,2002:float"}
    table = {first: [r for r in resolvers if r[0] not in replaced]
             for first, resolvers in YAML_LOADER.yaml_implicit_resolvers.items()}
    go = re.compile(r"[-+.0-9].*|true|True|TRUE|false|False|FALSE|~|null|Null|NULL|\Z", re.DOTALL)
    for first in [*"+-.0123456789tTfFnN~", ""]:
        table.setdefault(first, []).append((_GO_SCALAR_TAG, go))
    return {first: resolvers for first, resolvers in table.items() if resolvers}


def _merge_scalar(loader: Any, node: yaml.Node) -> Any:
    """`<<` where it merges nothing (a value, an item: PyYAML merges keys before constructing
    values) is the string it spells, as yaml.v3 reads it; PyYAML has no constructor for it."""
    return loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None


_Loader.yaml_implicit_resolvers = _go_resolvers()
_Loader.add_constructor(_GO_SCALAR_TAG, _go_scalar)
_Loader.add_constructor("tag:yaml.org,2002:value", _value_scalar)
_Loader.add_constructor("tag:yaml.org,2002:merge", _merge_scalar)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
checked_scalar_tags(_Loader)
refuse_duplicate_keys(_Loader)


@dataclass
class Document:
    kind: str            # dashboard | alert-group | alert-rule | alert-provisioning | prometheus-rules |
    #                      prometheus-rule-crd (a PrometheusRule object, its spec a rule file) | datasource
    data: Any
    file: str
    path: tuple[Any, ...]
    locator: Any
    #: a data source of a provisioning file: its strings are templates of the environment
    #: (`as_provisioned`), where a body for the API is taken as written
    provisioned: bool = False


# -- what Grafana's provisioning makes of a data source's strings ---------------------------
# pkg/services/provisioning/values/values.go interpolateValue, applied to every string of a
# data source, `jsonData` and `secureJsonData` to any depth: the text is split at `$$`, each
# part expanded (setting.ExpandVar's `$__env{…}`, `$__file{…}`, `$__vault{…}`, then
# os.ExpandEnv's `$NAME` and `${NAME}`), and the parts joined with a literal `$`

#: what os.ExpandEnv takes for a variable: `${…}` (any text), or `$` and a name; and the
#: expanders setting.ExpandVar reads first, which are no variable
_ENV_REFERENCE = re.compile(r"\$(?:\{([^}]*)\}|(\w+))")
_EXPANDERS = ("__env{", "__file{", "__vault{")


def as_provisioned(value: Any) -> Any:
    """A provisioning file's data source as Grafana stores it, as far as the file tells: each
    `$$` a `$`; an environment variable (unknown here) left as written."""
    if isinstance(value, str):
        return value.replace("$$", "$")
    if isinstance(value, dict):
        return {k: as_provisioned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_provisioned(v) for v in value]
    return value


def expanded_macros(text: str) -> list[str]:
    """Grafana's own macros (`${__value.raw}`, `$__tags`: a name that begins with `__`) that a
    provisioning file's `text` leaves unescaped: its provisioning replaces each with the
    environment variable of that name, which no environment has, so with nothing."""
    found = []
    for part in text.split("$$"):
        for m in _ENV_REFERENCE.finditer(part):
            name = m.group(1) if m.group(1) is not None else m.group(2)
            if name.startswith("__") and not part.startswith(_EXPANDERS, m.start() + 1):
                found.append(m.group(0))
    return found


def discover(paths: list[Path], problems: list[str] | None = None) -> list[Path]:
    """Files to lint, in a stable order; directories are searched recursively. A file reached
    twice (overlapping arguments, a symbolic link) is linted once, at its first mention.

    A directory given that holds no JSON or YAML file (searched as `_files_under` searches), or
    that holds a symbolic link named as one that cannot be followed (broken, a loop), is a
    problem: described in `problems` when given (the files found are still linted), else the
    first of them ends the run. Pointed at the wrong folder, a CI step linted nothing and passed,
    and a broken link was skipped where the same missing file named on its own is an error."""
    found: list[tuple[Path, str]] = []  # (file, its real path)
    for path in paths:
        try:
            mode = path.stat().st_mode
        except OSError as exc:  # missing, a symbolic link in a loop, a directory on the way not searchable
            raise GacError(f"{path}: cannot read: {exc.strerror or exc}") from None
        if stat.S_ISDIR(mode):
            below, unfollowed = _files_under(path)
            found.extend(below)
            described = unfollowed if below or unfollowed else [_no_files(path)]
            if described and problems is None:
                raise GacError(described[0])
            if problems is not None:
                problems.extend(described)
        elif not stat.S_ISREG(mode):  # a FIFO would be waited on for ever
            raise GacError(f"{path}: not a regular file; give gac JSON or YAML files or directories")
        elif path.suffix.lower() not in SUFFIXES:
            raise GacError(f"{path}: not a JSON or YAML file (expected {', '.join(SUFFIXES)}); "
                           "exposition files go to --metrics-file")
        else:
            found.append((path, os.path.realpath(path)))
    seen: set[str] = set()
    unique = []
    for f, real in found:
        if real not in seen:
            seen.add(real)
            unique.append(f)
    return unique


def _no_files(directory: Path) -> str:
    return (f"{directory}: no JSON or YAML files found (dashboards, alert rule files, provisioning files, data "
            f"sources: {', '.join('*' + s for s in SUFFIXES)}): check the path")


def _files_under(top: Path) -> tuple[list[tuple[Path, str]], list[str]]:
    """The JSON and YAML files below `top` outside _SKIP_DIRS, in the order of their paths, each
    with its real path; and, in the same order, why each symbolic link named as such a file
    cannot be followed (`_unfollowed`). Walked by directory entries, which know without a system
    call of their own whether they are files and links: the real path of a file that is not a
    link is the real path of its folder and its name (`Path.resolve` of each file asked the
    system about each of its ancestors, most of the directory search's time). A symbolic link to
    a folder is followed (dashboards shared between repositories, as `gac test` follows a linked
    folder of tests), once: a folder already read, met again through a link (a loop, a second
    link), is not read again, nor is one whose real path lies in _SKIP_DIRS. A directory that
    cannot be read stops the run: skipped (as `rglob` does), its files would go unlinted and the
    run would pass."""
    found: list[tuple[list[str], Path, str]] = []  # (path below `top`, as parts, to sort by)
    unfollowed: list[tuple[list[str], str]] = []
    real_top = os.path.realpath(top)
    read = {real_top}  # the real paths of the folders read or to be read
    pending: list[tuple[str, list[str], str]] = [(str(top), [], real_top)]
    while pending:
        folder, below, real_folder = pending.pop()
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError as exc:
            raise GacError(f"{exc.filename}: cannot read this directory ({exc.strerror or exc}): fix its "
                           "permissions or lint the files you can read") from None
        skipped = not _SKIP_DIRS.isdisjoint(below)
        subfolders = []
        for entry in listed:
            try:
                is_dir = entry.is_dir()
            except OSError:  # as os.walk: an entry that cannot be told a directory is not one
                is_dir = False
            if is_dir:
                if not entry.is_symlink():
                    real = os.path.join(real_folder, entry.name)
                    read.add(real)
                    subfolders.append((entry.path, [*below, entry.name], real))
                else:
                    real = os.path.realpath(entry.path)
                    if real not in read and _SKIP_DIRS.isdisjoint(Path(real).parts):
                        read.add(real)
                        subfolders.append((entry.path, [*below, entry.name], real))
                continue
            name = entry.name.lower()
            # Path.suffix: from the last dot, unless the name starts there
            if skipped or not name.endswith(SUFFIXES) or name.rfind(".") == 0:
                continue
            parts = [*below, entry.name]
            if not _is_file(entry):  # a FIFO, a socket, or a link to nothing that can be read
                why = _unfollowed(entry, top.joinpath(*parts)) if entry.is_symlink() else None
                if why is not None:
                    unfollowed.append((parts, why))
                continue
            real = os.path.realpath(entry.path) if entry.is_symlink() else os.path.join(real_folder, entry.name)
            found.append((parts, top.joinpath(*parts), real))
        pending.extend(reversed(subfolders))  # os.walk's order: the first unreadable one is the one named
    found.sort(key=lambda item: item[0])
    unfollowed.sort(key=lambda item: item[0])
    return [(path, real) for _parts, path, real in found], [why for _parts, why in unfollowed]


def _unfollowed(link: os.DirEntry[str], path: Path) -> str | None:
    """Why a symbolic link cannot be followed (its target missing, a loop, a directory on the
    way not searchable), as a missing file named on its own is told; None where it can (a link
    to a FIFO, skipped as the FIFO itself is)."""
    try:
        os.stat(link.path)
    except OSError as exc:
        try:
            target = os.readlink(link.path)
        except OSError:
            target = "?"
        return f"{path}: cannot read: {exc.strerror or exc} (a symbolic link to {target}): fix or remove the link"
    return None


def _is_file(entry: os.DirEntry[str]) -> bool:
    """`Path.is_file` of a directory entry: a link that cannot be followed (a loop) is no file."""
    try:
        return entry.is_file()
    except OSError:
        return Path(entry.path).is_file()


def read_text(path: Path) -> str:
    """The file's text as `path.read_text(encoding="utf-8-sig")` reads it (line ends made
    "\n"), by decoding its bytes at once: the text layer's reading costs more than the decode.
    The bytes come from the unbuffered file, read whole: `read_bytes` opens a buffered one,
    whose set-up (a terminal check among others) took twice as long as reading the file."""
    try:
        with io.FileIO(path) as raw:
            text = raw.readall().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GacError(f"{path}: not a UTF-8 text file") from None
    except OSError as exc:
        raise GacError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if "\r" in text:  # universal newlines, as text mode reads them
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def load(path: Path, text: str | None = None) -> list[Document]:
    """Every lintable document in one file (possibly none)."""
    if text is None:
        text = read_text(path)
    if path.suffix.lower() == ".json":
        return load_json_text(text, str(path))
    return load_yaml_text(text, str(path))


#: substrings without which a file cannot hold a data source or a recording rule
_CONTEXT_MARKERS = ("datasources", "jsonData", "access", "record")


def may_define_context(text: str) -> bool:
    """Whether a file may define data sources or recording rules, which other files' lint needs.

    Files that cannot are linted in a second, streaming pass, one at a time, so memory stays
    bounded by the largest file rather than by the whole tree (keeping their texts from this
    first reading saved nothing: holding them cost as much as reading them again). Four C-speed
    scans of the text: one regex with the four alternatives is slower than the four of them.
    """
    return any(marker in text for marker in _CONTEXT_MARKERS)


def load_json_text(text: str, name: str) -> list[Document]:
    if not text or text.isspace():
        raise GacError(f"{name}: the file is empty: export the dashboard or rule group into it, or remove it")
    try:
        data, locator = decode_json(text)
    except json.JSONDecodeError as exc:
        raise GacError(f"{name}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:
        raise GacError(f"{name}: cannot read: {unreadable(exc, text)}") from None
    return list(classify(data, name, (), locator))


def load_yaml_text(text: str, name: str) -> list[Document]:
    loader = _Loader(text)
    docs: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            data = loader.construct_document(node)
            docs.extend(classify(data, name, (), YamlLocator(node, text)))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise GacError(f"{name}{where}: not valid YAML: {problem}") from None
    except (ValueError, RecursionError) as exc:
        raise GacError(f"{name}: cannot read: {unreadable(exc, text)}") from None
    finally:
        loader.dispose()
    return docs


def classify(data: Any, name: str, path: tuple[Any, ...], locator: Any) -> Iterator[Document]:
    """What a parsed document holds; lists are classified item by item."""
    if isinstance(data, list):
        for i, item in enumerate(data):
            yield from classify(item, name, (*path, i), locator)
        return
    if not isinstance(data, dict):
        return
    if _is_kubernetes_list(data):  # `kubectl get prometheusrules -o yaml`: the objects under `items`
        for i, item in enumerate(data["items"]):
            yield from classify(item, name, (*path, "items", i), locator)
        return
    kind = _kind(data)
    if kind == "datasource-provisioning":
        for i, ds in enumerate(data.get("datasources") or []):
            if isinstance(ds, dict):
                yield Document("datasource", ds, name, (*path, "datasources", i), locator, provisioned=True)
        return
    if kind is not None:
        yield Document(kind, data, name, path, locator)


#: the sections of Grafana's alerting provisioning file besides `groups` (provisioning/alerting
#: AlertingFileV1: contact points, policies, mute timings, templates, and what to delete)
_ALERTING_PROVISIONING_KEYS = ("contactPoints", "policies", "muteTimes", "templates", "deleteRules",
                               "deleteContactPoints", "resetPolicies", "deleteMuteTimes", "deleteTemplates")


def _is_kubernetes_list(data: Mapping[str, Any]) -> bool:
    """A Kubernetes list of objects (`kind: List`, or `PrometheusRuleList` and its like), as kubectl
    prints more than one object."""
    kind = data.get("kind")
    return (isinstance(kind, str) and kind.endswith("List") and isinstance(data.get("items"), list)
            and "apiVersion" in data)


def _kind(data: Mapping[str, Any]) -> str | None:
    if data.get("kind") == "PrometheusRule":
        return "prometheus-rule-crd"
    if is_dashboard(data):
        return "dashboard"
    inner = data.get("dashboard")
    if isinstance(inner, dict) and is_dashboard(inner):
        return "dashboard"
    groups = data.get("groups")
    if isinstance(groups, list):
        rules = [r for g in groups if isinstance(g, dict) for r in listed(g.get("rules")) if isinstance(r, dict)]
        if any("data" in r or "condition" in r for r in rules) or any("folder" in g for g in groups
                                                                       if isinstance(g, dict)):
            return "alert-provisioning"
        if any("expr" in r or "alert" in r or "record" in r for r in rules) or not rules:
            return "prometheus-rules"
    elif "groups" in data and len(data) == 1:
        return "prometheus-rules"  # groups that are no list: the rule file's shape is wrong (rulefmt)
    if isinstance(data.get("datasources"), list) and "apiVersion" in data:
        return "datasource-provisioning"
    if "apiVersion" in data and any(key in data for key in _ALERTING_PROVISIONING_KEYS):
        return "alert-provisioning"  # notification objects only: their rule groups (none) are linted
    group_rules = data.get("rules")
    if isinstance(group_rules, list) and (("folderUid" in data) or ("title" in data) or ("name" in data)):
        if all(isinstance(r, dict) and ("data" in r or "condition" in r) for r in group_rules):
            return "alert-group"
    if "condition" in data and isinstance(data.get("data"), list):
        return "alert-rule"
    if "type" in data and ("uid" in data or "name" in data) and any(k in data for k in ("url", "access", "jsonData")):
        return "datasource"
    return None
