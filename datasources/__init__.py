"""Data source definitions: one module per data source."""
