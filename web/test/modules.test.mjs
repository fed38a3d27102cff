// Unit tests of the page's pure modules (node --test web/test/); the page as a whole is tested
// in a real browser by tests/e2e/test_page.py.
import assert from "node:assert/strict";
import { test } from "node:test";
import { circlePolygon, distanceM, inForce, intentFeatures, timeOf, volumeGeometry } from "../src/geo.js";
import { asNotice } from "../src/panels/notices.js";
import { SseParser } from "../src/stream.js";

test("a circle is a closed ring of points at the radius", () => {
  const { coordinates } = circlePolygon(36.2, 37.1, 5000, 72);
  const ring = coordinates[0];
  assert.equal(ring.length, 73);
  assert.deepEqual(ring[0], ring[72]);
  for (const [lng, lat] of ring) {
    assert.ok(Math.abs(distanceM({ lat: 36.2, lng: 37.1 }, { lat, lng }) - 5000) < 0.01);
  }
});

test("a circle's radius in feet is converted", () => {
  const geometry = volumeGeometry({ outline_circle: { center: { lat: 0, lng: 0 }, radius: { value: 1000, units: "FT" } } });
  const [lng, lat] = geometry.coordinates[0][0];
  assert.ok(Math.abs(distanceM({ lat: 0, lng: 0 }, { lat, lng }) - 304.8) < 0.01);
});

test("a polygon is closed and in GeoJSON order (lng, lat)", () => {
  const geometry = volumeGeometry({ outline_polygon: { vertices: [{ lat: 1, lng: 2 }, { lat: 3, lng: 4 }, { lat: 5, lng: 2 }] } });
  assert.deepEqual(geometry.coordinates[0], [[2, 1], [4, 3], [2, 5], [2, 1]]);
});

test("each extent is a feature with its times and altitudes; open ends stay in force", () => {
  const extent = (start, end) => ({
    volume: {
      outline_circle: { center: { lat: 0, lng: 0 }, radius: { value: 10, units: "M" } },
      altitude_lower: { value: 100, reference: "W84", units: "M" },
      altitude_upper: { value: 1000, reference: "W84", units: "FT" },
    },
    time_start: { value: start, format: "RFC3339" },
    ...(end ? { time_end: { value: end, format: "RFC3339" } } : {}),
  });
  const [a, b] = intentFeatures({
    id: "x", party: "p", kind: "site", state: "accepted",
    extents: [extent("2026-01-01T10:00:00Z", "2026-01-01T11:00:00Z"), extent("2026-01-02T00:00:00Z")],
  });
  assert.equal(a.properties.upper_m, 304.8);
  assert.equal(a.properties.start, timeOf("2026-01-01T10:00:00Z"));
  assert.ok(inForce(a.properties, timeOf("2026-01-01T10:30:00Z")));
  assert.ok(!inForce(a.properties, timeOf("2026-01-01T11:00:00Z"))); // end excluded
  assert.equal(b.properties.end, null);
  assert.ok(inForce(b.properties, timeOf("2030-01-01T00:00:00Z")));
});

test("server-sent events: fields, comments, multi-line data, ids and retry", () => {
  const parser = new SseParser();
  const events = parser.feed(": keep-alive\n\nid: 7\nevent: notice\ndata: {\"a\":\ndata: 1}\n\nretry: 2500\nid: 8\n\n");
  assert.deepEqual(events, [
    { type: "notice", data: '{"a":\n1}', id: "7", retry: null },
    { type: "message", data: null, id: "8", retry: 2500 },
  ]);
});

test("server-sent events split anywhere, with CRLF split between chunks", () => {
  const text = "id: 1\r\ndata: one\r\n\r\nid: 2\rdata: two\r\r\n";
  for (let cut = 0; cut <= text.length; cut += 1) {
    const parser = new SseParser();
    const events = [...parser.feed(text.slice(0, cut)), ...parser.feed(text.slice(cut))];
    assert.deepEqual(events.map((e) => [e.id, e.data]), [["1", "one"], ["2", "two"]], `cut at ${cut}`);
  }
});

test("a notice is recognised bare or wrapped; other events are not notices", () => {
  const notice = { id: 3, kind: "conflict", subject: "conflict:9" };
  assert.deepEqual(asNotice(notice), notice);
  assert.deepEqual(asNotice({ notice }), notice);
  assert.equal(asNotice({ hello: 1 }), null);
  assert.equal(asNotice(null), null);
});
