"""Pull-request review: the semantic diff of two `generated/` trees (`gac diff`), as Markdown.

`trees` reads or builds the two trees, `compare` matches objects and diffs them with the
sync's semantic diff, `summary` counts what reviewers look for (objects, queries,
thresholds, alert conditions), `render` formats, `worktree` builds a git revision.
"""
