"""Geography helpers for assertions: real coordinates, not the gazetteer's own, so a wrong lookup fails."""

from __future__ import annotations

import math

#: City centres from public maps, independent of the GeoNames data the worker uses.
CITY_CENTRES = {
    "Doha": (25.2854, 51.5310),
    "Riyadh": (24.7136, 46.6753),
    "Tel Aviv": (32.0853, 34.7818),
    "London": (51.5074, -0.1278),
    "Gaza": (31.5017, 34.4668),
}


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))
