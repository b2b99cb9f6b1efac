"""Shared by the alert modules: where runbooks live."""

#: set to your repository's URL; each rule links to its section of docs/runbooks.md
RUNBOOKS = "https://github.com/example/grafana-as-code/blob/main/docs/runbooks.md"


def runbook(anchor: str) -> str:
    return f"{RUNBOOKS}#{anchor}"
