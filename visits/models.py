"""Models of the visits app (filled in by its own issue)."""
