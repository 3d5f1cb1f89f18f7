"""Models of the conferences app (filled in by its own issue)."""
