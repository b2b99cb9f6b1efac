"""The jinja2 templates of the Markdown reports (drift, pull-request diff), and their filters.

Templates hold the layout; this module holds what must be exact in Markdown -- code spans
that survive backticks, fences longer than any run inside, table cells without pipes.
A diff entry renders through the one renderer (`diff.entry_text`), with values as code spans.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import jinja2

from ..diff.render import entry_text, shorten
from ..handlers.live import canonical


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("generator", "templates"), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)
    env.filters.update(code=code_span, cell=table_cell, fence=fenced, md=markdown_text,
                       entry=lambda e: entry_text(e, code_span, markdown_text),
                       py=repr, doc=docstring_text, sentence=sentence)
    return env


def render(name: str, **context: Any) -> str:
    """A template rendered, with runs of blank lines collapsed (Markdown does not need them)."""
    text = environment().get_template(name).render(**context)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


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


#: what Markdown or GitHub's HTML would read as markup in plain text (a panel titled
#: `p95 | <details>` would open a block that swallows the rest of the comment)
_MARKUP = re.compile(r"([\\`*_\[\]#|~!])")


def markdown_text(value: Any) -> str:
    """Plain text (a title, a panel's name) that Markdown and GitHub's HTML show as written."""
    text = str(value).replace("\r", "").replace("\n", " ")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKUP.sub(r"\\\1", text)


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
