"""Offline gazetteer: GeoNames places and CLDR country names, indexed for Arabic and Latin text.

``Gazetteer.load()`` builds the index once per process; ``find_mentions`` finds names in text.
"""

from workers.gazetteer.index import Gazetteer, default_gazetteer
from workers.gazetteer.matcher import find_mentions, tokenize
from workers.gazetteer.normalize import Variant, name_key, normalize, proclitic_variants
from workers.gazetteer.sources import SourceData, keep_alternate_name, load_aliases, load_sources

__all__ = [
    "Gazetteer",
    "SourceData",
    "Variant",
    "default_gazetteer",
    "find_mentions",
    "keep_alternate_name",
    "load_aliases",
    "load_sources",
    "name_key",
    "normalize",
    "proclitic_variants",
    "tokenize",
]
