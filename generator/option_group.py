"""Several click options delivered to a command as one value.

A command taking a dozen flags one by one passes them on one by one too, and every
command sharing them repeats the list; gathering them where they are declared keeps the
commands' signatures short and the shared ones identical.
"""

from __future__ import annotations

import functools
import inspect
import math
from pathlib import Path
from typing import Any, Callable, Sequence

import click

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def option_group(name: str, build: Callable[..., Any], options: Sequence[Callable[[Any], Any]]) -> Decorator:
    """A decorator adding `options` to a click command, which receives `build(**their values)` as `name`.

    `build`'s parameter names are the options' destinations: those values are taken out
    of the command's keyword arguments, the rest pass through untouched.
    """
    names = list(inspect.signature(build).parameters)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def command(*args: Any, **kwargs: Any) -> Any:
            values = {key: kwargs.pop(key) for key in names}
            return fn(*args, **kwargs, **{name: build(**values)})

        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def root_option(help: str = "Repository root holding the definition folders.") -> Decorator:
    """`--root DIR`, the repository root every command takes; `help` says what it reads there."""
    return click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".",
                        show_default=True, help=help)


class FiniteFloatRange(click.FloatRange):
    """click's FloatRange, refusing NaN and the infinities as well: no comparison holds for NaN,
    so FloatRange lets it through any bound (`--min-coverage nan`, a floor nothing is below), and
    float() reads `inf` (a `--timeout` the HTTP client refused with a traceback)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"is not a number: {value!r} is not finite", param, ctx)
        return number
