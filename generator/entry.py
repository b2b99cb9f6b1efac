"""The `gac` console script: the command line, imported inside the Ctrl-C handling.

Importing the command line (click, the commands' modules) takes a tenth of a second; a
Ctrl-C in that time arrived before `cli.GacGroup` could turn it into "Interrupted" and exit
130, and Python printed a traceback. This module imports nothing of its own."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from .cli import main as command_line
    except KeyboardInterrupt:
        from .errors import INTERRUPTED_EXIT
        sys.stderr.write("Interrupted (Ctrl-C).\n")
        sys.exit(INTERRUPTED_EXIT)
    command_line()
