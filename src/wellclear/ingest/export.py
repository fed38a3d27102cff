"""Writers, the inverse of the parsers: conflicts as JSON documents and GeoJSON features."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping

from wellclear.model import Conflict, ConflictRegion

JsonObject = dict[str, Any]


def rfc3339(moment: datetime | None) -> str | None:
    """UTC RFC 3339 with a ``Z``; ``None`` stays ``None`` (open-ended).

    >>> rfc3339(datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
    '2026-11-28T10:00:00Z'
    """
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def geojson_geometry(geometry: shapely.Geometry) -> JsonObject:
    """RFC 7946 geometry: closed rings, exteriors counter-clockwise, holes clockwise."""
    oriented = shapely.orient_polygons(geometry, exterior_cw=False)
    # Rings through numpy: shapely's mapping() walks every coordinate in Python, which was
    # most of the cost of a refusal listing tens of conflict regions.
    if isinstance(oriented, Polygon):
        return {"type": "Polygon", "coordinates": _rings(oriented)}
    if isinstance(oriented, MultiPolygon):
        return {"type": "MultiPolygon", "coordinates": [_rings(p) for p in oriented.geoms]}
    return dict(mapping(oriented))


def _rings(polygon: Polygon) -> list[list[list[float]]]:
    rings = [polygon.exterior, *polygon.interiors]
    return [shapely.get_coordinates(ring).tolist() for ring in rings]


def merged_region(conflict: Conflict) -> JsonObject:
    """One region for the whole conflict: the union of its extent pairs' regions."""
    return merged_regions([conflict])[0]


def merged_regions(conflicts: Sequence[Conflict]) -> list[JsonObject]:
    """:func:`merged_region` of each conflict, their footprints written in one pass (a
    refusal lists tens of conflicts)."""
    footprints = [
        c.regions[0].footprint
        if len(c.regions) == 1
        else shapely.union_all([r.footprint for r in c.regions])
        for c in conflicts
    ]
    return [
        {
            "footprint": footprint,
            "altitude_lower_m": min(r.floor_m for r in c.regions),
            "altitude_upper_m": max(r.ceiling_m for r in c.regions),
            "time_start": rfc3339(min(r.start for r in c.regions)),
            "time_end": _latest_end(c.regions),
        }
        for c, footprint in zip(conflicts, geojson_geometries(footprints), strict=True)
    ]


def _latest_end(regions: Sequence[ConflictRegion]) -> str | None:
    ends = [r.end for r in regions]
    return None if None in ends else rfc3339(max(e for e in ends if e is not None))


def geojson_geometries(geometries: Sequence[shapely.Geometry]) -> list[JsonObject]:
    """:func:`geojson_geometry` of each; polygons without holes, most footprints, in one pass."""
    if not geometries:  # most filings: no conflict to write, and no array calls to pay for
        return []
    array = np.empty(len(geometries), dtype=object)
    array[:] = geometries
    oriented = shapely.orient_polygons(array, exterior_cw=False)
    simple = (shapely.get_type_id(oriented) == shapely.GeometryType.POLYGON) & (
        shapely.get_num_interior_rings(oriented) == 0
    )
    written: list[JsonObject] = [{} for _ in range(len(array))]
    chosen = np.flatnonzero(simple)
    coordinates, owner = shapely.get_coordinates(
        shapely.get_exterior_ring(oriented[chosen]), return_index=True
    )
    points = coordinates.tolist()
    bounds = np.searchsorted(owner, np.arange(len(chosen) + 1)).tolist()
    for k, position in enumerate(chosen.tolist()):
        written[position] = {"type": "Polygon", "coordinates": [points[bounds[k] : bounds[k + 1]]]}
    for position in np.flatnonzero(~simple).tolist():
        written[position] = geojson_geometry(oriented[position])
    return written


def region_json(region: ConflictRegion) -> JsonObject:
    return {
        "extents": list(region.extents),
        "min_distance_m": round(region.min_distance_m, 3),
        "footprint": geojson_geometry(region.footprint),
        "altitude_lower_m": region.floor_m,
        "altitude_upper_m": region.ceiling_m,
        "time_start": rfc3339(region.start),
        "time_end": rfc3339(region.end),
    }


def conflict_json(conflict: Conflict) -> JsonObject:
    rule = conflict.rule
    return {
        "pair": list(conflict.intents),
        "parties": list(conflict.parties),
        "kinds": [str(k) for k in conflict.kinds],
        "mode": str(rule.mode),
        "separation": {
            "horizontal_m": rule.horizontal_m,
            "vertical_m": "ignore" if rule.vertical_m is None else rule.vertical_m,
            "time_s": rule.time_s,
        },
        "min_distance_m": round(conflict.min_distance_m, 3),
        "region": merged_region(conflict),
        "regions": [region_json(r) for r in conflict.regions],
    }


def conflicts_document(conflicts: Sequence[Conflict], counts: JsonObject) -> JsonObject:
    return {"conflicts": [conflict_json(c) for c in conflicts], "counts": counts}


def regions_feature_collection(conflicts: Sequence[Conflict]) -> JsonObject:
    """Every extent pair's region as a GeoJSON Feature, for any GIS."""
    features = []
    for conflict in conflicts:
        for region in conflict.regions:
            properties = {
                "pair": list(conflict.intents),
                "parties": list(conflict.parties),
                "kinds": [str(k) for k in conflict.kinds],
                "mode": str(conflict.rule.mode),
                **{k: v for k, v in region_json(region).items() if k != "footprint"},
            }
            features.append(
                {
                    "type": "Feature",
                    "geometry": geojson_geometry(region.footprint),
                    "properties": properties,
                }
            )
    return {"type": "FeatureCollection", "features": features}
