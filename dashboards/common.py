"""What every dashboard of this repository shares: variables, links, time settings."""

from grafanalib import core as g

#: every dashboard carries this tag, so the link bar below lists all of them
TEAM_TAG = "otel"


def query_variable(name: str, query: str, label: str, multi: bool = False, include_all: bool = False,
                   default: str = "") -> g.Template:
    """A Prometheus label-values variable, refreshed when the time range changes."""
    return g.Template(name=name, label=label, query=query, dataSource="prometheus", type="query",
                      refresh=2, sort=1, multi=multi, includeAll=include_all,
                      allValue=".*" if include_all else None, default=default or None)


def links() -> list[g.DashboardLink]:
    return [g.DashboardLink(title="OpenTelemetry dashboards", type="dashboards", tags=[TEAM_TAG],
                            asDropdown=True, includeVars=False, keepTime=True, icon="external link",
                            tooltip="", targetBlank=False)]


def dashboard(title: str, uid: str, description: str, tags: list[str], variables: list[g.Template],
              panels: list) -> g.Dashboard:
    return g.Dashboard(
        title=title, uid=uid, description=description, tags=sorted({TEAM_TAG, *tags}),
        timezone="browser", refresh="1m", time=g.Time("now-3h", "now"), graphTooltip=1,
        templating=g.Templating(variables), links=links(), panels=panels,
    )
