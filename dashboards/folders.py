"""Folders: one parent for the team's observability, with platform and application children."""

from generator.builders import Folder

observability = Folder(uid="observability", title="Observability")
platform = Folder(uid="otel-platform", title="OpenTelemetry platform", parent=observability)
applications = Folder(uid="otel-apps", title="Applications", parent=observability)
