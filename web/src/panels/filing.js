// Filing an intent: draw a polygon (clicks on the map) or a circle (centre + radius), or type
// the points; set kind, times and altitudes; POST /v1/intents. A 409 shows the conflicting
// regions on the map and why.
import { $, h, replaceChildren } from "../dom.js";
import { circlePolygon, shortTime } from "../geo.js";

const pad = (n) => String(n).padStart(2, "0");

/** "YYYY-MM-DDTHH:MM" (a datetime-local value, read as UTC) for ms. */
function localValue(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

function rfc3339(value) {
  return value.length === 16 ? `${value}:00Z` : `${value}Z`;
}

function parsePoints(text) {
  const points = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const [lat, lng] = line.split(/[,\s]+/).filter(Boolean).map(Number);
    if (!Number.isFinite(lat) || !Number.isFinite(lng)) throw new Error(`not "lat, lng": ${line.trim()}`);
    points.push({ lat, lng });
  }
  return points;
}

export class FilingPanel {
  /**
   * @param {{map: import("maplibre-gl").Map, setDraft: (features) => void,
   *          showRefused: (conflicts) => void, onFiled: (filing) => void,
   *          file: (body) => Promise<object>}} options
   */
  constructor({ map, setDraft, showRefused, onFiled, file }) {
    this.map = map;
    this.setDraft = setDraft;
    this.showRefused = showRefused;
    this.onFiled = onFiled;
    this.file = file;
    this.drawing = false;
    this.points = [];
    this.result = $("file-result");
    const start = Math.ceil(Date.now() / 300_000) * 300_000 + 600_000;
    $("file-start").value = localValue(start);
    $("file-end").value = localValue(start + 3_600_000);

    $("draw-start").addEventListener("click", () => (this.drawing ? this.stopDrawing() : this.startDrawing()));
    $("draw-clear").addEventListener("click", () => this.setPoints([]));
    $("file-points").addEventListener("input", () => this.readPoints());
    $("file-radius").addEventListener("input", () => this.redraw());
    for (const radio of document.querySelectorAll('input[name="shape"]')) radio.addEventListener("change", () => this.redraw());
    $("file-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    map.on("click", (event) => {
      if (!this.drawing) return;
      const point = { lat: event.lngLat.lat, lng: event.lngLat.lng };
      if (this.shape() === "circle") {
        this.setPoints([point]);
        this.stopDrawing();
      } else this.setPoints([...this.points, point]);
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.drawing) this.stopDrawing();
    });
  }

  shape() {
    return document.querySelector('input[name="shape"]:checked').value;
  }

  startDrawing() {
    this.drawing = true;
    if (this.shape() === "polygon") this.setPoints([]);
    this.map.getCanvas().style.cursor = "crosshair";
    $("draw-start").textContent = "Finish drawing";
    $("draw-help").textContent =
      this.shape() === "circle"
        ? "Click the circle's centre on the map."
        : "Click the polygon's corners on the map; press Finish drawing (or Escape) when done.";
  }

  stopDrawing() {
    this.drawing = false;
    this.map.getCanvas().style.cursor = "";
    $("draw-start").textContent = "Draw on the map";
    $("draw-help").textContent = `${this.points.length} point(s). Submit when the rest is set.`;
  }

  setPoints(points) {
    this.points = points;
    $("file-points").value = points.map((p) => `${p.lat.toFixed(6)}, ${p.lng.toFixed(6)}`).join("\n");
    this.redraw();
  }

  readPoints() {
    try {
      this.points = parsePoints($("file-points").value);
      this.redraw();
    } catch {
      // half-typed: keep the last good points until the text parses
    }
  }

  outline() {
    if (this.shape() === "circle") {
      if (!this.points.length) return null;
      const { lat, lng } = this.points[0];
      return { outline_circle: { center: { lat, lng }, radius: { value: Number($("file-radius").value), units: "M" } } };
    }
    return this.points.length >= 3 ? { outline_polygon: { vertices: this.points.map(({ lat, lng }) => ({ lat, lng })) } } : null;
  }

  redraw() {
    const features = this.points.map((p) => ({ type: "Feature", properties: {}, geometry: { type: "Point", coordinates: [p.lng, p.lat] } }));
    if (this.shape() === "circle" && this.points.length) {
      const radius = Number($("file-radius").value);
      if (radius > 0) features.push({ type: "Feature", properties: {}, geometry: circlePolygon(this.points[0].lat, this.points[0].lng, radius) });
    } else if (this.points.length >= 2) {
      const ring = this.points.map((p) => [p.lng, p.lat]);
      const geometry =
        this.points.length >= 3 ? { type: "Polygon", coordinates: [[...ring, ring[0]]] } : { type: "LineString", coordinates: ring };
      features.push({ type: "Feature", properties: {}, geometry });
    }
    this.setDraft(features);
  }

  body() {
    const outline = this.outline();
    if (!outline) throw new Error(this.shape() === "circle" ? "Pick the circle's centre first." : "A polygon needs at least 3 points.");
    const altitude = (id) => ({ value: Number($(id).value), reference: "W84", units: "M" });
    const extent = {
      volume: { ...outline, altitude_lower: altitude("file-lower"), altitude_upper: altitude("file-upper") },
      time_start: { value: rfc3339($("file-start").value), format: "RFC3339" },
    };
    if ($("file-end").value) extent.time_end = { value: rfc3339($("file-end").value), format: "RFC3339" };
    return { kind: $("file-kind").value, priority: Number($("file-priority").value), extents: [extent] };
  }

  async submit() {
    if (this.drawing) this.stopDrawing();
    this.showRefused([]);
    let body;
    try {
      body = this.body();
    } catch (error) {
      this.report("error", "Not submitted", [error.message]);
      return;
    }
    this.report("", "Submitting…", []);
    try {
      const filing = await this.file(body);
      const conflicts = filing.conflicts || [];
      this.report("ok", `Filed: intent ${filing.intent.id} (${filing.intent.state}).`, conflicts.map((c) => describeConflict(c)));
      this.setPoints([]);
      this.onFiled(filing);
    } catch (error) {
      const problem = error.problem || {};
      if (error.status === 409 && Array.isArray(problem.conflicts)) {
        this.showRefused(problem.conflicts);
        this.report("refused", `Refused: ${problem.detail || problem.title || "conflicts"}`, problem.conflicts.map((c) => describeConflict(c)));
      } else {
        const fields = (problem.errors || []).map((e) => `${e.path}: ${e.detail}`);
        this.report("error", `Not filed (${error.status || "error"}): ${error.message}`, fields);
      }
    }
  }

  report(kind, title, lines) {
    this.result.className = `result ${kind}`;
    replaceChildren(this.result, [h("p", { class: "result-title" }, title), lines.length ? h("ul", {}, lines.map((l) => h("li", {}, l))) : null].filter(Boolean));
    this.result.scrollIntoView({ block: "nearest" });
  }
}

/** "Conflicts with red-air's operation (reject): 4000–5100 m, 09:30Z–09:40Z" */
export function describeConflict(c) {
  const r = c.region || {};
  const kinds = c.kinds || [];
  const with_ = c.counterparty ? `${c.counterparty}'s ${kinds[1] || "intent"}` : (c.parties || []).join(" and ");
  const alt = r.altitude_lower_m !== undefined ? `${Math.round(r.altitude_lower_m)}–${Math.round(r.altitude_upper_m)} m` : "";
  const when = `${shortTime(r.time_start)} to ${shortTime(r.time_end)}`;
  const act = c.must_act && c.must_act.length ? `; must act: ${c.must_act.join(", ")}` : "";
  return `${c.status === "refused" ? "Conflicts" : "Conflict"} with ${with_} (${c.mode}): ${alt}, ${when}${act}`;
}
