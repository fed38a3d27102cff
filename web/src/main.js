// The page: sign in with an API key, then show what that party may see, live.
import { Api, ApiError, describe } from "./api.js";
import { $, h, replaceChildren } from "./dom.js";
import { bounds, inForce, intentFeatures, shortTime } from "./geo.js";
import { KIND_COLOURS, LEVEL_COLOURS, TrackLabels, createMap, maplibregl, setFeatures } from "./map.js";
import { FilingPanel, describeConflict } from "./panels/filing.js";
import { HotlinePanel } from "./panels/hotline.js";
import { NoticesPanel, asNotice } from "./panels/notices.js";
import { setUpTabs } from "./panels/tabs.js";
import { TimeBar } from "./panels/timebar.js";
import { forgetStreamPosition, openNoticeStream } from "./stream.js";
import "./style.css";

const KEY_STORE = "wellclear.apiKey";
const TRACKS_EVERY_MS = 2_000;
const INTENTS_EVERY_MS = 15_000;
const MESSAGES_EVERY_MS = 10_000;
const NOTICES_EVERY_MS = 30_000;
// Room for the legend (top right) and the time bar (bottom) around what is fitted.
const FIT_PADDING = { top: 50, bottom: 110, left: 60, right: 200 };

const state = {
  api: null,
  map: null,
  intents: [],
  conflicts: [],
  tracks: [],
  alerts: [],
  moment: null,
  party: null,
  observer: false,
  missing: new Set(), // endpoints this server does not have (404): not polled again
  timers: [],
  stream: null,
  fitted: false,
};

// A handle for tests and the curious: read-only use.
window.wellclear = state;

function status(text) {
  $("map-status").textContent = text;
}

// --- map layers ------------------------------------------------------------------------------

function drawIntents() {
  let features = state.intents.flatMap(intentFeatures);
  if (state.moment !== null) features = features.filter((f) => inForce(f.properties, state.moment));
  setFeatures(state.map, "intents", features);
  if (!state.fitted) {
    const box = bounds(features.map((f) => f.geometry).concat(state.conflicts.map((c) => c.region && c.region.footprint)));
    if (box) {
      state.map.fitBounds(box, { padding: FIT_PADDING, maxZoom: 11, duration: 0 });
      state.fitted = true;
    }
  }
}

function drawConflicts() {
  const features = state.conflicts
    .filter((c) => c.region && c.region.footprint)
    .filter((c) => state.moment === null || inForce({ start: Date.parse(c.region.time_start) || null, end: Date.parse(c.region.time_end) || null }, state.moment))
    .map((c, i) => ({
      type: "Feature",
      geometry: c.region.footprint,
      properties: { index: i, id: c.id, status: c.status, mode: c.mode, counterparty: c.counterparty, kinds: (c.kinds || []).join(" × ") },
    }));
  setFeatures(state.map, "conflicts", features);
}

const KT_PER_MPS = 3600 / 1852;

function isOpen(alert) {
  return alert.status ? alert.status === "open" : !alert.closed_at;
}

function groundSpeedKt(t) {
  if (typeof t.gs_kt === "number") return t.gs_kt;
  return typeof t.gs_mps === "number" ? t.gs_mps * KT_PER_MPS : 0;
}

function alertLevels() {
  const levels = new Map();
  for (const alert of state.alerts) {
    if (!isOpen(alert)) continue;
    for (const t of alert.tracks || []) levels.set(`${t.party}/${t.id}`, alert.level || alert.kind || "alert");
  }
  return levels;
}

function drawTracks() {
  const levels = alertLevels();
  const positions = new Map();
  const tracks = state.tracks.map((t) => {
    const key = `${t.party}/${t.id}`;
    const level = levels.get(key);
    positions.set(key, [t.lon, t.lat]);
    return { ...t, level };
  });
  // Alert tracks of other parties the caller is not shown as tracks: draw them from the alert.
  for (const alert of state.alerts) {
    if (!isOpen(alert)) continue;
    for (const t of alert.tracks || []) {
      const key = `${t.party}/${t.id}`;
      if (!positions.has(key) && typeof t.lat === "number" && typeof t.lon === "number") {
        positions.set(key, [t.lon, t.lat]);
        tracks.push({ ...t, callsign: t.callsign || `${t.party}`, level: alert.level || alert.kind || "alert" });
      }
    }
  }
  setFeatures(
    state.map,
    "tracks",
    tracks
      .filter((t) => typeof t.lat === "number" && typeof t.lon === "number")
      .map((t) => ({
        type: "Feature",
        geometry: { type: "Point", coordinates: [t.lon, t.lat] },
        properties: { id: t.id, party: t.party, callsign: t.callsign, trk_deg: t.trk_deg ?? 0, alt_m: t.alt_m, ...(t.level ? { level: t.level } : {}) },
      })),
  );
  state.labels.update(tracks.filter((t) => typeof t.lat === "number"));
  const links = state.alerts
    .filter(isOpen)
    .map((a) => ({
      type: "Feature",
      properties: { level: a.level || "" },
      geometry: { type: "LineString", coordinates: (a.tracks || []).map((t) => positions.get(`${t.party}/${t.id}`)).filter(Boolean) },
    }))
    .filter((f) => f.geometry.coordinates.length >= 2);
  setFeatures(state.map, "alert-links", links);
}

function showRefused(conflicts) {
  const features = conflicts
    .filter((c) => c.region && c.region.footprint)
    .map((c) => ({ type: "Feature", geometry: c.region.footprint, properties: { counterparty: c.counterparty, mode: c.mode } }));
  setFeatures(state.map, "refused", features);
  const box = bounds(features.map((f) => f.geometry));
  if (box) state.map.fitBounds(box, { padding: FIT_PADDING, maxZoom: 12, duration: 300 });
}

function legend() {
  const swatch = (colour, text, cls = "") => h("li", {}, h("span", { class: `swatch ${cls}`, style: `background:${colour}` }), text);
  replaceChildren($("legend"), [
    h(
      "ul",
      {},
      Object.entries(KIND_COLOURS).map(([kind, colour]) => swatch(colour, kind)),
      swatch("#e0162b", "conflict region"),
      swatch("#ff00b4", "refused filing"),
      swatch("#0b2f6b", "track (arrow: heading)", "arrow"),
      swatch(LEVEL_COLOURS.warning, "alert track"),
    ),
  ]);
}

// --- lists (the keyboard's view of the map) --------------------------------------------------

function zoomTo(geometry) {
  const box = bounds([geometry]);
  if (box) state.map.fitBounds(box, { padding: FIT_PADDING, maxZoom: 13, duration: 300 });
}

function renderLists() {
  const intentItems = state.intents.map((i) => {
    const features = intentFeatures(i);
    const f = features[0];
    const p = f ? f.properties : {};
    const text = `${i.party}/${i.id}: ${i.kind}, ${i.state}, ${Math.round(p.lower_m ?? 0)}–${Math.round(p.upper_m ?? 0)} m, ${shortTime(p.start)} to ${shortTime(p.end)}`;
    return h("li", { dataset: { intentId: i.id, kind: i.kind, state: i.state } },
      h("button", { type: "button", class: "link", onclick: () => f && zoomTo(f.geometry), dataset: { focusKey: `intent-${i.party}-${i.id}` } }, text));
  });
  replaceChildren($("intent-list"), intentItems.length ? intentItems : [h("li", { class: "empty" }, "No intents.")]);
  const conflictItems = state.conflicts.map((c, index) =>
    h("li", { class: `conflict ${c.status}`, dataset: { conflictId: String(c.id) } },
      h("button", { type: "button", class: "link", onclick: () => c.region && zoomTo(c.region.footprint), dataset: { focusKey: `conflict-${c.id ?? index}` } },
        `${c.intents ? c.intents[0] || "" : ""} · ${describeConflict(c)} · ${c.status}`)));
  replaceChildren($("conflict-list"), conflictItems.length ? conflictItems : [h("li", { class: "empty" }, "No conflicts.")]);
  const levels = alertLevels();
  const trackItems = state.tracks.map((t) =>
    h("li", { class: levels.has(`${t.party}/${t.id}`) ? "alerting" : "" },
      `${t.callsign || t.id} (${t.party}): ${Math.round(t.alt_m ?? 0)} m, ${Math.round(t.trk_deg ?? 0)}°, ${Math.round(groundSpeedKt(t))} kt`,
      levels.has(`${t.party}/${t.id}`) ? ` — alert: ${levels.get(`${t.party}/${t.id}`)}` : ""));
  replaceChildren($("track-list"), trackItems.length ? trackItems : [h("li", { class: "empty" }, state.missing.has("/v1/tracks") ? "This server has no tracks endpoint." : "No tracks.")]);
  const alertItems = [...state.alerts].sort((a, b) => Number(isOpen(b)) - Number(isOpen(a))).map((a) =>
    h("li", { class: `alert level-${a.level} ${isOpen(a) ? "open" : "closed"}`, dataset: { alertId: String(a.id), kind: a.kind || "", level: a.level || "" } },
      `${a.kind || "alert"}${a.level ? ` (${a.level})` : ""}: ${(a.tracks || []).map((t) => `${t.party}/${t.callsign || t.id}`).join(" × ")}`,
      a.intent && a.intent.kind ? ` · ${a.intent.party || ""} ${a.intent.kind}` : "",
      typeof a.dcpa_m === "number" ? ` · closest ${Math.round(a.dcpa_m)} m` : "",
      typeof a.tcpa_s === "number" ? ` in ${Math.round(a.tcpa_s)} s` : "",
      ` · since ${shortTime(a.opened_at)}${a.closed_at ? `, closed ${shortTime(a.closed_at)}` : ""}`));
  replaceChildren($("alert-list"), alertItems.length ? alertItems : [h("li", { class: "empty" }, "No alerts.")]);
}

// --- loading ---------------------------------------------------------------------------------

async function optional(path, load) {
  if (state.missing.has(path)) return null;
  try {
    return await load();
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) {
      state.missing.add(path);
      return null;
    }
    throw error;
  }
}

function guessParty() {
  const parties = new Set(state.intents.map((i) => i.party));
  const own = state.conflicts.map((c) => (c.parties || [])[0]).filter(Boolean);
  state.observer = parties.size > 1;
  // Messages are to or from the caller: the one party in all of them is the caller.
  let inAll = null;
  for (const m of state.hotline.messages) {
    const pair = new Set([m.from, m.to]);
    inAll = inAll === null ? pair : new Set([...inAll].filter((p) => pair.has(p)));
  }
  const fromMessages = inAll && inAll.size === 1 ? [...inAll][0] : null;
  state.party = state.observer ? null : own[0] || [...parties][0] || fromMessages || state.party;
  $("who").textContent = state.observer
    ? "Signed in: observer (every party)"
    : `Signed in${state.party ? ` as ${state.party}` : ""}`;
  const known = new Set();
  for (const c of state.conflicts) (c.parties || []).forEach((p) => known.add(p));
  for (const m of state.hotline.messages) [m.from, m.to].forEach((p) => known.add(p));
  for (const i of state.intents) known.add(i.party);
  if (state.party) known.delete(state.party);
  state.hotline.setKnownParties(known);
}

async function loadIntents() {
  const [intents, conflicts] = await Promise.all([state.api.intents(), state.api.conflicts()]);
  state.intents = intents;
  state.conflicts = conflicts;
  guessParty();
  drawIntents();
  drawConflicts();
  renderLists();
}

async function loadTracks() {
  const [tracks, alerts] = await Promise.all([
    optional("/v1/tracks", () => state.api.tracks()),
    optional("/v1/alerts", () => state.api.alerts()),
  ]);
  state.tracks = tracks || [];
  state.alerts = alerts || [];
  drawTracks();
  renderLists();
}

async function loadNotices() {
  const notices = await optional("/v1/notices", () => state.api.notices());
  if (notices) state.notices.replaceAll(notices);
}

async function loadMessages() {
  const messages = await optional("/v1/hotline/messages", () => state.api.messages());
  if (messages) {
    state.hotline.replaceAll(messages);
    if (!state.party && !state.observer) guessParty();
  }
}

function every(ms, load) {
  let running = false;
  const tick = async () => {
    if (running || !state.api) return;
    running = true;
    try {
      await load();
      if (state.failing === tick) {
        state.failing = null;
        status("");
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) signOut("The key is no longer accepted.");
      else {
        state.failing = tick;
        status(`Cannot reach the server: ${describe(error)}`);
      }
    } finally {
      running = false;
    }
  };
  state.timers.push(setInterval(tick, ms));
  return tick;
}

let refreshTimer = null;
function refreshSoon(what) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    const jobs = [loadIntents()];
    if (what.has("alert") || what.has("nonconforming") || what.has("incursion")) jobs.push(loadTracks());
    if (what.has("message")) jobs.push(loadMessages());
    what.clear();
    Promise.all(jobs).catch((error) => status(describe(error)));
  }, 150);
}

const pendingKinds = new Set();
function onStreamEvent(event) {
  let data = null;
  try {
    data = JSON.parse(event.data);
  } catch {
    return;
  }
  const notice = asNotice(data);
  if (notice) {
    state.notices.upsert(notice);
    pendingKinds.add(notice.kind);
  } else pendingKinds.add(event.type);
  refreshSoon(pendingKinds);
}

function onStreamState(s) {
  const live = $("live");
  const text = { connecting: "connecting…", live: "live", reconnecting: "reconnecting…", unauthorised: "stream refused" }[s] || s;
  live.textContent = text;
  live.className = `live ${s === "live" ? "on" : "off"}`;
  if (s === "live") loadNotices().catch(() => {}); // catch up with anything before the stream
}

// --- signing in and out ----------------------------------------------------------------------

async function signIn(key) {
  const api = new Api(key);
  await api.request("GET", "/v1/intents", { params: { limit: 1 } }); // 401 for a bad key
  sessionStorage.setItem(KEY_STORE, key);
  state.api = api;
  $("signin").hidden = true;
  $("panels").hidden = false;
  $("sign-out").hidden = false;
  state.fitted = false;
  await Promise.all([loadIntents(), loadTracks(), loadNotices(), loadMessages()]).catch((error) => status(describe(error)));
  every(TRACKS_EVERY_MS, loadTracks);
  every(INTENTS_EVERY_MS, loadIntents);
  every(MESSAGES_EVERY_MS, loadMessages);
  every(NOTICES_EVERY_MS, loadNotices);
  if (!state.missing.has("/v1/notices")) state.stream = openNoticeStream(api, { onEvent: onStreamEvent, onState: onStreamState });
  else {
    $("live").textContent = "polling";
    $("live").title = "This server has no notice stream: the page polls.";
  }
  document.body.dataset.signedIn = "true";
}

function signOut(reason = "") {
  sessionStorage.removeItem(KEY_STORE);
  forgetStreamPosition();
  state.timers.forEach(clearInterval);
  state.timers = [];
  if (state.stream) state.stream.close();
  state.stream = null;
  state.api = null;
  Object.assign(state, { intents: [], conflicts: [], tracks: [], alerts: [], party: null, observer: false });
  state.missing.clear();
  for (const source of ["intents", "conflicts", "refused", "draft", "tracks", "alert-links"]) setFeatures(state.map, source, []);
  state.labels.update([]);
  state.notices.replaceAll([]);
  state.hotline.replaceAll([]);
  $("signin").hidden = false;
  $("panels").hidden = true;
  $("sign-out").hidden = true;
  $("who").textContent = "Not signed in";
  $("live").textContent = "offline";
  $("live").className = "live off";
  $("signin-error").textContent = reason;
  delete document.body.dataset.signedIn;
  $("api-key").focus();
}

function popups(map) {
  const popup = new maplibregl.Popup({ closeButton: true, maxWidth: "320px" });
  map.on("click", (event) => {
    if (state.filing && state.filing.drawing) return;
    const layers = ["conflicts-fill", "refused-fill", "intents-fill", "tracks"].filter((l) => map.getLayer(l));
    const [feature] = map.queryRenderedFeatures(event.point, { layers });
    if (!feature) return;
    const p = feature.properties;
    let text;
    if (feature.layer.id === "intents-fill") text = `${p.party}/${p.id}\n${p.kind}, ${p.state}\n${Math.round(p.lower_m)}–${Math.round(p.upper_m)} m\n${shortTime(p.start)} to ${shortTime(p.end)}`;
    else if (feature.layer.id === "tracks") text = `${p.callsign || p.id} (${p.party})\n${Math.round(p.alt_m ?? 0)} m, heading ${Math.round(p.trk_deg)}°${p.level ? `\nalert: ${p.level}` : ""}`;
    else text = `${feature.layer.id.startsWith("refused") ? "Refused filing" : "Conflict"} with ${p.counterparty || "another party"} (${p.mode})${p.kinds ? `\n${p.kinds}` : ""}`;
    popup.setLngLat(event.lngLat).setDOMContent(h("pre", { class: "popup" }, text)).addTo(map);
  });
}

async function start() {
  legend();
  const tabs = setUpTabs(document.querySelector('[role="tablist"]'));
  state.notices = new NoticesPanel({ list: $("notices"), count: $("notice-count"), onAck: (id) => state.api.ack(id), onShow: zoomTo });
  state.hotline = new HotlinePanel({ onSend: (m) => state.api.send(m), me: () => state.party });
  state.map = await createMap($("map"));
  state.labels = new TrackLabels(state.map);
  state.filing = new FilingPanel({
    map: state.map,
    setDraft: (features) => setFeatures(state.map, "draft", features),
    showRefused,
    file: (body) => state.api.fileIntent(body),
    onFiled: () => loadIntents().catch((error) => status(describe(error))),
  });
  state.timeBar = new TimeBar((moment) => {
    state.moment = moment;
    if (state.api) {
      drawIntents();
      drawConflicts();
    }
  });
  popups(state.map);
  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("signin-error").textContent = "";
    try {
      await signIn($("api-key").value.trim());
      $("api-key").value = "";
      tabs.select("tab-notices");
    } catch (error) {
      $("signin-error").textContent =
        error instanceof ApiError && error.status === 401 ? "That key is not accepted (unknown, malformed or expired)." : describe(error);
    }
  });
  $("sign-out").addEventListener("click", () => signOut());
  document.body.dataset.mapReady = "true";
  const saved = sessionStorage.getItem(KEY_STORE);
  if (saved) signIn(saved).catch(() => signOut("Please sign in again."));
  else $("api-key").focus();
}

start().catch((error) => {
  status(`The page failed to start: ${describe(error)}`);
  document.body.dataset.failed = String(error);
});
