"""Offline gazetteer: GeoNames places, divisions and regions, CLDR names, indexed for Arabic and Latin text.

``Gazetteer.load()`` maps the compiled index (:mod:`workers.gazetteer.compiled`), shared by
every process on the host; a ``Matcher`` (``Matcher.load()`` for the process-wide one) finds its
names in text.
"""

from workers.gazetteer.index import Gazetteer, default_gazetteer
from workers.gazetteer.matcher import Matcher, Mention, default_matcher, place_cue, tokenize
from workers.gazetteer.normalize import Variant, name_key, normalize, proclitic_variants
from workers.gazetteer.sources import SourceData, keep_alternate_name, load_aliases, load_sources

__all__ = [
    "Gazetteer",
    "Matcher",
    "Mention",
    "SourceData",
    "Variant",
    "default_gazetteer",
    "default_matcher",
    "keep_alternate_name",
    "load_aliases",
    "load_sources",
    "name_key",
    "normalize",
    "place_cue",
    "proclitic_variants",
    "tokenize",
]
