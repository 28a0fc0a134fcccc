"""igtracker: who stands with whom in the Internet-governance dispute."""

__version__ = "0.1.0"
