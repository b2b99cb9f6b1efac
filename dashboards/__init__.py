"""Dashboard definitions: one module per dashboard."""
