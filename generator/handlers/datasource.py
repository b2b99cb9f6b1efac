"""Data sources: the body of `POST /api/datasources`; token is the data source `version`.

Secrets never appear in the body: `secureJsonData` is resolved from environment variables
at sync time, and Grafana only ever answers with `secureJsonFields`.
"""

from __future__ import annotations

from .base import Handler


class DatasourceHandler(Handler):
    kind = "datasource"
    directory = "datasources"
    level = 1
    server_fields = frozenset({"id", "orgId", "version", "readOnly", "typeLogoUrl", "secureJsonFields",
                               "secureJsonData", "typeName", "accessControl", "apiVersion"})
