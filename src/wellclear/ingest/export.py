"""Writers, the inverse of the parsers: conflicts as JSON documents and GeoJSON features."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

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
    regions = conflict.regions
    ends = [r.end for r in regions]
    footprints = [r.footprint for r in regions]
    return {
        "footprint": geojson_geometry(
            footprints[0] if len(footprints) == 1 else shapely.union_all(footprints)
        ),
        "altitude_lower_m": min(r.floor_m for r in regions),
        "altitude_upper_m": max(r.ceiling_m for r in regions),
        "time_start": rfc3339(min(r.start for r in regions)),
        "time_end": None if None in ends else rfc3339(max(e for e in ends if e is not None)),
    }


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
