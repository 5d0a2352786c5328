"""Offline gazetteer: GeoNames places, divisions and regions, CLDR names, indexed for Arabic and Latin text.

``Gazetteer.load()`` builds the index once per process; ``find_mentions`` finds names in text.
"""

from workers.gazetteer.index import Gazetteer, default_gazetteer
from workers.gazetteer.matcher import Mention, find_candidates, find_mentions, lookup_phrase, tokenize
from workers.gazetteer.normalize import Variant, name_key, normalize, proclitic_variants
from workers.gazetteer.sources import SourceData, keep_alternate_name, load_aliases, load_sources

__all__ = [
    "Gazetteer",
    "Mention",
    "SourceData",
    "Variant",
    "default_gazetteer",
    "find_candidates",
    "find_mentions",
    "keep_alternate_name",
    "load_aliases",
    "load_sources",
    "lookup_phrase",
    "name_key",
    "normalize",
    "proclitic_variants",
    "tokenize",
]
