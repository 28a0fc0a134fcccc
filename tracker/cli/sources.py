"""`tracker sources`."""
