"""`tracker actors`."""
