"""khabar: a streaming news-enrichment worker.

Raw articles flow one way through small stages (decode, validate, language,
entities, locations, assemble) and leave as enriched events or dead letters.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("khabar")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
