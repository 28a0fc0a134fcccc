"""Errors a user can hit: each message says what went wrong and what to do."""


class TrackerError(Exception):
    """Base for errors the CLI prints without a traceback."""


class ConfigError(TrackerError):
    """Configuration is missing or invalid."""


class RegistryError(TrackerError):
    """The source registry file is invalid; nothing was written."""


class NotFoundError(TrackerError):
    """A named actor, source, issue or record does not exist."""
