"""Findings about a dashboard defined as a JSON file (`JsonDashboard`) point into that file.

The linter walks the compiled body; its JSON paths are the file's own except where the build
normalized the document (a `{"dashboard": ...}` export unwrapped, legacy rows flattened into
panels, the built-in annotation inserted first, refIds assigned). Each step of a finding's
path is checked against the file's value at the same place (same type, title, name, refId,
expr where both have one), so a path that stops matching is cut at its last matching
ancestor, at worst the document itself (the file's first line): a line in the file the user
edits beats the line of the `.py` wrapper, and a coarser line beats a wrong one.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from ..normalize import unwrap
from .finding import Finding
from .locate import decode_json

#: members that identify a panel, target, variable or annotation: where both sides have one,
#: they must agree for the file's object to be the body's
_IDENTITY = ("type", "title", "name", "refId", "expr", "query")

_MISSING = object()


def at_json_file(findings: list[Finding], file: str, body: dict[str, Any]) -> list[Finding]:
    """`findings` about `body`, compiled from the dashboard JSON `file`, located in that file.

    Best effort: a file that can no longer be read leaves the findings where they were, and
    a path that cannot be followed in the file lands on its first line."""
    if not findings:
        return findings
    try:
        text = Path(file).read_text(encoding="utf-8")
        document, locator = decode_json(text)
    except (OSError, ValueError):
        return findings
    inner = unwrap(document) if isinstance(document, dict) else document
    prefix: tuple[Any, ...] = ("dashboard",) if inner is not document else ()
    wanted: list[tuple[tuple[Any, ...], int | None]] = []
    followed: list[int] = []  # the findings whose path could be followed, in `wanted`'s order
    for i, f in enumerate(findings):
        try:
            path, exact = file_path(body, inner, f.path)
        except Exception:  # locating is best effort: the file's first line rather than no place
            continue
        wanted.append((prefix + path, f.offset if exact else None))
        followed.append(i)
    places: list[tuple[int, int] | None] = [None] * len(findings)
    for i, place in zip(followed, locator.locate_many(wanted)):
        places[i] = place
    return [replace(f, file=file, line=place[0] if place else 1, column=place[1] if place else None)
            for f, place in zip(findings, places)]


def file_path(body: Any, document: Any, path: tuple[Any, ...]) -> tuple[tuple[Any, ...], bool]:
    """The longest prefix of `path` that names the same object in the file's `document` as in
    the compiled `body`, and whether it is the whole path to an equal value (so an offset into
    that string is an offset into the file's string too)."""
    matched = 0
    for key in path:
        body, document = _member(body, key), _member(document, key)
        if body is _MISSING or document is _MISSING or not _same(body, document):
            break
        matched += 1
    else:
        # only a string takes an offset: comparing containers would cost a deep walk for nothing
        return tuple(path), isinstance(body, str) and body == document
    return tuple(path[:matched]), False


def _member(value: Any, key: Any) -> Any:
    if isinstance(value, dict):
        return value.get(key, _MISSING)
    if isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
        return value[key]
    return _MISSING


def _same(body: Any, document: Any) -> bool:
    """Whether the file's value can stand for the body's: containers of the same kind (a dict
    agreeing on the identifying members both have), or two scalars (a normalized value is
    still at its key's place)."""
    if isinstance(body, dict) or isinstance(document, dict):
        return (isinstance(body, dict) and isinstance(document, dict)
                and all(body[k] == document[k] for k in _IDENTITY if k in body and k in document))
    if isinstance(body, list) or isinstance(document, list):
        return isinstance(body, list) and isinstance(document, list)
    return True
