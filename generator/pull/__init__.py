"""Import: live dashboards written into the repository in the normalized form (`gac pull`).

`generator.remote.connect` reaches Grafana without needing generated/, `project` reads
what the repository already defines, `references` finds the data sources a dashboard
needs, `importer` plans and writes the files, `render` reports.
"""
