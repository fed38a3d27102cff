// Geometry for the page: F3548 volumes as GeoJSON (circles as geodesic polygons), times.

const EARTH_RADIUS_M = 6_371_008.8;
const FEET = 0.3048;
const rad = (d) => (d * Math.PI) / 180;
const deg = (r) => (r * 180) / Math.PI;

/** The point `distance_m` from (lat, lng) along `bearing_deg` on the sphere, as [lng, lat]. */
export function destination(lat, lng, bearingDeg, distanceM) {
  const d = distanceM / EARTH_RADIUS_M;
  const phi1 = rad(lat);
  const lambda1 = rad(lng);
  const theta = rad(bearingDeg);
  const phi2 = Math.asin(Math.sin(phi1) * Math.cos(d) + Math.cos(phi1) * Math.sin(d) * Math.cos(theta));
  const lambda2 =
    lambda1 + Math.atan2(Math.sin(theta) * Math.sin(d) * Math.cos(phi1), Math.cos(d) - Math.sin(phi1) * Math.sin(phi2));
  return [((deg(lambda2) + 540) % 360) - 180, deg(phi2)];
}

/** A geodesic disc as a GeoJSON Polygon (`steps` vertices, counter-clockwise). */
export function circlePolygon(lat, lng, radiusM, steps = 72) {
  const ring = [];
  for (let i = 0; i < steps; i += 1) ring.push(destination(lat, lng, 360 - (360 * i) / steps, radiusM));
  ring.push(ring[0]);
  return { type: "Polygon", coordinates: [ring] };
}

/** The great-circle distance in metres. */
export function distanceM(a, b) {
  const dphi = rad(b.lat - a.lat);
  const dlambda = rad(b.lng - a.lng);
  const h = Math.sin(dphi / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dlambda / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

function metres(altitude) {
  if (!altitude || typeof altitude.value !== "number") return null;
  return altitude.units === "FT" ? altitude.value * FEET : altitude.value;
}

/** A time as F3548 writes it ({value, format}) or a plain string; null if absent. */
export function timeOf(t) {
  const text = t && typeof t === "object" ? t.value : t;
  if (!text) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/** An F3548 Volume3D's outline as a GeoJSON geometry, or null if it has none we can draw. */
export function volumeGeometry(volume) {
  if (!volume) return null;
  const circle = volume.outline_circle;
  if (circle && circle.center && circle.radius) {
    const r = circle.radius.units === "FT" ? circle.radius.value * FEET : circle.radius.value;
    return circlePolygon(circle.center.lat, circle.center.lng, r);
  }
  const polygon = volume.outline_polygon;
  if (polygon && Array.isArray(polygon.vertices) && polygon.vertices.length >= 3) {
    const ring = polygon.vertices.map((v) => [v.lng, v.lat]);
    ring.push(ring[0]);
    return { type: "Polygon", coordinates: [ring] };
  }
  return null;
}

/** One GeoJSON feature per extent of an intent, with what the map styles and filters by. */
export function intentFeatures(intent) {
  const features = [];
  (intent.extents || []).forEach((extent, index) => {
    const geometry = volumeGeometry(extent.volume);
    if (!geometry) return;
    features.push({
      type: "Feature",
      geometry,
      properties: {
        key: `${intent.party}/${intent.id}/${index}`,
        id: intent.id,
        party: intent.party,
        kind: intent.kind,
        state: intent.state,
        priority: intent.priority,
        lower_m: metres(extent.volume.altitude_lower),
        upper_m: metres(extent.volume.altitude_upper),
        start: timeOf(extent.time_start),
        end: timeOf(extent.time_end),
      },
    });
  });
  return features;
}

/** Whether a feature with start/end (ms, end may be null: open) is in force at `t` (ms). */
export function inForce(properties, t) {
  const start = properties.start ?? -Infinity;
  const end = properties.end ?? Infinity;
  return start <= t && t < end;
}

/** [[minLng, minLat], [maxLng, maxLat]] of GeoJSON geometries, or null. */
export function bounds(geometries) {
  let minLng = Infinity, minLat = Infinity, maxLng = -Infinity, maxLat = -Infinity;
  const visit = (c) => {
    if (typeof c[0] === "number") {
      minLng = Math.min(minLng, c[0]); maxLng = Math.max(maxLng, c[0]);
      minLat = Math.min(minLat, c[1]); maxLat = Math.max(maxLat, c[1]);
    } else c.forEach(visit);
  };
  geometries.filter(Boolean).forEach((g) => visit(g.coordinates));
  return minLng <= maxLng ? [[minLng, minLat], [maxLng, maxLat]] : null;
}

/** "2026-11-28 09:30Z" from ms (or an ISO string). */
export function shortTime(t) {
  if (t === null || t === undefined || t === "") return "open";
  const ms = typeof t === "number" ? t : Date.parse(t);
  if (Number.isNaN(ms)) return String(t);
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ") + "Z";
}
