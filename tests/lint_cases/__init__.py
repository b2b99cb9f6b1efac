"""Fixtures and builders for the lint tests (tests/test_lint_*.py)."""
