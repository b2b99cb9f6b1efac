"""grafana-as-code: Python definitions of Grafana objects compiled to deterministic JSON."""

__version__ = "0.1.0"
