"""The jinja2 templates of the Markdown reports (drift, pull-request diff), and their filters.

Templates hold the layout; this module holds what must be exact in Markdown -- code spans
that survive backticks, fences longer than any run inside, table cells without pipes --
and the one rendering of a semantic-diff entry that text and Markdown reports share.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import jinja2

from ..handlers.live import canonical
from ..sync.semantic_diff import DiffEntry

#: longest value shown inline; longer ones are cut in the middle (the raw diff has them whole)
VALUE_WIDTH = 400


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("generator", "templates"), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)
    env.filters.update(code=code_span, cell=table_cell, fence=fenced, entry=lambda e: entry_text(e, "markdown"),
                       py=repr, doc=docstring_text, sentence=sentence)
    return env


def render(name: str, **context: Any) -> str:
    """A template rendered, with runs of blank lines collapsed (Markdown does not need them)."""
    text = environment().get_template(name).render(**context)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def shorten(text: str, width: int = VALUE_WIDTH) -> str:
    if len(text) <= width:
        return text
    keep = (width - 1) // 2
    return f"{text[:keep]}…{text[-keep:]}"


def code_span(value: Any) -> str:
    """A value as a Markdown code span: strings as they are, anything else as compact JSON."""
    text = value if isinstance(value, str) else json.dumps(canonical(value), sort_keys=True, ensure_ascii=False,
                                                          separators=(", ", ": "))
    text = shorten(text.replace("\r", "").replace("\n", "⏎"))
    if text == "":
        return '`""`'
    run = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (run + 1)
    pad = " " if run or text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def table_cell(value: Any) -> str:
    return str(value).replace("\n", " ").replace("|", "\\|")


def fenced(text: str, lang: str = "") -> str:
    """A fenced code block whose fence is longer than any backtick run inside."""
    run = max((len(m) for m in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (run + 1)
    return f"{fence}{lang}\n{text.rstrip()}\n{fence}"


def sentence(value: Any) -> str:
    """A fragment as a sentence: capitalised, with a full stop."""
    text = str(value).strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".") if text else ""


def docstring_text(value: Any) -> str:
    """Text that cannot end or escape the triple-quoted docstring it is put in."""
    return str(value).replace("\\", "/").replace('"', "'").replace("\n", " ").replace("\r", " ")


def plain_value(value: Any) -> str:
    """A value for the text report: JSON, so strings are quoted and types stay visible."""
    return shorten(json.dumps(canonical(value), sort_keys=True, ensure_ascii=False, separators=(", ", ": ")))


def entry_text(entry: DiffEntry, style: str = "text") -> str:
    """One change as a person reads it: `where: before → after`, `where: added`, ...

    Added or removed elements that the diff already names by their title (a panel, a
    rule, a query) are not repeated after the label.
    """
    show = code_span if style == "markdown" else plain_value
    where = " › ".join(entry.path) or "(whole object)"
    if entry.op == "added":
        return f"{where}: added" if _named(entry.after, entry.path) else f"{where}: added {show(entry.after)}"
    if entry.op == "removed":
        return f"{where}: removed" if _named(entry.before, entry.path) else f"{where}: removed (was {show(entry.before)})"
    return f"{where}: {show(entry.before)} → {show(entry.after)}"


def _named(value: Any, path: tuple[str, ...]) -> bool:
    return isinstance(value, str) and bool(path) and (f'"{value}"' in path[-1] or path[-1].endswith(f" {value}")
                                                      or path[-1].endswith(f"${value}"))
