"""Alert rule definitions: one module per rule group (or a few related groups)."""
