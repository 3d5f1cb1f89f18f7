"""Models of the registry app (filled in by its own issue)."""
