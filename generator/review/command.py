"""`gac diff`: the semantic diff of two generated/ trees, or of a git revision against the working tree."""

from __future__ import annotations

from pathlib import Path

import click

from .compare import compare_trees
from .render import as_json, markdown, text
from .trees import build_generated, read_generated
from .worktree import checkout
from ..option_group import root_option


@click.command("diff")
@click.argument("old", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.argument("new", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--base", "base", default=None, metavar="REV",
              help="Build REV (in a temporary git worktree, with this tool) and compare it with the working tree's build.")
@root_option("Repository root (with --base).")
@click.option("--format", "fmt", type=click.Choice(["markdown", "text", "json"]), default="markdown",
              show_default=True)
@click.option("--title", default="Grafana changes", show_default=True, help="Heading of the Markdown comment.")
@click.option("--quiet", "-q", is_flag=True,
              help="Print nothing when the trees do not differ (no comment to post), in any format.")
def diff_command(old: Path | None, new: Path | None, base: str | None, root: Path, fmt: str, title: str,
                 quiet: bool) -> None:
    """Semantic diff of two generated/ trees (OLD NEW), or of --base REV against the working tree.

    Markdown (the default) is a pull-request comment: a summary table, per-object changes
    and collapsible raw JSON diffs. Always exits 0 (2 on usage errors).
    """
    if base is not None:
        if old is not None or new is not None:
            raise click.UsageError("give either OLD NEW or --base REV, not both")
        with checkout(root, base) as base_root:
            old_files = build_generated(base_root, f"{base}")
        new_files = build_generated(root, "the working tree")
        old_label, new_label = base, "working tree"
    else:
        if old is None or new is None:
            raise click.UsageError("give two generated/ trees (OLD NEW), or --base REV")
        old_files, new_files = read_generated(old), read_generated(new)
        old_label, new_label = str(old), str(new)
    comparison = compare_trees(old_files, new_files)
    if quiet and comparison.clean:
        return
    if fmt == "json":
        click.echo(as_json(comparison, old_label, new_label))
    elif fmt == "text":
        click.echo(text(comparison, old_label, new_label))
    else:
        click.echo(markdown(comparison, old_label, new_label, title), nl=False)


