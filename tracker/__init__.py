"""igtracker: who stands with whom in the Internet-governance dispute."""

from pathlib import Path

__version__ = "0.2.0"

# This folder (tracker/) is imported as `igtracker`, and the crawler, the migrations and the report templates as
# igtracker.spiders, igtracker.migrations and igtracker.reports. Installed, they sit inside this package
# (pyproject.toml's package-dir); in a source checkout they keep the repository's top level (spiders/,
# migrations/, reports/ beside tracker/), so let this package find them there too.
_CHECKOUT = Path(__file__).resolve().parent.parent
if not (Path(__file__).parent / "spiders").is_dir() and (_CHECKOUT / "spiders" / "__init__.py").is_file():
    __path__.append(str(_CHECKOUT))
