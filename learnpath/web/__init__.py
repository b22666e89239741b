"""Cross-cutting web pieces: access rules, error pages, template filters."""
