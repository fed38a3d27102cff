// The map: MapLibre GL with a local style (no tiles, no glyphs), the Natural Earth basemap,
// and one GeoJSON source per kind of thing shown. Labels are HTML (markers, popups, lists).
import * as maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import { feature, mesh } from "topojson-client";

export const KIND_COLOURS = {
  flight: "#1f6fd1",
  operation: "#7b3fbf",
  movement: "#1e9e4a",
  site: "#d4790f",
  restriction: "#444444",
};
export const LEVEL_COLOURS = {
  advisory: "#e0b000",
  preventive: "#e0b000",
  caution: "#f07800",
  corrective: "#f07800",
  warning: "#d0021b",
  resolution: "#d0021b",
};
const CONFLICT = "#e0162b";
const REFUSED = "#ff00b4";
const WATER = "#b7d2e8";
const LAND = "#efece2";

const EMPTY = { type: "FeatureCollection", features: [] };
const SOURCES = ["intents", "conflicts", "refused", "draft", "tracks", "alert-links"];

function kindColour() {
  const match = ["match", ["get", "kind"]];
  for (const [kind, colour] of Object.entries(KIND_COLOURS)) match.push(kind, colour);
  match.push("#888888");
  return match;
}

function levelColour() {
  const match = ["match", ["coalesce", ["get", "level"], ""]];
  for (const [level, colour] of Object.entries(LEVEL_COLOURS)) match.push(level, colour);
  match.push(CONFLICT);
  return match;
}

const STYLE = {
  version: 8,
  sources: {},
  layers: [{ id: "water", type: "background", paint: { "background-color": WATER } }],
};

/** An arrow pointing north, for the tracks' heading (rotated by the layer). */
function arrowImage(colour, size = 28) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const g = canvas.getContext("2d");
  g.fillStyle = colour;
  g.strokeStyle = "#ffffff";
  g.lineWidth = 2;
  g.beginPath();
  g.moveTo(size / 2, 2);
  g.lineTo(size - 5, size - 4);
  g.lineTo(size / 2, size - 9);
  g.lineTo(5, size - 4);
  g.closePath();
  g.stroke();
  g.fill();
  return g.getImageData(0, 0, size, size);
}

/** The map, once its style, basemap and layers are in. */
export async function createMap(container) {
  maplibregl.setWorkerUrl(new URL("/assets/maplibre-gl-worker.mjs", window.location.origin).href);
  const map = new maplibregl.Map({
    container,
    style: STYLE,
    center: [37.5, 35.0],
    zoom: 5.5,
    attributionControl: false,
    keyboard: true,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
  map.addControl(new maplibregl.AttributionControl({ compact: true, customAttribution: "Borders: Natural Earth" }));
  await new Promise((resolve) => map.once("load", resolve));

  // Natural Earth 1:50m countries (npm world-atlas), shipped with the page as TopoJSON.
  const topology = await (await fetch("/assets/countries-50m.json")).json();
  const countries = topology.objects.countries;
  map.addSource("land", { type: "geojson", data: feature(topology, countries) });
  map.addSource("borders", { type: "geojson", data: mesh(topology, countries, (a, b) => a !== b) });
  map.addSource("coasts", { type: "geojson", data: mesh(topology, countries, (a, b) => a === b) });
  map.addLayer({ id: "land", type: "fill", source: "land", paint: { "fill-color": LAND } });
  map.addLayer({ id: "coasts", type: "line", source: "coasts", paint: { "line-color": "#7e9bb5", "line-width": 1 } });
  map.addLayer({
    id: "borders",
    type: "line",
    source: "borders",
    paint: { "line-color": "#8a7f70", "line-width": 1.2, "line-dasharray": [3, 2] },
  });

  for (const id of SOURCES) map.addSource(id, { type: "geojson", data: EMPTY });
  map.addImage("arrow", arrowImage("#0b2f6b"));
  map.addImage("arrow-alert", arrowImage("#d0021b"));

  map.addLayer({
    id: "intents-fill",
    type: "fill",
    source: "intents",
    paint: {
      "fill-color": ["case", ["==", ["get", "state"], "ended"], "#9a9a9a", kindColour()],
      "fill-opacity": ["match", ["get", "state"], "activated", 0.38, "ended", 0.08, 0.22],
    },
  });
  map.addLayer({
    id: "intents-line",
    type: "line",
    source: "intents",
    paint: {
      "line-color": [
        "match", ["get", "state"],
        "nonconforming", "#d0021b",
        "contingent", "#f07800",
        "ended", "#9a9a9a",
        kindColour(),
      ],
      "line-width": ["match", ["get", "state"], "activated", 2.5, "nonconforming", 3, "contingent", 3, 1.5],
    },
  });
  map.addLayer({
    id: "conflicts-fill",
    type: "fill",
    source: "conflicts",
    paint: { "fill-color": CONFLICT, "fill-opacity": ["case", ["==", ["get", "status"], "resolved"], 0.1, 0.45] },
  });
  map.addLayer({
    id: "conflicts-line",
    type: "line",
    source: "conflicts",
    paint: { "line-color": CONFLICT, "line-width": 2 },
  });
  map.addLayer({ id: "refused-fill", type: "fill", source: "refused", paint: { "fill-color": REFUSED, "fill-opacity": 0.5 } });
  map.addLayer({
    id: "refused-line",
    type: "line",
    source: "refused",
    paint: { "line-color": REFUSED, "line-width": 3, "line-dasharray": [2, 1] },
  });
  map.addLayer({
    id: "draft-fill",
    type: "fill",
    source: "draft",
    filter: ["==", ["geometry-type"], "Polygon"],
    paint: { "fill-color": "#000000", "fill-opacity": 0.12 },
  });
  map.addLayer({
    id: "draft-line",
    type: "line",
    source: "draft",
    paint: { "line-color": "#000000", "line-width": 2, "line-dasharray": [1, 1] },
  });
  map.addLayer({
    id: "draft-points",
    type: "circle",
    source: "draft",
    filter: ["==", ["geometry-type"], "Point"],
    paint: { "circle-radius": 4, "circle-color": "#ffffff", "circle-stroke-color": "#000000", "circle-stroke-width": 2 },
  });
  map.addLayer({
    id: "alert-links",
    type: "line",
    source: "alert-links",
    paint: { "line-color": levelColour(), "line-width": 3, "line-dasharray": [1, 1] },
  });
  map.addLayer({
    id: "tracks-ring",
    type: "circle",
    source: "tracks",
    filter: ["has", "level"],
    paint: {
      "circle-radius": 15,
      "circle-color": "rgba(0,0,0,0)",
      "circle-stroke-color": levelColour(),
      "circle-stroke-width": 3,
    },
  });
  map.addLayer({
    id: "tracks",
    type: "symbol",
    source: "tracks",
    layout: {
      "icon-image": ["case", ["has", "level"], "arrow-alert", "arrow"],
      "icon-rotate": ["coalesce", ["get", "trk_deg"], 0],
      "icon-rotation-alignment": "map",
      "icon-allow-overlap": true,
      "icon-ignore-placement": true,
    },
  });
  return map;
}

/** Replace one source's features. */
export function setFeatures(map, source, features) {
  map.getSource(source).setData({ type: "FeatureCollection", features });
}

/** Callsign labels as HTML markers (the style has no glyphs), reusing markers by track id. */
export class TrackLabels {
  constructor(map) {
    this.map = map;
    this.markers = new Map();
  }

  update(tracks) {
    const seen = new Set();
    for (const track of tracks) {
      const key = `${track.party}/${track.id}`;
      seen.add(key);
      let marker = this.markers.get(key);
      if (!marker) {
        const element = document.createElement("div");
        element.className = "track-label";
        marker = new maplibregl.Marker({ element, anchor: "left", offset: [14, 0] });
        marker.setLngLat([track.lon, track.lat]).addTo(this.map);
        this.markers.set(key, marker);
      }
      const element = marker.getElement();
      const altitude = typeof track.alt_m === "number" ? ` ${Math.round(track.alt_m)} m` : "";
      element.textContent = `${track.callsign || track.id}${altitude}`;
      element.classList.toggle("alerting", Boolean(track.level));
      marker.setLngLat([track.lon, track.lat]);
    }
    for (const [key, marker] of this.markers) {
      if (!seen.has(key)) {
        marker.remove();
        this.markers.delete(key);
      }
    }
  }
}

export { maplibregl };
