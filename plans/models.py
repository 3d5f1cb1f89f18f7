"""Models of the plans app (filled in by its own issue)."""
